//! End to end: actions through the real binary, with the stand-in hook tools. my-charm's
//! `restart` action against a real Pebble daemon (success) and with no Pebble (failure,
//! reported with `action-fail`); the test charm's `echo` action for `action-get`; and the
//! stand-in's `action-*` tools held to Juju's command lines (`action-set key=value`,
//! nested keys with dots).

mod juju_sim;

use std::path::Path;
use std::process::Command;

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{Pebble, ServiceStatus};
use serde_json::json;

use juju_sim::{Fault, PebbleDaemon, Run, SimAction, SimState, Unit, pebble_binary, temp_dir};

const UUID: &str = "7f4b6d1e-0000-4000-8000-000000000002";

/// Juju runs the action `name` with `params`: `SimState.action` is set, and `dispatch`
/// runs with `JUJU_DISPATCH_PATH=actions/<name>`, `JUJU_ACTION_NAME` and
/// `JUJU_ACTION_UUID`.
fn run_action(unit: &Unit, name: &str, params: serde_json::Value) -> Run {
    unit.update(|s| {
        s.action = Some(SimAction {
            params: params.as_object().cloned().unwrap_or_default(),
            ..SimAction::default()
        });
    });
    unit.dispatch(
        &format!("actions/{name}"),
        &[("JUJU_ACTION_NAME", name), ("JUJU_ACTION_UUID", UUID)],
    )
}

#[test]
fn restart_action_restarts_the_service_in_the_real_pebble() {
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let mut unit = Unit::my_charm(&juju_sim::my_charm_state("sleep 300"));
    let pebble_dir = unit.scratch("workload");
    let template = pebble_dir
        .parent()
        .unwrap()
        .join("{container}/.pebble.socket");
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        template.display().to_string(),
    ));
    let daemon = PebbleDaemon::start(&pebble, &pebble_dir);

    // pebble-ready puts the layer in place and starts the service.
    let run = unit.dispatch(
        "hooks/workload-pebble-ready",
        &[("JUJU_WORKLOAD_NAME", "workload")],
    );
    run.assert_exit_0_no_panic();
    let mut client = PebbleClient::new("workload", daemon.socket());
    assert_eq!(
        client.services(&["workload"]).expect("services")[0].current,
        ServiceStatus::Active
    );
    let status_before = unit.state().unit_status;

    let run = run_action(&unit, "restart", json!({}));
    run.assert_exit_0_no_panic();
    // The runtime reads the parameters once, to check them against the action's schema;
    // the action sets its result, and sets no status.
    assert_eq!(
        run.tool_lines(),
        ["action-get --format=json", "action-set restarted=workload"]
    );
    let state = unit.state();
    let action = state.action.as_ref().expect("the action");
    assert_eq!(action.failed, None);
    assert_eq!(json!(action.results), json!({"restarted": "workload"}));
    assert_eq!(state.unit_status, status_before);
    assert!(
        state.juju_log.iter().any(|l| l
            .message
            .contains("restarted service workload in container workload")),
        "{:#?}",
        state.juju_log
    );

    // Pebble did restart it: a done "Restart" change, and the service runs.
    let changes = Command::new(&pebble)
        .arg("changes")
        .env("PEBBLE", &pebble_dir)
        .output()
        .expect("pebble changes");
    let changes = String::from_utf8_lossy(&changes.stdout);
    assert!(
        changes
            .lines()
            .any(|l| l.contains("Done") && l.contains("Restart service \"workload\"")),
        "{changes}"
    );
    assert_eq!(
        client.services(&["workload"]).expect("services")[0].current,
        ServiceStatus::Active
    );
    drop(daemon);
}

