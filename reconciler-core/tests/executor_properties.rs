//! Property tests of the executor and the runtime graph builder.
//!
//! The unit tests in `src/tests.rs` pin individual rules on hand-written graphs. These
//! properties check the same rules on random graphs of up to 200 components, against a
//! reference model written here from the documented semantics (docs/execution-order.md,
//! the docs of `executor.rs`, `status.rs` and `Component`), deliberately in the most
//! straightforward way (recursion with a memo over declaration order, quadratic
//! topological sort, a linear scan for the worst status) so that it shares no code or
//! cleverness with the executor it checks.
//!
//! Graphs are generated acyclic by construction: every component draws a random key, the
//! keys sorted give a hidden topological order, and a component may only depend on
//! components earlier in that hidden order. Declaration order is therefore unrelated to
//! execution order, and dependencies point both to earlier- and to later-declared
//! components. Removing a component while shrinking keeps the graph valid.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt;
use std::rc::Rc;
use std::sync::Once;
use std::sync::mpsc;
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use reconciler_core::pebble::Pebble;
use reconciler_core::{
    Backend, BackendError, CharmReconciler, Component, ComponentError, Config, Context, Databag,
    Event, GraphBuilder, GraphProblem, JsonMap, LogLevel, Member, Outcome, Port, RelationId,
    Report, Scope, Status, StatusKind,
};

// ---------------------------------------------------------------------------------------
// Scripted components
// ---------------------------------------------------------------------------------------

/// Every panic a scripted component raises starts with this, so the panic hook can silence
/// exactly those and still print any unexpected panic (a bug in the executor or the test).
const SCRIPTED_PANIC: &str = "scripted panic";

/// What one component does in the reconcile.
#[derive(Clone, Debug)]
enum Behaviour {
    /// Configures fine and reports this status (any kind, including unknown and error).
    Reports(Status),
    /// Returns an error from `configure_unit` or, if `in_app_phase`, from the app phase.
    Fails {
        message: String,
        /// Adds a source error with this text, so the chain has two links.
        cause: Option<String>,
        /// The status the error carries, if any.
        status: Option<Status>,
        in_app_phase: bool,
    },
    /// Panics in `configure_unit`.
    PanicsInConfigure,
    /// `ready_for_execution` is false; `status()` reports this.
    NotReady(Status),
}

/// One method call on a component, as recorded in the journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Call {
    Ready,
    ConfigureUnit,
    ConfigureAppLeader,
    ConfigureAppNonLeader,
    Status,
}

type Journal = Rc<RefCell<Vec<(usize, Call)>>>;

/// A component that follows its [`Behaviour`] and records every call in a shared journal.
struct Scripted {
    index: usize,
    behaviour: Behaviour,
    journal: Journal,
}

/// The source error of [`Behaviour::Fails`] with a cause.
#[derive(Debug)]
struct Cause(String);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Cause {}

impl Scripted {
    fn record(&self, call: Call) {
        self.journal.borrow_mut().push((self.index, call));
    }

    /// The error this component returns (a fresh one per call: `ComponentError` is not
    /// `Clone`).
    fn error(&self) -> ComponentError {
        let Behaviour::Fails {
            message,
            cause,
            status,
            ..
        } = &self.behaviour
        else {
            unreachable!("only failing components build errors")
        };
        let mut error = ComponentError::new(message.clone());
        if let Some(cause) = cause {
            error = error.with_source(Cause(cause.clone()));
        }
        if let Some(status) = status {
            error = error.with_status(status.clone());
        }
        error
    }

    fn app_phase(&mut self, call: Call) -> Result<(), ComponentError> {
        self.record(call);
        match &self.behaviour {
            Behaviour::Fails {
                in_app_phase: true, ..
            } => Err(self.error()),
            _ => Ok(()),
        }
    }
}

impl Component for Scripted {
    fn configure_unit(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.record(Call::ConfigureUnit);
        match &self.behaviour {
            Behaviour::Fails {
                in_app_phase: false,
                ..
            } => Err(self.error()),
            Behaviour::PanicsInConfigure => panic!("{SCRIPTED_PANIC} in c{}", self.index),
            _ => Ok(()),
        }
    }

