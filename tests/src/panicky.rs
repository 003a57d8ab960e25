//! The test charm `panicky`: run as a binary through `tests/charms/panicky/dispatch`
//! (`src/bin/panicky-charm.rs`, with the metadata `tests/charms/panicky/charmcraft.yaml`)
//! by the end-to-end tests `tests/tests/e2e_panics.rs` and `e2e_routing.rs`, and run in
//! memory by the harness tests in `e2e_panics.rs`, so that both show what the same charm
//! does.
//!
//! - [`Charm::new`] panics when `PANICKY_PANIC_IN_NEW` is set (to any value);
//! - its handler ([`Charm::handle_other`]) panics for every event that is not an action
//!   when `PANICKY_PANIC_IN_HANDLER` is set;
//! - the `steady` component's `configure_unit` panics when `PANICKY_PANIC_IN_COMPONENT` is
//!   set;
//! - the `panic` action's handler panics;
//! - the `echo` action sets the result `echo` to its `text` parameter;
//! - the `careless-echo` action does the same but ignores an `action-set` failure and
//!   reports success, as a careless handler might;
//! - one component, `steady`, always Active, observing nothing but the lifecycle events;
//!   so storage and secret events reach [`Charm::handle_other`], which ignores them.
//!
//! [`Panicky::build`] builds the charm with the panics chosen by the caller rather than
//! by the environment, for the harness tests.

use reconciler_core::prelude::*;

/// The variable that makes [`Charm::new`] panic.
pub const PANIC_IN_NEW: &str = "PANICKY_PANIC_IN_NEW";

/// The variable that makes the charm's handler panic for events that are not actions.
pub const PANIC_IN_HANDLER: &str = "PANICKY_PANIC_IN_HANDLER";

/// The variable that makes the `steady` component panic in `configure_unit`.
pub const PANIC_IN_COMPONENT: &str = "PANICKY_PANIC_IN_COMPONENT";

/// The message of the panic in [`Charm::new`].
pub const NEW_PANIC: &str = "Charm::new was told to panic (PANICKY_PANIC_IN_NEW is set)";

/// The message of the panic in the handler, for events that are not actions.
pub const HANDLER_PANIC: &str =
    "the charm's handler was told to panic (PANICKY_PANIC_IN_HANDLER is set)";

/// The message of the `panic` action's handler.
pub const ACTION_PANIC: &str = "the panic action's handler panicked";

/// Which panics a [`Panicky`] charm raises.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Panics {
    /// Panic while being built.
    pub in_new: bool,
    /// Panic in the handler, for events that are not actions.
    pub in_handler: bool,
    /// Panic in the `steady` component's `configure_unit`.
    pub in_component: bool,
}

impl Panics {
    /// The panics the environment asks for.
    pub fn from_env() -> Panics {
        let set = |var: &str| std::env::var_os(var).is_some();
        Panics {
            in_new: set(PANIC_IN_NEW),
            in_handler: set(PANIC_IN_HANDLER),
            in_component: set(PANIC_IN_COMPONENT),
        }
    }
}

/// Always Active (unless told to panic).
pub struct Steady {
    panic: bool,
}

impl Component for Steady {
    fn configure_unit(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        if self.panic {
            panic!("steady was told to panic ({PANIC_IN_COMPONENT} is set)");
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// The charm.
#[derive(CharmReconciler)]
pub struct Panicky {
    #[component]
    steady: Steady,
    panic_in_handler: bool,
}

impl Panicky {
    /// The charm with the panics in `panics`: [`Charm::new`] is `build(Panics::from_env())`.
    pub fn build(panics: Panics) -> Panicky {
        if panics.in_new {
            panic!("{NEW_PANIC}");
        }
        Panicky {
            steady: Steady {
                panic: panics.in_component,
            },
            panic_in_handler: panics.in_handler,
        }
    }
}

impl Charm for Panicky {
    fn new() -> Panicky {
        Panicky::build(Panics::from_env())
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        let action = match ctx.event() {
            Event::Action { name, .. } => name.clone(),
            _ if self.panic_in_handler => panic!("{HANDLER_PANIC}"),
            _ => return Ok(Handled::Ignored),
        };
        match action.as_str() {
            "panic" => panic!("{ACTION_PANIC}"),
            "echo" | "careless-echo" => {
                let params = ctx.backend().action_params()?;
                let mut results = serde_json::Map::new();
                results.insert(
                    "echo".into(),
                    params.get("text").cloned().unwrap_or_default(),
                );
                let set = ctx.backend().action_set(&results);
                if action == "echo" {
                    set?;
                }
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::Ignored),
        }
    }
}
