//! Write Juju charms as a graph of components.
//!
//! A charm declares its parts as fields of a struct; `#[derive(CharmReconciler)]` turns the
//! `#[component(depends_on = [...])]` attributes into a dependency graph checked at compile
//! time. On every event the runtime reconciles: it runs each component whose dependencies
//! are Active, in dependency order, skips the rest with a status that says what holds them
//! back, contains failures and panics to the component that caused them, and sets the
//! unit's status to the worst component status.
//!
//! The pieces:
//! - [`Component`]: one independently reconciled part of a charm.
//! - [`Status`] and [`aggregate`]: component statuses and the unit status rule.
//! - [`reconcile`] and [`remove`]: the executor, driving any [`CharmReconciler`].
//! - [`GraphBuilder`]: graphs only known at run time, validated like the derive does.
//! - [`ComponentError`] and [`ResultExt`]: failures that carry the status to show.
//!
//! ```
//! use reconciler_core::{reconcile, Component, Context, Event, GraphBuilder, Status};
//!
//! struct Workload { image_ok: bool }
//! impl Component for Workload {
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         if self.image_ok { Status::active() } else { Status::blocked("bad image") }
//!     }
//! }
//!
//! struct Relation;
//! impl Component for Relation {
//!     fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }
//! }
//!
//! let mut builder = GraphBuilder::new();
//! builder.add("workload", Workload { image_ok: false }, &[]);
//! builder.add("relation_1", Relation, &["workload"]);
//! builder.add("relation_2", Relation, &[]);
//! let mut charm = builder.build()?;
//!
//! let mut backend = reconciler_core::testing::MemoryBackend::new(Default::default());
//! let event = Event::ConfigChanged;
//! let report = reconcile(&mut charm, &mut Context::new(&mut backend, &event));
//!
//! assert_eq!(report.executed_names(), ["workload", "relation_2"]);
//! assert_eq!(
//!     report.status_of("relation_1"),
//!     Some(&Status::maintenance("waiting on workload (blocked: bad image)"))
//! );
//! assert_eq!(report.unit_status, Status::blocked("[workload] bad image"));
//! # Ok::<(), reconciler_core::GraphError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Lets the derive's generated `::reconciler_core::...` paths resolve in this crate's own
// tests.
#[cfg(test)]
extern crate self as reconciler_core;

// Metadata (action parameter schemas).
mod action_params;
pub mod backend;
mod component;
mod context;
mod declared;
#[doc(hidden)]
pub mod deps;
mod dispatch;
mod error;
pub mod event;
mod executor;
mod extensions;
mod graph;
pub mod juju;
mod juju_text;
mod logging;
pub mod metadata;
mod panics;
pub mod pebble;
mod reconciler;
pub mod secrets;
mod status;
// Value types of the tools (storage, network, goal state, credentials, the model).
mod surface;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod timeouts;

pub use backend::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port, Protocol,
    RelationId, Scope,
};
// Tools: storage, network, goal state, credentials, the model.
pub use backend::{
    CloudCredential, CloudSpec, GoalState, JujuVersion, ModelType, Network, RemoteModel, Storage,
    StorageKind,
};
pub use component::Component;
pub use context::Context;
pub use dispatch::{
    Charm, EventHandler, Handled, Handling, HookReport, UpdateStatus, handle_event,
    handle_event_with,
};
pub use error::{BoxError, ComponentError, GraphError, GraphProblem, ResultExt};
pub use event::{Event, Observe};
pub use executor::{
    ComponentReport, Outcome, RemoveReport, Report, reconcile, remove, statuses_only,
};
pub use extensions::Extensions;
pub use graph::{DynamicCharm, GraphBuilder};
pub use juju::run;
pub use reconciler::CharmReconciler;
pub use status::{Status, StatusKind, aggregate};

#[doc(hidden)]
pub use reconciler::__private;

/// `#[derive(CharmReconciler)]`: declares a charm's components and their dependencies on
/// the fields of a struct, checked at compile time. See the `reconciler-macros` crate.
#[cfg(feature = "derive")]
pub use reconciler_macros::CharmReconciler;

/// The names a charm author needs, in one import: `use reconciler_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Charm, CharmReconciler, Component, ComponentError, Context, Event, Handled, Observe,
        ResultExt, Status,
    };
}

#[cfg(test)]
mod tests;

/// `docs/authoring-components.md`, compiled and run as doctests so its examples build
/// against the current API (`cargo test -p reconciler-core --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../docs/authoring-components.md")]
pub struct AuthoringComponentsGuide;
