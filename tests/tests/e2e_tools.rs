//! End to end: the tools part of the Juju surface (storage, network, goal state, resources,
//! credentials, the model, one relation key, ports as a set, reboot) through the real
//! binary of the test charm `probe` (`tests/src/probe.rs`) with the stand-in hook tools,
//! and the same probes in memory with the harness: the answers must be the same. Then the
//! stand-ins held to Juju's argument rules and error texts, bad input (a storage that is
//! not attached, an unknown binding, a missing resource), and credential values never shown.

mod juju_sim;

use std::path::{Path, PathBuf};
use std::process::Command;

use reconciler_core::testing::{Harness, Relation, Resource, State};
use reconciler_core::{CloudCredential, CloudSpec, Event, ModelType, Network, Storage};
use reconciler_tests::probe;
use serde_json::{Value, json};

use juju_sim::{
    Fault, Run, SimAction, SimNetwork, SimRelation, SimState, SimStatus, SimStorage, Unit,
    temp_dir, workspace,
};

const REMOTE_MODEL: &str = "11111111-2222-4333-8444-555555555555";
const PASSWORD: &str = "Sup3r-S3cret-Passw0rd";

/// The cloud, as `credential-get` prints it.
fn cloud_json() -> Value {
    json!({
        "type": "openstack", "name": "mycloud", "region": "r1",
        "endpoint": "https://keystone.example:5000/v3",
        "credential": {"auth-type": "userpass", "attrs": {"username": "admin", "password": PASSWORD}},
        "cacertificates": [], "skip-tls-verify": false, "is-controller-cloud": false
    })
}

/// The same model for the stand-ins and for the harness: unit `probe/0` with a peer, a
/// `db` relation to `pg` (in another model), two storage instances, networks on `db` and
/// the extra binding `public`, the resource `blob`, and a trusted cloud.
fn models(blob: &Path) -> (SimState, State) {
    let mut db = SimRelation {
        id: 3,
        endpoint: "db".into(),
        remote_app: "pg".into(),
        ..SimRelation::default()
    };
    db.remote_units.insert(
        "pg/0".into(),
        [("port".to_owned(), "5432".to_owned())].into(),
    );
    db.remote_app_data.insert("host".into(), "pg.local".into());
    let mut peers = SimRelation {
        id: 1,
        endpoint: "replicas".into(),
        remote_app: "probe".into(),
        ..SimRelation::default()
    };
    peers
        .remote_units
        .insert("probe/1".into(), Default::default());
    let sim = SimState {
        unit: "probe/0".into(),
        relations: vec![peers, db],
        storage: vec![
            SimStorage {
                id: "data/0".into(),
                kind: "filesystem".into(),
                location: "/srv/data".into(),
            },
            SimStorage {
                id: "logs/1".into(),
                kind: "block".into(),
                location: "/dev/vdb".into(),
            },
        ],
        networks: [
            ("db".to_owned(), SimNetwork::new("10.0.0.5", "10.0.0.0/24")),
            (
                "public".to_owned(),
                SimNetwork::new("172.16.0.9", "172.16.0.0/16"),
            ),
        ]
        .into(),
        resources: [("blob".to_owned(), blob.display().to_string())].into(),
        cloud_spec: Some(cloud_json()),
        remote_models: [(3, REMOTE_MODEL.to_owned())].into(),
        ..SimState::default()
    };

    let state = State::default()
        .with_unit_name("probe/0")
        .with_model_type(ModelType::Machine)
        .with_peer_relation(1, "replicas", ["probe/1"])
        .with_relation(
            Relation::new(3, "db", "pg")
                .with_remote_app_data([("host", "pg.local")])
                .with_remote_unit_data("pg/0", [("port", "5432")]),
        )
        .with_storage(Storage::filesystem("data/0", "/srv/data"))
        .with_storage(Storage::block("logs/1", "/dev/vdb"))
        .with_network("db", Network::new("10.0.0.5"))
        .with_network("public", Network::new("172.16.0.9"))
        .with_resource("blob", Resource::file(blob))
        .with_cloud_spec(
            CloudSpec::new("openstack", "mycloud")
                .with_region("r1")
                .with_endpoint("https://keystone.example:5000/v3")
                .with_credential(
                    CloudCredential::new("userpass")
                        .with_attribute("username", "admin")
                        .with_attribute("password", PASSWORD),
                ),
        )
        .with_remote_model(3, REMOTE_MODEL);
    (sim, state)
}

