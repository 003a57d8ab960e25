//! The executor: one reconcile (and one remove) over a [`CharmReconciler`].
//!
//! A reconcile walks the compile-time (or build-time) execution order once. Each component
//! runs if every dependency ended this reconcile Active and it is ready; otherwise it is
//! skipped with a status that names what held it back. Failures and panics are contained
//! to the component that caused them. Each component's status is computed at most once,
//! so the whole reconcile is O(components + dependency edges).

use std::any::Any;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use tracing::{error, info, info_span, warn};

use crate::context::Context;
use crate::reconciler::CharmReconciler;
use crate::status::{Status, aggregate};

/// What happened to one component in a reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// It ran and returned `Ok`.
    Ran,
    /// It ran and returned an error; the text is the error's whole cause chain.
    Failed {
        /// The error chain, outermost first, joined with `": "`.
        error: String,
    },
    /// It panicked (in `configure_*`, `ready_for_execution` or `status`); the runtime
    /// caught the panic.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// It did not run because these dependencies did not end the reconcile Active.
    Skipped {
        /// The names of the dependencies that held it back, in `depends_on` order.
        waiting_on: Vec<String>,
    },
    /// Its dependencies were Active but its `ready_for_execution` was false.
    NotReady,
    /// Only its status was computed (an `update-status` in status-only mode).
    StatusOnly,
}

impl Outcome {
    /// Whether the component ran to completion or returned an error. A panic (in
    /// configure, `ready_for_execution` or `status`) is [`Outcome::Panicked`] instead;
    /// [`Report::executed`] lists every component whose configure was called, panicked or
    /// not.
    pub fn ran(&self) -> bool {
        matches!(self, Outcome::Ran | Outcome::Failed { .. })
    }
}

/// One component's result in a reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentReport {
    /// The component's name.
    pub name: String,
    /// Its status at the end of the reconcile.
    pub status: Status,
    /// What happened to it.
    pub outcome: Outcome,
}

/// The result of one reconcile: every component's status and outcome, and the unit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// One entry per component, in declaration order.
    pub components: Vec<ComponentReport>,
    /// The indices of the components whose configure methods were called, in call order.
    pub executed: Vec<usize>,
    /// The aggregated status for the unit, always settable by `status-set`.
    pub unit_status: Status,
}

impl Report {
    /// The report of the component with this name.
    pub fn component(&self, name: &str) -> Option<&ComponentReport> {
        self.components.iter().find(|c| c.name == name)
    }

    /// The status of the component with this name.
    pub fn status_of(&self, name: &str) -> Option<&Status> {
        self.component(name).map(|c| &c.status)
    }

    /// The names of the components that ran (configure was called), in run order.
    pub fn executed_names(&self) -> Vec<&str> {
        self.executed
            .iter()
            .map(|&i| self.components[i].name.as_str())
            .collect()
    }
}

/// Runs one reconcile of `charm`: every component whose dependencies end Active, in the
/// charm's execution order, with failures and panics contained. Returns what happened.
///
/// The unit status in the report is what the caller should set (once) with `status-set`;
/// this function only logs.
pub fn reconcile<C: CharmReconciler + ?Sized>(charm: &mut C, ctx: &mut Context<'_>) -> Report {
    let span = info_span!("reconcile", event = %ctx.event().name());
    let _entered = span.enter();
    let leader = match ctx.is_leader() {
        Ok(leader) => leader,
        Err(error) => {
            error!(
                "could not read leadership ({}); configuring as a non-leader",
                crate::error::join_chain(std::iter::successors(
                    Some(&error as &dyn std::error::Error),
                    |&e| e.source()
                ))
            );
            false
        }
    };
    walk(charm, ctx, Pass::Reconcile { leader })
}

