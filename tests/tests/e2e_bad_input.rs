//! End to end: `examples/my-charm` given bad input, one test each. Every case gives a
//! message (juju-log when it works, and stderr) that says what was wrong and where, never
//! a panic, and the exit code policy of docs/running-under-juju.md: non-zero only where
//! Juju should retry the hook.

mod juju_sim;
mod kube_sim;

use std::time::Duration;

use juju_sim::{Fault, Flood, Run, SimState, Unit, relation, relation_env};

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
    state.config.insert("greeting".into(), "hello".into());
    state
        .relations
        .push(relation(2, "relation-2", "consumer", &["consumer/0"]));
    state.relations[0]
        .remote_app_data
        .insert("namespace".into(), "\"team-a\"".into());
    state
}

fn unit() -> Unit {
    let mut unit = Unit::my_charm(&state());
    // Pebble is not reachable in these tests.
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        "/nonexistent/{container}.socket".into(),
    ));
    // The leader makes consumer's objects in the test's API server.
    let server = kube_sim::server();
    server.ensure_namespace("team-a");
    unit.env.push((
        "RECONCILER_KUBECONFIG".into(),
        server
            .kubeconfig(kube_sim::User::Admin)
            .display()
            .to_string(),
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
    // Config values may be secrets: the error says where the JSON broke and how long the
    // output was, and quotes none of it.
    fault(
        &unit,
        "config-get",
        Fault {
            stdout: b"{\"port\": 80, \"password\": \"hunter2-secret".to_vec(),
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = unit.state().unit_status;
    assert_eq!(status.status, "blocked");
    assert_eq!(
        status.message,
        "[workload] config-get --format=json: malformed JSON output: it ends early at line 1 \
         column 40 (40 bytes of output, not shown)",
    );
    assert!(run.stderr.contains("malformed JSON output"));
    assert_nowhere(&unit, &run, "hunter2");
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
            .insert("namespace".into(), format!("\"{big}\""));
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Read whole through relation-get, and refused as a namespace name by relation_2,
    // which names the application and the field; the status stays within Juju's limit.
    let state = unit.state();
    assert!(
        state.unit_status.message.starts_with("[relation_2] ")
            && state.unit_status.message.contains("`consumer`")
            && state.unit_status.message.contains("namespace"),
        "{}",
        state.unit_status.text()
    );
    assert!(state.unit_status.message.len() <= 1024);
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

#[track_caller]
fn assert_nowhere(unit: &Unit, run: &Run, secret: &str) {
    unit.assert_not_shown(run, secret, &[]);
}

/// A unit whose hook tools have a 1 s deadline, and whose hooks the harness kills after
/// 30 s (only a hook that hangs gets there).
fn unit_with_short_deadlines() -> Unit {
    let mut unit = unit();
    unit.env
        .push(("RECONCILER_HOOK_TOOL_TIMEOUT".into(), "1".into()));
    unit.deadline = Duration::from_secs(30);
    unit
}

/// The `status-set` calls of a run, as (application flag, status, message).
fn status_sets(run: &Run) -> Vec<(String, String, String)> {
    run.calls
        .iter()
        .filter(|c| c[0] == "status-set")
        .map(|c| (c[1].clone(), c[2].clone(), c[4].clone()))
        .collect()
}

/// What a config-changed sets when nothing goes wrong.
fn control_status_sets() -> Vec<(String, String, String)> {
    let unit = unit();
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sets = status_sets(&run);
    assert_eq!(sets.len(), 2, "unit and application: {sets:?}");
    sets
}

#[test]
fn a_hanging_juju_log_costs_one_deadline_and_the_status_is_still_set() {
    // One juju-log call per record: the first one hangs, is killed after 1 s, and the
    // rest of the hook logs to stderr.
    let mut unit = unit_with_short_deadlines();
    unit.env
        .push(("RECONCILER_JUJU_LOG".into(), "immediate".into()));
    unit.update(|s| s.hangs.push("juju-log".into()));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert!(!run.timed_out, "the hook hung: {}", run.stderr);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.juju_log_calls(), 1, "no call after the first timed out");
    assert!(
        run.stderr
            .contains("ERROR cannot log to Juju (juju-log --log-level")
            && run
                .stderr
                .contains("timed out after 1 s; killed it); logging to stderr"),
        "{}",
        run.stderr
    );
    assert_eq!(status_sets(&run), control_status_sets());
    let state = unit.state();
    assert_ne!(state.unit_status.status, "unknown");
    assert!(
        state.juju_log.is_empty(),
        "the hanging juju-log logged nothing"
    );
}

#[test]
fn a_hanging_juju_log_at_the_end_of_the_hook_is_killed() {
    // Batched (the default): the kept lines go out after the status is set; the hook
    // still ends.
    let unit = unit_with_short_deadlines();
    unit.update(|s| s.hangs.push("juju-log".into()));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert!(!run.timed_out, "the hook hung: {}", run.stderr);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.juju_log_calls(), 1, "no call after the first timed out");
    assert!(
        run.stderr.contains("timed out after 1 s; killed it"),
        "{}",
        run.stderr
    );
    assert_eq!(status_sets(&run), control_status_sets());
}

#[test]
fn a_hanging_status_set_fails_within_the_deadline_and_the_hook_exits_1() {
    let unit = unit_with_short_deadlines();
    unit.update(|s| s.hangs.push("status-set".into()));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert!(!run.timed_out, "the hook hung: {}", run.stderr);
    no_panic(&run);
    assert_eq!(run.code, 1, "Juju should retry: {}", run.stderr);
    assert!(
        run.stderr
            .contains("setting the final status failed (status-set --application=False"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("timed out after 1 s; killed it"),
        "{}",
        run.stderr
    );
    assert_eq!(unit.state().unit_status.status, "unknown");
}

#[test]
fn a_hundred_megabytes_of_stderr_from_a_failing_tool_does_not_cost_the_status() {
    let unit = unit();
    fault(
        &unit,
        "config-get",
        Fault {
            exit_code: 1,
            stderr: "ERROR out of memory\n".into(),
            ..Fault::default()
        },
    );
    unit.update(|s| {
        s.floods.insert(
            "config-get".into(),
            Flood {
                stderr: 100_000_000,
                ..Flood::default()
            },
        );
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", &run.stderr[..run.stderr.len().min(2000)]);
    let status = unit.state().unit_status;
    assert_eq!(status.status, "blocked");
    let expected = "[workload] config-get --format=json: exited with code 1: ERROR out of \
                    memory\\nEEEE";
    assert!(status.message.starts_with(expected), "{status:?}");
    assert!(status.message.len() <= 1024, "{}", status.message.len());
    assert!(status.message.ends_with('…'));
    // The logs hold what was kept (64 KiB of stderr) and say how much more there was.
    let state = unit.state();
    assert!(state.juju_log.iter().all(|l| l.message.len() <= 64 * 1024));
    let omitted = 100_000_000 + "ERROR out of memory\n".len() - 64 * 1024;
    assert!(
        run.stderr
            .contains(&format!("({omitted} more bytes on stderr not shown)")),
        "{}",
        &run.stderr[run.stderr.len().saturating_sub(2000)..]
    );
}

#[test]
fn stdout_beyond_64_mib_fails_the_call_with_its_size() {
    let unit = unit();
    fault(&unit, "config-get", Fault::default());
    unit.update(|s| {
        s.floods.insert(
            "config-get".into(),
            Flood {
                stdout: 70 << 20,
                ..Flood::default()
            },
        );
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let status = unit.state().unit_status;
    assert_eq!(status.status, "blocked");
    assert_eq!(
        status.message,
        "[workload] config-get --format=json: printed 73400320 bytes on stdout, more than the \
         67108864 bytes a hook tool's answer may have"
    );
}

#[test]
fn a_status_with_a_nul_and_5000_characters_is_escaped_and_cut() {
    // The component's error text (here: a failing tool's stderr) holds a NUL, which no
    // command-line argument can, and is far longer than a status should be.
    let unit = unit();
    let stderr = format!("ERROR bad\0value {}", "y".repeat(5000));
    fault(
        &unit,
        "config-get",
        Fault {
            exit_code: 1,
            stderr,
            ..Fault::default()
        },
    );
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "no retry: the status says it: {}", run.stderr);
    let head = "[workload] config-get --format=json: exited with code 1: ERROR bad\\0value ";
    let expected = format!("{head}{}…", "y".repeat(1024 - "…".len() - head.len()));
    assert_eq!(expected.len(), 1024);
    let sets = status_sets(&run);
    assert_eq!(
        sets[0],
        (
            "--application=False".into(),
            "blocked".into(),
            expected.clone()
        )
    );
    assert_eq!(unit.state().unit_status.message, expected);
    // juju-log lines: the NUL escaped too (the 64 KiB cut does not apply here).
    let state = unit.state();
    assert!(state.juju_log.iter().all(|l| !l.message.contains('\0')));
    assert!(
        state
            .juju_log
            .iter()
            .any(|l| l.message.contains("ERROR bad\\0value yyyy")),
        "{:#?}",
        state.juju_log
    );
}

#[test]
fn a_unit_links_its_executables_instead_of_writing_them() {
    // An executable written while a sibling test thread forks can fail to run with
    // ETXTBSY; the harness links `dispatch`, the charm and the tools instead.
    let unit = unit();
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let root = unit.charm_dir.parent().unwrap().to_path_buf();
    let mut dirs = vec![root];
    let mut checked = 0;
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                dirs.push(entry.path());
            } else if kind.is_file() {
                use std::os::unix::fs::PermissionsExt;
                let mode = entry.metadata().unwrap().permissions().mode();
                assert_eq!(
                    mode & 0o111,
                    0,
                    "{} is an executable copy",
                    entry.path().display()
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
    let dispatch = unit.charm_dir.join("dispatch");
    assert!(
        dispatch
            .symlink_metadata()
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn an_unusable_hook_tool_deadline_is_reported_and_the_default_used() {
    let mut unit = unit();
    unit.env
        .push(("RECONCILER_HOOK_TOOL_TIMEOUT".into(), "soon".into()));
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = "RECONCILER_HOOK_TOOL_TIMEOUT=\"soon\" is not a number of seconds between 0 \
                    and 86400; using 60 s";
    assert!(run.stderr.contains(expected), "{}", run.stderr);
    assert!(
        unit.state()
            .juju_log
            .iter()
            .any(|l| l.level == "WARNING" && l.message == expected)
    );
}

/// The stand-in `config-get` reports the defaults of options the model leaves unset, as
/// Juju does; without that, my-charm would read `greeting` as unset and be Blocked.
#[test]
fn config_get_reports_the_metadata_defaults_of_unset_options() {
    let unit = unit();
    unit.update(|s| {
        s.config.remove("greeting");
        s.config.remove("command");
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    no_panic(&run);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        unit.state().unit_status.text(),
        "waiting: [workload] waiting for Pebble in container workload"
    );
}
