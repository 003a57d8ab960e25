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

pub mod env;
pub mod hook_tools;
pub mod log_layer;
pub mod pebble_client;
pub mod run;
pub mod tools;

pub use env::{EnvError, HookEnv};
pub use hook_tools::HookToolBackend;
pub use log_layer::{JujuLogSink, LogConfig, LogMode};
pub use pebble_client::PebbleClient;
pub use run::{HookOutcome, run, run_charm, run_with};
pub use tools::{HookTools, ToolFailure};
