//! The [`Component`] trait: one independently reconciled part of a charm.

use crate::context::Context;
use crate::error::ComponentError;
use crate::event::Observe;
use crate::scenario_section::ScenarioSection;
use crate::status::Status;

/// One part of a charm that drives something to its desired state: a workload's Pebble
/// layer, the data sent on a relation, a Kubernetes resource.
///
/// On every reconcile the runtime calls, in order, [`configure_unit`](Self::configure_unit)
/// and then [`configure_app_leader`](Self::configure_app_leader) on the leader or
/// [`configure_app_non_leader`](Self::configure_app_non_leader) elsewhere, and afterwards
/// [`status`](Self::status) once. It does so only when every component this one depends on
/// ended the reconcile Active and [`ready_for_execution`](Self::ready_for_execution) is
/// true. Only `status` must be written; everything else has a default that does nothing.
///
/// # Reading from dependencies
///
/// `Deps` is what the component reads from the components it depends on, as shared
/// references: `()` (the default) for nothing, `&'a Workload` for one,
/// `(&'a Workload, &'a Database)` for several. The derive hands the component exactly
/// these, taken from the fields named in its `depends_on`; asking for a component type that
/// is not among them is a compile error. Dependencies are read-only and have already run in
/// this reconcile, so there is no shared mutable state and no ordering surprise.
///
/// ```
/// use reconciler_core::{Component, ComponentError, Context, Status};
///
/// /// Runs the workload and knows where it listens.
/// struct Workload { port: u16 }
///
/// impl Component for Workload {
///     fn status(&self, _ctx: &mut Context<'_>) -> Status {
///         Status::active()
///     }
/// }
///
/// /// Tells related applications where the workload listens.
/// struct Website { advertised: Option<String> }
///
/// impl<'a> Component<&'a Workload> for Website {
///     fn configure_unit(
///         &mut self,
///         _ctx: &mut Context<'_>,
///         workload: &'a Workload,
///     ) -> Result<(), ComponentError> {
///         self.advertised = Some(format!("http://localhost:{}", workload.port));
///         Ok(())
///     }
///
///     fn status(&self, _ctx: &mut Context<'_>) -> Status {
///         match &self.advertised {
///             Some(_) => Status::active(),
///             None => Status::waiting("not configured yet"),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a component: it does not implement `reconciler_core::Component`",
    label = "this field is marked #[component], so its type must implement `Component`",
    note = "implement `reconciler_core::Component` for `{Self}` (only `status` is required), or remove `#[component]` from the field"
)]
pub trait Component<Deps = ()> {
    /// Configures what every unit manages (its workload, its unit relation data).
    fn configure_unit(&mut self, ctx: &mut Context<'_>, deps: Deps) -> Result<(), ComponentError> {
        let _ = (ctx, deps);
        Ok(())
    }

    /// Configures what only the leader may manage (application data, shared resources).
    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        deps: Deps,
    ) -> Result<(), ComponentError> {
        let _ = (ctx, deps);
        Ok(())
    }

    /// Configures what a non-leader does about application-level state (usually nothing).
    fn configure_app_non_leader(
        &mut self,
        ctx: &mut Context<'_>,
        deps: Deps,
    ) -> Result<(), ComponentError> {
        let _ = (ctx, deps);
        Ok(())
    }

    /// Cleans up when the unit is removed. Runs dependents before their dependencies; a
    /// failure is logged and the other components' `remove` still runs.
    fn remove(&mut self, ctx: &mut Context<'_>) -> Result<(), ComponentError> {
        let _ = ctx;
        Ok(())
    }

    /// The component's status after it ran (called at most once per reconcile).
    fn status(&self, ctx: &mut Context<'_>) -> Status;

    /// Whether the component's own preconditions hold. When false the component is
    /// skipped; it shows its [`status`](Self::status), or Waiting "not ready for execution"
    /// if that would claim Active (a component that did not run cannot be Active, or its
    /// dependents would run against an unconfigured part).
    fn ready_for_execution(&self, ctx: &mut Context<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// Events beyond the lifecycle ones this component needs the charm to reconcile on:
    /// its container's Pebble events, its relation's events, its storage, secrets.
    fn observes(&self) -> Vec<Observe> {
        Vec::new()
    }

    /// The sections this component adds to a simulator scenario (`my-charm simulate`, see
    /// `docs/simulate.md`): keys of the scenario's `state:` that prepare the in-memory
    /// stand-in of a system beyond Juju that the component uses, such as the namespaces of
    /// an in-memory Kubernetes cluster. Most components have none.
    fn scenario_sections(&self) -> Vec<ScenarioSection> {
        Vec::new()
    }
}