#[test]
fn restart_action_without_pebble_fails_with_the_reason() {
    let mut unit = Unit::my_charm(&juju_sim::my_charm_state("sleep 300"));
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        "/nonexistent/{container}.socket".into(),
    ));
    let run = run_action(&unit, "restart", json!({}));
    run.assert_exit_0_no_panic();
    let lines = run.tool_lines();
    // The runtime reads the parameters to check them against the action's schema (none
    // are declared, so none are accepted) before the handler runs.
    assert_eq!(lines.len(), 2, "{lines:#?}");
    assert_eq!(lines[0], "action-get --format=json");
    let prefix = "action-fail -- cannot restart service workload: ";
    assert!(lines[1].starts_with(prefix), "{lines:#?}");
    assert!(
        lines[1].contains("/nonexistent/workload.socket"),
        "{lines:#?}"
    );
    let message = &lines[1]["action-fail -- ".len()..];

    let state = unit.state();
    let action = state.action.as_ref().expect("the action");
    assert_eq!(action.failed.as_deref(), Some(message));
    assert!(action.results.is_empty());
    assert_eq!(state.unit_status.status, "unknown", "no status-set");
    assert!(
        state.juju_log.iter().any(|l| l.level == "ERROR"
            && l.message == format!("handling action restart failed: {message}")),
        "{:#?}",
        state.juju_log
    );
}

#[test]
fn action_parameters_come_from_action_get() {
    let unit = Unit::panicky(&SimState {
        unit: "panicky/0".into(),
        ..SimState::default()
    });
    let run = run_action(&unit, "echo", json!({"text": "hello world=1"}));
    run.assert_exit_0_no_panic();
    assert_eq!(
        run.tool_lines(),
        ["action-get --format=json", "action-set echo=hello world=1"]
    );
    let action = unit.state().action.expect("the action");
    assert_eq!(json!(action.results), json!({"echo": "hello world=1"}));
    assert_eq!(action.failed, None);
}

/// Runs the stand-in tool `tool` with `args` against `state`; returns the exit code, the
/// stderr and the state after.
fn stand_in(dir: &Path, state: &SimState, tool: &str, args: &[&str]) -> (i32, String, SimState) {
    let link = dir.join(tool);
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_hook-tool"), &link).unwrap();
    }
    let state_path = dir.join("state.json");
    std::fs::write(&state_path, serde_json::to_vec(state).unwrap()).unwrap();
    let output = Command::new(&link)
        .args(args)
        .env("HOOK_TOOLS_STATE", &state_path)
        .output()
        .expect("the stand-in runs");
    let after = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        after,
    )
}

