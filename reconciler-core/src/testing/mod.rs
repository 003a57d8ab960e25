//! Testing charms without Juju: an in-memory Juju model and a harness that runs one event
//! against it, in the spirit of ops-scenario.
//!
//! - [`State`] describes what a unit sees: leadership, config, relations and their
//!   databags, containers and their Pebble, statuses, opened ports, stored state.
//! - [`Harness`] runs one event of a charm against a `State`, through the same routing Juju
//!   uses ([`handle_event`](crate::handle_event)), after checking that the event could
//!   happen in that state ([`Inconsistency`]). It returns an [`Output`]: the new state, the
//!   statuses, the log lines, what each component did and the relation data written.
//! - [`MemoryBackend`] is the [`Backend`](crate::Backend) over a `State`; it enforces Juju's
//!   rules (only the leader writes application data or status; an empty relation value
//!   deletes the key).
//! - Event helpers ([`Event::relation_changed`](crate::Event::relation_changed),
//!   [`Event::pebble_ready`](crate::Event::pebble_ready), ...) build events from the
//!   objects of a state so ids and names match.
//!
//! Enabled by the `testing` feature. `docs/testing.md` walks through testing a charm.
//!
//! ```
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Harness, Relation, State};
//!
//! /// Waits for a database on the `db` endpoint.
//! struct Db { connected: bool }
//! impl Component for Db {
//!     fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
//!         self.connected = !ctx.backend().relation_ids("db")?.is_empty();
//!         Ok(())
//!     }
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         if self.connected { Status::active() } else { Status::blocked("needs a db relation") }
//!     }
//!     fn observes(&self) -> Vec<Observe> { vec![Observe::relation("db")] }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct App {
//!     #[component]
//!     db: Db,
//! }
//! impl Charm for App {
//!     fn new() -> App { App { db: Db { connected: false } } }
//! }
//!
//! let harness = Harness::from_yaml("name: app\nrequires:\n  db: {interface: pgsql}\n")?;
//! let out = harness.run::<App>(Event::Install, State::default())?;
//! assert_eq!(out.unit_status, Status::blocked("[db] needs a db relation"));
//!
//! let db = Relation::new(1, "db", "postgresql");
//! let state = out.state.with_relation(db.clone());
//! let out = harness.run::<App>(Event::relation_changed(&db), state)?;
//! assert_eq!(out.unit_status, Status::active());
//!
//! // A relation event for a relation that is not in the state is refused.
//! let err = harness.run::<App>(Event::relation_changed(&db), State::default()).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "event db-relation-changed: the state has no relation with id 1 (relations in the state: none)",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod consistency;
// Metadata (event builders for every event kind).
mod event_builders;
mod events;
mod exec;
pub(crate) mod harness;
mod memory;
mod secrets;
mod state;
// Tools: storage, network, resources, goal state, the model (State builders, checks).
mod surface;

pub use crate::logging::LogRecord;
pub use consistency::Inconsistency;
pub use exec::{ExecHandlers, ExecReply};
pub use harness::{ActionOutput, DataWritten, Harness, Output};
pub use memory::MemoryBackend;
pub use state::{ChangeRecord, Container, FileMeta, Relation, State};
// Secrets (secret-*).
pub use secrets::{Secret, SecretGrant, SecretOwnership};
pub use surface::{DEFAULT_ADDRESS, DEFAULT_JUJU_VERSION, DEFAULT_MODEL_UUID, Reboot, Resource};