    fn configure_app_leader(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.app_phase(Call::ConfigureAppLeader)
    }

    fn configure_app_non_leader(
        &mut self,
        _: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        self.app_phase(Call::ConfigureAppNonLeader)
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        self.record(Call::Status);
        match &self.behaviour {
            Behaviour::Reports(status) | Behaviour::NotReady(status) => status.clone(),
            // The executor takes a failing component's status from its error and never
            // asks a panicked one; this value makes a wrong call visible in the report.
            _ => Status::active_with("status() should not have been called"),
        }
    }

    fn ready_for_execution(&self, _: &mut Context<'_>) -> bool {
        self.record(Call::Ready);
        !matches!(self.behaviour, Behaviour::NotReady(_))
    }
}

/// Leadership as the backend reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leadership {
    Leader,
    NonLeader,
    /// `is-leader` fails; the executor must configure as a non-leader.
    Unreadable,
}

/// The trivial backend: it answers `is-leader` as told and counts how often it was asked.
/// Every other hook tool fails: the scripted components never call one, so a call would be
/// a bug in the executor and would show up as an error status in the report.
struct TestBackend {
    leadership: Leadership,
    asked: usize,
}

/// Implements the listed `Backend` methods as failures naming the hook tool.
macro_rules! refuse {
    ($($name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            Err(BackendError::failed(stringify!($name), "not available in this test"))
        })*
    };
}

impl Backend for TestBackend {
    fn unit_name(&self) -> &str {
        "test/0"
    }

    fn model_name(&self) -> &str {
        "test"
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        self.asked += 1;
        match self.leadership {
            Leadership::Leader => Ok(true),
            Leadership::NonLeader => Ok(false),
            Leadership::Unreadable => Err(BackendError::failed(
                "is-leader --format=json",
                "exit status 1",
            )),
        }
    }

    refuse! {
        config(&mut self) -> Result<&Config, BackendError>;
        relation_ids(&mut self, _e: &str) -> Result<Vec<RelationId>, BackendError>;
        relation_units(&mut self, _r: RelationId) -> Result<Vec<String>, BackendError>;
        relation_remote_app(&mut self, _r: RelationId) -> Result<Option<String>, BackendError>;
        relation_get(&mut self, _r: RelationId, _m: &Member) -> Result<Databag, BackendError>;
        relation_set(&mut self, _r: RelationId, _s: Scope, _c: &Databag) -> Result<(), BackendError>;
        status_set(&mut self, _t: Scope, _s: &Status) -> Result<(), BackendError>;
        status_get(&mut self, _t: Scope) -> Result<Status, BackendError>;
        log(&mut self, _l: LogLevel, _m: &str) -> Result<(), BackendError>;
        application_version_set(&mut self, _v: &str) -> Result<(), BackendError>;
        action_params(&mut self) -> Result<JsonMap, BackendError>;
        action_set(&mut self, _r: &JsonMap) -> Result<(), BackendError>;
        action_fail(&mut self, _m: &str) -> Result<(), BackendError>;
        action_log(&mut self, _m: &str) -> Result<(), BackendError>;
        open_port(&mut self, _p: Port) -> Result<(), BackendError>;
        close_port(&mut self, _p: Port) -> Result<(), BackendError>;
        opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;
        state_get(&mut self, _k: &str) -> Result<Option<String>, BackendError>;
        state_set(&mut self, _k: &str, _v: &str) -> Result<(), BackendError>;
        state_delete(&mut self, _k: &str) -> Result<(), BackendError>;
        pebble(&mut self, _c: &str) -> Result<&mut dyn Pebble, BackendError>;
    }
}

