//! Errors: what a component returns when it cannot reach its desired state, and what the
//! runtime graph builder returns for a graph it refuses.

use std::error::Error as StdError;
use std::fmt;

use crate::status::Status;

/// A boxed error that can cross threads, the usual `source` of a [`ComponentError`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// What a component returns when it could not do its job.
///
/// It carries a message, optionally the [`Status`] the component should show, and
/// optionally the underlying error whose cause chain is logged. Without an explicit status
/// the component shows [`Status::blocked`] with the whole error chain as its message.
///
/// ```
/// use reconciler_core::{ComponentError, ResultExt, Status};
///
/// // An explained failure: the status is what the operator sees.
/// let e = ComponentError::blocked("needs relation db");
/// assert_eq!(e.status(), Status::blocked("needs relation db"));
///
/// // An unexplained one: the status says what went wrong, cause included.
/// let parsed: Result<u16, _> = "80x".parse::<u16>();
/// let e = parsed.context("config option port").unwrap_err();
/// assert_eq!(e.status(), Status::blocked("config option port: invalid digit found in string"));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ComponentError {
    message: String,
    status: Option<Status>,
    #[source]
    source: Option<BoxError>,
}

impl ComponentError {
    /// An error with a message and no explicit status.
    pub fn new(message: impl Into<String>) -> ComponentError {
        ComponentError {
            message: message.into(),
            status: None,
            source: None,
        }
    }

    /// An error whose status is the given one and whose message is that status's message.
    pub fn from_status(status: Status) -> ComponentError {
        ComponentError {
            message: status.message.clone(),
            status: Some(status),
            source: None,
        }
    }

    /// An error that sets the component [`Status::blocked`] with this message.
    pub fn blocked(message: impl Into<String>) -> ComponentError {
        ComponentError::from_status(Status::blocked(message))
    }

    /// An error that sets the component [`Status::waiting`] with this message.
    pub fn waiting(message: impl Into<String>) -> ComponentError {
        ComponentError::from_status(Status::waiting(message))
    }

    /// An error that sets the component [`Status::maintenance`] with this message.
    pub fn maintenance(message: impl Into<String>) -> ComponentError {
        ComponentError::from_status(Status::maintenance(message))
    }

    /// Sets the status the component shows for this error.
    #[must_use]
    pub fn with_status(mut self, status: Status) -> ComponentError {
        self.status = Some(status);
        self
    }

    /// Attaches the underlying error; its chain is logged and, without an explicit status,
    /// shown in the status message.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> ComponentError {
        self.source = Some(source.into());
        self
    }

    /// The message, without the cause chain.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The status this error asks for, if it carries one.
    pub fn explicit_status(&self) -> Option<&Status> {
        self.status.as_ref()
    }

    /// The status the component shows: the carried one, else Blocked with
    /// [`chain_text`](Self::chain_text).
    pub fn status(&self) -> Status {
        match &self.status {
            Some(status) => status.clone(),
            None => Status::blocked(self.chain_text()),
        }
    }

    /// This error and its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let first: &(dyn StdError + 'static) = self;
        std::iter::successors(Some(first), |&e| e.source())
    }

    /// The messages of [`chain`](Self::chain) joined with `": "`, skipping empty ones.
    pub fn chain_text(&self) -> String {
        join_chain(self.chain())
    }
}