/// Computes every component's status without configuring anything (`update-status` in
/// status-only mode). A dependency that is not Active still holds its dependents back,
/// with the usual message, so the unit status reads the same as after a reconcile.
pub fn statuses_only<C: CharmReconciler + ?Sized>(charm: &mut C, ctx: &mut Context<'_>) -> Report {
    let span = info_span!("status_only", event = %ctx.event().name());
    let _entered = span.enter();
    walk(charm, ctx, Pass::StatusOnly)
}

/// What a walk over the components does with each one whose dependencies are Active.
#[derive(Clone, Copy)]
enum Pass {
    /// Check readiness, configure, read the status.
    Reconcile { leader: bool },
    /// Only read the status.
    StatusOnly,
}

/// The one walk over the execution order that both passes share: dependency gating,
/// containment, one log line per component, the summary and the report.
fn walk<C: CharmReconciler + ?Sized>(charm: &mut C, ctx: &mut Context<'_>, pass: Pass) -> Report {
    let count = charm.component_count();
    let mut statuses: Vec<Option<Status>> = vec![None; count];
    let mut outcomes: Vec<Option<Outcome>> = vec![None; count];
    // For each skipped component, the components that hold it back at the root: those
    // among its dependencies' dependencies, however deep, that are not Active for a reason
    // of their own. Its dependents name these instead of nesting its message in theirs.
    // Allocated on the first skip only: a reconcile where everything runs pays nothing.
    let mut roots: Vec<Vec<usize>> = Vec::new();
    let mut executed = Vec::with_capacity(count);

    for position in 0..count {
        let index = charm.execution_order()[position];
        let component_span = info_span!("component", name = %charm.component_name(index));
        let _in_component = component_span.enter();

        let waiting_on: Vec<usize> = charm
            .component_depends_on(index)
            .iter()
            .copied()
            .filter(|&dependency| {
                !statuses[dependency]
                    .as_ref()
                    .expect("execution order places dependencies first")
                    .is_active()
            })
            .collect();

        // Reading the clock is a quarter of a trivial component's cost; only pay for it
        // when the line that reports the duration will be written.
        let started = tracing::enabled!(tracing::Level::INFO).then(Instant::now);
        let (status, outcome, detail) = if !waiting_on.is_empty() {
            if roots.is_empty() {
                roots.resize(count, Vec::new());
            }
            let (status, outcome, held_back_by) = skipped(charm, &statuses, &roots, &waiting_on);
            roots[index] = held_back_by;
            (status, outcome, Detail::default())
        } else {
            match pass {
                Pass::StatusOnly => match contain(|| charm.component_status(index, ctx)) {
                    Err(panic) => panicked("status", panic),
                    Ok(status) => (status, Outcome::StatusOnly, Detail::default()),
                },
                Pass::Reconcile { leader } => match contain(|| charm.component_ready(index, ctx)) {
                    Err(panic) => panicked("ready_for_execution", panic),
                    Ok(false) => match contain(|| charm.component_status(index, ctx)) {
                        Err(panic) => panicked("status", panic),
                        Ok(status) if status.is_active() => (
                            Status::waiting("not ready for execution"),
                            Outcome::NotReady,
                            Detail::default(),
                        ),
                        Ok(status) => (status, Outcome::NotReady, Detail::default()),
                    },
                    Ok(true) => {
                        executed.push(index);
                        run(charm, index, ctx, leader)
                    }
                },
            }
        };
        log_component(
            charm.component_name(index),
            &status,
            &outcome,
            &detail,
            started,
        );
        statuses[index] = Some(status);
        outcomes[index] = Some(outcome);
    }

    let components: Vec<ComponentReport> = statuses
        .into_iter()
        .zip(outcomes)
        .enumerate()
        .map(|(index, (status, outcome))| ComponentReport {
            name: charm.component_name(index).to_owned(),
            status: status.expect("every component was visited"),
            outcome: outcome.expect("every component was visited"),
        })
        .collect();
    let unit_status = aggregate(components.iter().map(|c| {
        let held_back = matches!(c.outcome, Outcome::Skipped { .. });
        (c.name.as_str(), &c.status, held_back)
    }));
    log_summary(&components, &unit_status);
    Report {
        components,
        executed,
        unit_status,
    }
}