/// Silences the panics scripted components raise on purpose (they would print hundreds of
/// backtraces-worth of noise per run) while keeping the default report for any other
/// panic. The hook is process-global, which is fine: this test binary holds only these
/// tests, and the filter keeps real failures visible whichever test thread installs it.
fn silence_scripted_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied());
            if !message.is_some_and(|m| m.starts_with(SCRIPTED_PANIC)) {
                default(info);
            }
        }));
    });
}

// ---------------------------------------------------------------------------------------
// Random graphs
// ---------------------------------------------------------------------------------------

/// One generated component before the graph is resolved.
#[derive(Clone, Debug)]
struct Spec {
    /// Position key for the hidden topological order (ties broken by declaration index).
    key: u16,
    /// Dependencies, each an index into the components before this one in hidden order.
    deps: Vec<Index>,
    behaviour: Behaviour,
}

/// A resolved random DAG: for each component (declaration order) its dependencies
/// (declaration indices, in `depends_on` order, no duplicates) and behaviour.
#[derive(Clone, Debug)]
struct Dag {
    depends_on: Vec<Vec<usize>>,
    behaviours: Vec<Behaviour>,
}

fn resolve(specs: Vec<Spec>) -> Dag {
    let mut hidden: Vec<usize> = (0..specs.len()).collect();
    hidden.sort_by_key(|&i| (specs[i].key, i));
    let mut depends_on = vec![Vec::new(); specs.len()];
    for (position, &component) in hidden.iter().enumerate() {
        if position == 0 {
            continue;
        }
        for index in &specs[component].deps {
            let dependency = hidden[index.index(position)];
            if !depends_on[component].contains(&dependency) {
                depends_on[component].push(dependency);
            }
        }
    }
    Dag {
        depends_on,
        behaviours: specs.into_iter().map(|s| s.behaviour).collect(),
    }
}

fn name(index: usize) -> String {
    format!("c{index}")
}

/// A few messages, including the empty one (which changes how prefixes are written).
fn message() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "no relation", "bad image", "db: down"]).prop_map(String::from)
}

fn any_status() -> impl Strategy<Value = Status> {
    (prop::sample::select(StatusKind::ALL.to_vec()), message())
        .prop_map(|(kind, message)| Status::new(kind, message))
}

/// Statuses a component may carry in a returned error: the three that `ComponentError`
/// has constructors for. An error carrying Active is left out on purpose: the docs do not
/// say whether a failed component may unblock its dependents, so no test should pin it.
fn error_status() -> impl Strategy<Value = Status> {
    (
        prop::sample::select(vec![
            StatusKind::Blocked,
            StatusKind::Waiting,
            StatusKind::Maintenance,
        ]),
        message(),
    )
        .prop_map(|(kind, message)| Status::new(kind, message))
}

/// Mostly components that end Active, so that runs cascade through deep graphs; every
/// other outcome often enough to meet it many times per case.
fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        12 => Just(Behaviour::Reports(Status::active())),
        2 => message().prop_map(|m| Behaviour::Reports(Status::active_with(m))),
        2 => any_status().prop_map(Behaviour::Reports),
        1 => (
            message(),
            prop::option::of(message()),
            prop::option::of(error_status()),
            any::<bool>(),
        )
            .prop_map(|(message, cause, status, in_app_phase)| Behaviour::Fails {
                message,
                cause,
                status,
                in_app_phase,
            }),
        1 => Just(Behaviour::PanicsInConfigure),
        1 => any_status().prop_map(Behaviour::NotReady),
    ]
}

fn dag(max_components: usize) -> impl Strategy<Value = Dag> {
    let spec = (
        any::<u16>(),
        prop::collection::vec(any::<Index>(), 0..=3),
        behaviour(),
    )
        .prop_map(|(key, deps, behaviour)| Spec {
            key,
            deps,
            behaviour,
        });
    prop::collection::vec(spec, 0..=max_components).prop_map(resolve)
}

// ---------------------------------------------------------------------------------------
// The reference model
// ---------------------------------------------------------------------------------------

/// What the documented semantics say one reconcile of `dag` must produce.
struct Expected {
    statuses: Vec<Status>,
    outcomes: Vec<Outcome>,
    /// Components whose configure methods are called, in the order they must be called.
    run_order: Vec<usize>,
    unit_status: Status,
}

