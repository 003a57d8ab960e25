//! What a component sees while it runs: the event, the backend, and leadership.

use crate::backend::{Backend, BackendError, ConfigValue};
use crate::event::Event;

/// The context of one hook, handed to every component method.
///
/// It borrows the [`Backend`] (the in-memory model in tests, hook tools under Juju) and
/// the [`Event`] being handled.
pub struct Context<'a> {
    backend: &'a mut dyn Backend,
    event: &'a Event,
}

impl<'a> Context<'a> {
    /// A context for handling `event` through `backend`.
    pub fn new(backend: &'a mut dyn Backend, event: &'a Event) -> Context<'a> {
        Context { backend, event }
    }

    /// The event being handled.
    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// Whether this unit leads its application.
    ///
    /// The backend answers, and it alone decides how long an answer holds: under Juju an
    /// answer is reused for Juju's leadership lease (30 s) and asked again after it, so a
    /// long hook does not act on leadership it may have lost.
    pub fn is_leader(&mut self) -> Result<bool, BackendError> {
        self.backend.is_leader()
    }

    /// The value of the config option `key`: `Ok(None)` when it is declared but unset
    /// with no default, an error naming `key` and the declared options when the charm's
    /// metadata does not declare it (a typo, not an unset option). See
    /// [`Backend::config_value`].
    pub fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        self.backend.config_value(key)
    }

    /// The backend, for operations the context has no shortcut for.
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.backend
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}