/// Runs one component's configure phases and reads its status, containing failures.
fn run<C: CharmReconciler + ?Sized>(
    charm: &mut C,
    index: usize,
    ctx: &mut Context<'_>,
    leader: bool,
) -> (Status, Outcome, Detail) {
    match contain(|| charm.configure_component(index, ctx, leader)) {
        Err(panic) => panicked("configure", panic),
        Ok(Err(error)) => {
            let detail = Detail {
                explained: error.explicit_status().is_some(),
                ..Detail::default()
            };
            let chain = error.chain_text();
            (error.status(), Outcome::Failed { error: chain }, detail)
        }
        Ok(Ok(())) => match contain(|| charm.component_status(index, ctx)) {
            Err(panic) => panicked("status", panic),
            Ok(status) => (status, Outcome::Ran, Detail::default()),
        },
    }
}

/// What the log line of a component needs beyond its status and outcome.
#[derive(Default)]
struct Detail {
    /// Whether a failed component's error carried the status to show (an explained
    /// condition such as "waiting for relation data", logged as a warning) or not (a real
    /// failure, logged as an error).
    explained: bool,
    /// Where a panic happened, when known.
    location: Option<String>,
}

/// The status of a component skipped because `waiting_on` (indices) are not Active, the
/// outcome, and the components that hold it back at the root.
///
/// A dependency that is not Active for a reason of its own is named with its status:
/// `waiting on a (blocked: x)`. A dependency that was itself skipped is named alone, and
/// what holds it back is named once at the end, however deep the chain: `waiting on b,
/// held back by a (blocked: x)`, rather than nesting b's whole message in this one (in a
/// long chain the nested messages would grow with every link).
fn skipped<C: CharmReconciler + ?Sized>(
    charm: &C,
    statuses: &[Option<Status>],
    roots: &[Vec<usize>],
    waiting_on: &[usize],
) -> (Status, Outcome, Vec<usize>) {
    let status_of = |i: usize| statuses[i].as_ref().expect("dependency visited");
    let (held, own): (Vec<usize>, Vec<usize>) =
        waiting_on.iter().partition(|&&d| !roots[d].is_empty());
    let mut behind: Vec<usize> = Vec::new();
    for &dependency in &held {
        for &root in &roots[dependency] {
            if !behind.contains(&root) {
                behind.push(root);
            }
        }
    }
    let mut message = String::from("waiting on ");
    for (n, &dependency) in own.iter().enumerate() {
        if n > 0 {
            message.push_str(", ");
        }
        let _ = write!(
            message,
            "{} ({})",
            charm.component_name(dependency),
            status_of(dependency)
        );
    }
    if !held.is_empty() {
        if !own.is_empty() {
            message.push_str("; on ");
        }
        let names: Vec<&str> = held.iter().map(|&d| charm.component_name(d)).collect();
        let _ = write!(message, "{}, held back by ", names.join(", "));
        for (n, &root) in behind.iter().enumerate() {
            if n > 0 {
                message.push_str(", ");
            }
            // Named with its status once: after `on` above if it is a direct dependency.
            if own.contains(&root) {
                message.push_str(charm.component_name(root));
            } else {
                let _ = write!(
                    message,
                    "{} ({})",
                    charm.component_name(root),
                    status_of(root)
                );
            }
        }
    }
    let mut held_back_by = own.clone();
    for root in behind {
        if !held_back_by.contains(&root) {
            held_back_by.push(root);
        }
    }
    let names = waiting_on
        .iter()
        .map(|&d| charm.component_name(d).to_owned())
        .collect();
    (
        Status::maintenance(message),
        Outcome::Skipped { waiting_on: names },
        held_back_by,
    )
}

