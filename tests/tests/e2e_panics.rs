//! End to end: panics outside the components, through the real binary. The test charm
//! `tests/charms/panicky` (`src/panicky.rs`, run by `src/bin/panicky-charm.rs`) panics in
//! `Charm::new` when `PANICKY_PANIC_IN_NEW` is set, in its handler when
//! `PANICKY_PANIC_IN_HANDLER` is set, and in its `panic` action's handler. Every case exits
//! 0 (docs/running-under-juju.md, "Exit code policy"), says what panicked in an ERROR line
//! sent to `juju-log`, and reports the panic the one way Juju shows it: the unit status set
//! once (Blocked `charm error: ...`, plus the application status on the leader) for a hook,
//! `action-fail` (and no status) for an action.
//!
//! The same charm run in memory by the testing harness gives the same statuses and action
//! failures (the `harness_` tests): one layer handles a hook, in tests as under Juju.

mod juju_sim;

use juju_sim::{Run, SimAction, SimState, Unit, workspace};
use reconciler_core::testing::{Harness, State};
use reconciler_core::{Event, Scope, Status};
use reconciler_tests::panicky::{ACTION_PANIC, HANDLER_PANIC, NEW_PANIC, Panicky, Panics};

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

/// The ERROR lines sent to juju-log, each checked to end with the panic's location in the
/// test charm's source (`... (at tests/src/panicky.rs:LINE:COLUMN)`), which is then cut off
/// so the tests do not depend on line numbers.
fn juju_errors(unit: &Unit) -> Vec<String> {
    const AT: &str = " (at tests/src/panicky.rs:";
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
    let message = format!("the charm panicked: {ACTION_PANIC}");
    assert_eq!(
        run.lines()
            .into_iter()
            .filter(|l| !l.starts_with("juju-log"))
            .collect::<Vec<_>>(),
        // The parameters are read (and checked against the action's schema) before the
        // charm is built.
        [
            "action-get --format=json".to_owned(),
            format!("action-fail -- {message}")
        ]
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
            "the charm panicked handling action panic: {ACTION_PANIC}"
        )]
    );
    assert!(run.stderr.contains(ACTION_PANIC), "{}", run.stderr);
}

#[test]
fn panic_in_new_during_an_action_fails_the_action_and_sets_no_status() {
    let unit = panicking_new(&state(true));
    running_action(&unit);
    let run = dispatch_action(&unit, "echo");
    exit_0(&run);
    // The parameters are read (and checked against the action's schema) before the charm
    // is built.
    assert_eq!(run.tools(), ["action-get", "action-fail"]);
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

#[test]
fn panic_in_the_charms_handler_sets_blocked() {
    let mut unit = Unit::panicky(&state(false));
    unit.env
        .push(("PANICKY_PANIC_IN_HANDLER".into(), "1".into()));
    let run = unit.dispatch("hooks/stop", &[]);
    exit_0(&run);
    assert_eq!(run.tools(), ["status-set", "is-leader"]);
    assert_eq!(
        unit.state().unit_status.text(),
        format!("blocked: charm error: {HANDLER_PANIC}")
    );
    assert_eq!(
        juju_errors(&unit),
        [format!("the charm panicked handling stop: {HANDLER_PANIC}")]
    );
}

// ---- the same charm in the in-memory harness ------------------------------------------------

fn harness() -> Harness {
    Harness::from_charm_dir(workspace().join("tests/charms/panicky")).expect("panicky's metadata")
}

/// The harness's unit status in the stand-in tools' spelling (`blocked: message`), to
/// compare with what the binary left under the stand-in hook tools.
fn text(status: &Status) -> String {
    status.to_string()
}

#[test]
fn harness_panic_in_new_gives_the_status_it_gives_under_juju() {
    let panics = Panics {
        in_new: true,
        ..Panics::default()
    };
    let out = harness()
        .run_with(
            || Panicky::build(panics),
            Event::ConfigChanged,
            State::default()
                .with_unit_name("panicky/0")
                .with_leader(true),
        )
        .unwrap();

    let unit = panicking_new(&state(true));
    exit_0(&unit.dispatch("hooks/config-changed", &[]));
    let under_juju = unit.state();

    assert_eq!(text(&out.unit_status), under_juju.unit_status.text());
    assert_eq!(text(&out.app_status), under_juju.app_status.text());
    assert_eq!(
        out.statuses_set,
        [
            (Scope::Unit, out.unit_status.clone()),
            (Scope::App, out.unit_status.clone())
        ]
    );
    assert_eq!(
        text(&out.unit_status),
        format!("blocked: charm error: {NEW_PANIC}")
    );
}

#[test]
fn harness_panic_in_the_handler_gives_the_status_it_gives_under_juju() {
    let panics = Panics {
        in_handler: true,
        ..Panics::default()
    };
    let out = harness()
        .run_with(
            || Panicky::build(panics),
            Event::Stop,
            State::default().with_unit_name("panicky/0"),
        )
        .unwrap();

    let mut unit = Unit::panicky(&state(false));
    unit.env
        .push(("PANICKY_PANIC_IN_HANDLER".into(), "1".into()));
    exit_0(&unit.dispatch("hooks/stop", &[]));

    assert_eq!(text(&out.unit_status), unit.state().unit_status.text());
    assert_eq!(
        text(&out.unit_status),
        format!("blocked: charm error: {HANDLER_PANIC}")
    );
}

#[test]
fn harness_panic_in_an_action_handler_fails_it_as_under_juju() {
    let out = harness()
        .run_action_with(
            || Panicky::build(Panics::default()),
            "panic",
            Default::default(),
            State::default().with_unit_name("panicky/0"),
        )
        .unwrap();

    let unit = Unit::panicky(&state(true));
    running_action(&unit);
    exit_0(&dispatch_action(&unit, "panic"));
    let under_juju = unit.state().action.expect("the action");

    assert_eq!(out.action.unwrap().failure, under_juju.failed);
    assert_eq!(
        under_juju.failed,
        Some(format!("the charm panicked: {ACTION_PANIC}"))
    );
    assert!(out.statuses_set.is_empty());
}
