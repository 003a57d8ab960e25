//! The errors of Pebble operations.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::timeouts::seconds;

/// The `kind` Pebble gives an error: what sort of failure it was, as a word a program can
/// match on. Pebble's files API always gives one for a per-file error; its other
/// endpoints give one only for some errors.
///
/// ```
/// use reconciler_core::pebble::ErrorKind;
///
/// assert_eq!(ErrorKind::from_pebble("not-found"), ErrorKind::NotFound);
/// assert_eq!(ErrorKind::from_pebble("change-conflict").as_str(), "change-conflict");
/// assert_eq!(ErrorKind::PermissionDenied.to_string(), "permission-denied");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `not-found`: the file (or other thing named) does not exist.
    NotFound,
    /// `permission-denied`: Pebble may not read or write it.
    PermissionDenied,
    /// `generic-file-error`: any other file error (a relative path, a directory where a
    /// file was expected, ...).
    GenericFileError,
    /// Any other kind Pebble names, as it names it.
    Other(String),
}

impl ErrorKind {
    /// The kind for Pebble's word.
    pub fn from_pebble(kind: &str) -> ErrorKind {
        match kind {
            "not-found" => ErrorKind::NotFound,
            "permission-denied" => ErrorKind::PermissionDenied,
            "generic-file-error" => ErrorKind::GenericFileError,
            other => ErrorKind::Other(other.to_owned()),
        }
    }

    /// Pebble's word for this kind.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::PermissionDenied => "permission-denied",
            ErrorKind::GenericFileError => "generic-file-error",
            ErrorKind::Other(kind) => kind,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How large a response body was when it was refused for being over the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodySize {
    /// The size the response announced (`Content-Length` or one chunk's size); nothing of
    /// it was read.
    Announced(u64),
    /// More than the limit arrived before reading stopped (a body without a length).
    MoreThan(u64),
}

impl fmt::Display for BodySize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodySize::Announced(n) => write!(f, "{n} bytes"),
            BodySize::MoreThan(n) => write!(f, "more than {n} bytes"),
        }
    }
}

/// Why a Pebble operation failed.
///
/// Every variant names the container and the request, and its text starts with them:
/// `pebble workload: GET /v1/plan: ...`. The request is the method and the path, without
/// the query (so a file's path appears only where the variant names it).
///
/// A missing file is matchable the same way against the real Pebble and the in-memory
/// container of `testing`:
///
/// ```
/// use reconciler_core::pebble::{ErrorKind, Pebble, PebbleError};
/// use reconciler_core::testing::Container;
///
/// let mut container = Container::new("workload");
/// match container.pull("/etc/missing.conf") {
///     Err(PebbleError::Path { kind: ErrorKind::NotFound, path, .. }) => {
///         assert_eq!(path, "/etc/missing.conf")
///     }
///     other => panic!("{other:?}"),
/// }
/// let e = container.pull("/etc/missing.conf").unwrap_err();
/// assert!(e.is_not_found());
/// assert_eq!(
///     e.to_string(),
///     "pebble workload: GET /v1/files: /etc/missing.conf: not-found: \
///      stat /etc/missing.conf: no such file or directory"
/// );
/// ```
///
/// As a component's error (`?` in a component), a timeout or a connection failure makes
/// the component Waiting (Pebble is not up, or not answering: a later hook may find it
/// up); every other error keeps the default, Blocked. Either way the status message is
/// the error's text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PebbleError {
    /// Pebble's socket could not be reached, or the connection failed while talking.
    #[error("pebble {container}: {request}: cannot talk to Pebble at {}", socket.display())]
    Connection {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// The socket.
        socket: PathBuf,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },
    /// Pebble did not answer within the deadline, or (with `earlier`) an earlier request
    /// to this container timed out in this hook, so this one was not sent.
    #[error(
        "pebble {container}: {request}: {}",
        match earlier {
            None => format!("timed out after {} s", seconds(*deadline)),
            Some(earlier) => format!(
                "not sent: {earlier} timed out after {} s earlier in this hook, so Pebble is taken to be hung",
                seconds(*deadline)
            ),
        }
    )]
    Timeout {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// The deadline of one operation.
        deadline: Duration,
        /// The earlier request that timed out, when this request was not sent because of
        /// it.
        earlier: Option<String>,
    },
    /// Pebble answered with an error (an HTTP status of 400 or more, or an error
    /// envelope).
    #[error(
        "pebble {container}: {request}: HTTP {status}{}: {message}",
        kind.as_ref().map(|k| format!(" ({k})")).unwrap_or_default()
    )]
    Api {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// The HTTP status code.
        status: u16,
        /// Pebble's error kind, when it gives one.
        kind: Option<ErrorKind>,
        /// Pebble's message.
        message: String,
    },
    /// The files API refused one file: Pebble's per-file error.
    #[error("pebble {container}: {request}: {path}: {kind}: {message}")]
    Path {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// The file's path.
        path: String,
        /// What sort of error (Pebble always gives one for a file; `generic-file-error`
        /// when it does not say).
        kind: ErrorKind,
        /// Pebble's message.
        message: String,
    },
    /// A change (starting, stopping, restarting services) finished with an error.
    #[error("pebble {container}: {request}: {action}: {message}")]
    ChangeFailed {
        /// The container.
        container: String,
        /// The request that started the change.
        request: String,
        /// What the change was: `replan`, or `start a, b`.
        action: String,
        /// The change's id.
        change: String,
        /// The change's error, as Pebble reports it.
        message: String,
    },
    /// The response is not what Pebble sends: malformed HTTP, a truncated body, a
    /// multipart body without its closing boundary, JSON that is not Pebble's envelope.
    /// The message says what was wrong and where, never the response's content.
    #[error("pebble {container}: {request}: malformed response: {message}")]
    Protocol {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// What was wrong.
        message: String,
    },
    /// The response body is larger than the client accepts; reading stopped there.
    #[error(
        "pebble {container}: {request}: response body of {size} is over the limit of {limit} bytes"
    )]
    BodyTooLarge {
        /// The container.
        container: String,
        /// The request: method and path.
        request: String,
        /// The limit, in bytes.
        limit: u64,
        /// The size seen.
        size: BodySize,
    },
}

