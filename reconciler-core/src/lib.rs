//! Write [Juju](https://juju.is) charms in Rust as a graph of components.
//!
//! Juju runs a charm's program once per event: the unit is installed, the operator
//! changes a config option, another application joins a relation, and so on. A
//! *reconcile-style* charm does not write one handler per event: on every event it looks at
//! everything it manages and brings each part to the state it should be in. With this crate
//! those parts are *components*, the fields of a struct, and each says which others it
//! needs:
//!
//! ```
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Harness, State};
//!
//! /// The workload: here it only needs the `image` config option to be set.
//! #[derive(Default)]
//! struct Workload {
//!     image: Option<String>,
//! }
//!
//! impl Component for Workload {
//!     fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
//!         self.image = ctx.config_value("image")?.and_then(|v| v.as_str().map(str::to_owned));
//!         Ok(())
//!     }
//!
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         match &self.image {
//!             Some(image) if !image.is_empty() => Status::active(),
//!             _ => Status::blocked("set the `image` config option"),
//!         }
//!     }
//! }
//!
//! /// Tells related applications where the workload listens; needs the workload.
//! #[derive(Default)]
//! struct Publish;
//!
//! impl Component for Publish {
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         Status::active()
//!     }
//! }
//!
//! #[derive(CharmReconciler, Default)]
//! struct MyCharm {
//!     #[component]
//!     workload: Workload,
//!     #[component(depends_on = [workload])]
//!     publish: Publish,
//! }
//!
//! impl Charm for MyCharm {
//!     fn new() -> MyCharm {
//!         MyCharm::default()
//!     }
//! }
//!
//! // The test harness runs an event against an in-memory Juju model.
//! let harness = Harness::from_yaml("name: my-charm\nconfig:\n  options:\n    image: {type: string}\n")?;
//! let out = harness.run::<MyCharm>(Event::ConfigChanged, State::default())?;
//! assert_eq!(out.unit_status, Status::blocked("[workload] set the `image` config option"));
//! assert_eq!(out.skipped(), [("publish", "waiting on workload (blocked: set the `image` config option)".to_owned())]);
//!
//! let out = harness.run::<MyCharm>(Event::ConfigChanged, State::default().with_config("image", "nginx:1.27"))?;
//! assert_eq!(out.unit_status, Status::active());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On every event the runtime runs each component whose dependencies are ready (Active), in
//! dependency order; skips the others with a status that names what holds them back;
//! keeps a component that fails or panics from stopping the ones that do not depend on it;
//! and sets the unit's status once, to the worst component status, prefixed with the
//! component's name. A dependency cycle or a misspelt component name is a compile error.
//! Under Juju, `fn main() { reconciler_core::run::<MyCharm>() }` is the whole entry point.
//! Started by hand, the same binary runs scenario files against the in-memory model
//! (`my-charm simulate scenario.yaml`) and draws its component graph (`my-charm graph`).
//!
//! # Guides
//!
//! In the repository's `docs/` folder:
//!
//! - `first-charm.md`: a charm from `cargo new` to tests, the simulator and packing;
//! - `execution-order.md`: how the order is declared, the rules the runtime follows, and
//!   what statuses and logs look like when something fails;
//! - `authoring-components.md`: writing a component (the [`Component`] trait, statuses,
//!   errors, dependencies' data);
//! - `components.md`: the built-in components of the `reconciler-components` crate (Pebble
//!   services and files, relation data, gates, Kubernetes objects);
//! - `testing.md`: the in-memory harness (module `testing`, feature `testing`): state in, event,
//!   state out;
//! - `simulate.md`: the charm binary's `simulate` and `graph` commands, and the scenario
//!   file format;
//! - `running-under-juju.md`: what happens under Juju: hook tools, Pebble, logging, exit
//!   codes, and a table of every hook tool;
//! - `packing.md`: the charm as one static binary, packed with charmcraft, deployed;
//! - `architecture.md`: the crates and modules, and how data flows through them;
//! - `reading-the-generated-code.md`: what `#[derive(CharmReconciler)]` writes;
//! - `benchmarks.md`: what it costs, measured.
//!
//! # The pieces
//!
//! - [`Component`]: one independently reconciled part of a charm.
//! - [`Status`] and [`aggregate`]: component statuses and the unit status rule.
//! - [`reconcile`] and [`remove`]: the executor, driving any [`CharmReconciler`].
//! - [`GraphBuilder`]: graphs only known at run time, validated like the derive does.
//! - [`ComponentError`] and [`ResultExt`]: failures that carry the status to show.
//!
//! The same graph, built at run time with [`GraphBuilder`] and reconciled directly:
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
mod scenario_section;
pub mod secrets;
#[cfg(feature = "simulator")]
mod simulate;
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
pub use scenario_section::ScenarioSection;
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
