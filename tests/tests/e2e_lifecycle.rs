//! End to end: `examples/my-charm` built and run through its `dispatch` as Juju would,
//! with the stand-in hook tools, a real Pebble daemon and a real Kubernetes API server,
//! through a whole lifecycle. After each event: the hook-tool calls made, the statuses
//! set, and the objects in the cluster.

mod juju_sim;
mod kube_sim;

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

/// The workload's status while its Pebble does not answer.
const NO_PEBBLE: &str = "waiting: [workload] waiting for Pebble in container workload";

/// The names of the objects of `kind` (`configmaps`, `serviceaccounts`) that the
/// application `app` made in `namespace`, from the API server.
fn objects_of(app: &str, namespace: &str, kind: &str) -> Vec<String> {
    kube_sim::server().names(
        &format!("/api/v1/namespaces/{namespace}/{kind}"),
        &format!("app.kubernetes.io/managed-by={app}"),
    )
}

/// The names of the objects of `kind` that `my-charm` made in `team-a`.
fn objects(kind: &str) -> Vec<String> {
    objects_of("my-charm", "team-a", kind)
}

/// A unit of my-charm whose hooks reach the test's API server, which has the namespace
/// `namespace` that the related application asks for on relation-2.
fn unit_with_cluster(state: &juju_sim::SimState, namespace: &str) -> Unit {
    let server = kube_sim::server();
    server.ensure_namespace(namespace);
    let mut unit = Unit::my_charm(state);
    unit.env.push((
        "RECONCILER_KUBECONFIG".into(),
        server
            .kubeconfig(kube_sim::User::Admin)
            .display()
            .to_string(),
    ));
    unit
}

#[test]
fn my_charm_lifecycle() {
    let unit = unit_with_cluster(&juju_sim::my_charm_state("/usr/bin/my-workload"), "team-a");
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

    // install: not the leader, Pebble not up, no relations: the workload is Waiting;
    // relation_2 is optional, so nothing related is Active.
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
            "status-set --application=False waiting -- [workload] waiting for Pebble in container workload",
        ]
    );
    assert_eq!(run.juju_log_calls(), 1, "one batched juju-log");
    let state = unit.state();
    assert_eq!(state.unit_status.text(), NO_PEBBLE);
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
    // runs with nothing desired: it reads its record of what it made (none), and makes
    // no request to the API server.
    unit.update(|s| s.leader = true);
    let run = unit.dispatch("hooks/leader-elected", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        [
            "is-leader",
            "config-get",
            "relation-ids",
            "state-get",
            "status-set",
            "status-set"
        ]
    );
    assert!(run.lines().contains(
        &"status-set --application=True waiting -- [workload] waiting for Pebble in container workload"
            .to_owned()
    ));
    let state = unit.state();
    assert_eq!(state.app_status, state.unit_status);
    assert!(state.charm_state.is_empty());

    // relation-1: created, joined, changed. relation_1 waits on the workload.
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
        assert_eq!(unit.state().unit_status.text(), NO_PEBBLE);
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
    // The leader made consumer's objects in the cluster, labelled as my-charm's.
    assert_eq!(objects("configmaps"), ["my-charm-consumer"]);
    assert_eq!(objects("serviceaccounts"), ["my-charm-consumer"]);
    let state = unit.state();
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
            // kubernetes_resources' record of the kinds and namespaces it applied to,
            // unchanged (its two objects are re-applied, unchanged, on the API server).
            "state-get",
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

    // relation-broken on relation-2: consumer has left, so relation_2 is Active with
    // nothing received, and kubernetes_resources deletes the objects it made for it.
    let vars = relation_env("relation-2", 2, "consumer", None);
    unit.update(|s| s.relations[0].remote_units.clear());
    let run = unit.dispatch("hooks/relation-2-relation-broken", &env(&vars));
    assert_ok(&run);
    assert!(objects("configmaps").is_empty(), "{:#?}", run.lines());
    assert!(objects("serviceaccounts").is_empty());
    let state = unit.state();
    assert_eq!(
        state.unit_status.text(),
        "blocked: [relation_1] missing relation `relation-1`: integrate with an application that provides the `my-http` interface (`juju integrate my-charm:relation-1 <application>`)"
    );
    unit.update(|s| s.relations.clear());

    // remove: every component's remove, dependents first. kubernetes_resources (on the
    // leader) looks for what is left of its objects by their labels, finds nothing, and
    // deletes its record.
    let run = unit.dispatch("hooks/remove", &[]);
    assert_ok(&run);
    assert_eq!(
        run.tools(),
        [
            "is-leader",
            "state-get",
            "state-delete",
            "status-set",
            "status-set"
        ]
    );
    let state = unit.state();
    assert!(state.charm_state.is_empty());
    assert_eq!(state.unit_status.text(), "maintenance: removing");
    drop(daemon);
}

/// `remove` on the leader deletes the objects still in the cluster. (Another
/// application of the charm, `second`, in its own namespace, so that the lifecycle test
/// running beside it neither sees nor prunes these objects.)
#[test]
fn remove_deletes_the_objects_left_in_the_cluster() {
    let mut state = juju_sim::my_charm_state("/usr/bin/my-workload");
    state.unit = "second/0".into();
    state.leader = true;
    let mut consumer = relation(2, "relation-2", "reports", &["reports/0"]);
    consumer
        .remote_app_data
        .insert("namespace".into(), "\"team-b\"".into());
    state.relations.push(consumer);
    let unit = unit_with_cluster(&state, "team-b");
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_ok(&run);
    let mine = |kind: &str| objects_of("second", "team-b", kind);
    assert_eq!(mine("configmaps"), ["second-reports"]);
    assert_eq!(mine("serviceaccounts"), ["second-reports"]);

    let run = unit.dispatch("hooks/remove", &[]);
    assert_ok(&run);
    assert!(mine("configmaps").is_empty(), "{:#?}", run.lines());
    assert!(mine("serviceaccounts").is_empty());
    assert!(unit.state().charm_state.is_empty());
}
