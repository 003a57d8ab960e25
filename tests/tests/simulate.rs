//! The charm binary's command line outside Juju: `my-charm simulate` and `my-charm graph`,
//! run as a person runs them (the real binary, no `JUJU_*` variables), on my-charm's
//! scenarios in `examples/my-charm/scenarios/` and on bad input.
//!
//! `docs/simulate.md` shows the output of one scenario; the block after its
//! `<!-- generated: simulate/everything-present -->` line is produced here and this test
//! fails if it differs (durations are shown as `<t>`). Refresh it with
//! `RECONCILER_UPDATE_DOCS=1 cargo test -p reconciler-tests --test simulate`.

mod juju_sim;

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary came to.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `binary` with `args` in the workspace, with no `JUJU_*` variable set, as a person
/// would from a shell.
fn run_binary(binary: &Path, args: &[&str]) -> Run {
    let mut command = Command::new(binary);
    command.args(args).current_dir(juju_sim::workspace());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("JUJU_") {
            command.env_remove(name);
        }
    }
    command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    let output = command.output().expect("the charm binary starts");
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "the binary panicked: {}",
        run.stderr
    );
    run
}

fn my_charm(args: &[&str]) -> Run {
    run_binary(juju_sim::my_charm_binary(), args)
}

fn empty_charm(args: &[&str]) -> Run {
    run_binary(Path::new(env!("CARGO_BIN_EXE_empty-charm")), args)
}

fn scenarios_dir() -> PathBuf {
    juju_sim::workspace().join("examples/my-charm/scenarios")
}

/// Every scenario file of my-charm, by name.
fn scenarios() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .expect("examples/my-charm/scenarios")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Writes `text` as a scenario in a fresh directory and returns it (with the directory, to
/// keep it alive).
fn scenario_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("scenario.yaml");
    std::fs::write(&path, text).expect("the scenario is written");
    (dir, path)
}

fn my_charm_dir() -> String {
    juju_sim::workspace()
        .join("examples/my-charm")
        .display()
        .to_string()
}

#[test]
fn every_scenario_of_my_charm_runs_and_its_expectations_hold() {
    let files = scenarios();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for expected in [
        "bad-port.yaml",
        "everything-present.yaml",
        "lifecycle.yaml",
        "pebble-not-up.yaml",
        "relation-2-broken.yaml",
        "relation-2-no-data.yaml",
        "remove.yaml",
    ] {
        assert!(names.contains(&expected.to_owned()), "{names:?}");
    }
    for file in &files {
        let run = my_charm(&["simulate", &file.display().to_string()]);
        assert_eq!(
            run.code,
            0,
            "{}:\n{}{}",
            file.display(),
            run.stdout,
            run.stderr
        );
        assert!(!run.stdout.contains("EXPECTED"), "{}", run.stdout);
        assert!(
            run.stdout
                .contains("1 scenario ran; every expectation held"),
            "{}",
            run.stdout
        );
        // Every step of these scenarios says what it expects.
        let text = std::fs::read_to_string(file).unwrap();
        let steps = text.matches("\n  - event:").count() + text.matches("\n  - action:").count();
        let held = run.stdout.matches("\nas expected: ").count();
        let actions = text.matches("\n  - action:").count();
        assert_eq!(held + actions, steps, "{}:\n{}", file.display(), run.stdout);
    }
}

