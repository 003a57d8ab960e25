//! End to end: an action whose outcome cannot be recorded does not claim success. When
//! `action-set` or `action-fail` fails (the stand-in tool told to fail through its state
//! file), the hook exits non-zero, as it does when the final `status-set` fails
//! (docs/running-under-juju.md, "Exit code policy"): Juju then marks the action failed
//! instead of completed. The test charm is `tests/charms/panicky` (`src/panicky.rs`).

mod juju_sim;

use juju_sim::{Fault, Run, SimAction, SimState, Unit};

fn unit() -> Unit {
    let unit = Unit::panicky(&SimState {
        unit: "panicky/0".into(),
        leader: true,
        ..SimState::default()
    });
    let mut params = serde_json::Map::new();
    params.insert("text".into(), "hello".into());
    unit.update(|s| {
        s.action = Some(SimAction {
            params,
            ..SimAction::default()
        })
    });
    unit
}

/// Makes `tool` fail as a hook tool does when the agent cannot record what it was told.
fn failing(unit: &Unit, tool: &str) {
    unit.update(|s| {
        s.faults.insert(
            tool.into(),
            Fault {
                exit_code: 1,
                stdout: Vec::new(),
                stderr: "ERROR connection is shut down".into(),
            },
        );
    });
}

fn dispatch_action(unit: &Unit, name: &str) -> Run {
    unit.dispatch(
        &format!("actions/{name}"),
        &[
            ("JUJU_ACTION_NAME", name),
            ("JUJU_ACTION_UUID", "7f4b6d1e-0000-4000-8000-000000000002"),
        ],
    )
}

/// The calls made, without `juju-log`.
fn calls(run: &Run) -> Vec<String> {
    run.lines()
        .into_iter()
        .filter(|l| !l.starts_with("juju-log"))
        .collect()
}

#[test]
fn control_an_action_whose_results_are_recorded_exits_0() {
    let unit = unit();
    let run = dispatch_action(&unit, "careless-echo");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        calls(&run),
        ["action-get --format=json", "action-set echo=hello"]
    );
    let action = unit.state().action.unwrap();
    assert_eq!(action.results["echo"], "hello");
    assert_eq!(action.failed, None);
}

#[test]
fn a_failed_action_set_the_handler_ignores_exits_non_zero_and_fails_the_action() {
    let unit = unit();
    failing(&unit, "action-set");
    let run = dispatch_action(&unit, "careless-echo");
    assert_eq!(run.code, 1, "the outcome was not recorded: {}", run.stderr);
    // The value is a result the charm meant to record: errors show its length only.
    let error = "action-set echo=<5 bytes>: exited with code 1: ERROR connection is shut down";
    assert_eq!(
        calls(&run),
        [
            "action-get --format=json".to_owned(),
            "action-set echo=hello".to_owned(),
            format!("action-fail -- the action's results could not be recorded: {error}"),
        ]
    );
    assert!(
        run.stderr.contains(&format!(
            "recording the action's outcome failed ({error}); exiting with an error"
        )),
        "{}",
        run.stderr
    );
    assert_eq!(unit.state().unit_status.status, "unknown", "no status-set");
}

#[test]
fn a_failed_action_set_the_handler_reports_exits_non_zero() {
    let unit = unit();
    failing(&unit, "action-set");
    let run = dispatch_action(&unit, "echo");
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The value is a result the charm meant to record: errors show its length only.
    let error = "action-set echo=<5 bytes>: exited with code 1: ERROR connection is shut down";
    // The handler's error fails the action, with the tool's error as the message.
    assert_eq!(unit.state().action.unwrap().failed, Some(error.to_owned()));
}

#[test]
fn a_failed_action_fail_exits_non_zero() {
    let unit = unit();
    // The `panic` action declares no parameters (Juju would refuse `text`, and so does
    // the runtime's check of the parameters).
    unit.update(|s| {
        if let Some(action) = s.action.as_mut() {
            action.params.clear();
        }
    });
    failing(&unit, "action-fail");
    let run = dispatch_action(&unit, "panic");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "recording the action's outcome failed (action-fail -- \"the charm panicked: \
             the panic action's handler panicked\": exited with code 1: ERROR connection is \
             shut down)"
        ),
        "{}",
        run.stderr
    );
}