fn panicked(during: &str, panic: Panic) -> (Status, Outcome, Detail) {
    let message = panic.message;
    (
        Status::error(format!("panicked in {during}: {message}")),
        Outcome::Panicked { message },
        Detail {
            location: panic.location,
            ..Detail::default()
        },
    )
}

/// A contained panic: its message, and where it happened when the process's panic hook
/// recorded it (see [`crate::panics`]).
pub(crate) struct Panic {
    pub(crate) message: String,
    pub(crate) location: Option<String>,
}

/// Runs `f`, turning a panic into its message and location.
pub(crate) fn contain<T>(f: impl FnOnce() -> T) -> Result<T, Panic> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| Panic {
        message: panic_message(payload),
        location: crate::panics::take_location(),
    })
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(message) => (*message).to_owned(),
            Err(_) => "a panic with a non-text payload".to_owned(),
        },
    }
}

/// One line per component: what happened, its status, and for a component that ran, how
/// long it took.
fn log_component(
    name: &str,
    status: &Status,
    outcome: &Outcome,
    detail: &Detail,
    started: Option<Instant>,
) {
    let Some(started) = started else { return };
    match outcome {
        Outcome::Ran => info!("{name} ran in {:.1?}: {status}", started.elapsed()),
        // An error that carries its own status is an explained condition (for example
        // "waiting for relation data"): a warning. One without is a real failure: an error.
        Outcome::Failed { error } if detail.explained && *error == status.message => {
            warn!("{name} failed in {:.1?}: {status}", started.elapsed())
        }
        Outcome::Failed { error } if detail.explained => warn!(
            "{name} failed in {:.1?}: {error}; status {status}",
            started.elapsed()
        ),
        Outcome::Failed { error } => error!("{name} failed in {:.1?}: {error}", started.elapsed()),
        Outcome::Panicked { .. } => match &detail.location {
            Some(location) => error!("{name} {} (at {location})", status.message),
            None => error!("{name} {}", status.message),
        },
        Outcome::Skipped { .. } => info!("{name} skipped, {}", status.message),
        Outcome::NotReady => info!("{name} skipped, not ready for execution: {status}"),
        Outcome::StatusOnly => info!("{name}: {status}"),
    }
}

fn log_summary(components: &[ComponentReport], unit_status: &Status) {
    if !tracing::enabled!(tracing::Level::INFO) {
        return;
    }
    let mut line = format!("unit status {unit_status}");
    if !components.is_empty() {
        line.push_str("; components: ");
        for (n, component) in components.iter().enumerate() {
            if n > 0 {
                line.push_str(", ");
            }
            let _ = write!(line, "{}=[{}]", component.name, component.status);
        }
    }
    info!("{line}");
}

/// What happened in a remove.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RemoveReport {
    /// The names of the components whose `remove` was called, in call order.
    pub removed: Vec<String>,
    /// The components whose `remove` failed or panicked, with the error text.
    pub failures: Vec<(String, String)>,
}

/// Runs every component's `remove`, dependents before their dependencies (the reverse of
/// the execution order). A failure or panic is logged and the others still run.
pub fn remove<C: CharmReconciler + ?Sized>(charm: &mut C, ctx: &mut Context<'_>) -> RemoveReport {
    let span = info_span!("remove", event = %ctx.event().name());
    let _entered = span.enter();
    let mut report = RemoveReport::default();
    for position in (0..charm.component_count()).rev() {
        let index = charm.execution_order()[position];
        let name = charm.component_name(index).to_owned();
        let _in_component = info_span!("component", name = %name).entered();
        let failure = match contain(|| charm.remove_component(index, ctx)) {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.chain_text()),
            Err(panic) => Some(match panic.location {
                Some(location) => format!("panicked: {} (at {location})", panic.message),
                None => format!("panicked: {}", panic.message),
            }),
        };
        match &failure {
            None => info!("{name} removed"),
            Some(text) => warn!("{name} remove failed: {text}"),
        }
        if let Some(text) = failure {
            report.failures.push((name.clone(), text));
        }
        report.removed.push(name);
    }
    report
}
