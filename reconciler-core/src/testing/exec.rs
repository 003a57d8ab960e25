//! `exec` in the in-memory [`Container`]: commands are answered by handlers a test
//! registers ([`Container::on_exec`]), and every command run is recorded
//! ([`Container::execs`]).

use std::fmt;
use std::sync::Arc;

use crate::pebble::{EXEC_REQUEST, ExecFailure, ExecOutput, ExecRequest, PebbleError};
use crate::testing::state::Container;

/// What a handler registered with [`Container::on_exec`] makes the command do: end with
/// an output (any [`ExecOutput`] converts into one), or never end.
///
/// ```
/// use std::time::Duration;
/// use reconciler_core::pebble::{ExecFailure, ExecRequest, Pebble, PebbleError};
/// use reconciler_core::testing::{Container, ExecReply};
///
/// let mut container = Container::new("workload").with_exec("sleep", |_| ExecReply::Hangs);
/// let request = ExecRequest::new(["sleep", "infinity"]).timeout(Duration::from_secs(1));
/// match container.exec(&request) {
///     Err(PebbleError::Exec { failure: ExecFailure::TimedOut { timeout }, .. }) => {
///         assert_eq!(timeout, Duration::from_secs(1))
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecReply {
    /// The command ends with this output.
    Output(ExecOutput),
    /// The command never ends: with a timeout in the request, Pebble kills it then
    /// ([`ExecFailure::TimedOut`]); without one, the client's deadline passes
    /// ([`PebbleError::Timeout`], after the default deadline of 20 s, though the
    /// in-memory container answers at once).
    Hangs,
}

impl From<ExecOutput> for ExecReply {
    fn from(output: ExecOutput) -> ExecReply {
        ExecReply::Output(output)
    }
}

/// A handler of commands, shared by clones of a container.
type Handler = Arc<dyn Fn(&ExecRequest) -> ExecReply + Send + Sync>;

/// The commands an in-memory [`Container`] can run: a handler per command prefix.
///
/// Two sets are equal when they have the same prefixes with the same handlers (a
/// container and its clone compare equal).
#[derive(Clone, Default)]
pub struct ExecHandlers {
    handlers: Vec<(Vec<String>, Handler)>,
}

impl ExecHandlers {
    /// The handler whose prefix is the longest that `command` starts with; the later
    /// registered of two with the same prefix.
    fn find(&self, command: &[String]) -> Option<&Handler> {
        // `max_by_key` gives the last of equal maxima: the later registered.
        self.handlers
            .iter()
            .filter(|(prefix, _)| command.starts_with(prefix))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, handler)| handler)
    }

    /// The prefixes handled, in the order registered.
    pub fn prefixes(&self) -> impl Iterator<Item = &[String]> {
        self.handlers.iter().map(|(prefix, _)| prefix.as_slice())
    }
}

impl fmt::Debug for ExecHandlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.prefixes()).finish()
    }
}

impl PartialEq for ExecHandlers {
    fn eq(&self, other: &ExecHandlers) -> bool {
        self.handlers.len() == other.handlers.len()
            && self
                .handlers
                .iter()
                .zip(&other.handlers)
                .all(|((a, f), (b, g))| a == b && std::ptr::addr_eq(Arc::as_ptr(f), Arc::as_ptr(g)))
    }
}

impl Eq for ExecHandlers {}

impl Container {
    /// Registers `handler` for the commands starting with `command`, split at spaces:
    /// `"ls"` handles every `ls ...`, `"git status"` every `git status ...`. The handler
    /// with the longest matching prefix answers; of two with the same prefix, the later
    /// registered. A command no handler matches fails as Pebble fails for an executable
    /// it cannot find.
    ///
    /// ```
    /// use reconciler_core::pebble::{ExecOutput, ExecRequest, Pebble};
    /// use reconciler_core::testing::Container;
    ///
    /// let mut container = Container::new("workload");
    /// container.on_exec("git", |_| ExecOutput::new(1));
    /// container.on_exec("git status", |request: &ExecRequest| {
    ///     ExecOutput::new(0).with_stdout(format!("in {}", request.working_dir.as_deref().unwrap_or("~")))
    /// });
    /// let status = ExecRequest::new(["git", "status", "-s"]).working_dir("/srv");
    /// assert_eq!(container.exec(&status)?.stdout_text(), "in /srv");
    /// assert_eq!(container.exec(&ExecRequest::new(["git", "log"]))?.exit_code, 1);
    /// assert_eq!(container.execs(), [status, ExecRequest::new(["git", "log"])]);
    /// # Ok::<(), reconciler_core::pebble::PebbleError>(())
    /// ```
    pub fn on_exec<F, R>(&mut self, command: &str, handler: F) -> &mut Container
    where
        F: Fn(&ExecRequest) -> R + Send + Sync + 'static,
        R: Into<ExecReply>,
    {
        let prefix = command.split_whitespace().map(str::to_owned).collect();
        self.exec_handlers
            .handlers
            .push((prefix, Arc::new(move |request| handler(request).into())));
        self
    }

    /// This container with `handler` registered for the commands starting with
    /// `command`, as [`on_exec`](Self::on_exec) does.
    #[must_use]
    pub fn with_exec<F, R>(mut self, command: &str, handler: F) -> Container
    where
        F: Fn(&ExecRequest) -> R + Send + Sync + 'static,
        R: Into<ExecReply>,
    {
        self.on_exec(command, handler);
        self
    }

    /// Every command run so far, in order: those a handler answered (not those refused
    /// before sending, nor those no handler matched).
    pub fn execs(&self) -> &[ExecRequest] {
        &self.executed
    }

    /// [`Pebble::exec`](crate::pebble::Pebble::exec) of the in-memory container.
    pub(crate) fn run_exec(&mut self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        self.reachable(EXEC_REQUEST)?;
        if let Some(reason) = request.problem() {
            return Err(request.refused(&self.name, reason));
        }
        let Some(handler) = self.exec_handlers.find(&request.command).cloned() else {
            // Pebble's own answer for an executable it cannot find.
            return Err(PebbleError::Api {
                container: self.name.clone(),
                request: EXEC_REQUEST.to_owned(),
                status: 400,
                kind: None,
                message: format!("cannot find executable {:?}", request.command[0]),
            });
        };
        self.executed.push(request.clone());
        match handler(request) {
            ExecReply::Output(output) => Ok(output.for_request(&self.name, request)),
            ExecReply::Hangs => Err(match request.timeout {
                Some(timeout) => PebbleError::Exec {
                    container: self.name.clone(),
                    request: EXEC_REQUEST.to_owned(),
                    command: request.to_string(),
                    failure: ExecFailure::TimedOut { timeout },
                },
                None => PebbleError::Timeout {
                    container: self.name.clone(),
                    request: EXEC_REQUEST.to_owned(),
                    deadline: crate::juju::pebble_client::TIMEOUT.default,
                    earlier: None,
                },
            }),
        }
    }
}
