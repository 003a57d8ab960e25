//! Running under Juju: the hook environment, the hook-tool backend, Pebble over its
//! socket, logging to `juju-log`, and the entry point [`run()`](run()).
//!
//! A charm's `main` is one line:
//!
//! ```no_run
//! # use reconciler_core::{Charm, CharmReconciler};
//! # #[derive(CharmReconciler)] struct MyCharm {}
//! # impl Charm for MyCharm { fn new() -> Self { MyCharm {} } }
//! fn main() -> std::process::ExitCode {
//!     reconciler_core::run::<MyCharm>()
//! }
//! ```
//!
//! See `docs/running-under-juju.md` for the hook-tool calls each hook makes and the exit
//! code policy.

pub(crate) mod env;
pub(crate) mod hook_tools;
pub(crate) mod log_layer;
pub(crate) mod pebble_client;
mod pebble_exec;
pub(crate) mod run;
mod secrets;
// Tools: storage, network, goal state, resources, credentials, the model, reboot.
pub(crate) mod surface;
pub(crate) mod tools;

#[cfg(feature = "simulator")]
pub(crate) use env::{fixed_event, strip_suffix};
pub use pebble_client::PebbleClient;
pub use run::{run, run_charm};
pub use tools::ToolFailure;
