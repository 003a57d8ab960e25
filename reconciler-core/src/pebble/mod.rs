//! Pebble, the service manager in every workload container: its layer format, the
//! operations a charm uses, and the errors they return. The in-memory container in
//! `testing` and the HTTP client that talks to a real `pebble` daemon over its unix socket
//! both implement [`Pebble`], and both fail with the same [`PebbleError`] variants, so
//! code that matches on them behaves the same in unit tests and under Juju.
//!
//! ```
//! use reconciler_core::pebble::{ErrorKind, ListFilesOptions, Pebble, PebbleError, PushOptions};
//! use reconciler_core::testing::Container;
//!
//! let mut container = Container::new("workload").with_user("app", 1000);
//! let secret = PushOptions { permissions: Some(0o600), user: Some("app".into()), ..PushOptions::default() };
//! container.push_with("/etc/app/secret.conf", b"token", &secret)?;
//! let info = &container.list_files("/etc/app", &ListFilesOptions::default())?[0];
//! assert_eq!((info.name.as_str(), info.permissions, info.user_id), ("secret.conf", 0o600, Some(1000)));
//! assert!(container.exists("/etc/app")?);
//!
//! // A directory where a file is expected: Pebble's per-file error, naming the path.
//! match container.push("/etc/app", b"x") {
//!     Err(PebbleError::Path { path, kind: ErrorKind::GenericFileError, .. }) => assert_eq!(path, "/etc/app"),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), PebbleError>(())
//! ```

mod checks;
mod error;
mod exec;
mod files;
mod layer;
mod notices;

pub use checks::{CheckInfo, CheckStatus};
pub use error::{BodySize, ErrorKind, PebbleError};
pub(crate) use exec::EXEC_REQUEST;
pub use exec::{ExecFailure, ExecOutput, ExecRequest};
pub(crate) use files::permissions_text;
pub use files::{FileInfo, FileType, ListFilesOptions, MakeDirOptions, PushOptions};
pub use layer::{
    Check, CheckLevel, ExecCheck, Extra, HttpCheck, Layer, LogTarget, LogTargetType, Override,
    Service, ServiceAction, Startup, TcpCheck,
};
#[cfg(any(test, feature = "testing"))]
pub(crate) use notices::valid_custom_key;
pub use notices::{NoticeQuery, NoticeType, PebbleNotice};

use std::collections::BTreeMap;

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
    /// the same label. A layer that would leave the plan invalid (a service without a
    /// command, a check without `http`, `tcp` or `exec`, a dependency on a service that
    /// does not exist, ...) is refused with a [`PebbleError::Api`] of status 400 giving
    /// Pebble's reason, and the plan stays as it was.
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

    /// Writes a file (`POST /v1/files`) with [`PushOptions::default`]: parent directories
    /// created, mode `0644`, no owner set.
    fn push(&mut self, path: &str, content: &[u8]) -> Result<(), PebbleError> {
        self.push_with(path, content, &PushOptions::default())
    }

    /// Writes a file (`POST /v1/files`) with a mode, an owner, and whether missing
    /// parents are created. A path Pebble refuses (relative, a directory, a missing parent
    /// without `make_dirs`, a user that does not exist, a mode over `0o777`) is a
    /// [`PebbleError::Path`] naming the path, with Pebble's kind and reason.
    fn push_with(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<(), PebbleError>;

    /// Reads a file (`GET /v1/files`). A missing file is a
    /// [`PebbleError::Path`] of kind [`ErrorKind::NotFound`]
    /// ([`is_not_found`](PebbleError::is_not_found)).
    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError>;

    /// Lists a directory's entries, or a file (or with `itself` a directory) itself
    /// (`GET /v1/files?action=list`). A missing path is a [`PebbleError::Api`] of status
    /// 404 and kind [`ErrorKind::NotFound`]; a relative one an `Api` error of status 400.
    fn list_files(
        &mut self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, PebbleError>;

    /// Whether `path` exists (a file, directory, or anything else): a listing of the path
    /// itself, with not-found answered `false` and any other error returned.
    fn exists(&mut self, path: &str) -> Result<bool, PebbleError> {
        let itself = ListFilesOptions {
            pattern: None,
            itself: true,
        };
        match self.list_files(path, &itself) {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Creates a directory (`POST /v1/files`, `make-dirs`). Without `make_parents`, a
    /// missing parent is a [`PebbleError::Path`] of kind `not-found` and an existing
    /// path one of kind `generic-file-error`.
    fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError>;

    /// Removes a file or directory (`POST /v1/files`, `remove`); with `recursive`, a
    /// directory and everything in it, and a missing path is no error. Without it, a
    /// missing path is a [`PebbleError::Path`] of kind `not-found` and a directory that
    /// is not empty one of kind `generic-file-error`.
    fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), PebbleError>;

    /// Every health check's state (`GET /v1/checks`).
    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError>;

    /// Starts checks that are not running (`POST /v1/checks`, Pebble 1.18+); returns the
    /// names of those it started, sorted. A name not in the plan is a
    /// [`PebbleError::Api`] of status 400, and nothing is started.
    fn start_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError>;

    /// Stops running checks (`POST /v1/checks`, Pebble 1.18+); their status becomes
    /// [`CheckStatus::Inactive`]. Returns the names of those it stopped, sorted.
    fn stop_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError>;

    /// The notices the query selects (`GET /v1/notices`), oldest first.
    fn notices(&mut self, query: &NoticeQuery) -> Result<Vec<PebbleNotice>, PebbleError>;

    /// Records a custom notice (`POST /v1/notices`) with `key` (like
    /// `example.com/db-ready`) and `data`; returns its id. Recording the same key again
    /// is another occurrence of the same notice (same id). A key not in that form is a
    /// [`PebbleError::Api`] of status 400.
    fn notify(&mut self, key: &str, data: &BTreeMap<String, String>)
    -> Result<String, PebbleError>;

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