#[test]
fn the_lifecycle_shows_statuses_skips_with_reasons_objects_and_logs() {
    let run = my_charm(&["simulate", "examples/my-charm/scenarios/lifecycle.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    // Piped: no colour.
    assert!(!out.contains('\u{1b}'), "{out}");
    for line in [
        "── 1. install",
        "unit status: waiting: [workload] waiting for Pebble in container workload",
        "relation_1            skipped  maintenance: waiting on workload (waiting: waiting for Pebble in container workload)",
        "── 11. workload-pebble-ready",
        "pebble in workload: Replan service \"workload\"",
        "kubernetes: ConfigMap team-a/my-charm-consumer, ServiceAccount team-a/my-charm-consumer",
        "── 14. action restart",
        "action results: {\"restarted\":\"workload\"}",
        "  INFO kubernetes-resources: applied 0 Kubernetes objects, deleted 2",
        "── 17. remove",
        "unit status: maintenance: removing",
        "kubernetes_resources  removed",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    // The objects are gone after relation-2 is broken.
    let broken = out.split("── 15.").nth(1).unwrap();
    assert!(broken.contains("kubernetes: no objects"), "{broken}");
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let file = "examples/my-charm/scenarios/bad-port.yaml";
    let always = my_charm(&["simulate", "--color", "always", file]);
    assert_eq!(always.code, 0, "{}", always.stderr);
    // Blocked is red and bold.
    assert!(always.stdout.contains("\u{1b}["), "{}", always.stdout);
    let never = my_charm(&["simulate", "--color", "never", file]);
    assert!(!never.stdout.contains('\u{1b}'));
    // The same text without the escape sequences.
    assert_eq!(
        strip_ansi(&always.stdout).lines().count(),
        never.stdout.lines().count()
    );
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn json_is_one_object_per_step_with_statuses_components_and_logs() {
    let run = my_charm(&[
        "simulate",
        "--json",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "examples/my-charm/scenarios/bad-port.yaml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let steps: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    assert_eq!(steps.len(), 17 + 1);
    let first = &steps[0];
    assert_eq!(first["step"], 1);
    assert_eq!(first["event"], "install");
    assert_eq!(first["unit_status"]["kind"], "waiting");
    assert_eq!(first["components"][1]["name"], "relation_1");
    assert_eq!(first["components"][1]["outcome"], "skipped");
    assert_eq!(
        first["components"][1]["waiting_on"],
        serde_json::json!(["workload"])
    );
    assert_eq!(first["expect"]["held"], true);
    assert!(first["logs"].as_array().unwrap().iter().any(|l| {
        l["message"]
            .as_str()
            .unwrap()
            .starts_with("relation_1 skipped")
    }));
    let relation_changed = &steps[9];
    assert_eq!(
        relation_changed["sections"]["kubernetes"],
        serde_json::json!([
            "ConfigMap team-a/my-charm-consumer",
            "ServiceAccount team-a/my-charm-consumer"
        ])
    );
    let action = &steps[13];
    assert_eq!(action["handling"], "handled");
    assert_eq!(action["action"]["results"]["restarted"], "workload");
    let bad_port = &steps[17];
    assert!(
        bad_port["scenario"]
            .as_str()
            .unwrap()
            .ends_with("bad-port.yaml")
    );
    assert_eq!(bad_port["components"][0]["outcome"], "failed");
    assert_eq!(bad_port["unit_status"]["kind"], "blocked");
}

#[test]
fn an_expectation_that_does_not_hold_fails_with_exit_code_1() {
    let (_dir, path) = scenario_file(
        "state: {leader: true}\nsteps:\n  - event: config-changed\n    expect: active\n  - event: update-status\n",
    );
    let run = my_charm(&[
        "simulate",
        "--charm-dir",
        &my_charm_dir(),
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "EXPECTED active, but the unit status is waiting: [relation_1] waiting for `relation-1` (needs 1 relation)"
        ) || run.stdout.contains("EXPECTED active, but the unit status is"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("FAILED: "), "{}", run.stdout);
    assert!(run.stdout.contains("(step 1)"), "{}", run.stdout);
    // The step after it still ran.
    assert!(run.stdout.contains("── 2. update-status"), "{}", run.stdout);
}

/// Bad input: exit code 2 and one line naming the file, the line and column where known,
/// and the problem; nothing runs.
#[test]
fn bad_input_names_the_file_line_and_problem_with_exit_code_2() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "malformed YAML",
            "steps:\n  - event: install\n    set: {config: {port: [1}\n",
            ":3:28: did not find expected ',' or ']'",
        ),
        (
            "an unknown event",
            "steps:\n  - event: install\n  - event: relation-9-relation-changed\n",
            ":3:5: step 2: unknown event \"relation-9-relation-changed\"; expected a Juju event name such as install",
        ),
        (
            "a relation id that does not exist",
            "state:\n  relations: [{id: 2, endpoint: relation-2, app: consumer}]\nsteps:\n  - event: install\n  - event: relation-2-relation-changed\n    relation: 7\n",
            ":5:5: step 2: `relation`: there is no relation with id 7 at this step (relations: 2 on relation-2 (consumer))",
        ),
        (
            "relation data for a relation that does not exist",
            "steps:\n  - event: config-changed\n    set: {relation-data: {3: {app-data: {a: b}}}}\n",
            ":2:5: step 1: `relation-data`: there is no relation with id 3 at this step (relations: none)",
        ),
        (
            "a relation event with no relation on its endpoint",
            "steps:\n  - event: relation-1-relation-joined\n",
            ":2:5: step 1: relation-1-relation-joined: there is no relation on \"relation-1\" at this step",
        ),
        (
            "a container the metadata does not declare",
            "state:\n  containers: {db: {ready: true}}\nsteps:\n  - event: install\n",
            ":2:15: state.containers: the charm has no container \"db\" (its containers: workload)",
        ),
        (
            "more relations than the endpoint's limit",
            "state:\n  relations:\n    - {id: 1, endpoint: relation-1, app: a}\n    - {id: 2, endpoint: relation-1, app: b}\nsteps:\n  - event: install\n",
            ":2:3: state: endpoint \"relation-1\" has `limit: 1` in the charm's metadata",
        ),
        (
            "an endpoint the metadata does not declare",
            "state:\n  relations: [{id: 1, endpoint: db, app: postgresql}]\nsteps:\n  - event: install\n",
            ":2:15: state.relations[0]: relation 1 is on \"db\", which is not one of the charm's endpoints (relation-1, relation-2)",
        ),
        (
            "a config option of the wrong type",
            "state:\n  config: {port: eighty}\nsteps:\n  - event: install\n",
            ":2:11: state.config: option \"port\" is of type int, and \"eighty\" is not",
        ),
        (
            "a config option that does not exist",
            "steps:\n  - event: config-changed\n    set: {config: {colour: red}}\n",
            ":3:19: step 1, set.config: the charm has no option \"colour\" (its options: command, config-file, greeting, port)",
        ),
        (
            "pebble-ready while Pebble does not answer",
            "state:\n  containers: {workload: {ready: false}}\nsteps:\n  - event: workload-pebble-ready\n",
            ":4:5: step 1: event workload-pebble-ready: Juju sends pebble-ready only once Pebble answers",
        ),
        (
            "an action the charm does not have",
            "steps:\n  - action: backup\n",
            ":2:5: step 1: ",
        ),
        (
            "a step with neither event nor action",
            "steps:\n  - set: {leader: true}\n",
            ":2:5: step 1: has neither `event` nor `action`",
        ),
        (
            "an unknown key in a step",
            "steps:\n  - event: install\n    expected: active\n",
            ":3:5: step 1: unknown field `expected`, expected one of `event`, `action`, `params`, `relation`, `unit`, `set`, `expect`, `note`",
        ),
        (
            "a bad expectation",
            "steps:\n  - event: install\n    expect: fine\n",
            ":2:5: step 1: `expect`: \"fine\" does not start with a status",
        ),
        (
            "a bad Kubernetes section",
            "state:\n  kubernetes: {namespaces: [Team A]}\nsteps:\n  - event: install\n",
            ":2:15: state.kubernetes: namespace \"Team A\" is not a valid Kubernetes namespace name",
        ),
        (
            "a section no component offers",
            "state:\n  database: {tables: 3}\nsteps:\n  - event: install\n",
            ":2:3: state: unknown key `database` in `state`; expected one of `unit`, `model`, `leader`, `config`, `containers`, `relations`, `kubernetes`",
        ),
        (
            "state after steps",
            "steps: [{event: install}]\nstate: {leader: true}\n",
            ":1:1: `state:` comes after `steps:`",
        ),
        (
            "no steps",
            "state: {leader: true}\n",
            ": the scenario has no `steps:`",
        ),
        ("an empty file", "", ": the scenario has no `steps:`"),
    ];
    for (what, text, expected) in cases {
        let (_dir, path) = scenario_file(text);
        let run = my_charm(&[
            "simulate",
            "--charm-dir",
            &my_charm_dir(),
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{what}: nothing runs");
        let wanted = format!("error: {}{expected}", path.display());
        assert!(
            run.stderr.starts_with(&wanted),
            "{what}:\n wanted {wanted:?}\n    got {:?}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{what}: {}", run.stderr);
    }
}

#[test]
fn a_missing_file_or_charm_directory_is_an_error_naming_it() {
    let run = my_charm(&["simulate", "no/such/scenario.yaml"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: no/such/scenario.yaml: no such scenario file\n"
    );

    // A scenario outside any charm directory, without --charm-dir.
    let (_dir, path) = scenario_file("steps: [{event: install}]\n");
    let run = my_charm(&["simulate", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "no charmcraft.yaml or metadata.yaml in the scenario's directory or any parent; say where the charm is with --charm-dir"
        ),
        "{}",
        run.stderr
    );

    // A file among several that is bad: nothing runs.
    let run = my_charm(&[
        "simulate",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "no/such.yaml",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");

    // The command line itself: clap's usage error.
    let run = my_charm(&["simulate"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("<SCENARIO.yaml>"), "{}", run.stderr);
    let run = my_charm(&["frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unrecognized subcommand 'frobnicate'"),
        "{}",
        run.stderr
    );
    let run = my_charm(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("simulate") && run.stdout.contains("graph"));
}

#[test]
fn graph_prints_mermaid_and_dot_with_every_edge() {
    let mermaid = my_charm(&["graph"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    assert!(
        mermaid.stdout.contains("flowchart LR\n"),
        "{}",
        mermaid.stdout
    );
    for line in [
        "    c_workload[\"workload\"]",
        "    c_kubernetes_resources[\"kubernetes_resources\"]",
        "    c_workload --> c_relation_1",
        "    c_relation_2 --> c_kubernetes_resources",
    ] {
        assert!(
            mermaid.stdout.contains(line),
            "{line:?} in {}",
            mermaid.stdout
        );
    }
    assert_eq!(mermaid.stdout.matches("-->").count(), 2);
    assert!(!mermaid.stdout.contains("classDef"), "no state, no colours");

    let dot = my_charm(&["graph", "--format", "dot"]);
    assert_eq!(dot.code, 0);
    assert!(
        dot.stdout.starts_with("digraph \"my-charm\" {\n"),
        "{}",
        dot.stdout
    );
    assert!(dot.stdout.contains("    \"workload\" -> \"relation_1\";"));
    assert!(
        dot.stdout
            .contains("    \"relation_2\" -> \"kubernetes_resources\";")
    );
    assert!(dot.stdout.ends_with("}\n"));
}

#[test]
fn graph_with_a_state_colours_each_component_by_its_status_after_step_n() {
    let run = my_charm(&[
        "graph",
        "--state",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "--after",
        "9",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = &run.stdout;
    assert!(out.contains("title: my-charm after step 9 of"), "{out}");
    assert!(out.contains("    class c_workload waiting"), "{out}");
    assert!(
        out.contains("    class c_relation_1 maintenance\n    class c_relation_1 skipped"),
        "{out}"
    );
    assert!(out.contains("    class c_relation_2 waiting"), "{out}");
    assert!(
        out.contains("c_relation_2[\"relation_2<br/>waiting: waiting for `consumer` to send"),
        "{out}"
    );

    // After the last step that reconciled before the remove (step 16): all Active.
    let last = my_charm(&[
        "graph",
        "--format",
        "dot",
        "--state",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "--after",
        "16",
    ]);
    assert_eq!(last.code, 0, "{}", last.stderr);
    assert_eq!(
        last.stdout.matches("fillcolor=\"#d3f4d3\"").count(),
        4,
        "{}",
        last.stdout
    );

    // Past the end.
    let past = my_charm(&[
        "graph",
        "--state",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "--after",
        "18",
    ]);
    assert_eq!(past.code, 2);
    assert_eq!(
        past.stderr,
        "error: examples/my-charm/scenarios/lifecycle.yaml: --after 18, but the scenario has 17 steps\n"
    );
    // --after needs --state.
    let alone = my_charm(&["graph", "--after", "1"]);
    assert_eq!(alone.code, 2);
}

#[test]
fn a_charm_with_no_components_has_an_empty_graph_and_simulates() {
    let mermaid = empty_charm(&["graph"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    assert!(
        mermaid.stdout.ends_with("flowchart LR\n"),
        "{}",
        mermaid.stdout
    );
    let dot = empty_charm(&["graph", "--format", "dot"]);
    assert_eq!(dot.code, 0);
    assert!(
        dot.stdout
            .ends_with("node [shape=box, style=\"rounded\"];\n}\n"),
        "{}",
        dot.stdout
    );
    let state = empty_charm(&["graph", "--state", "tests/charms/empty/install.yaml"]);
    assert_eq!(state.code, 0, "{}", state.stderr);
    assert!(state.stdout.ends_with("flowchart LR\n"), "{}", state.stdout);
    let simulate = empty_charm(&["simulate", "tests/charms/empty/install.yaml"]);
    assert_eq!(simulate.code, 0, "{}{}", simulate.stdout, simulate.stderr);
    assert!(
        simulate.stdout.contains("unit status: active"),
        "{}",
        simulate.stdout
    );
}

/// The blocks of `docs/simulate.md` after `<!-- generated: simulate/everything-present -->`
/// and `<!-- generated: graph/lifecycle-after-9 -->` are what `simulate` and `graph` print.
#[test]
fn the_output_shown_in_docs_simulate_md_is_real() {
    let simulate = my_charm(&[
        "simulate",
        "examples/my-charm/scenarios/everything-present.yaml",
    ]);
    assert_eq!(simulate.code, 0, "{}", simulate.stderr);
    let graph = my_charm(&[
        "graph",
        "--state",
        "examples/my-charm/scenarios/lifecycle.yaml",
        "--after",
        "9",
    ]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    let doc_path = juju_sim::workspace().join("docs/simulate.md");
    let mut doc = std::fs::read_to_string(&doc_path).expect("docs/simulate.md");
    let update = std::env::var_os("RECONCILER_UPDATE_DOCS").is_some();
    for (name, fence, output) in [
        (
            "simulate/everything-present",
            "text",
            reconciler_tests::normalise_durations(&simulate.stdout),
        ),
        ("graph/lifecycle-after-9", "mermaid", graph.stdout),
    ] {
        let marker = format!("<!-- generated: {name} -->\n```{fence}\n");
        let start = doc
            .find(&marker)
            .unwrap_or_else(|| panic!("the marker of {name} in docs/simulate.md"))
            + marker.len();
        let end = start + doc[start..].find("```\n").expect("the block's end");
        if update {
            doc = format!("{}{}{}", &doc[..start], output, &doc[end..]);
        } else {
            assert_eq!(
                &doc[start..end],
                output,
                "{name} in docs/simulate.md differs from the real output; after an intended \
                 change run RECONCILER_UPDATE_DOCS=1 cargo test -p reconciler-tests --test simulate"
            );
        }
    }
    if update {
        std::fs::write(&doc_path, doc).expect("docs/simulate.md is written");
    }
}

/// The scenario files' JSON schema, `docs/scenario.schema.json` (for editors: a YAML
/// language server validates a file that names it), as a validator.
fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(juju_sim::workspace().join("docs/scenario.schema.json"))
        .expect("docs/scenario.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON schema")
}

fn as_json(yaml: &str) -> serde_json::Value {
    serde_yaml_ng::from_str(yaml).expect("YAML")
}

#[test]
fn every_scenario_file_in_the_repository_matches_the_published_schema() {
    let schema = schema();
    let mut files = scenarios();
    files.push(juju_sim::workspace().join("examples/kfp-schedwf/scenarios/lifecycle.yaml"));
    files.push(juju_sim::workspace().join("tests/charms/empty/install.yaml"));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let errors: Vec<String> = schema
            .iter_errors(&as_json(&text))
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", file.display());
    }
}

#[test]
fn the_schema_refuses_the_shapes_simulate_refuses() {
    let schema = schema();
    for (what, yaml) in [
        ("no steps", "state: {leader: true}\n"),
        (
            "an unknown top-level key",
            "steps: [{event: install}]\nstages: []\n",
        ),
        (
            "an unknown step key",
            "steps: [{event: install, expected: active}]\n",
        ),
        (
            "both event and action",
            "steps: [{event: install, action: restart}]\n",
        ),
        (
            "neither event nor action",
            "steps: [{set: {leader: true}}]\n",
        ),
        (
            "a bad expectation",
            "steps: [{event: install, expect: fine}]\n",
        ),
        (
            "a relation without an app",
            "state: {relations: [{id: 1, endpoint: db}]}\nsteps: [{event: install}]\n",
        ),
        (
            "a bad unit name",
            "state: {unit: my-charm}\nsteps: [{event: install}]\n",
        ),
        (
            "a container key that is not ready",
            "state: {containers: {workload: {up: true}}}\nsteps: [{event: install}]\n",
        ),
    ] {
        assert!(
            !schema.is_valid(&as_json(yaml)),
            "{what}: the schema accepts {yaml:?}"
        );
        // And simulate refuses it too, as bad input.
        let (_dir, path) = scenario_file(yaml);
        let run = my_charm(&[
            "simulate",
            "--charm-dir",
            &my_charm_dir(),
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{what}: {}{}", run.stdout, run.stderr);
    }
}