/// Joins non-empty messages with `": "`, as an error chain is shown.
fn chain(message: &str, cause: Option<&str>) -> String {
    [Some(message), cause]
        .into_iter()
        .flatten()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

/// The components that hold a skipped `component` back at the root: each dependency that
/// is not Active for a reason of its own, and, through each dependency that was itself
/// skipped, that one's roots; each once, in that order. Empty for a component that was
/// not skipped.
fn roots(dag: &Dag, component: usize, memo: &mut Vec<Option<(Status, Outcome)>>) -> Vec<usize> {
    settle(dag, component, memo);
    if !matches!(memo[component], Some((_, Outcome::Skipped { .. }))) {
        return Vec::new();
    }
    let mut own = Vec::new();
    let mut behind = Vec::new();
    for &dependency in &dag.depends_on[component] {
        if settle(dag, dependency, memo).kind == StatusKind::Active {
            continue;
        }
        let deeper = roots(dag, dependency, memo);
        if deeper.is_empty() {
            own.push(dependency);
        } else {
            behind.extend(deeper);
        }
    }
    for root in behind {
        if !own.contains(&root) {
            own.push(root);
        }
    }
    own
}

/// The final status and outcome of `component`, computed recursively with a memo. A
/// dependency's status is its status *after* its own run, which is exactly what this
/// recursion computes, independently of any execution order.
fn settle(dag: &Dag, component: usize, memo: &mut Vec<Option<(Status, Outcome)>>) -> Status {
    if let Some((status, _)) = &memo[component] {
        return status.clone();
    }
    let mut waiting_on = Vec::new();
    for &dependency in &dag.depends_on[component] {
        let status = settle(dag, dependency, memo);
        if status.kind != StatusKind::Active {
            waiting_on.push((dependency, status));
        }
    }
    let result = if !waiting_on.is_empty() {
        // The documented message: dependencies not Active for a reason of their own with
        // their status; dependencies that were themselves skipped by name, then, once,
        // the components that hold those back at the root (named alone if already listed).
        let skipped_dependency = |d: usize, memo: &Vec<Option<(Status, Outcome)>>| {
            matches!(memo[d], Some((_, Outcome::Skipped { .. })))
        };
        let own: Vec<&(usize, Status)> = waiting_on
            .iter()
            .filter(|(d, _)| !skipped_dependency(*d, memo))
            .collect();
        let held: Vec<usize> = waiting_on
            .iter()
            .map(|(d, _)| *d)
            .filter(|d| skipped_dependency(*d, memo))
            .collect();
        let mut behind: Vec<usize> = Vec::new();
        for &d in &held {
            for root in roots(dag, d, memo) {
                if !behind.contains(&root) {
                    behind.push(root);
                }
            }
        }
        let mut message = format!(
            "waiting on {}",
            own.iter()
                .map(|(d, status)| format!("{} ({status})", name(*d)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !held.is_empty() {
            let held_names: Vec<String> = held.iter().map(|d| name(*d)).collect();
            let behind_text: Vec<String> = behind
                .iter()
                .map(|&root| {
                    if own.iter().any(|(d, _)| *d == root) {
                        name(root)
                    } else {
                        let status = settle(dag, root, memo);
                        format!("{} ({status})", name(root))
                    }
                })
                .collect();
            let prefix = if own.is_empty() { "" } else { "; on " };
            message = format!(
                "{}{prefix}{}, held back by {}",
                if own.is_empty() {
                    "waiting on "
                } else {
                    message.as_str()
                },
                held_names.join(", "),
                behind_text.join(", ")
            );
        }
        (
            Status::maintenance(message),
            Outcome::Skipped {
                waiting_on: waiting_on.iter().map(|(d, _)| name(*d)).collect(),
            },
        )
    } else {
        match &dag.behaviours[component] {
            Behaviour::Reports(status) => (status.clone(), Outcome::Ran),
            Behaviour::Fails {
                message,
                cause,
                status,
                ..
            } => {
                let error = chain(message, cause.as_deref());
                let status = status.clone().unwrap_or(Status::blocked(error.clone()));
                (status, Outcome::Failed { error })
            }
            Behaviour::PanicsInConfigure => {
                let message = format!("{SCRIPTED_PANIC} in c{component}");
                (
                    Status::error(format!("panicked in configure: {message}")),
                    Outcome::Panicked { message },
                )
            }
            Behaviour::NotReady(status) if status.kind == StatusKind::Active => (
                Status::waiting("not ready for execution"),
                Outcome::NotReady,
            ),
            Behaviour::NotReady(status) => (status.clone(), Outcome::NotReady),
        }
    };
    let status = result.0.clone();
    memo[component] = Some(result);
    status
}

/// The unit status: the worst status (error, blocked, waiting, maintenance, active,
/// unknown; ties to the earliest declared component that was not skipped for its
/// dependencies, or if all were, to the earliest declared; except that among Active the
/// earliest one with a message wins), prefixed with its component's name and mapped to a
/// settable kind.
fn unit_status(statuses: &[Status], outcomes: &[Outcome]) -> Status {
    const WORST_FIRST: [StatusKind; 6] = [
        StatusKind::Error,
        StatusKind::Blocked,
        StatusKind::Waiting,
        StatusKind::Maintenance,
        StatusKind::Active,
        StatusKind::Unknown,
    ];
    let rank = |kind: StatusKind| WORST_FIRST.iter().position(|&k| k == kind).unwrap();
    let Some(worst) = statuses.iter().map(|s| rank(s.kind)).min() else {
        return Status::active();
    };
    let candidates: Vec<usize> = (0..statuses.len())
        .filter(|&i| rank(statuses[i].kind) == worst)
        .collect();
    let winner = if WORST_FIRST[worst] == StatusKind::Active {
        candidates
            .iter()
            .copied()
            .find(|&i| !statuses[i].message.is_empty())
            .unwrap_or(candidates[0])
    } else {
        candidates
            .iter()
            .copied()
            .find(|&i| !matches!(outcomes[i], Outcome::Skipped { .. }))
            .unwrap_or(candidates[0])
    };
    let status = &statuses[winner];
    if status.kind == StatusKind::Active && status.message.is_empty() {
        return Status::active();
    }
    let message = if status.message.is_empty() {
        format!("[{}]", name(winner))
    } else {
        format!("[{}] {}", name(winner), status.message)
    };
    match status.kind {
        StatusKind::Error => Status::blocked(format!("error: {message}")),
        StatusKind::Unknown => Status::waiting(format!("status unknown: {message}")),
        kind => Status::new(kind, message),
    }
}

fn expected(dag: &Dag) -> Expected {
    let count = dag.behaviours.len();
    let mut memo = vec![None; count];
    for component in 0..count {
        settle(dag, component, &mut memo);
    }
    let (statuses, outcomes): (Vec<Status>, Vec<Outcome>) =
        memo.into_iter().map(|settled| settled.unwrap()).unzip();

    // The execution order: repeatedly the earliest declared component whose dependencies
    // are all placed (quadratic, and obviously right).
    let mut placed = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let next = (0..count)
            .find(|&c| !placed[c] && dag.depends_on[c].iter().all(|&d| placed[d]))
            .expect("generated graphs are acyclic");
        placed[next] = true;
        order.push(next);
    }
    let run_order = order
        .into_iter()
        .filter(|&c| outcomes[c].ran() || matches!(outcomes[c], Outcome::Panicked { .. }))
        .collect();

    Expected {
        unit_status: unit_status(&statuses, &outcomes),
        statuses,
        outcomes,
        run_order,
    }
}

// ---------------------------------------------------------------------------------------
// Running and checking
// ---------------------------------------------------------------------------------------

struct Run {
    report: Report,
    journal: Vec<(usize, Call)>,
    is_leader_calls: usize,
}

fn run(dag: &Dag, leadership: Leadership) -> Run {
    let journal: Journal = Rc::default();
    let mut builder = GraphBuilder::new();
    for (index, behaviour) in dag.behaviours.iter().enumerate() {
        let depends_on: Vec<String> = dag.depends_on[index].iter().map(|&d| name(d)).collect();
        let depends_on: Vec<&str> = depends_on.iter().map(String::as_str).collect();
        let component = Scripted {
            index,
            behaviour: behaviour.clone(),
            journal: Rc::clone(&journal),
        };
        builder.add(name(index), component, &depends_on);
    }
    let mut charm = builder.build().expect("generated graphs are valid");
    let mut backend = TestBackend {
        leadership,
        asked: 0,
    };
    let event = Event::ConfigChanged;
    let report = reconciler_core::reconcile(&mut charm, &mut Context::new(&mut backend, &event));
    let journal = journal.borrow().clone();
    Run {
        report,
        journal,
        is_leader_calls: backend.asked,
    }
}

/// The calls a component must receive, in order, given its expected outcome.
fn expected_calls(behaviour: &Behaviour, outcome: &Outcome, leader: bool) -> Vec<Call> {
    let app = if leader {
        Call::ConfigureAppLeader
    } else {
        Call::ConfigureAppNonLeader
    };
    match outcome {
        // `ready_for_execution` may or may not be asked of a skipped component; the
        // checks below allow either (at most once), so this list is only the rest.
        Outcome::Skipped { .. } => vec![],
        Outcome::NotReady => vec![Call::Ready, Call::Status],
        Outcome::Ran => vec![Call::Ready, Call::ConfigureUnit, app, Call::Status],
        Outcome::Panicked { .. } => vec![Call::Ready, Call::ConfigureUnit],
        Outcome::Failed { .. } => match behaviour {
            Behaviour::Fails {
                in_app_phase: true, ..
            } => vec![Call::Ready, Call::ConfigureUnit, app],
            _ => vec![Call::Ready, Call::ConfigureUnit],
        },
        other => unreachable!("the model never expects {other:?}"),
    }
}

fn check(dag: &Dag, leadership: Leadership) -> Result<(), TestCaseError> {
    let count = dag.behaviours.len();
    let expected = expected(dag);
    let Run {
        report,
        journal,
        is_leader_calls,
    } = run(dag, leadership);
    let leader = leadership == Leadership::Leader;

    prop_assert!(
        is_leader_calls <= 1,
        "is-leader asked {is_leader_calls} times"
    );

    // Per component: its calls, in order, are exactly what its outcome requires. This
    // covers "ran exactly once", "skipped components did not run", "status() at most
    // once" and the leader / non-leader phase.
    let mut calls: Vec<Vec<Call>> = vec![Vec::new(); count];
    for &(component, call) in &journal {
        calls[component].push(call);
    }
    for (component, got) in calls.into_iter().enumerate() {
        let outcome = &expected.outcomes[component];
        let wanted = expected_calls(&dag.behaviours[component], outcome, leader);
        // Asking a skipped component whether it is ready is allowed (once), not required.
        let got = match (outcome, got.as_slice()) {
            (Outcome::Skipped { .. }, [Call::Ready]) => Vec::new(),
            _ => got,
        };
        prop_assert_eq!(got, wanted, "calls of c{}", component);
    }

    // Run order: configure_unit calls in journal order are the expected topological order
    // (ties to declaration order), restricted to what ran; so every edge is respected.
    let run_order: Vec<usize> = journal
        .iter()
        .filter(|(_, call)| *call == Call::ConfigureUnit)
        .map(|&(component, _)| component)
        .collect();
    prop_assert_eq!(&run_order, &expected.run_order);
    let position = |c: usize| run_order.iter().position(|&r| r == c);
    for (component, dependencies) in dag.depends_on.iter().enumerate() {
        for &dependency in dependencies {
            if let Some(at) = position(component) {
                let before = position(dependency);
                prop_assert!(
                    before.is_some_and(|b| b < at),
                    "c{} ran without c{} running first",
                    component,
                    dependency
                );
            }
        }
    }

    // The report: one entry per component in declaration order, statuses and outcomes as
    // the model says, `executed` as the components whose configure ran or panicked.
    prop_assert_eq!(report.components.len(), count);
    for (component, entry) in report.components.iter().enumerate() {
        prop_assert_eq!(&entry.name, &name(component));
        prop_assert_eq!(
            &entry.status,
            &expected.statuses[component],
            "status of c{}",
            component
        );
        prop_assert_eq!(
            &entry.outcome,
            &expected.outcomes[component],
            "outcome of c{}",
            component
        );
    }
    prop_assert_eq!(&report.executed, &expected.run_order);
    prop_assert_eq!(&report.unit_status, &expected.unit_status);
    prop_assert!(report.unit_status.kind.is_settable());
    Ok(())
}

fn leadership() -> impl Strategy<Value = Leadership> {
    prop::sample::select(vec![
        Leadership::Leader,
        Leadership::NonLeader,
        Leadership::Unreadable,
    ])
}

// Case counts: the whole binary runs in about a second in debug; these are as high as
// that budget comfortably allows.
proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Shrinking a 200-component graph can take many steps; cap it so a failure is
        // reported in seconds, still far smaller than the original.
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    /// Random DAGs with every kind of outcome: the executor agrees with the model.
    #[test]
    fn reconcile_matches_the_reference_model(dag in dag(200), leadership in leadership()) {
        silence_scripted_panics();
        check(&dag, leadership)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2_048,
        ..ProptestConfig::default()
    })]

    /// Small graphs, many cases: dense corner cases (empty charm, one component, all
    /// skipped) come up far more often than in big graphs.
    #[test]
    fn small_graphs_match_the_reference_model(dag in dag(6), leadership in leadership()) {
        silence_scripted_panics();
        check(&dag, leadership)?;
    }
}

