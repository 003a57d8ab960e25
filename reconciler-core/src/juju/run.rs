//! The entry point of a charm binary: [`run`].
//!
//! Exit code policy: 0 whenever the charm could explain the outcome with a status (or the
//! event is one it has nothing to do for); 1 only where Juju should retry the hook: the
//! hook environment is unusable (no event to handle, metadata unreadable, a variable Juju
//! always sets is missing or malformed), or the final `status-set` itself failed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::ExitCode;
use std::time::Instant;

use tracing::{debug, error, warn};
use tracing_subscriber::layer::SubscriberExt;

use crate::backend::{Backend, Scope};
use crate::context::Context;
use crate::dispatch::{Charm, Handling, HookReport, handle_event};
use crate::event::Event;
use crate::juju::env::HookEnv;
use crate::juju::hook_tools::HookToolBackend;
use crate::juju::log_layer::{JujuLogSink, LogConfig};
use crate::juju::tools::HookTools;
use crate::status::Status;

/// What one hook came to.
#[derive(Debug)]
pub struct HookOutcome {
    /// The process exit code: 0, or 1 where Juju should retry the hook.
    pub exit_code: u8,
    /// The event handled, if the environment named one.
    pub event: Option<Event>,
    /// What the routing did, if the charm was built and ran.
    pub report: Option<HookReport>,
    /// Why the hook could not be handled normally, if it could not.
    pub problem: Option<String>,
}

impl HookOutcome {
    /// The exit code as an [`ExitCode`].
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_code)
    }
}

/// Runs the charm `C` for the event Juju started this process for, and returns the exit
/// code to end the process with.
///
/// It reads the hook environment (see [`HookEnv`]), installs logging to `juju-log` (see
/// [`crate::juju::log_layer`]), builds the charm with [`Charm::new`], routes the event
/// with [`handle_event`] (reconcile, remove, update-status, the charm's own handler, or
/// log-and-ignore), and sets the final unit status exactly once (and the application
/// status on the leader), also when a component failed or the charm panicked. Logs are
/// flushed before it returns.
pub fn run<C: Charm>() -> ExitCode {
    // Panics are contained and reported through juju-log and stderr with their location;
    // Rust's default hook would print a second report.
    crate::panics::install_hook();
    let tools = HookTools::new();
    let config = LogConfig::from_env();
    let sink = JujuLogSink::new(tools.clone(), config);
    let subscriber = tracing_subscriber::registry()
        .with(config.level)
        .with(sink.layer());
    let outcome = tracing::subscriber::with_default(subscriber, || {
        for problem in LogConfig::problems() {
            warn!("{problem}");
        }
        // The sink writes errors to stderr itself.
        run_with::<C>(tools.clone(), true)
    });
    sink.flush();
    outcome.exit_code()
}

/// One hook, with logging already set up by the caller: what [`run`] does between
/// installing and flushing its logger. `stderr_logged` says whether error records already
/// reach stderr through the caller's logging; if not, fatal problems are written there too.
pub fn run_with<C: Charm>(tools: HookTools, stderr_logged: bool) -> HookOutcome {
    let started = Instant::now();
    let (env, metadata) = match HookEnv::from_env() {
        Ok(found) => found,
        Err(e) => {
            let retry = e.should_retry();
            let text = if retry {
                format!(
                    "cannot handle this hook: {e}; exiting with an error so that Juju retries it"
                )
            } else {
                format!("cannot handle this hook: {e}; nothing to do, exiting successfully")
            };
            error!("{text}");
            if !stderr_logged {
                eprintln!("ERROR {text}");
            }
            return HookOutcome {
                exit_code: u8::from(retry),
                event: None,
                report: None,
                problem: Some(text),
            };
        }
    };
    let event = env.event.clone();
    let mut backend = HookToolBackend::new(tools.clone(), &env, &metadata);

    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut charm = C::new();
        let mut ctx = Context::new(&mut backend, &event);
        handle_event(&mut charm, &mut ctx)
    }));

    let mut outcome = HookOutcome {
        exit_code: 0,
        event: Some(event.clone()),
        report: None,
        problem: None,
    };
    match result {
        Ok(report) => {
            if !report.status_errors.is_empty() {
                let text = format!(
                    "setting the final status failed ({}); exiting with an error so that Juju \
                     retries the hook",
                    report.status_errors.join("; ")
                );
                error!("{text}");
                if !stderr_logged {
                    eprintln!("ERROR {text}");
                }
                outcome.exit_code = 1;
                outcome.problem = Some(text);
            } else if let Handling::Handled(Err(text)) = &report.handling {
                outcome.problem = Some(text.clone());
            }
            outcome.report = Some(report);
        }
        Err(payload) => {
            let message = crate::executor::panic_message(payload);
            let text = match crate::panics::take_location() {
                Some(location) => {
                    format!("the charm panicked handling {event}: {message} (at {location})")
                }
                None => format!("the charm panicked handling {event}: {message}"),
            };
            error!("{text}");
            if !stderr_logged {
                eprintln!("ERROR {text}");
            }
            outcome.problem = Some(text);
            if matches!(event, Event::Action { .. }) {
                if let Err(e) = backend.action_fail(&format!("the charm panicked: {message}")) {
                    error!("action-fail failed: {e}");
                }
            } else if backend.unit_status_sets() == 0 {
                // handle_event never got to set the status: set it here, once.
                let status = Status::blocked(format!("charm error: {message}"));
                if let Err(e) = backend.status_set(Scope::Unit, &status) {
                    error!(
                        "setting the unit status failed: {e}; exiting with an error so that Juju retries the hook"
                    );
                    outcome.exit_code = 1;
                }
                if backend.is_leader().unwrap_or(false)
                    && let Err(e) = backend.status_set(Scope::App, &status)
                {
                    error!("setting the application status failed: {e}");
                    outcome.exit_code = 1;
                }
            }
        }
    }

    if tracing::enabled!(tracing::Level::DEBUG) {
        let calls = backend.tools().calls();
        let total: usize = calls.values().sum();
        let list: Vec<String> = calls.iter().map(|(t, n)| format!("{t} {n}")).collect();
        debug!(
            "{event} handled in {:.1?} with {total} hook-tool calls ({}), not counting the final juju-log",
            started.elapsed(),
            list.join(", ")
        );
    }
    outcome
}
