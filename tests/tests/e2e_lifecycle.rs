//! End to end: `examples/my-charm` built and run through its `dispatch` as Juju would,
//! with the stand-in hook tools and a real Pebble daemon, through a whole lifecycle.
//! After each event: the hook-tool calls made and the statuses set.

mod juju_sim;

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::Pebble;

use juju_sim::{PebbleDaemon, Unit, pebble_binary, relation, relation_env};

fn env(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[track_caller]
fn assert_ok(run: &juju_sim::Run) {
    assert_eq!(
        run.code,
        0,
        "exit code; stderr:\n{}\ncalls: {:#?}",
        run.stderr,
        run.lines()
    );
    assert!(
        !run.stderr.contains("panicked"),
        "no panic expected; stderr:\n{}",
        run.stderr
    );
}

/// relation_2's status while nothing is related on relation-2.
const RELATION_2_MISSING: &str = "missing relation `relation-2`: integrate with an application that requires the `my-resources` interface (`juju integrate my-charm:relation-2 <application>`)";

#[test]
fn my_charm_lifecycle() {
    let unit = Unit::my_charm(&juju_sim::my_charm_state("/usr/bin/my-workload"));
    // The container's Pebble: not up until pebble-ready.
    let pebble_dir = unit.scratch("workload");
    let socket_template = unit
        .scratch("containers")
        .parent()
        .unwrap()
        .join("{container}/.pebble.socket");
    let mut unit = unit;
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        socket_template.display().to_string(),
    ));

    // install: not the leader, Pebble not up, no relations: relation_2 is Blocked (it
    // says what to integrate with), which is worse than the workload's Waiting.
    let run = unit.dispatch("hooks/install", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        ["is-leader", "config-get", "relation-ids", "status-set"],
        "{:#?}",
        run.lines()
    );
    assert_eq!(
        run.lines()[..4]
            .iter()
            .filter(|l| !l.starts_with("juju-log"))
            .cloned()
            .collect::<Vec<_>>(),
        [
            "is-leader --format=json",
            "config-get --format=json",
            "relation-ids relation-2 --format=json",
            format!("status-set --application=False blocked -- [relation_2] {RELATION_2_MISSING}")
                .as_str(),
        ]
    );
    assert_eq!(run.juju_log_calls(), 1, "one batched juju-log");
    let state = unit.state();
    assert_eq!(
        state.unit_status.text(),
        format!("blocked: [relation_2] {RELATION_2_MISSING}")
    );
    assert!(
        state.juju_log[0].message.contains("workload ran in"),
        "{:?}",
        state.juju_log
    );

    // config-changed: same picture.
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        ["is-leader", "config-get", "relation-ids", "status-set"]
    );

    // leader-elected: now the leader; the app status is set too. kubernetes_resources
    // still waits on relation_2, so nothing is recorded.
    unit.update(|s| s.leader = true);
    let run = unit.dispatch("hooks/leader-elected", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        [
            "is-leader",
            "config-get",
            "relation-ids",
            "status-set",
            "status-set"
        ]
    );
    assert!(run.lines().contains(&format!(
        "status-set --application=True blocked -- [relation_2] {RELATION_2_MISSING}"
    )));
    let state = unit.state();
    assert_eq!(state.app_status, state.unit_status);
    assert!(state.charm_state.is_empty());

    // relation-1: created, joined, changed. relation_1 waits on the workload; relation-2
    // is still missing.
    unit.update(|s| s.relations.push(relation(1, "relation-1", "frontend", &[])));
    let vars = relation_env("relation-1", 1, "frontend", None);
    let run = unit.dispatch("hooks/relation-1-relation-created", &env(&vars));
    assert_ok(&run);
    unit.update(|s| {
        s.relations[0]
            .remote_units
            .insert("frontend/0".into(), Default::default());
    });
    let vars = relation_env("relation-1", 1, "frontend", Some("frontend/0"));
    for hook in ["relation-1-relation-joined", "relation-1-relation-changed"] {
        let run = unit.dispatch(&format!("hooks/{hook}"), &env(&vars));
        assert_ok(&run);
        assert_eq!(
            unit.state().unit_status.text(),
            format!("blocked: [relation_2] {RELATION_2_MISSING}")
        );
    }

    // relation-2: created, joined, changed with the namespace.
    unit.update(|s| s.relations.push(relation(2, "relation-2", "consumer", &[])));
    let vars = relation_env("relation-2", 2, "consumer", None);
    let run = unit.dispatch("hooks/relation-2-relation-created", &env(&vars));
    assert_ok(&run);
    // The remote app is known from JUJU_REMOTE_APP: no relation-list --app call.
    assert!(
        !run.lines().iter().any(|l| l.starts_with("relation-list")),
        "{:#?}",
        run.lines()
    );
    assert!(
        run.lines()
            .contains(&"relation-get --format=json -r 2 --app - consumer".to_owned()),
        "{:#?}",
        run.lines()
    );
    unit.update(|s| {
        let r = &mut s.relations[1];
        r.remote_units
            .insert("consumer/0".into(), Default::default());
        r.remote_app_data
            .insert("namespace".into(), "\"team-a\"".into());
    });
    let vars = relation_env("relation-2", 2, "consumer", Some("consumer/0"));
    for hook in ["relation-2-relation-joined", "relation-2-relation-changed"] {
        let run = unit.dispatch(&format!("hooks/{hook}"), &env(&vars));
        assert_ok(&run);
    }
    let state = unit.state();
    assert_eq!(
        my_charm::recorded_resources(state.charm_state.get("kubernetes-resources")).len(),
        2
    );
    assert_eq!(
        state.unit_status.text(),
        "waiting: [workload] waiting for Pebble in container workload"
    );

    // pebble-ready, with a real Pebble daemon.
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let daemon = PebbleDaemon::start(&pebble, &pebble_dir);
    let run = unit.dispatch(
        "hooks/workload-pebble-ready",
        &[("JUJU_WORKLOAD_NAME", "workload")],
    );
    assert_ok(&run);
    // The layer is in Pebble's plan; the service cannot start here because the workload
    // image (with /usr/bin/my-workload) is not present, which the status says.
    let mut client = PebbleClient::new("workload", daemon.socket());
    let plan = client.plan().expect("plan");
    assert_eq!(plan.services["workload"].environment["PORT"], "8080");
    let state = unit.state();
    let blocked = "blocked: [workload] pebble workload: POST /v1/services: replan: cannot perform the following tasks";
    assert!(
        state.unit_status.text().starts_with(blocked),
        "{}",
        state.unit_status.text()
    );
    assert_eq!(state.app_status, state.unit_status);
    assert_eq!(
        run.tools(),
        [
            "is-leader",
            "config-get",
            // The workload's services still to restart for a changed config file, kept
            // until the restart succeeds (here the replan fails, so it stays).
            "state-get",
            "state-set",
            "relation-ids",
            "relation-list",
            "relation-get",
            "state-set",
            "status-set",
            "status-set"
        ]
    );
    // The config file was pushed before the replan, with its mode.
    let conf = std::fs::read_to_string(state.config["config-file"].as_str().unwrap())
        .expect("the config file is in the container");
    assert!(
        conf.contains("port = 8080\ngreeting = \"hello\"\n"),
        "{conf}"
    );
    // The component error went to juju-log at once, at ERROR.
    assert!(
        state
            .juju_log
            .iter()
            .any(|l| l.level == "ERROR" && l.message.starts_with("workload failed in")),
        "{:#?}",
        state.juju_log
    );

    // update-status: a full reconcile, same result.
    let run = unit.dispatch("hooks/update-status", &[]);
    assert_ok(&run);
    assert!(unit.state().unit_status.text().starts_with(blocked));
    assert_eq!(
        run.tools().iter().filter(|t| **t == "status-set").count(),
        2
    );

    // config-changed: the operator points the workload at a command that exists in this
    // container (here, the test machine). Pebble starts it, the workload goes Active, and
    // relation_1 (which depends on it) runs and publishes the port on relation-1.
    unit.update(|s| {
        s.config.insert("command".into(), "sleep 300".into());
    });
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_ok(&run);
    let mut client = PebbleClient::new("workload", daemon.socket());
    let plan = client.plan().expect("plan");
    assert_eq!(
        plan.services["workload"].command.as_deref(),
        Some("sleep 300")
    );
    let services = client.services(&["workload"]).expect("services");
    assert_eq!(
        services[0].current,
        reconciler_core::pebble::ServiceStatus::Active
    );
    let state = unit.state();
    assert_eq!(state.unit_status.text(), "active");
    assert_eq!(state.app_status, state.unit_status);
    assert_eq!(state.relations[0].local_unit_data["port"], "8080");
    // Unit data only (no `--app`), values JSON-encoded.
    assert!(
        run.lines()
            .iter()
            .any(|l| l == "relation-set -r 1 --file -"),
        "{:#?}",
        run.lines()
    );
    assert_eq!(
        state.relations[0].local_unit_data["address"],
        "\"my-charm-0.my-charm-endpoints.test-model.svc.cluster.local\""
    );

    // relation-broken on relation-1: relation_1 is not configured for the broken relation.
    let vars = relation_env("relation-1", 1, "frontend", None);
    unit.update(|s| s.relations[0].remote_units.clear());
    let run = unit.dispatch("hooks/relation-1-relation-broken", &env(&vars));
    assert_ok(&run);
    assert!(
        !run.lines()
            .iter()
            .any(|l| l.starts_with("relation-set -r 1"))
    );
    unit.update(|s| s.relations.retain(|r| r.id != 1));

    // remove: every component's remove, dependents first; the record is deleted.
    let run = unit.dispatch("hooks/remove", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        ["state-delete", "status-set", "is-leader", "status-set"]
    );
    let state = unit.state();
    assert!(state.charm_state.is_empty());
    assert_eq!(state.unit_status.text(), "maintenance: removing");
    drop(daemon);
}