// ---------------------------------------------------------------------------------------
// The graph builder on graphs that may have cycles
// ---------------------------------------------------------------------------------------

/// A directed graph without self-loops or repeated edges; `edges[c]` are the components
/// `c` depends on. Built from random edges plus, optionally, a planted cycle.
#[derive(Clone, Debug)]
struct Digraph {
    edges: Vec<Vec<usize>>,
}

fn digraph() -> impl Strategy<Value = Digraph> {
    (1usize..=200)
        .prop_flat_map(|count| {
            (
                Just(count),
                prop::collection::vec((any::<Index>(), any::<Index>()), 0..=2 * count),
                prop::option::of(prop::collection::vec(any::<Index>(), 2..=6)),
            )
        })
        .prop_map(|(count, random, planted)| {
            let mut edges = vec![Vec::new(); count];
            let mut add = |from: usize, to: usize| {
                if from != to && !edges[from].contains(&to) {
                    edges[from].push(to);
                }
            };
            for (from, to) in random {
                add(from.index(count), to.index(count));
            }
            if let Some(walk) = planted {
                // A closed walk through distinct components is a cycle (when it has at
                // least two of them).
                let mut members: Vec<usize> = Vec::new();
                for index in walk {
                    let member = index.index(count);
                    if !members.contains(&member) {
                        members.push(member);
                    }
                }
                if members.len() >= 2 {
                    for pair in members.windows(2) {
                        add(pair[0], pair[1]);
                    }
                    add(*members.last().unwrap(), members[0]);
                }
            }
            Digraph { edges }
        })
}