/// A unit of the probe charm on a machine model of Juju 3.6.8.
fn unit(sim: &SimState) -> Unit {
    let mut unit = Unit::probe(sim);
    unit.env.push(("JUJU_VERSION".into(), "3.6.8".into()));
    unit.env.push(("JUJU_MACHINE_ID".into(), "0".into()));
    unit
}

fn harness() -> Harness {
    Harness::from_charm_dir(workspace().join("tests/charms/probe")).unwrap()
}

/// A resource file in `dir`.
fn blob(dir: &Path) -> PathBuf {
    let path = dir.join("blob.txt");
    std::fs::write(&path, "blob-content").unwrap();
    path
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

/// Answers by probe.
type Answers = Vec<(String, Value)>;

/// The answers kept in the stand-in model, by probe.
fn sim_answers(unit: &Unit, probes: &[&str]) -> Answers {
    let state = unit.state();
    probes
        .iter()
        .map(|p| {
            let text = state
                .charm_state
                .get(&probe::key(p))
                .unwrap_or_else(|| panic!("no answer to {p}"));
            ((*p).to_owned(), serde_json::from_str(text).unwrap())
        })
        .collect()
}

/// The answers kept in the harness's output state, by probe.
fn memory_answers(state: &State, probes: &[&str]) -> Answers {
    probes
        .iter()
        .map(|p| {
            let text = state
                .stored
                .get(&probe::key(p))
                .unwrap_or_else(|| panic!("no answer to {p}"));
            ((*p).to_owned(), serde_json::from_str(text).unwrap())
        })
        .collect()
}

/// Runs `probes` on config-changed through the real binary and in memory.
fn both(sim: &SimState, state: &State, probes: &[&str]) -> (Unit, Run, Answers, Answers, State) {
    let option = probes.join(";");
    let unit = unit(sim);
    unit.update(|s| {
        s.config.insert("probe".into(), option.clone().into());
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    let real = sim_answers(&unit, probes);
    let out = harness()
        .run::<probe::ProbeCharm>(
            Event::ConfigChanged,
            state.clone().with_config("probe", option),
        )
        .unwrap();
    let memory = memory_answers(&out.state, probes);
    (unit, run, real, memory, out.state)
}

#[test]
fn every_tool_answers_the_same_through_the_real_binary_and_in_memory() {
    let dir = temp_dir("tools");
    let (sim, state) = models(&blob(dir.path()));
    let probes = [
        "model",
        "storage-list",
        "storage-list:data",
        "storage:data/0",
        "storage:logs/1",
        "network:db",
        "network:db@3",
        "network:public",
        "network:replicas",
        "goal-state",
        "resource:blob",
        "remote-model:3",
        "remote-model:1",
        "credential",
        "relation-key:3:app:pg:host",
        "relation-key:3:pg/0:port",
        "relation-key:3:pg/0:missing",
        "ports:80/tcp+53/udp",
        "storage-add:logs=2",
    ];
    let (unit, run, real, memory, after) = both(&sim, &state, &probes);
    for ((probe, real), (_, memory)) in real.iter().zip(&memory) {
        assert!(
            real.get("ok").is_some(),
            "{probe} failed through the binary: {real}"
        );
        assert_eq!(
            real, memory,
            "{probe}: the binary (left) and memory (right) differ"
        );
    }
    let answer = |p: &str| real.iter().find(|(q, _)| q == p).unwrap().1["ok"].clone();
    assert_eq!(
        answer("model"),
        json!({"uuid": "00000000-0000-4000-8000-000000000000", "type": "machine", "juju-version": "3.6.8"})
    );
    assert_eq!(answer("storage-list"), json!(["data/0", "logs/1"]));
    assert_eq!(
        answer("storage:logs/1"),
        json!({"id": "logs/1", "kind": "block", "location": "/dev/vdb"})
    );
    assert_eq!(answer("network:db")["ingress-address"], "10.0.0.5");
    assert_eq!(answer("network:public")["bind-address"], "172.16.0.9");
    // An endpoint with no network of its own has the default space's.
    assert_eq!(answer("network:replicas")["bind-address"], "192.0.2.0");
    assert_eq!(
        answer("goal-state"),
        json!({
            "planned-units": 2,
            "units": {"probe/0": "unknown", "probe/1": "active"},
            "relations": {"db": {"pg": "joined", "pg/0": "joined"}, "replicas": {"probe/1": "joined"}},
        })
    );
    assert_eq!(
        answer("resource:blob"),
        json!({"file-name": "blob.txt", "content": "blob-content"})
    );
    assert_eq!(answer("remote-model:3"), REMOTE_MODEL);
    assert_eq!(
        answer("remote-model:1"),
        "00000000-0000-4000-8000-000000000000"
    );
    assert_eq!(
        answer("credential")["attributes"],
        json!(["password", "username"])
    );
    assert_eq!(answer("relation-key:3:app:pg:host"), "pg.local");
    assert_eq!(answer("relation-key:3:pg/0:missing"), Value::Null);
    assert_eq!(answer("ports:80/tcp+53/udp"), json!(["80/tcp", "53/udp"]));
    // What the hook left: the ports, the storage asked for.
    assert_eq!(unit.state().storage_added, [("logs".to_owned(), 2)].into());
    assert_eq!(after.storage_requested, [("logs".to_owned(), 2)].into());

    // The command lines, as Juju documents them (one call each: answers are kept).
    let lines: Vec<String> = run
        .lines()
        .into_iter()
        .filter(|l| {
            !l.starts_with("juju-log")
                && !l.starts_with("state-set")
                && !l.starts_with("status-set")
                && !l.starts_with("is-leader")
                && !l.starts_with("config-get")
        })
        .collect();
    assert_eq!(
        lines,
        [
            "storage-list --format=json",
            "storage-list --format=json data",
            "storage-get --format=json -s data/0",
            "storage-get --format=json -s logs/1",
            "network-get db --format=json",
            "network-get db -r 3 --format=json",
            "network-get public --format=json",
            "network-get replicas --format=json",
            "goal-state --format=json",
            "resource-get blob",
            "relation-model-get -r 3 --format=json",
            "relation-model-get -r 1 --format=json",
            "credential-get --format=json",
            "relation-get --format=json -r 3 --app -- host pg",
            "relation-get --format=json -r 3 -- port pg/0",
            "relation-get --format=json -r 3 -- missing pg/0",
            "opened-ports --format=json",
            "open-port 80/tcp",
            "open-port 53/udp",
            "opened-ports --format=json",
            "storage-add logs=2",
        ]
    );
}

#[test]
fn bad_input_fails_alike_naming_what_and_where() {
    let dir = temp_dir("tools-bad");
    let (sim, state) = models(&blob(dir.path()));
    // Each probe, and what both errors say.
    let cases = [
        (
            "storage:data/9",
            "storage attachment data/9:probe/0 not found",
        ),
        ("storage:data", "invalid storage ID \"data\""),
        (
            "storage",
            "no storage id given, and the event is not a storage event",
        ),
        (
            "storage-list:cache",
            "storage-list: the charm's metadata declares no storage \"cache\" (declared: data, logs)",
        ),
        (
            "storage-add:cache=1",
            "the charm's metadata declares no storage \"cache\"",
        ),
        (
            "network:nope",
            "network-get: the charm's metadata declares no network binding \"nope\" (declared: db, replicas, public)",
        ),
        ("network:db@7", "network-get db -r 7 --format=json: "),
        (
            "resource:missing",
            "resource-get: the charm's metadata declares no resource \"missing\" (declared: blob)",
        ),
        ("remote-model:7", "relation-model-get -r 7 --format=json: "),
        ("relation-key:3:pg/0:-", "\"-\" is not a key"),
    ];
    let probes: Vec<&str> = cases.iter().map(|(p, _)| *p).collect();
    let (unit, run, real, memory, _) = both(&sim, &state, &probes);
    for (((probe, real), (_, memory)), (_, says)) in real.iter().zip(&memory).zip(cases) {
        let real = real["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{probe}: {real}"));
        let memory = memory["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{probe}: {memory}"));
        assert!(real.contains(says), "{probe}: the binary says {real:?}");
        assert!(memory.contains(says), "{probe}: memory says {memory:?}");
        // Relations that do not exist: both say so.
        if says.starts_with("network-get db -r") || says.starts_with("relation-model-get") {
            assert!(real.ends_with("relation not found"), "{real}");
            assert!(memory.ends_with("relation 7 not found"), "{memory}");
        }
    }
    // Names the metadata does not declare are refused before any tool runs; what only
    // Juju knows is Juju's answer.
    let tools = run.tools();
    assert!(!tools.contains(&"storage-list"), "{tools:?}");
    assert!(!tools.contains(&"storage-add"), "{tools:?}");
    assert_eq!(
        tools.iter().filter(|t| **t == "storage-get").count(),
        1,
        "{tools:?}"
    );
    // An undeclared resource or binding is refused before any tool runs too.
    assert!(!tools.contains(&"resource-get"), "{tools:?}");
    assert!(
        !run.lines()
            .iter()
            .any(|l| l == "network-get nope --format=json")
    );
    // The unit is still Active: a failed tool is the component's to handle.
    assert_eq!(unit.state().unit_status.text(), "active");
}

#[test]
fn the_event_s_storage_is_the_default_and_one_not_attached_is_refused() {
    let dir = temp_dir("tools-storage");
    let (sim, state) = models(&blob(dir.path()));
    let unit = unit(&sim);
    unit.update(|s| {
        s.config.insert("probe".into(), "storage".into());
    });
    let run = unit.dispatch(
        "hooks/logs-storage-attached",
        &[("JUJU_STORAGE_ID", "logs/1")],
    );
    exit_0(&run);
    let real = sim_answers(&unit, &["storage"]);
    assert_eq!(
        real[0].1,
        json!({"ok": {"id": "logs/1", "kind": "block", "location": "/dev/vdb"}})
    );
    let event = Event::Storage {
        kind: reconciler_core::event::StorageEventKind::Attached,
        name: "logs".into(),
        id: Some("logs/1".into()),
    };
    let out = harness()
        .run::<probe::ProbeCharm>(event, state.clone().with_config("probe", "storage"))
        .unwrap();
    assert_eq!(memory_answers(&out.state, &["storage"]), real);

    // An event for storage that is not attached: Juju's error through the binary; the
    // harness refuses the event itself.
    let run = unit.dispatch(
        "hooks/logs-storage-attached",
        &[("JUJU_STORAGE_ID", "logs/4")],
    );
    exit_0(&run);
    let real = sim_answers(&unit, &["storage"]);
    assert!(
        real[0].1["error"]
            .as_str()
            .unwrap()
            .ends_with("ERROR invalid value \"logs/4\" for option -s: storage attachment logs/4:probe/0 not found"),
        "{}",
        real[0].1
    );
    let event = Event::Storage {
        kind: reconciler_core::event::StorageEventKind::Attached,
        name: "logs".into(),
        id: Some("logs/4".into()),
    };
    let error = harness()
        .run::<probe::ProbeCharm>(event, state.with_config("probe", "storage"))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "event logs-storage-attached: storage \"logs/4\" is not attached in the state (attached: \"data/0\", \"logs/1\"); add it with State::with_storage"
    );
}

