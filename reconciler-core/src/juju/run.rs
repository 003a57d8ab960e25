//! The entry point of a charm binary: [`run`].
//!
//! Exit code policy: 0 whenever the charm could explain the outcome with a status (or the
//! event is one it has nothing to do for); 1 only where Juju should retry the hook: the
//! hook environment is unusable (no event to handle, metadata unreadable, a variable Juju
//! always sets is missing or malformed), or the outcome could not be recorded (the final
//! `status-set`, or an action's `action-set` or `action-fail`, failed).

use std::process::ExitCode;
use std::time::Instant;

use tracing::{debug, error, warn};
use tracing_subscriber::layer::SubscriberExt;

use crate::context::Context;
use crate::dispatch::{Charm, EventHandler, Handling, HookReport, handle_event_with};
use crate::juju::env::HookEnv;
use crate::juju::hook_tools::HookToolBackend;
use crate::juju::log_layer::{JujuLogSink, LogConfig};
use crate::juju::tools::HookTools;

/// What one hook came to.
#[derive(Debug)]
pub struct HookOutcome {
    /// The process exit code: 0, or 1 where the environment was unusable or the outcome
    /// could not be recorded (Juju then retries a hook, and marks an action failed).
    pub exit_code: u8,
    /// What the routing did, if the environment named an event to handle.
    pub report: Option<HookReport>,
    /// Why the hook could not be handled normally, if it could not.
    pub problem: Option<String>,
}

impl HookOutcome {
    /// [`exit_code`](Self::exit_code) as the [`ExitCode`] `main` returns.
    pub fn to_exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_code)
    }
}

/// Runs the charm `C` for the event Juju started this process for, and returns the exit
/// code to end the process with.
///
/// It reads the hook environment (`JUJU_DISPATCH_PATH` and the other `JUJU_*` variables,
/// and the charm's metadata), installs logging to `juju-log` (see
/// `docs/running-under-juju.md`), and hands the event to [`handle_event_with`], which
/// builds the charm with [`Charm::new`], routes the event (reconcile, remove,
/// update-status, the charm's own handler, or log-and-ignore), contains panics, and sets
/// the final unit status exactly once (and the application status on the leader). Logs
/// are flushed before it returns.
///
/// Started by a person rather than by Juju (no `JUJU_UNIT_NAME` or `JUJU_DISPATCH_PATH`,
/// and not as `hooks/<event>`), the binary is a command-line tool instead, with the
/// default `simulator` feature: `simulate SCENARIO.yaml` runs scenario files against the
/// in-memory Juju model and `graph` prints the component graph (see `docs/simulate.md`).
pub fn run<C: Charm>() -> ExitCode {
    run_charm(C::new)
}

/// Like [`run`], for a charm built by `new` rather than by [`Charm::new`]: a
/// [`DynamicCharm`](crate::DynamicCharm) whose components are only known at run time.
/// Under Juju `new` is called once; the command line (see [`run`]) calls it once per
/// step of a scenario.
///
/// ```no_run
/// use reconciler_core::{Component, Context, GraphBuilder, Status};
///
/// struct Worker;
/// impl Component for Worker {
///     fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }
/// }
///
/// fn main() -> std::process::ExitCode {
///     reconciler_core::juju::run_charm(|| {
///         let mut builder = GraphBuilder::new();
///         builder.add("worker", Worker, &[]);
///         // A panic here is contained: the unit is set Blocked "charm error: ...".
///         builder.build().unwrap_or_else(|e| panic!("{e}"))
///     })
/// }
/// ```
pub fn run_charm<C, F>(new: F) -> ExitCode
where
    C: EventHandler,
    F: Fn() -> C,
{
    #[cfg(feature = "simulator")]
    if crate::simulate::requested() {
        return crate::simulate::main(new);
    }
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
        run_with(new, tools.clone(), true)
    });
    sink.flush();
    outcome.to_exit_code()
}

/// One hook, with logging already set up by the caller: what [`run_charm`] does between
/// installing and flushing its logger. `stderr_logged` says whether error records already
/// reach stderr through the caller's logging; if not, fatal problems are written there too.
pub fn run_with<C, F>(new: F, tools: HookTools, stderr_logged: bool) -> HookOutcome
where
    C: EventHandler,
    F: FnOnce() -> C,
{
    let started = Instant::now();
    let report_problem = |text: &str| {
        error!("{text}");
        if !stderr_logged {
            eprintln!("ERROR {text}");
        }
    };
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
            report_problem(&text);
            return HookOutcome {
                exit_code: u8::from(retry),
                report: None,
                problem: Some(text),
            };
        }
    };
    let event = env.event.clone();
    let mut backend = HookToolBackend::new(tools.clone(), &env, &metadata);
    let report = handle_event_with(new, &mut Context::new(&mut backend, &event));

    let mut outcome = HookOutcome {
        exit_code: 0,
        report: None,
        problem: None,
    };
    if !report.outcome_recorded() {
        let (what, consequence) = if report.status_errors.is_empty() {
            (
                "recording the action's outcome failed",
                "so that Juju marks the action failed rather than completed",
            )
        } else {
            (
                "setting the final status failed",
                "so that Juju retries the hook",
            )
        };
        let errors: Vec<&str> = report
            .status_errors
            .iter()
            .chain(&report.action_errors)
            .map(String::as_str)
            .collect();
        let text = format!(
            "{what} ({}); exiting with an error {consequence}",
            errors.join("; ")
        );
        // handle_event_with logged each failure; this line says what it means.
        report_problem(&text);
        outcome.exit_code = 1;
        outcome.problem = Some(text);
    } else {
        match &report.handling {
            Handling::Handled(Err(text)) => outcome.problem = Some(text.clone()),
            Handling::Panicked { message, .. } => {
                if !stderr_logged {
                    eprintln!("ERROR the charm panicked handling {event}: {message}");
                }
                outcome.problem = Some(format!("the charm panicked: {message}"));
            }
            _ => {}
        }
    }
    outcome.report = Some(report);

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
