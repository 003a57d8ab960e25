//! Testing charms without Juju: an in-memory model of what a unit sees.
//!
//! [`State`] describes the model; [`MemoryBackend`] implements the
//! [`Backend`](crate::Backend) over it, enforcing Juju's rules and recording what the charm
//! did. Enabled by the `testing` feature (always on in this crate's own tests).

mod memory;
mod state;

pub use memory::MemoryBackend;
pub use state::{Container, Relation, State};
