//! The [`CharmReconciler`] trait: a charm seen as an ordered set of components.
//!
//! `#[derive(CharmReconciler)]` implements it from the struct's `#[component]` fields, with
//! the graph fixed at compile time; [`GraphBuilder`](crate::GraphBuilder) implements it for
//! graphs only known at run time. The executor ([`reconcile`](crate::reconcile),
//! [`remove`](crate::remove)) drives either through this trait, so both behave the same.

use crate::context::Context;
use crate::error::ComponentError;
use crate::event::Observe;
use crate::scenario_section::ScenarioSection;
use crate::status::Status;

/// A charm as a graph of components, addressed by index (declaration order).
///
/// Implemented by `#[derive(CharmReconciler)]` and by
/// [`DynamicCharm`](crate::DynamicCharm) (from [`GraphBuilder`](crate::GraphBuilder)), and
/// sealed: it cannot be implemented by hand, because the executor trusts what only those
/// two guarantee, that [`execution_order`](Self::execution_order) is a valid topological
/// order of a graph without cycles.
pub trait CharmReconciler: __private::Sealed {
    /// How many components there are.
    fn component_count(&self) -> usize;

    /// The display name of component `index` (the field name unless renamed).
    fn component_name(&self, index: usize) -> &str;

    /// The indices of the components `index` depends on, in `depends_on` order.
    fn component_depends_on(&self, index: usize) -> &[usize];

    /// Every index once, each after its dependencies, ties in declaration order.
    fn execution_order(&self) -> &[usize];

    /// [`Component::ready_for_execution`](crate::Component::ready_for_execution) of one
    /// component.
    fn component_ready(&self, index: usize, ctx: &mut Context<'_>) -> bool;

    /// Runs `configure_unit`, then `configure_app_leader` or `configure_app_non_leader`,
    /// handing the component what it reads from its dependencies.
    fn configure_component(
        &mut self,
        index: usize,
        ctx: &mut Context<'_>,
        leader: bool,
    ) -> Result<(), ComponentError>;

    /// [`Component::status`](crate::Component::status) of one component.
    fn component_status(&self, index: usize, ctx: &mut Context<'_>) -> Status;

    /// [`Component::remove`](crate::Component::remove) of one component.
    fn remove_component(
        &mut self,
        index: usize,
        ctx: &mut Context<'_>,
    ) -> Result<(), ComponentError>;

    /// [`Component::observes`](crate::Component::observes) of one component.
    fn component_observes(&self, index: usize) -> Vec<Observe>;

    /// [`Component::scenario_sections`](crate::Component::scenario_sections) of one
    /// component. (The derive and `DynamicCharm` ask each component; the default, for a
    /// charm without any, is none.)
    fn component_scenario_sections(&self, index: usize) -> Vec<ScenarioSection> {
        let _ = index;
        Vec::new()
    }
}

/// Helpers the derive's generated code calls. Not public API: the names and signatures may
/// change in any release.
#[doc(hidden)]
pub mod __private {
    use super::*;

    /// Seals [`CharmReconciler`]: implemented by the derive's generated code and by
    /// `DynamicCharm`, and by nothing else.
    #[diagnostic::on_unimplemented(
        message = "`CharmReconciler` cannot be implemented by hand for `{Self}`",
        label = "`{Self}` does not come from `#[derive(CharmReconciler)]`",
        note = "derive it: `#[derive(CharmReconciler)]` on a struct whose components are `#[component]` fields; for a graph only known at run time, use `GraphBuilder`"
    )]
    pub trait Sealed {}
    use crate::component::Component;
    use crate::deps::FromDeps;

    pub use crate::deps::same_type::{
        Ambiguous, AmbiguousRead, AtAmbiguous, Both, Unambiguous, Unique, Verdict, verdict,
    };

    /// A component's own `observes()` followed by the names declared on its field, each
    /// once: a built-in component that observes its own endpoint and a field that repeats
    /// the name (to have it checked at build time) observe it once.
    pub fn observes_with<const N: usize>(
        mut own: Vec<Observe>,
        declared: [Observe; N],
    ) -> Vec<Observe> {
        for observe in declared {
            if !own.contains(&observe) {
                own.push(observe);
            }
        }
        own
    }

    /// Runs the configure phases of one component with its dependencies.
    pub fn configure<C, D, P, I>(
        component: &mut C,
        ctx: &mut Context<'_>,
        leader: bool,
        provided: P,
    ) -> Result<(), ComponentError>
    where
        C: Component<D> + ?Sized,
        D: FromDeps<P, I>,
        P: Copy,
    {
        component.configure_unit(ctx, D::from_deps(provided))?;
        if leader {
            component.configure_app_leader(ctx, D::from_deps(provided))
        } else {
            component.configure_app_non_leader(ctx, D::from_deps(provided))
        }
    }
}
