//! End to end: panics outside the components, through the real binary. The test charm
//! `tests/charms/panicky` (`src/bin/panicky-charm.rs`) panics in `Charm::new` when
//! `PANICKY_PANIC_IN_NEW` is set, and in its `panic` action's handler. Every case exits 0
//! (docs/running-under-juju.md, "Exit code policy"), says what panicked in an ERROR line
//! sent to `juju-log`, and reports the panic the one way Juju shows it: the unit status set
//! once (Blocked `charm error: ...`, plus the application status on the leader) for a hook,
//! `action-fail` (and no status) for an action.

mod juju_sim;

use juju_sim::{Run, SimAction, SimState, Unit};

const NEW_PANIC: &str = "Charm::new was told to panic (PANICKY_PANIC_IN_NEW is set)";
const HANDLER_PANIC: &str = "the panic action's handler panicked";

fn state(leader: bool) -> SimState {
    SimState {
        unit: "panicky/0".into(),
        leader,
        ..SimState::default()
    }
}

/// A unit whose `Charm::new` panics.
fn panicking_new(state: &SimState) -> Unit {
    let mut unit = Unit::panicky(state);
    unit.env.push(("PANICKY_PANIC_IN_NEW".into(), "1".into()));
    unit
}

/// A unit running the action `name`, with no parameters.
fn running_action(unit: &Unit) {
    unit.update(|s| s.action = Some(SimAction::default()));
}

fn dispatch_action(unit: &Unit, name: &str) -> Run {
    unit.dispatch(
        &format!("actions/{name}"),
        &[
            ("JUJU_ACTION_NAME", name),
            ("JUJU_ACTION_UUID", "7f4b6d1e-0000-4000-8000-000000000001"),
        ],
    )
}

/// The messages sent to `juju-log` at ERROR.
/// The ERROR lines sent to juju-log, each checked to end with the panic's location in the
/// test charm's source (`... (at tests/src/bin/panicky-charm.rs:LINE:COLUMN)`), which is
/// then cut off so the tests do not depend on line numbers.
fn juju_errors(unit: &Unit) -> Vec<String> {
    const AT: &str = " (at tests/src/bin/panicky-charm.rs:";
    unit.state()
        .juju_log
        .into_iter()
        .filter(|l| l.level == "ERROR")
        .map(|l| {
            let at = l
                .message
                .find(AT)
                .unwrap_or_else(|| panic!("no panic location in {:?}", l.message));
            assert!(l.message.ends_with(')'), "{:?}", l.message);
            l.message[..at].to_owned()
        })
        .collect()
}

#[track_caller]
fn exit_0(run: &Run) {
    assert_eq!(
        run.code,
        0,
        "exit code; stderr:\n{}\ncalls: {:#?}",
        run.stderr,
        run.lines()
    );
}

#[test]
fn panic_in_a_component_is_contained_and_logged_with_its_location() {
    let mut unit = Unit::panicky(&state(false));
    unit.env
        .push(("PANICKY_PANIC_IN_COMPONENT".into(), "1".into()));
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    let message = "steady was told to panic (PANICKY_PANIC_IN_COMPONENT is set)";
    assert_eq!(
        unit.state().unit_status.text(),
        format!("blocked: error: [steady] panicked in configure: {message}")
    );
    assert_eq!(
        juju_errors(&unit),
        [format!("steady panicked in configure: {message}")]
    );
    // The runtime's hook replaces Rust's default panic report: the panic is reported once,
    // by the runtime's own ERROR line.
    assert!(
        !run.stderr.contains("thread 'main' panicked"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(message), "{}", run.stderr);
}

#[test]
fn control_without_a_panic_the_charm_is_active() {
    let unit = Unit::panicky(&state(true));
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.tools(), ["is-leader", "status-set", "status-set"]);
    let state = unit.state();
    assert_eq!(state.unit_status.text(), "active");
    assert_eq!(state.app_status.text(), "active");
}

#[test]
fn panic_in_new_on_the_leader_sets_blocked_once_for_unit_and_app() {
    let unit = panicking_new(&state(true));
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    let blocked = format!("blocked -- charm error: {NEW_PANIC}");
    assert_eq!(
        run.lines()
            .into_iter()
            .filter(|l| !l.starts_with("juju-log"))
            .collect::<Vec<_>>(),
        [
            format!("status-set --application=False {blocked}"),
            "is-leader --format=json".to_owned(),
            format!("status-set --application=True {blocked}"),
        ]
    );
    let state = unit.state();
    let text = format!("blocked: charm error: {NEW_PANIC}");
    assert_eq!(state.unit_status.text(), text);
    assert_eq!(state.app_status.text(), text);
    let errors = juju_errors(&unit);
    assert_eq!(
        errors,
        [format!(
            "the charm panicked handling config-changed: {NEW_PANIC}"
        )],
        "{:#?}",
        state.juju_log
    );
    // The panic also reached stderr (the ERROR line; Rust's own report is replaced by the
    // runtime's hook), which Juju records in the unit log.
    assert!(run.stderr.contains(NEW_PANIC), "{}", run.stderr);
    assert!(
        !run.stderr.contains("thread 'main' panicked"),
        "{}",
        run.stderr
    );
}

#[test]
fn panic_in_new_on_a_non_leader_sets_only_the_unit_status() {
    let unit = panicking_new(&state(false));
    let run = unit.dispatch("hooks/install", &[]);
    exit_0(&run);
    assert_eq!(run.tools(), ["status-set", "is-leader"]);
    let state = unit.state();
    assert_eq!(
        state.unit_status.text(),
        format!("blocked: charm error: {NEW_PANIC}")
    );
    assert_eq!(state.app_status.status, "unknown", "no application status");
    assert_eq!(
        juju_errors(&unit),
        [format!("the charm panicked handling install: {NEW_PANIC}")]
    );
}

#[test]
fn panic_in_an_action_handler_fails_the_action_and_sets_no_status() {
    let unit = Unit::panicky(&state(true));
    running_action(&unit);
    let run = dispatch_action(&unit, "panic");
    exit_0(&run);
    let message = format!("the charm panicked: {HANDLER_PANIC}");
    assert_eq!(
        run.lines()
            .into_iter()
            .filter(|l| !l.starts_with("juju-log"))
            .collect::<Vec<_>>(),
        [format!("action-fail -- {message}")]
    );
    let state = unit.state();
    let action = state.action.as_ref().expect("the action");
    assert_eq!(action.failed.as_deref(), Some(message.as_str()));
    assert!(action.results.is_empty());
    assert_eq!(state.unit_status.status, "unknown", "no status-set");
    assert_eq!(state.app_status.status, "unknown", "no status-set");
    assert_eq!(
        juju_errors(&unit),
        [format!(
            "the charm panicked handling action panic: {HANDLER_PANIC}"
        )]
    );
    assert!(run.stderr.contains(HANDLER_PANIC), "{}", run.stderr);
}

#[test]
fn panic_in_new_during_an_action_fails_the_action_and_sets_no_status() {
    let unit = panicking_new(&state(true));
    running_action(&unit);
    let run = dispatch_action(&unit, "echo");
    exit_0(&run);
    assert_eq!(run.tools(), ["action-fail"]);
    let state = unit.state();
    assert_eq!(
        state.action.unwrap().failed,
        Some(format!("the charm panicked: {NEW_PANIC}"))
    );
    assert_eq!(state.unit_status.status, "unknown", "no status-set");
    assert_eq!(
        juju_errors(&unit),
        [format!(
            "the charm panicked handling action echo: {NEW_PANIC}"
        )]
    );
}