#[test]
fn stand_in_action_tools_follow_juju() {
    let dir = temp_dir("action-tools");
    let running = SimState {
        unit: "app/0".into(),
        action: Some(SimAction::default()),
        ..SimState::default()
    };
    let results = |state: &SimState| json!(state.action.as_ref().unwrap().results);

    // Nested keys with dots, later values winning, `=` kept in values, empty values allowed
    // (the example of Juju's `action-set --help`).
    let mut state = running.clone();
    for arg in [
        "outfile.size=10G",
        "foo.bar=2",
        "foo.baz.val=3",
        "foo.bar.zab=4",
        "foo.baz=1",
    ] {
        let (code, stderr, after) = stand_in(dir.path(), &state, "action-set", &[arg]);
        assert_eq!(code, 0, "{arg}: {stderr}");
        state = after;
    }
    assert_eq!(
        results(&state),
        json!({"outfile": {"size": "10G"}, "foo": {"bar": {"zab": "4"}, "baz": "1"}})
    );
    let (code, _, after) = stand_in(
        dir.path(),
        &running,
        "action-set",
        &["a=b=c", "e=", "x-1.y0=z"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        results(&after),
        json!({"a": "b=c", "e": "", "x-1": {"y0": "z"}})
    );

    // Refused, exit 2, with Juju's message, and nothing set.
    for (arg, message) in [
        (
            "noequals",
            "argument \"noequals\" must be of the form key...=value",
        ),
        (
            "Foo=1",
            "key \"Foo\" must start and end with lowercase alphanumeric",
        ),
        ("foo-=1", "key \"foo-\" must start and end"),
        ("foo..bar=1", "key \"\" must start and end"),
        ("stdout=1", "cannot set reserved action key \"stdout\""),
        (
            "a.stderr-encoding=1",
            "cannot set reserved action key \"stderr-encoding\"",
        ),
    ] {
        let (code, stderr, after) = stand_in(dir.path(), &running, "action-set", &["ok=1", arg]);
        assert_eq!(code, 2, "{arg}: {stderr}");
        assert!(stderr.contains(message), "{arg}: {stderr}");
        assert_eq!(results(&after), json!({}), "{arg}");
    }

    // action-fail: one message, or Juju's default; more is an error.
    let (code, _, after) = stand_in(dir.path(), &running, "action-fail", &["--", "it broke"]);
    assert_eq!(code, 0);
    assert_eq!(after.action.unwrap().failed.as_deref(), Some("it broke"));
    let (code, _, after) = stand_in(dir.path(), &running, "action-fail", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        after.action.unwrap().failed.as_deref(),
        Some("action failed without reason given, check action for errors")
    );
    let (code, stderr, after) = stand_in(dir.path(), &running, "action-fail", &["a", "b"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unrecognized args: [\"b\"]"), "{stderr}");
    assert_eq!(after.action.unwrap().failed, None);

    // Outside an action, every action tool fails (exit 1).
    let idle = SimState {
        action: None,
        ..running.clone()
    };
    for (tool, args) in [
        ("action-get", &["--format=json"][..]),
        ("action-set", &["a=1"][..]),
        ("action-fail", &["--", "x"][..]),
        ("action-log", &["--", "x"][..]),
    ] {
        let (code, stderr, _) = stand_in(dir.path(), &idle, tool, args);
        assert_eq!(code, 1, "{tool}: {stderr}");
        assert!(stderr.contains("not running an action"), "{tool}: {stderr}");
    }
}

/// A unit of the test charm, whose `echo` action records its `text` parameter with
/// `action-set echo=<text>`.
fn panicky() -> Unit {
    Unit::panicky(&SimState {
        unit: "panicky/0".into(),
        ..SimState::default()
    })
}

fn fault(unit: &Unit, tool: &str, exit_code: i32, stderr: &str) {
    unit.update(|s| {
        s.faults.insert(
            tool.into(),
            Fault {
                exit_code,
                stderr: stderr.into(),
                ..Fault::default()
            },
        );
    });
}

#[test]
fn a_failed_action_set_shows_the_keys_never_the_values() {
    let unit = panicky();
    let secret = "hunter2-secret-value";
    // A tool that repeats what it was given in its error, as some do.
    fault(
        &unit,
        "action-set",
        1,
        &format!("ERROR cannot store echo={secret}: connection is shut down"),
    );
    let run = run_action(&unit, "echo", json!({ "text": secret }));
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let failed = unit.state().action.unwrap().failed;
    assert_eq!(
        failed.as_deref(),
        Some(
            "action-set echo=<20 bytes>: exited with code 1: ERROR cannot store echo=<hidden>: \
             connection is shut down"
        )
    );
    // The value went to action-set, and nowhere else: not in an error, a log line, the
    // action-fail message or stderr.
    unit.assert_not_shown(&run, secret, &["action-set"]);
    assert!(
        run.calls.iter().any(|c| c[0] == "action-set"),
        "{:?}",
        run.lines()
    );
}

#[test]
fn a_nul_in_an_action_result_is_refused_naming_the_key() {
    let unit = panicky();
    let run = run_action(&unit, "echo", json!({ "text": "top\u{0}secret" }));
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // The result could not be recorded: the hook exits 1 (docs/running-under-juju.md,
    // "Exit code policy").
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Refused before any tool runs: no action-set, and the action fails saying why.
    assert_eq!(
        run.tool_lines(),
        [
            "action-get --format=json".to_owned(),
            "action-fail -- action-set: refused: the value of the result \"echo\" contains a \
             NUL character, which a hook-tool argument cannot hold; no result was set"
                .to_owned(),
        ]
    );
    let action = unit.state().action.unwrap();
    assert!(action.results.is_empty());
    assert!(action.failed.unwrap().contains("the result \"echo\""));
    unit.assert_not_shown(&run, "secret", &[]);
}

#[test]
fn an_action_fail_message_with_a_nul_is_escaped() {
    // The handler's error quotes a tool's stderr, which holds a NUL: action-fail gets it
    // escaped (an argument cannot hold a NUL) and records the failure.
    let unit = panicky();
    fault(&unit, "action-set", 1, "ERROR bad\u{0}thing");
    let run = run_action(&unit, "echo", json!({ "text": "hello" }));
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let expected = "action-set echo=<5 bytes>: exited with code 1: ERROR bad\\0thing";
    assert!(
        run.tool_lines()
            .contains(&format!("action-fail -- {expected}")),
        "{:#?}",
        run.lines()
    );
    assert_eq!(
        unit.state().action.unwrap().failed.as_deref(),
        Some(expected)
    );
}
