//! End to end: `examples/my-charm` given bad input, one test each. Every case gives a
//! message (juju-log when it works, and stderr) that says what was wrong and where, never
//! a panic, and the exit code policy of docs/running-under-juju.md: non-zero only where
//! Juju should retry the hook.

mod juju_sim;

use juju_sim::{Fault, Run, SimState, Unit, relation, relation_env};

fn state() -> SimState {
    let mut state = SimState {
        unit: "my-charm/0".into(),
        leader: true,
        ..SimState::default()
    };
    state.config.insert("port".into(), 8080.into());
    // config-get reports defaults too, as Juju does.
    state
        .config
        .insert("command".into(), "/usr/bin/my-workload".into());
    state
        .relations
        .push(relation(2, "relation-2", "consumer", &["consumer/0"]));
    state.relations[0]
        .remote_app_data
        .insert("namespace".into(), "team-a".into());
    state
}

fn unit() -> Unit {
    let mut unit = Unit::my_charm(&state());
    // Pebble is not reachable in these tests.
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        "/nonexistent/{container}.socket".into(),
    ));
    unit
}

#[track_caller]
fn no_panic(run: &Run) {
    assert!(
        !run.stderr.contains("panicked"),
        "no panic expected: {}",
        run.stderr
    );
}

/// The ERROR lines sent to juju-log.
fn juju_errors(unit: &Unit) -> Vec<String> {
    unit.state()
        .juju_log
        .into_iter()
        .filter(|l| l.level == "ERROR")
        .map(|l| l.message)
        .collect()
}

fn fault(unit: &Unit, tool: &str, fault: Fault) {
    unit.update(|s| {
        s.faults.insert(tool.into(), fault);
    });
}

#[test]
fn no_dispatch_path_and_no_hook_name() {
    let unit = unit();
    let binary = unit.charm_dir.join("my-charm");
    let run = unit.run_program(&binary, &[]);
    no_panic(&run);
    assert_eq!(run.code, 1, "Juju should retry: {}", run.stderr);
    let expected = "JUJU_DISPATCH_PATH is not set and argv[0]";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is not hooks/<event> or actions/<action>")
    );
    assert!(juju_errors(&unit)[0].contains(expected));
    assert_eq!(unit.state().unit_status.status, "unknown", "no status-set");
}