/// Joins an error chain into one line: `outer: middle: root cause`.
pub(crate) fn join_chain<'a>(chain: impl Iterator<Item = &'a (dyn StdError + 'static)>) -> String {
    let mut text = String::new();
    for error in chain {
        let message = error.to_string();
        if message.is_empty() {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    text
}

/// Turns any `Result` into one with a [`ComponentError`], so `?` works in components.
///
/// ```
/// use reconciler_core::{ComponentError, ResultExt, Status};
///
/// fn port(raw: &str) -> Result<u16, ComponentError> {
///     raw.parse::<u16>().or_blocked(format!("config option port: {raw:?} is not a port"))
/// }
/// assert_eq!(port("80").unwrap(), 80);
/// let e = port("http").unwrap_err();
/// assert_eq!(e.status(), Status::blocked("config option port: \"http\" is not a port"));
/// assert_eq!(e.chain_text(), "config option port: \"http\" is not a port: invalid digit found in string");
/// ```
pub trait ResultExt<T> {
    /// Wraps the error with a message; the status defaults to Blocked with the chain.
    fn context(self, message: impl Into<String>) -> Result<T, ComponentError>;
    /// Wraps the error; the component shows Blocked with `message`.
    fn or_blocked(self, message: impl Into<String>) -> Result<T, ComponentError>;
    /// Wraps the error; the component shows Waiting with `message`.
    fn or_waiting(self, message: impl Into<String>) -> Result<T, ComponentError>;
}

impl<T, E> ResultExt<T> for Result<T, E>
where
    E: StdError + Send + Sync + 'static,
{
    fn context(self, message: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|e| ComponentError::new(message).with_source(e))
    }

    fn or_blocked(self, message: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|e| ComponentError::blocked(message).with_source(e))
    }

    fn or_waiting(self, message: impl Into<String>) -> Result<T, ComponentError> {
        self.map_err(|e| ComponentError::waiting(message).with_source(e))
    }
}

/// A graph the runtime [`GraphBuilder`](crate::GraphBuilder) refused, with every problem
/// found (not only the first).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct GraphError {
    /// What is wrong, in the order found.
    pub problems: Vec<GraphProblem>,
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problems[..] {
            [one] => write!(f, "invalid component graph: {one}"),
            many => {
                write!(f, "invalid component graph ({} problems):", many.len())?;
                for problem in many {
                    write!(f, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}

/// One problem in a component graph. The messages match the derive's compile errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphProblem {
    /// Two components share a name.
    #[error("duplicate component name `{name}`")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
    /// A component depends on itself.
    #[error("component `{component}` depends on itself")]
    SelfDependency {
        /// The component.
        component: String,
    },
    /// A component lists a dependency twice.
    #[error("component `{component}` lists `{dependency}` twice in depends_on")]
    DuplicateDependency {
        /// The component.
        component: String,
        /// The repeated dependency.
        dependency: String,
    },
    /// A dependency names no component.
    #[error(
        "component `{component}` depends on `{dependency}`, which is not a component{}",
        suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default()
    )]
    UnknownDependency {
        /// The component.
        component: String,
        /// The unknown name.
        dependency: String,
        /// A near miss among the component names.
        suggestion: Option<String>,
    },
    /// Components depend on each other in a circle.
    #[error("dependency cycle: {}", path.join(" -> "))]
    Cycle {
        /// The cycle, first element repeated at the end; each depends on the next.
        path: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connection refused")]
    struct Root;

    #[test]
    fn default_status_is_blocked_with_the_chain() {
        let e = ComponentError::new("pushing layer")
            .with_source(ComponentError::new("talking to pebble").with_source(Root));
        assert_eq!(
            e.status(),
            Status::blocked("pushing layer: talking to pebble: connection refused")
        );
        assert_eq!(e.chain().count(), 3);
        assert_eq!(e.message(), "pushing layer");
    }

    #[test]
    fn explicit_status_wins_and_chain_is_kept() {
        let e = ComponentError::waiting("pebble not up yet").with_source(Root);
        assert_eq!(e.status(), Status::waiting("pebble not up yet"));
        assert_eq!(e.chain_text(), "pebble not up yet: connection refused");
    }

    #[test]
    fn graph_error_lists_every_problem() {
        let e = GraphError {
            problems: vec![
                GraphProblem::UnknownDependency {
                    component: "relation_1".into(),
                    dependency: "worklaod".into(),
                    suggestion: Some("workload".into()),
                },
                GraphProblem::Cycle {
                    path: vec!["a".into(), "b".into(), "a".into()],
                },
            ],
        };
        assert_eq!(
            e.to_string(),
            "invalid component graph (2 problems):\n  \
             - component `relation_1` depends on `worklaod`, which is not a component; did you mean `workload`?\n  \
             - dependency cycle: a -> b -> a"
        );
    }
}