/// Whether the graph has a cycle: peel off components with no remaining dependencies
/// until nothing changes; whatever is left lies on or behind a cycle.
fn has_cycle(graph: &Digraph) -> bool {
    let count = graph.edges.len();
    let mut removed = vec![false; count];
    loop {
        let free: Vec<usize> = (0..count)
            .filter(|&c| !removed[c] && graph.edges[c].iter().all(|&d| removed[d]))
            .collect();
        if free.is_empty() {
            return removed.iter().any(|&r| !r);
        }
        for c in free {
            removed[c] = true;
        }
    }
}

/// A component that is never run; the builder only needs something to hold.
struct Inert;

impl Component for Inert {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// Builds `graph` on another thread and waits at most a few seconds, so that a hang is a
/// test failure rather than a stuck test run, and a panic is reported as such. Returns
/// the execution order on success.
fn build_with_deadline(graph: &Digraph) -> Result<Result<Vec<usize>, Vec<GraphProblem>>, String> {
    let edges = graph.edges.clone();
    let (send, receive) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let names: Vec<String> = (0..edges.len()).map(name).collect();
        let mut builder = GraphBuilder::new();
        for (component, dependencies) in edges.iter().enumerate() {
            let dependencies: Vec<&str> = dependencies.iter().map(|&d| names[d].as_str()).collect();
            builder.add(names[component].clone(), Inert, &dependencies);
        }
        let verdict = builder
            .build()
            .map(|charm| charm.execution_order().to_vec())
            .map_err(|error| error.problems);
        let _ = send.send(verdict);
    });
    match receive.recv_timeout(Duration::from_secs(10)) {
        Ok(verdict) => {
            worker
                .join()
                .map_err(|_| "builder thread panicked".to_owned())?;
            Ok(verdict)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Err("builder did not finish in 10 s".to_owned()),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(match worker.join() {
            Err(payload) => format!(
                "builder panicked: {}",
                payload
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| payload.downcast_ref::<&str>().copied())
                    .unwrap_or("(non-text payload)")
            ),
            Ok(()) => "builder thread ended without a verdict".to_owned(),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        max_shrink_iters: 2_000,
        ..ProptestConfig::default()
    })]

    /// The builder accepts exactly the acyclic graphs. When it refuses, every problem is a
    /// cycle whose path is real: it closes on itself, visits no component twice, and each
    /// element depends on the next. It never panics or hangs.
    #[test]
    fn builder_refuses_cycles_with_a_real_cycle_path(graph in digraph()) {
        let verdict = build_with_deadline(&graph).map_err(TestCaseError::fail)?;
        let index_of = |name: &str| -> usize {
            name.strip_prefix('c').and_then(|n| n.parse().ok()).expect("a generated name")
        };
        match verdict {
            Ok(order) => {
                prop_assert!(!has_cycle(&graph), "a cyclic graph was accepted");
                let mut sorted = order.clone();
                sorted.sort_unstable();
                prop_assert_eq!(sorted, (0..graph.edges.len()).collect::<Vec<_>>());
                for (at, &component) in order.iter().enumerate() {
                    for dependency in &graph.edges[component] {
                        prop_assert!(order[..at].contains(dependency));
                    }
                }
            }
            Err(problems) => {
                prop_assert!(has_cycle(&graph), "an acyclic graph was refused: {:?}", problems);
                prop_assert!(!problems.is_empty());
                let mut on_some_cycle = BTreeSet::new();
                for problem in &problems {
                    let GraphProblem::Cycle { path } = problem else {
                        return Err(TestCaseError::fail(format!(
                            "only cycles are wrong with this graph, got {problem:?}"
                        )));
                    };
                    let path: Vec<usize> = path.iter().map(|n| index_of(n)).collect();
                    prop_assert!(path.len() >= 3, "a cycle needs two components: {:?}", path);
                    prop_assert_eq!(path.first(), path.last());
                    let interior: BTreeSet<usize> = path[1..].iter().copied().collect();
                    prop_assert_eq!(interior.len(), path.len() - 1, "repeats: {:?}", path);
                    for pair in path.windows(2) {
                        prop_assert!(
                            graph.edges[pair[0]].contains(&pair[1]),
                            "c{} does not depend on c{} in {:?}", pair[0], pair[1], path
                        );
                    }
                    // One cycle per group of mutually dependent components: no component
                    // is reported on two cycles.
                    for member in interior {
                        prop_assert!(on_some_cycle.insert(member), "c{} on two cycles", member);
                    }
                }
            }
        }
    }
}
