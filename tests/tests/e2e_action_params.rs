//! End to end: action parameters checked against the action's JSON schema by the real
//! charm binary, with the stand-in hook tools, and the same parameters run in memory
//! against the same metadata, which must come to the same outcome. Also the events Juju
//! added, `leader-deposed` and `meter-status-changed`, parsed from the hook environment.
//!
//! The test charm is `tests/charms/params` (`reconciler_tests::params`).

mod juju_sim;

use std::path::{Path, PathBuf};

use reconciler_core::metadata::Metadata;
use reconciler_core::testing::{MemoryBackend, State};
use reconciler_core::{Charm, Context, Event, Handling, JsonMap, handle_event_with};
use reconciler_tests::params::{DEPOSED, Params};
use serde_json::{Value, json};

use juju_sim::{Run, SimAction, SimState, Unit, workspace};

const UUID: &str = "7f4b6d1e-0000-4000-8000-000000000003";

fn source() -> PathBuf {
    workspace().join("tests/charms/params")
}

fn unit() -> Unit {
    Unit::new(
        Path::new(env!("CARGO_BIN_EXE_params-charm")),
        &source(),
        &SimState {
            unit: "params/0".into(),
            ..SimState::default()
        },
    )
}

fn metadata() -> Metadata {
    Metadata::load(&source()).expect("the test charm's metadata")
}

fn object(value: Value) -> JsonMap {
    value.as_object().cloned().expect("an object")
}

/// What Juju hands the charm for `given`: the parameters with the schema's defaults
/// filled in (Juju does that before the action runs; the stand-in `action-get` prints
/// what the model holds).
fn from_juju(action: &str, given: &JsonMap) -> JsonMap {
    metadata().actions[action].with_defaults(given)
}

/// Juju runs the action `name` with `params` (already as Juju hands them over).
fn run_action(unit: &Unit, name: &str, params: &JsonMap) -> Run {
    unit.update(|s| {
        s.action = Some(SimAction {
            params: params.clone(),
            ..SimAction::default()
        });
    });
    unit.dispatch(
        &format!("actions/{name}"),
        &[("JUJU_ACTION_NAME", name), ("JUJU_ACTION_UUID", UUID)],
    )
}

/// What the same charm does in memory with the same metadata and parameters: how the
/// action was handled, its failure and its results.
fn in_memory(name: &str, params: &JsonMap) -> (Handling, Option<String>, JsonMap) {
    let mut backend =
        MemoryBackend::new(State::default().with_unit_name("params/0")).with_metadata(metadata());
    backend.action_params = Some(params.clone());
    let event = Event::action(name);
    let report = handle_event_with(Params::new, &mut Context::new(&mut backend, &event));
    (
        report.handling,
        backend.action_failure,
        backend.action_results,
    )
}

#[test]
fn valid_parameters_reach_the_handler_with_one_action_get() {
    let unit = unit();
    let params = from_juju("backup", &object(json!({"target": "s3://bucket"})));
    assert_eq!(params["retries"], 3, "Juju fills in the default");
    let run = run_action(&unit, "backup", &params);
    run.assert_exit_0_no_panic();
    // The runtime's check and the handler read the parameters once between them.
    assert_eq!(
        run.tool_lines(),
        [
            "action-get --format=json",
            "action-set summary=backup to s3://bucket, 3 retries"
        ]
    );
    let action = unit.state().action.expect("the action");
    assert_eq!(action.failed, None);

    let (handling, failure, results) = in_memory("backup", &params);
    assert_eq!(handling, Handling::Handled(Ok(())));
    assert_eq!(failure, None);
    assert_eq!(results, action.results);
}