#[test]
fn credential_values_are_never_shown() {
    let dir = temp_dir("tools-credential");
    let (sim, _) = models(&blob(dir.path()));
    let unit = unit(&sim);
    unit.update(|s| {
        s.config.insert("probe".into(), "credential".into());
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    unit.assert_not_shown(&run, PASSWORD, &[]);
    // The spec was logged, with the attribute's name and not its value.
    let state = unit.state();
    let logged = state
        .juju_log
        .iter()
        .find(|l| l.message.starts_with("cloud spec: "))
        .expect("the spec is logged");
    assert!(
        logged.message.contains("\"password\": \"<hidden>\""),
        "{}",
        logged.message
    );
    assert!(!state.charm_state.values().any(|v| v.contains(PASSWORD)));

    // A malformed answer holding the secret: the error names the tool and where the JSON
    // is wrong, never the answer.
    unit.update(|s| {
        s.faults.insert(
            "credential-get".into(),
            Fault {
                exit_code: 0,
                stdout: format!("{{\"type\": \"openstack\", \"name\": {PASSWORD}}}").into_bytes(),
                stderr: String::new(),
            },
        );
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    unit.assert_not_shown(&run, PASSWORD, &[]);
    let state = unit.state();
    let answer = &state.charm_state[&probe::key("credential")];
    assert!(
        answer.contains("credential-get --format=json: malformed JSON output"),
        "{answer}"
    );
    assert!(!answer.contains(PASSWORD), "{answer}");

    // Not trusted: Juju's refusal.
    unit.update(|s| {
        s.faults.clear();
        s.cloud_spec = None;
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    assert!(
        unit.state().charm_state[&probe::key("credential")]
            .contains("cannot access cloud credentials: permission denied")
    );
}

#[test]
fn juju_reboot_on_machines_only_and_never_in_an_action() {
    let dir = temp_dir("tools-reboot");
    let (sim, state) = models(&blob(dir.path()));
    let unit = unit(&sim);
    for (probe, recorded) in [("reboot", "after-hook"), ("reboot-now", "now")] {
        unit.update(|s| {
            s.config.insert("probe".into(), probe.into());
        });
        let run = unit.dispatch("hooks/config-changed", &[]);
        exit_0(&run);
        assert_eq!(unit.state().reboot.as_deref(), Some(recorded), "{probe}");
        assert!(run.lines().iter().any(|l| l.starts_with("juju-reboot")));
    }
    let out = harness()
        .run::<probe::ProbeCharm>(
            Event::ConfigChanged,
            state.clone().with_config("probe", "reboot-now"),
        )
        .unwrap();
    assert_eq!(
        out.state.reboot,
        Some(reconciler_core::testing::Reboot::Now)
    );

    // On Kubernetes (JUJU_MACHINE_ID set empty): refused, without a call.
    let mut k8s = Unit::probe(&sim);
    k8s.env.push(("JUJU_MACHINE_ID".into(), String::new()));
    k8s.update(|s| {
        s.config.insert("probe".into(), "model;reboot".into());
    });
    let run = k8s.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    let answers = sim_answers(&k8s, &["model", "reboot"]);
    assert_eq!(answers[0].1["ok"]["type"], "kubernetes");
    let error = answers[1].1["error"].as_str().unwrap();
    assert!(
        error.starts_with("juju-reboot: refused: the unit runs on Kubernetes"),
        "{error}"
    );
    assert!(!run.tools().contains(&"juju-reboot"));
    let out = harness()
        .run::<probe::ProbeCharm>(
            Event::ConfigChanged,
            state
                .clone()
                .with_model_type(ModelType::Kubernetes)
                .with_config("probe", "reboot"),
        )
        .unwrap();
    assert_eq!(memory_answers(&out.state, &["reboot"])[0].1["error"], error);

    // In an action: refused, without a call.
    unit.update(|s| {
        s.reboot = None;
        s.action = Some(SimAction {
            params: json!({"probes": "reboot"}).as_object().unwrap().clone(),
            ..SimAction::default()
        });
    });
    let run = unit.dispatch("actions/probe", &[("JUJU_ACTION_NAME", "probe")]);
    exit_0(&run);
    let error = sim_answers(&unit, &["reboot"])[0].1["error"].clone();
    assert_eq!(
        error,
        "juju-reboot: refused: juju-reboot is not supported when running an action"
    );
    assert!(!run.tools().contains(&"juju-reboot"));
    assert_eq!(unit.state().reboot, None);
    let params = json!({"probes": "reboot"}).as_object().unwrap().clone();
    let out = harness()
        .run_action::<probe::ProbeCharm>("probe", params, state)
        .unwrap();
    assert_eq!(memory_answers(&out.state, &["reboot"])[0].1["error"], error);
}

#[test]
fn relation_model_get_needs_juju_3_6_2() {
    let dir = temp_dir("tools-old-juju");
    let (sim, state) = models(&blob(dir.path()));
    let mut unit = unit(&sim);
    unit.env.push(("JUJU_VERSION".into(), "3.5.4".into()));
    unit.update(|s| {
        s.config.insert("probe".into(), "remote-model:3".into());
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    exit_0(&run);
    assert!(!run.tools().contains(&"relation-model-get"));
    let real = sim_answers(&unit, &["remote-model:3"]);
    let out = harness()
        .run::<probe::ProbeCharm>(
            Event::ConfigChanged,
            state
                .with_juju_version("3.5.4".parse().unwrap())
                .with_config("probe", "remote-model:3"),
        )
        .unwrap();
    assert_eq!(memory_answers(&out.state, &["remote-model:3"]), real);
    assert_eq!(
        real[0].1["error"],
        "relation-model-get: refused: Juju 3.5.4 does not have relation-model-get; it came in Juju 3.6.2"
    );
}

/// Runs the stand-in tool `tool` with `args` and `env` against `state`; returns the exit
/// code, stdout, stderr and the state after.
fn stand_in(
    dir: &Path,
    state: &SimState,
    env: &[(&str, &str)],
    tool: &str,
    args: &[&str],
) -> (i32, String, String, SimState) {
    let link = dir.join(tool);
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_hook-tool"), &link).unwrap();
    }
    let state_path = dir.join("state.json");
    std::fs::write(&state_path, serde_json::to_vec(state).unwrap()).unwrap();
    let output = Command::new(&link)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .env("HOOK_TOOLS_STATE", &state_path)
        .env("JUJU_CHARM_DIR", workspace().join("tests/charms/probe"))
        .output()
        .expect("the stand-in runs");
    let after = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        after,
    )
}

#[test]
fn stand_in_tools_follow_juju() {
    let dir = temp_dir("tools-stand-in");
    let (sim, _) = models(&blob(dir.path()));
    let run = |env: &[(&str, &str)], tool: &str, args: &[&str]| {
        stand_in(dir.path(), &sim, env, tool, args)
    };
    let fails = |env: &[(&str, &str)], tool: &str, args: &[&str], code: i32, text: &str| {
        let (got, _, stderr, _) = run(env, tool, args);
        assert_eq!(got, code, "{tool} {args:?}: {stderr}");
        assert!(stderr.starts_with("ERROR "), "{stderr}");
        assert!(stderr.contains(text), "{tool} {args:?}: {stderr}");
    };

    // storage-get: -s or the hook's storage; the id's form, then the attachment; one key.
    let (code, stdout, _, _) = run(&[], "storage-get", &["--format=json", "-s", "data/0"]);
    assert_eq!(
        (code, stdout.trim()),
        (0, r#"{"kind":"filesystem","location":"/srv/data"}"#)
    );
    let (_, stdout, _, _) = run(
        &[("JUJU_STORAGE_ID", "logs/1")],
        "storage-get",
        &["--format=json", "location"],
    );
    assert_eq!(stdout.trim(), "\"/dev/vdb\"");
    fails(
        &[],
        "storage-get",
        &["--format=json"],
        2,
        "no storage instance specified",
    );
    fails(
        &[],
        "storage-get",
        &["--format=json", "-s", "Data/0"],
        2,
        "invalid value \"Data/0\" for option -s: invalid storage ID \"Data/0\"",
    );
    fails(
        &[],
        "storage-get",
        &["--format=json", "-s", "data/5"],
        2,
        "storage attachment data/5:probe/0 not found",
    );
    fails(
        &[],
        "storage-get",
        &["--format=json", "-s", "data/0", "size"],
        1,
        "invalid storage attribute \"size\"",
    );
    // storage-list and storage-add.
    let (_, stdout, _, _) = run(&[], "storage-list", &["--format=json", "logs"]);
    assert_eq!(stdout.trim(), r#"["logs/1"]"#);
    let (code, _, _, after) = run(&[], "storage-add", &["logs=2", "data"]);
    assert_eq!(code, 0);
    assert_eq!(
        after.storage_added,
        [("data".to_owned(), 1), ("logs".to_owned(), 2)].into()
    );
    fails(
        &[],
        "storage-add",
        &[],
        2,
        "storage add requires a storage directive",
    );
    fails(
        &[],
        "storage-add",
        &["logs=0"],
        2,
        "the count must be a positive integer",
    );
    fails(
        &[],
        "storage-add",
        &["cache=1"],
        1,
        "charm storage \"cache\" not found",
    );

    // network-get: the whole answer, or what the flags ask, as Juju prints it; and the
    // typed accessors read the same from the whole answer.
    let (_, full, _, _) = run(&[], "network-get", &["db", "--format=json"]);
    let network: Network = serde_json::from_str(&full).unwrap();
    assert_eq!(
        network.bind_addresses[0].addresses[0].cidr.as_deref(),
        Some("10.0.0.0/24")
    );
    let flag = |flag: &str| {
        run(&[], "network-get", &["db", flag, "--format=json"])
            .1
            .trim()
            .to_owned()
    };
    assert_eq!(
        flag("--bind-address"),
        format!("\"{}\"", network.bind_address().unwrap())
    );
    assert_eq!(
        flag("--ingress-address"),
        format!("\"{}\"", network.ingress_address().unwrap())
    );
    assert_eq!(
        flag("--egress-subnets"),
        serde_json::to_string(&network.egress_subnets).unwrap()
    );
    assert_eq!(flag("--primary-address"), "\"10.0.0.5\"");
    let (_, two, _, _) = run(
        &[],
        "network-get",
        &["db", "--bind-address", "--egress-subnets", "--format=json"],
    );
    assert_eq!(
        serde_json::from_str::<Value>(&two).unwrap(),
        json!({"bind-address": "10.0.0.5", "egress-subnets": ["10.0.0.5/32"]})
    );
    fails(
        &[],
        "network-get",
        &["db", "--primary-address", "--bind-address", "--format=json"],
        1,
        "--primary-address must be the only flag specified",
    );
    fails(
        &[],
        "network-get",
        &["nope", "--format=json"],
        1,
        "no network config found for binding \"nope\"",
    );
    fails(
        &[],
        "network-get",
        &["--format=json"],
        2,
        "no arguments specified",
    );
    fails(
        &[],
        "network-get",
        &["db", "-r", "9", "--format=json"],
        2,
        "invalid value \"9\" for option -r: relation not found",
    );

    // relation-get of one key; null when unset.
    let (_, stdout, _, _) = run(
        &[],
        "relation-get",
        &["--format=json", "-r", "3", "--", "port", "pg/0"],
    );
    assert_eq!(stdout.trim(), "\"5432\"");
    let (_, stdout, _, _) = run(
        &[],
        "relation-get",
        &["--format=json", "-r", "3", "--app", "nope", "pg"],
    );
    assert_eq!(stdout.trim(), "null");

    // goal-state, resource-get, relation-model-get, credential-get.
    let (_, stdout, _, _) = run(&[], "goal-state", &["--format=json"]);
    let goal: reconciler_core::GoalState = serde_json::from_str(&stdout).unwrap();
    assert_eq!(goal.planned_units(), 2);
    let (_, broken, _, _) = run(
        &[
            ("JUJU_HOOK_NAME", "db-relation-broken"),
            ("JUJU_RELATION_ID", "db:3"),
        ],
        "goal-state",
        &["--format=json"],
    );
    let broken: reconciler_core::GoalState = serde_json::from_str(&broken).unwrap();
    assert_eq!(broken.relations["db"]["pg"].status, "broken");
    let (_, stdout, _, _) = run(&[], "resource-get", &["blob"]);
    assert!(stdout.ends_with("blob.txt\n"), "{stdout}");
    fails(
        &[],
        "resource-get",
        &[],
        2,
        "missing required resource name",
    );
    fails(
        &[],
        "resource-get",
        &["other"],
        1,
        "could not download resource: resource \"other\" not found",
    );
    let (_, stdout, _, _) = run(
        &[("JUJU_MODEL_UUID", "m-1")],
        "relation-model-get",
        &["-r", "1", "--format=json"],
    );
    assert_eq!(stdout.trim(), r#"{"uuid":"m-1"}"#);
    fails(
        &[],
        "relation-model-get",
        &["--format=json"],
        2,
        "no relation id specified",
    );
    let (_, stdout, _, _) = run(&[], "credential-get", &["--format=json"]);
    let spec: CloudSpec = serde_json::from_str(&stdout).unwrap();
    assert_eq!(spec.credential.unwrap().attributes["password"], PASSWORD);

    // juju-reboot: on machines, never in an action, never on Kubernetes.
    let (code, _, _, after) = run(&[("JUJU_MACHINE_ID", "0")], "juju-reboot", &["--now"]);
    assert_eq!((code, after.reboot.as_deref()), (0, Some("now")));
    fails(
        &[("JUJU_MACHINE_ID", "")],
        "juju-reboot",
        &[],
        1,
        "not supported on Kubernetes",
    );
    fails(
        &[],
        "juju-reboot",
        &["now"],
        2,
        "juju-reboot: unrecognized args: [\"now\"]",
    );
    let acting = SimState {
        action: Some(SimAction::default()),
        unit_status: SimStatus::default(),
        ..sim.clone()
    };
    let (code, _, stderr, after) = stand_in(dir.path(), &acting, &[], "juju-reboot", &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("juju-reboot is not supported when running an action."),
        "{stderr}"
    );
    assert_eq!(after.reboot, None);
}
