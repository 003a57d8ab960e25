//! End to end: storage and secret events through the real binary, for the test charm
//! `tests/charms/panicky` (`src/bin/panicky-charm.rs`), which declares the storage
//! `db-data` and has no component observing storage or secrets. Such events are parsed
//! (the storage name matched against the metadata, though it contains a `-`), routed to
//! the charm's own handler, which does not handle them, then logged and ignored: exit 0,
//! no hook tool but the final `juju-log`, no status set.

mod juju_sim;

use juju_sim::{Run, SimState, Unit};

fn unit() -> Unit {
    Unit::panicky(&SimState {
        unit: "panicky/0".into(),
        leader: true,
        ..SimState::default()
    })
}

/// Asserts that the event was logged as ignored and nothing else happened.
#[track_caller]
fn ignored(unit: &Unit, run: &Run, event: &str) {
    assert_eq!(
        run.code,
        0,
        "exit code; stderr:\n{}\ncalls: {:#?}",
        run.stderr,
        run.lines()
    );
    assert!(run.stderr.is_empty(), "no warning or error: {}", run.stderr);
    assert_eq!(run.tools(), Vec::<&str>::new(), "{:#?}", run.lines());
    assert_eq!(run.juju_log_calls(), 1, "one batched juju-log");
    let state = unit.state();
    let expected = format!("no component or handler observes {event}; ignored");
    assert!(
        state
            .juju_log
            .iter()
            .any(|l| l.level == "INFO" && l.message.contains(&expected)),
        "{:#?}",
        state.juju_log
    );
    assert_eq!(state.unit_status.status, "unknown", "no status-set");
    assert_eq!(state.app_status.status, "unknown", "no status-set");
}

#[test]
fn declared_storage_attached_is_logged_and_ignored() {
    let unit = unit();
    let run = unit.dispatch(
        "hooks/db-data-storage-attached",
        &[("JUJU_STORAGE_ID", "db-data/0")],
    );
    ignored(&unit, &run, "db-data-storage-attached");
}

#[test]
fn declared_storage_detaching_is_logged_and_ignored() {
    let unit = unit();
    let run = unit.dispatch(
        "hooks/db-data-storage-detaching",
        &[("JUJU_STORAGE_ID", "db-data/0")],
    );
    ignored(&unit, &run, "db-data-storage-detaching");
}

#[test]
fn undeclared_storage_is_an_error_but_exit_0() {
    let unit = unit();
    let run = unit.dispatch(
        "hooks/logs-storage-attached",
        &[("JUJU_STORAGE_ID", "logs/0")],
    );
    assert_eq!(run.code, 0, "a retry would not help: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let expected = format!(
        "event \"logs-storage-attached\" (from JUJU_DISPATCH_PATH=hooks/logs-storage-attached) \
         is for storage \"logs\", which {} does not declare (declared: db-data)",
        unit.charm_dir.join("charmcraft.yaml").display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert_eq!(run.tools(), Vec::<&str>::new(), "{:#?}", run.lines());
    assert_eq!(unit.state().unit_status.status, "unknown", "no status-set");
}

#[test]
fn secret_changed_is_logged_and_ignored() {
    let unit = unit();
    let run = unit.dispatch(
        "hooks/secret-changed",
        &[
            ("JUJU_SECRET_ID", "secret:cs1bq8vmp25c7ek3ambg"),
            ("JUJU_SECRET_LABEL", "db-password"),
        ],
    );
    ignored(&unit, &run, "secret-changed");
}

#[test]
fn secret_changed_without_its_secret_id_is_retried() {
    let unit = unit();
    let run = unit.dispatch("hooks/secret-changed", &[]);
    assert_eq!(
        run.code, 1,
        "Juju always sets JUJU_SECRET_ID: {}",
        run.stderr
    );
    assert!(run.stderr.contains("JUJU_SECRET_ID"), "{}", run.stderr);
    assert_eq!(run.tools(), Vec::<&str>::new(), "{:#?}", run.lines());
}