#[test]
fn parameters_that_break_the_schema_fail_the_action_before_the_handler_runs() {
    let unit = unit();
    let secret = "hunter2-never-shown";
    let params = from_juju(
        "backup",
        &object(json!({"token": secret, "retries": -1, "extra": secret})),
    );
    let run = run_action(&unit, "backup", &params);
    run.assert_exit_0_no_panic();
    let lines = run.tool_lines();
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], "action-get --format=json");
    let message = lines[1]
        .strip_prefix("action-fail -- ")
        .unwrap_or_else(|| panic!("an action-fail: {lines:#?}"));
    for needle in [
        "invalid parameters for action \"backup\": ",
        "parameter \"target\" is required but was not given",
        "parameter \"retries\": the value is less than the minimum of 0",
        "parameter \"extra\" is not one this action declares",
    ] {
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let state = unit.state();
    let action = state.action.as_ref().expect("the action");
    assert_eq!(action.failed.as_deref(), Some(message));
    assert!(action.results.is_empty(), "the handler did not run");
    assert_eq!(state.unit_status.status, "unknown", "no status-set");
    assert!(
        state
            .juju_log
            .iter()
            .any(|l| l.level == "ERROR" && l.message == message),
        "{:#?}",
        state.juju_log
    );
    // The values are nowhere: not in the failure, the log, stderr or any tool's arguments.
    unit.assert_not_shown(&run, secret, &[]);

    // In memory, the same parameters come to the same failure.
    let (handling, failure, results) = in_memory("backup", &params);
    assert_eq!(handling, Handling::InvalidParams(message.to_owned()));
    assert_eq!(failure.as_deref(), Some(message));
    assert!(results.is_empty());
}

#[test]
fn parameters_of_the_wrong_type_are_refused_by_the_charm_itself() {
    // Juju would refuse these before running the action; the charm does not rely on it.
    let unit = unit();
    let params = object(json!({"target": 12345, "retries": "3", "token": ["a"]}));
    let run = run_action(&unit, "backup", &params);
    run.assert_exit_0_no_panic();
    let expected = "invalid parameters for action \"backup\": \
                    parameter \"retries\" must be of type integer, not a string; \
                    parameter \"target\" must be of type string, not an integer; \
                    parameter \"token\" must be of type string, not an array";
    assert_eq!(
        run.tool_lines(),
        [
            "action-get --format=json".to_owned(),
            format!("action-fail -- {expected}")
        ]
    );
    unit.assert_not_shown(&run, "12345", &[]);
    let (handling, failure, _) = in_memory("backup", &params);
    assert_eq!(handling, Handling::InvalidParams(expected.into()));
    assert_eq!(failure.as_deref(), Some(expected));
}

#[test]
fn an_action_that_accepts_anything_runs_with_anything() {
    let unit = unit();
    let params = object(json!({"b": [1, 2], "a": {"nested": true}}));
    let run = run_action(&unit, "anything", &params);
    run.assert_exit_0_no_panic();
    // Nothing to check: the parameters are read by the handler alone.
    assert_eq!(
        run.tool_lines(),
        ["action-get --format=json", "action-set names=a,b"]
    );
    let (handling, _, results) = in_memory("anything", &params);
    assert_eq!(handling, Handling::Handled(Ok(())));
    assert_eq!(results, unit.state().action.unwrap().results);
}

#[test]
fn leader_deposed_and_meter_status_changed_are_parsed_from_the_hook_environment() {
    let unit = unit();
    let run = unit.dispatch("hooks/leader-deposed", &[]);
    run.assert_exit_0_no_panic();
    let run = unit.dispatch(
        "hooks/meter-status-changed",
        &[
            ("JUJU_METER_STATUS", "AMBER"),
            ("JUJU_METER_INFO", "budget nearly spent"),
        ],
    );
    run.assert_exit_0_no_panic();
    let logged: Vec<String> = unit
        .state()
        .juju_log
        .iter()
        .filter(|l| l.level == "INFO")
        .map(|l| l.message.clone())
        .collect();
    assert!(logged.iter().any(|l| l == DEPOSED), "{logged:#?}");
    assert!(
        logged
            .iter()
            .any(|l| l == "meter status AMBER: budget nearly spent"),
        "{logged:#?}"
    );
    // No status is set: neither event reconciles.
    assert_eq!(unit.state().unit_status.status, "unknown");
}