impl PebbleError {
    /// The container the request was for.
    pub fn container(&self) -> &str {
        match self {
            PebbleError::Connection { container, .. }
            | PebbleError::Timeout { container, .. }
            | PebbleError::Api { container, .. }
            | PebbleError::Path { container, .. }
            | PebbleError::ChangeFailed { container, .. }
            | PebbleError::Protocol { container, .. }
            | PebbleError::BodyTooLarge { container, .. } => container,
        }
    }

    /// The request: method and path, like `GET /v1/plan`.
    pub fn request(&self) -> &str {
        match self {
            PebbleError::Connection { request, .. }
            | PebbleError::Timeout { request, .. }
            | PebbleError::Api { request, .. }
            | PebbleError::Path { request, .. }
            | PebbleError::ChangeFailed { request, .. }
            | PebbleError::Protocol { request, .. }
            | PebbleError::BodyTooLarge { request, .. } => request,
        }
    }

    /// Pebble's error kind, if Pebble gave one.
    pub fn kind(&self) -> Option<&ErrorKind> {
        match self {
            PebbleError::Api { kind, .. } => kind.as_ref(),
            PebbleError::Path { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Whether Pebble said the thing named does not exist (kind `not-found`), as for
    /// `pull` of a missing file.
    pub fn is_not_found(&self) -> bool {
        self.kind() == Some(&ErrorKind::NotFound)
    }

    /// Whether this is a [`Timeout`](PebbleError::Timeout), including a request not sent
    /// because an earlier one timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, PebbleError::Timeout { .. })
    }

    /// Whether Pebble could not be reached ([`Connection`](PebbleError::Connection)) or
    /// did not answer in time ([`Timeout`](PebbleError::Timeout)): the errors of a
    /// Pebble that is not up (yet), which make a component Waiting.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            PebbleError::Connection { .. } | PebbleError::Timeout { .. }
        )
    }
}

impl From<PebbleError> for crate::ComponentError {
    /// The error's text, cause included, becomes the component's message. A timeout or a
    /// connection failure makes the component Waiting with it; any other error keeps the
    /// default, Blocked.
    ///
    /// ```
    /// use reconciler_core::pebble::Pebble;
    /// use reconciler_core::testing::Container;
    /// use reconciler_core::{ComponentError, Status};
    ///
    /// let mut down = Container::new("workload").unreachable();
    /// let e = ComponentError::from(down.services(&[]).unwrap_err());
    /// assert_eq!(
    ///     e.status(),
    ///     Status::waiting(
    ///         "pebble workload: GET /v1/services: cannot talk to Pebble at \
    ///          /charm/containers/workload/pebble.socket: connection refused"
    ///     )
    /// );
    ///
    /// let mut up = Container::new("workload");
    /// let e = ComponentError::from(up.start(&["nope"]).unwrap_err());
    /// assert_eq!(
    ///     e.status(),
    ///     Status::blocked(
    ///         "pebble workload: POST /v1/services: HTTP 400: \
    ///          cannot start services: service \"nope\" does not exist"
    ///     )
    /// );
    /// ```
    fn from(error: PebbleError) -> crate::ComponentError {
        let chain: &(dyn std::error::Error + 'static) = &error;
        let text = crate::error::join_chain(std::iter::successors(Some(chain), |&e| e.source()));
        if error.is_unavailable() {
            crate::ComponentError::waiting(text)
        } else {
            crate::ComponentError::new(text)
        }
    }
}

impl From<PebbleError> for crate::BackendError {
    /// A [`BackendError::Failed`](crate::BackendError::Failed) with the same text, for
    /// code that returns backend errors: its operation is `pebble <container>: <request>`,
    /// its message the rest, its source the operating system's error of a connection
    /// failure.
    ///
    /// ```
    /// use reconciler_core::pebble::Pebble;
    /// use reconciler_core::testing::Container;
    /// use reconciler_core::BackendError;
    ///
    /// let e = Container::new("workload").pull("/missing").unwrap_err();
    /// let text = e.to_string();
    /// assert_eq!(BackendError::from(e).to_string(), text);
    /// ```
    fn from(error: PebbleError) -> crate::BackendError {
        let operation = format!("pebble {}: {}", error.container(), error.request());
        let text = error.to_string();
        let message = text
            .strip_prefix(&format!("{operation}: "))
            .unwrap_or(&text)
            .to_owned();
        let source: Option<crate::error::BoxError> = match error {
            PebbleError::Connection { source, .. } => Some(Box::new(source)),
            _ => None,
        };
        crate::BackendError::Failed {
            operation,
            message,
            source,
        }
    }
}
