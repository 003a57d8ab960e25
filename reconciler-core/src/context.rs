//! What a component sees while it runs: the event, the backend, and leadership.

use crate::backend::{Backend, BackendError};
use crate::event::Event;

/// The context of one hook, handed to every component method.
///
/// It borrows the [`Backend`] (the in-memory model in tests, hook tools under Juju) and
/// the [`Event`] being handled. Leadership is read once and cached.
pub struct Context<'a> {
    backend: &'a mut dyn Backend,
    event: &'a Event,
    leader: Option<bool>,
}

impl<'a> Context<'a> {
    /// A context for handling `event` through `backend`.
    pub fn new(backend: &'a mut dyn Backend, event: &'a Event) -> Context<'a> {
        Context {
            backend,
            event,
            leader: None,
        }
    }

    /// The event being handled.
    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// Whether this unit leads its application (read from the backend once per context).
    pub fn is_leader(&mut self) -> Result<bool, BackendError> {
        if let Some(leader) = self.leader {
            return Ok(leader);
        }
        let leader = self.backend.is_leader()?;
        self.leader = Some(leader);
        Ok(leader)
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
            .field("leader", &self.leader)
            .finish_non_exhaustive()
    }
}