#[test]
fn legacy_hook_name_from_argv0_works() {
    let unit = unit();
    let hooks = unit.charm_dir.join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::os::unix::fs::symlink(
        unit.charm_dir.join("my-charm"),
        hooks.join("config-changed"),
    )
    .unwrap();
    let run = unit.run_program(&hooks.join("config-changed"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(unit.state().unit_status.status, "waiting");
}

#[test]
fn unknown_event_name() {
    let unit = unit();
    let run = unit.dispatch("hooks/made-up-event", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "a retry would not help: {}", run.stderr);
    let expected = "unknown event \"made-up-event\" (from JUJU_DISPATCH_PATH=hooks/made-up-event)";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(juju_errors(&unit)[0].contains(expected));
    assert_eq!(run.tools(), Vec::<&str>::new(), "nothing but juju-log");
}

#[test]
fn relation_event_for_an_undeclared_endpoint() {
    let unit = unit();
    let vars = relation_env("cache", 9, "redis", Some("redis/0"));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = unit.dispatch("hooks/cache-relation-changed", &vars);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let metadata = unit.charm_dir.join("charmcraft.yaml");
    let expected = format!(
        "event \"cache-relation-changed\" (from JUJU_DISPATCH_PATH=hooks/cache-relation-changed) is for relation endpoint \"cache\", which {} does not declare (declared: relation-1, relation-2)",
        metadata.display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(juju_errors(&unit)[0].contains(&expected));
}

#[test]
fn no_metadata_file() {
    let unit = unit();
    std::fs::remove_file(unit.charm_dir.join("charmcraft.yaml")).unwrap();
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 1, "Juju should retry: {}", run.stderr);
    let expected = format!(
        "no charm metadata in {}: expected charmcraft.yaml or metadata.yaml",
        unit.charm_dir.display()
    );
    assert!(run.stderr.contains(&expected), "{}", run.stderr);
    assert!(juju_errors(&unit)[0].contains(&expected));
}

#[test]
fn hook_tool_missing_from_path() {
    let mut unit = unit();
    unit.missing_tools.push("config-get".into());
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "the status explains it: {}", run.stderr);
    let expected = "config-get --format=json: cannot run: config-get is not on PATH";
    let status = unit.state().unit_status;
    assert_eq!(status.status, "blocked");
    assert!(
        status
            .message
            .starts_with(&format!("[workload] {expected}")),
        "{status:?}"
    );
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(juju_errors(&unit).iter().any(|m| m.contains(expected)));
}

#[test]
fn juju_log_missing_from_path_falls_back_to_stderr() {
    let mut unit = unit();
    unit.missing_tools.push("juju-log".into());
    let run = unit.dispatch("hooks/made-up-event", &[]);
    no_panic(&run);
    assert!(
        run.stderr
            .contains("cannot log to Juju (juju-log --log-level ERROR"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown event \"made-up-event\""));
}

#[test]
fn hook_tool_fails_with_a_message() {
    let unit = unit();
    fault(
        &unit,
        "relation-ids",
        Fault {
            exit_code: 1,
            stderr: "ERROR permission denied\n".into(),
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected =
        "relation-ids relation-2 --format=json: exited with code 1: ERROR permission denied";
    let status = unit.state().unit_status;
    // relation_2 is the worst component after workload (Pebble unreachable: waiting).
    assert_eq!(status.status, "blocked", "{status:?}");
    assert_eq!(status.message, format!("[relation_2] {expected}"));
    assert!(run.stderr.contains(expected), "{}", run.stderr);
}

#[test]
fn config_get_prints_malformed_json() {
    let unit = unit();
    fault(
        &unit,
        "config-get",
        Fault {
            stdout: b"{\"port\": 80".to_vec(),
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = unit.state().unit_status;
    assert_eq!(status.status, "blocked");
    assert!(
        status
            .message
            .starts_with("[workload] config-get --format=json: malformed JSON output (EOF while parsing an object at line 1 column 11); output began \"{\\\"port\\\": 80\""),
        "{status:?}"
    );
    assert!(run.stderr.contains("malformed JSON output"));
}

#[test]
fn relation_data_not_utf8() {
    let unit = unit();
    fault(
        &unit,
        "relation-get",
        Fault {
            stdout: b"{\"namespace\": \"team-\xff\"}".to_vec(),
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = unit.state().unit_status;
    assert_eq!(
        status.message,
        "[relation_2] relation-get --format=json -r 2 --app - consumer: output is not valid UTF-8 (invalid byte at offset 20); relation data and config values must be text"
    );
    assert!(run.stderr.contains("output is not valid UTF-8"));
}

#[test]
fn one_mebibyte_relation_value() {
    let unit = unit();
    let big = "n".repeat(1 << 20);
    unit.update(|s| {
        s.relations[0]
            .remote_app_data
            .insert("namespace".into(), big.clone());
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Read through relation-get, written back through state-set's stdin (an argument of
    // that size would exceed Linux's 128 KiB limit).
    let state = unit.state();
    let resources = my_charm::recorded_resources(state.charm_state.get("kubernetes-resources"));
    assert_eq!(resources.len(), 2);
    assert_eq!(resources[0].namespace.len(), 1 << 20);
    // The log lines stay readable.
    assert!(state.juju_log.iter().all(|l| l.message.len() < 128 * 1024));
}

#[test]
fn final_status_set_fails_so_juju_retries() {
    let unit = unit();
    fault(
        &unit,
        "status-set",
        Fault {
            exit_code: 1,
            stderr: "ERROR connection to the controller lost\n".into(),
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 1, "Juju should retry: {}", run.stderr);
    assert!(
        run.stderr
            .contains("setting the final status failed (status-set --application=False waiting"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("ERROR connection to the controller lost")
    );
}
