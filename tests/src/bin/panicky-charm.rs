//! `panicky-charm`: a test charm for the end-to-end tests (`tests/tests/e2e_panics.rs`,
//! `tests/tests/e2e_routing.rs`), run through `tests/charms/panicky/dispatch` with the
//! metadata `tests/charms/panicky/charmcraft.yaml`.
//!
//! - [`Charm::new`] panics when `PANICKY_PANIC_IN_NEW` is set (to any value);
//! - the `steady` component's `configure_unit` panics when `PANICKY_PANIC_IN_COMPONENT` is
//!   set;
//! - the `panic` action's handler panics;
//! - the `echo` action sets the result `echo` to its `text` parameter;
//! - one component, `steady`, always Active, observing nothing but the lifecycle events;
//!   so storage and secret events reach [`Charm::handle_other`], which ignores them.

use std::process::ExitCode;

use reconciler_core::prelude::*;

/// The variable that makes [`Charm::new`] panic.
const PANIC_IN_NEW: &str = "PANICKY_PANIC_IN_NEW";

/// The variable that makes the `steady` component panic in `configure_unit`.
const PANIC_IN_COMPONENT: &str = "PANICKY_PANIC_IN_COMPONENT";

/// Always Active (unless told to panic).
struct Steady;

impl Component for Steady {
    fn configure_unit(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        if std::env::var_os(PANIC_IN_COMPONENT).is_some() {
            panic!("steady was told to panic ({PANIC_IN_COMPONENT} is set)");
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Panicky {
    #[component]
    steady: Steady,
}

impl Charm for Panicky {
    fn new() -> Panicky {
        if std::env::var_os(PANIC_IN_NEW).is_some() {
            panic!("Charm::new was told to panic ({PANIC_IN_NEW} is set)");
        }
        Panicky { steady: Steady }
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<bool, ComponentError> {
        let action = match ctx.event() {
            Event::Action { name, .. } => name.clone(),
            _ => return Ok(false),
        };
        match action.as_str() {
            "panic" => panic!("the panic action's handler panicked"),
            "echo" => {
                let params = ctx.backend().action_params()?;
                let mut results = serde_json::Map::new();
                results.insert(
                    "echo".into(),
                    params.get("text").cloned().unwrap_or_default(),
                );
                ctx.backend().action_set(&results)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

fn main() -> ExitCode {
    reconciler_core::run::<Panicky>()
}
