//! Pebble, the service manager in every workload container: its layer format, the
//! operations a charm uses, and the errors they return. The in-memory container in
//! `testing` and the HTTP client that talks to a real `pebble` daemon over its unix socket
//! both implement [`Pebble`], and both fail with the same [`PebbleError`] variants, so
//! code that matches on them behaves the same in unit tests and under Juju.

mod checks;
mod error;
mod exec;
mod layer;

pub use checks::{CheckInfo, CheckStatus};
pub use error::{BodySize, ErrorKind, PebbleError};
pub(crate) use exec::EXEC_REQUEST;
pub use exec::{ExecFailure, ExecOutput, ExecRequest};
pub use layer::{Check, Layer, Override, Service, Startup};

use serde::{Deserialize, Serialize};

/// The state of a service, as `GET /v1/services` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Running.
    Active,
    /// Not running.
    Inactive,
    /// Waiting to be restarted after exiting.
    Backoff,
    /// Failed and not being restarted.
    Error,
}

/// A service and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// The service's name.
    pub name: String,
    /// Whether replan starts it.
    pub startup: Startup,
    /// Whether it is running.
    pub current: ServiceStatus,
}

/// The operations a charm performs on a workload container's Pebble.
///
/// Every method but [`can_connect`](Pebble::can_connect) returns a [`PebbleError`] on
/// failure. The HTTP client ([`PebbleClient`](crate::juju::PebbleClient)) gives each call
/// one overall deadline; see its documentation.
pub trait Pebble {
    /// Whether Pebble answers (`GET /v1/system-info`).
    fn can_connect(&mut self) -> bool;

    /// Adds a layer (`POST /v1/layers`); with `combine`, merges into an existing layer of
    /// the same label.
    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError>;

    /// The combined plan of every layer (`GET /v1/plan`).
    fn plan(&mut self) -> Result<Layer, PebbleError>;

    /// The named services' state, or every service's when `names` is empty
    /// (`GET /v1/services`).
    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError>;

    /// Starts enabled services and restarts those whose definition changed
    /// (`POST /v1/services` with `replan`), waiting for the change to finish.
    fn replan(&mut self) -> Result<(), PebbleError>;

    /// Starts services, waiting for the change to finish.
    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError>;

    /// Stops services, waiting for the change to finish.
    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError>;

    /// Restarts services, waiting for the change to finish.
    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError>;

    /// Writes a file (`POST /v1/files`), creating parent directories.
    fn push(&mut self, path: &str, content: &[u8]) -> Result<(), PebbleError>;

    /// Reads a file (`GET /v1/files`). A missing file is a
    /// [`PebbleError::Path`] of kind [`ErrorKind::NotFound`]
    /// ([`is_not_found`](PebbleError::is_not_found)).
    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError>;

    /// Every health check's state (`GET /v1/checks`).
    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError>;

    /// Runs a command in the container and waits for it to end (`POST /v1/exec`),
    /// returning its exit code and everything it wrote to its standard output and error.
    ///
    /// A non-zero exit code is an [`ExecOutput`], not an error
    /// ([`ExecOutput::into_success`] makes it one). The errors:
    /// - an executable Pebble cannot find: [`PebbleError::Api`] with status 400 and
    ///   Pebble's message, `cannot find executable "nope"`;
    /// - a request that cannot be sent (an empty command, a NUL character in an argument,
    ///   ...): [`PebbleError::Exec`] with [`ExecFailure::Refused`], before anything is
    ///   sent;
    /// - a command still running at the request's timeout, which Pebble kills:
    ///   [`PebbleError::Exec`] with [`ExecFailure::TimedOut`];
    /// - a command still running at the client's deadline (which bounds every command,
    ///   with or without a timeout of its own): [`PebbleError::Timeout`], and Pebble kills
    ///   it;
    /// - a request Pebble refuses (a working directory or a user that does not exist,
    ///   ...): [`PebbleError::Api`] with Pebble's message;
    /// - a command Pebble could not start: [`PebbleError::ChangeFailed`] with Pebble's
    ///   message.
    ///
    /// ```
    /// use reconciler_core::pebble::{ExecOutput, ExecRequest, Pebble};
    /// use reconciler_core::testing::Container;
    ///
    /// let mut container = Container::new("workload")
    ///     .with_exec("app version", |_request| ExecOutput::new(0).with_stdout("1.2.3\n"));
    /// let output = container.exec(&ExecRequest::new(["app", "version"]))?.into_success()?;
    /// assert_eq!(output.stdout_text().trim(), "1.2.3");
    /// assert_eq!(container.execs()[0].command, ["app", "version"]);
    ///
    /// let missing = container.exec(&ExecRequest::new(["nope"])).unwrap_err();
    /// assert_eq!(
    ///     missing.to_string(),
    ///     "pebble workload: POST /v1/exec: HTTP 400: cannot find executable \"nope\""
    /// );
    /// # Ok::<(), reconciler_core::pebble::PebbleError>(())
    /// ```
    fn exec(&mut self, request: &ExecRequest) -> Result<ExecOutput, PebbleError>;
}
