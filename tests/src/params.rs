//! The test charm `params`: run as a binary through `tests/charms/params/dispatch`
//! (`src/bin/params-charm.rs`, with the metadata `tests/charms/params/charmcraft.yaml`)
//! by the end-to-end tests `tests/tests/e2e_action_params.rs`, and in memory by the same
//! tests, so that both show what the same charm does with the same parameters.
//!
//! - the `backup` action declares typed parameters (`target`, a string of at least 3
//!   characters, required; `retries`, an integer from 0, default 3; `token`, a string);
//!   its handler sets the result `summary` to `backup to <target>, <retries> retries`
//!   (never the token). The runtime checks the parameters before the handler runs;
//! - the `anything` action accepts any parameters and sets the result `names` to their
//!   names, comma-separated;
//! - `leader-deposed` and `meter-status-changed` are logged with `juju-log`
//!   ([`DEPOSED`], and `meter status <status>: <info>`);
//! - one component, `steady`, always Active.

use reconciler_core::LogLevel;
use reconciler_core::prelude::*;

/// What the charm logs on `leader-deposed`.
pub const DEPOSED: &str = "no longer the leader";

/// Always Active.
pub struct Steady;

impl Component for Steady {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// The charm.
#[derive(CharmReconciler)]
pub struct Params {
    #[component]
    steady: Steady,
}

impl Charm for Params {
    fn new() -> Params {
        Params { steady: Steady }
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match ctx.event().clone() {
            Event::Action { name, .. } if name == "backup" => {
                let params = ctx.backend().action_params()?;
                let target = params.get("target").and_then(|v| v.as_str()).unwrap_or("");
                let retries = params.get("retries").and_then(|v| v.as_i64()).unwrap_or(-1);
                let mut results = serde_json::Map::new();
                results.insert(
                    "summary".into(),
                    format!("backup to {target}, {retries} retries").into(),
                );
                ctx.backend().action_set(&results)?;
                Ok(Handled::Yes)
            }
            Event::Action { name, .. } if name == "anything" => {
                let params = ctx.backend().action_params()?;
                let names: Vec<&str> = params.keys().map(String::as_str).collect();
                let mut results = serde_json::Map::new();
                results.insert("names".into(), names.join(",").into());
                ctx.backend().action_set(&results)?;
                Ok(Handled::Yes)
            }
            Event::LeaderDeposed => {
                ctx.backend().log(LogLevel::Info, DEPOSED)?;
                Ok(Handled::Yes)
            }
            Event::MeterStatusChanged { status, info } => {
                let text = format!(
                    "meter status {}: {}",
                    status.as_deref().unwrap_or("unset"),
                    info.as_deref().unwrap_or("")
                );
                ctx.backend().log(LogLevel::Info, &text)?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::Ignored),
        }
    }
}
