//! The backend trait: every interaction a charm has with Juju and its workloads passes
//! through it. The in-memory model in [`testing`](crate::testing) and the hook-tool
//! backend that runs under real Juju both implement it, so components are tested in
//! process against the same interface they use in production.

use crate::error::BoxError;

/// What a charm can ask of Juju.
///
/// Methods take `&mut self` so implementations can cache what Juju guarantees stable
/// within one hook (leadership, config) without interior mutability.
pub trait Backend {
    /// Whether this unit is the application's leader (`is-leader`).
    fn is_leader(&mut self) -> Result<bool, BackendError>;
}

/// A failed backend operation: which operation, and why.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Juju refused the operation (for example a non-leader writing application data).
    #[error("{operation}: refused: {reason}")]
    Refused {
        /// What was attempted, as a command line or a short description.
        operation: String,
        /// Why Juju refused it.
        reason: String,
    },
    /// The operation could not be carried out (a tool failed, an answer was malformed).
    #[error("{operation}: {message}")]
    Failed {
        /// What was attempted, as a command line or a short description.
        operation: String,
        /// What went wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

impl From<BackendError> for crate::ComponentError {
    fn from(error: BackendError) -> crate::ComponentError {
        crate::ComponentError::new("backend operation failed").with_source(error)
    }
}
