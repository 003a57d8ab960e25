//! my-charm's behaviour, event by event, on the in-memory harness: the failure scenarios
//! of the execution-order guide, leadership, relation data, relation-broken, remove,
//! update-status and the `restart` action. Kubernetes objects go to the harness's
//! in-memory cluster (`InMemoryCluster`, in the state's extensions).

use my_charm::{MyCharm, RESTART_ACTION};
use reconciler_components::kubernetes::InMemoryCluster;
use reconciler_core::backend::ConfigValue;
use reconciler_core::pebble::ServiceStatus;
use reconciler_core::testing::{
    Container, DataWritten, Harness, Inconsistency, Output, Relation, State,
};
use reconciler_core::{Event, Handling, Outcome, Scope, Status};

const RELATION_1_MISSING: &str = "missing relation `relation-1`: integrate with an application that provides the `my-http` interface (`juju integrate my-charm:relation-1 <application>`)";

fn harness() -> Harness {
    Harness::from_charm_dir(env!("CARGO_MANIFEST_DIR")).expect("my-charm's charmcraft.yaml")
}

fn relation_1() -> Relation {
    Relation::new(1, "relation-1", "frontend")
}

fn relation_2() -> Relation {
    Relation::new(2, "relation-2", "consumer").with_remote_app_data([("namespace", "\"team-a\"")])
}

/// Everything present: Pebble up, both relations, the remote side's data sent, and a
/// cluster with the namespace `consumer` asks for.
fn full_state(leader: bool) -> State {
    State::default()
        .with_unit_name("my-charm/0")
        .with_leader(leader)
        .with_container(Container::new("workload"))
        .with_relation(relation_1())
        .with_relation(relation_2())
        .with_extension(InMemoryCluster::new().with_namespace("team-a"))
}

/// The objects in the in-memory cluster after the event, as `Kind namespace/name`.
fn objects(out: &Output) -> Vec<String> {
    out.state
        .extension::<InMemoryCluster>()
        .map(InMemoryCluster::describe)
        .unwrap_or_default()
}

/// The objects made for `consumer` on relation-2.
const CONSUMER_OBJECTS: [&str; 2] = [
    "ConfigMap team-a/my-charm-consumer",
    "ServiceAccount team-a/my-charm-consumer",
];

fn run(event: Event, state: State) -> Output {
    harness().run::<MyCharm>(event, state).expect("consistent")
}

/// The output printed in docs/testing.md: the container is not ready.
fn container_not_ready() -> Output {
    let state = full_state(true).with_container(Container::new("workload").unreachable());
    run(Event::ConfigChanged, state)
}

#[test]
fn container_not_ready_still_configures_relation_2_and_kubernetes_resources() {
    let out = container_not_ready();
    assert_eq!(
        out.unit_status,
        Status::waiting("[workload] waiting for Pebble in container workload")
    );
    assert_eq!(
        out.executed(),
        ["workload", "relation_2", "kubernetes_resources"]
    );
    assert_eq!(
        out.skipped(),
        [(
            "relation_1",
            "waiting on workload (waiting: waiting for Pebble in container workload)".to_owned()
        )]
    );
    assert_eq!(
        objects(&out),
        CONSUMER_OBJECTS,
        "kubernetes_resources ran and made its objects"
    );
    // relation_1 did not run, so nothing was published on relation-1.
    assert!(out.written(relation_1().id, Scope::Unit).is_none());
}

#[test]
fn nothing_related_on_relation_2_is_active_with_no_objects_and_no_request() {
    let state = full_state(true).without_relation(relation_2().id);
    let out = run(Event::ConfigChanged, state);
    assert_eq!(out.status_of("relation_2"), Some(&Status::active()));
    assert_eq!(
        out.status_of("kubernetes_resources"),
        Some(&Status::active())
    );
    assert_eq!(out.unit_status, Status::active());
    assert!(objects(&out).is_empty());
    let cluster = out.state.extension::<InMemoryCluster>().unwrap();
    assert_eq!(cluster.requests(), 0, "nothing to manage: no request");
}

#[test]
fn relation_2_without_data_waits_for_it_and_holds_kubernetes_resources_back() {
    let state = full_state(true)
        .without_relation(relation_2().id)
        .with_relation(Relation::new(2, "relation-2", "consumer"));
    let out = run(Event::ConfigChanged, state);
    let waiting = "waiting for `consumer` to send `namespace` on `relation-2`";
    assert_eq!(
        out.unit_status,
        Status::waiting(format!("[relation_2] {waiting}"))
    );
    assert_eq!(
        out.outcome_of("kubernetes_resources"),
        Some(&Outcome::Skipped {
            waiting_on: vec!["relation_2".into()]
        })
    );
    assert!(objects(&out).is_empty());
}

#[test]
fn the_objects_go_when_the_last_application_leaves_relation_2() {
    let made = run(Event::ConfigChanged, full_state(true));
    assert_eq!(objects(&made), CONSUMER_OBJECTS);
    let out = run(Event::relation_broken(&relation_2()), made.state);
    assert_eq!(
        out.executed(),
        [
            "workload",
            "relation_1",
            "relation_2",
            "kubernetes_resources"
        ]
    );
    assert_eq!(out.unit_status, Status::active());
    assert!(objects(&out).is_empty(), "{:?}", objects(&out));
    assert!(
        out.logged("kubernetes-resources: applied 0 Kubernetes objects, deleted 2"),
        "{:#?}",
        out.logs
    );
}

#[test]
fn a_namespace_missing_from_the_cluster_is_blocked_naming_it() {
    let state = full_state(true).with_extension(InMemoryCluster::new());
    let out = run(Event::ConfigChanged, state);
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "[kubernetes_resources] cannot apply ConfigMap team-a/my-charm-consumer (HTTP 404): namespaces \"team-a\" not found"
        )
    );
}

#[test]
fn an_unreachable_cluster_is_waiting_and_the_next_event_catches_up() {
    let cluster = InMemoryCluster::new().with_namespace("team-a");
    let out = run(
        Event::ConfigChanged,
        full_state(true).with_extension(cluster.clone().unreachable()),
    );
    let status = out.status_of("kubernetes_resources").unwrap();
    assert_eq!(
        status.kind,
        reconciler_core::StatusKind::Waiting,
        "{status}"
    );
    assert!(
        status.message.ends_with("retrying on the next event"),
        "{status}"
    );
    let out = run(Event::UpdateStatus, out.state.with_extension(cluster));
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(objects(&out), CONSUMER_OBJECTS);
}

#[test]
fn the_objects_are_labelled_and_the_config_map_says_who_asked() {
    let out = run(Event::ConfigChanged, full_state(true));
    let cluster = out.state.extension::<InMemoryCluster>().unwrap();
    let map = cluster
        .get("ConfigMap", Some("team-a"), "my-charm-consumer")
        .unwrap();
    assert_eq!(
        map["data"],
        serde_json::json!({"requested-by": "consumer", "namespace": "team-a"})
    );
    assert_eq!(
        map["metadata"]["labels"],
        serde_json::json!({
            "app.kubernetes.io/managed-by": "my-charm",
            "reconciler.juju.is/model": "test-model",
        })
    );
    let account = cluster
        .get("ServiceAccount", Some("team-a"), "my-charm-consumer")
        .unwrap();
    assert_eq!(account["apiVersion"], "v1");
}

#[test]
fn everything_present_is_active() {
    let out = run(
        Event::pebble_ready(&Container::new("workload")),
        full_state(true),
    );
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(out.app_status, Status::active());
    assert_eq!(
        out.executed(),
        [
            "workload",
            "relation_1",
            "relation_2",
            "kubernetes_resources"
        ]
    );
    assert!(out.skipped().is_empty());
    let workload = &out.state.containers["workload"];
    assert_eq!(
        workload.service_status("workload"),
        Some(ServiceStatus::Active)
    );
    assert_eq!(
        workload.plan().services["workload"].environment["PORT"],
        "8080"
    );
    assert_eq!(objects(&out), CONSUMER_OBJECTS);
}

#[test]
fn the_final_status_is_set_once() {
    let out = run(Event::ConfigChanged, full_state(true));
    assert_eq!(
        out.statuses_set,
        [
            (Scope::Unit, Status::active()),
            (Scope::App, Status::active())
        ]
    );
    let out = run(Event::ConfigChanged, full_state(false));
    assert_eq!(out.statuses_set, [(Scope::Unit, Status::active())]);
}

#[test]
fn every_unit_publishes_its_address_on_relation_1_as_json_values() {
    for leader in [true, false] {
        let out = run(Event::relation_changed(&relation_1()), full_state(leader));
        assert_eq!(
            out.relation_data_written,
            [DataWritten {
                relation: relation_1().id,
                endpoint: "relation-1".into(),
                scope: Scope::Unit,
                set: [
                    (
                        "address".to_owned(),
                        "\"my-charm-0.my-charm-endpoints.test-model.svc.cluster.local\"".to_owned()
                    ),
                    ("port".to_owned(), "8080".to_owned()),
                ]
                .into(),
                deleted: Default::default(),
            }]
        );
    }
}

#[test]
fn non_leader_makes_no_objects() {
    let out = run(Event::relation_changed(&relation_1()), full_state(false));
    assert_eq!(out.unit_status, Status::active());
    assert!(out.written(relation_1().id, Scope::Unit).is_some());
    assert!(out.written(relation_1().id, Scope::App).is_none());
    assert!(objects(&out).is_empty());
    // The application status is the leader's business.
    assert_eq!(out.app_status, Status::unknown(""));
}

#[test]
fn a_second_run_writes_nothing_new() {
    let first = run(Event::ConfigChanged, full_state(true));
    let second = run(Event::UpdateStatus, first.state.clone());
    assert!(second.relation_data_written.is_empty());
    assert_eq!(second.state, first.state);
}

#[test]
fn config_change_reaches_the_layer_and_the_relation() {
    let state = full_state(true).with_config("port", 9090);
    let out = run(Event::ConfigChanged, state);
    let plan = out.state.containers["workload"].plan();
    assert_eq!(plan.services["workload"].environment["PORT"], "9090");
    assert_eq!(
        out.written(relation_1().id, Scope::Unit).unwrap().set["port"],
        "9090"
    );
}

#[test]
fn bad_port_blocks_the_workload_and_holds_back_relation_1() {
    let out = run(
        Event::ConfigChanged,
        full_state(true).with_config("port", 70000),
    );
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "[workload] config option `port`: invalid value: integer `70000`, expected a nonzero u16"
        )
    );
    assert_eq!(
        out.executed(),
        ["workload", "relation_2", "kubernetes_resources"]
    );
}

#[test]
fn relation_1_missing_blocks() {
    let out = run(
        Event::ConfigChanged,
        full_state(true).without_relation(relation_1().id),
    );
    assert_eq!(
        out.unit_status,
        Status::blocked(format!("[relation_1] {RELATION_1_MISSING}"))
    );
}

#[test]
fn relation_broken_is_treated_as_gone() {
    let out = run(Event::relation_broken(&relation_1()), full_state(true));
    assert_eq!(
        out.status_of("relation_1"),
        Some(&Status::blocked(RELATION_1_MISSING))
    );
}

#[test]
fn remove_cleans_up_dependents_first() {
    let installed = run(Event::ConfigChanged, full_state(true));
    assert_eq!(objects(&installed), CONSUMER_OBJECTS);
    let out = run(Event::Remove, installed.state);
    let Handling::Removed(report) = &out.hook.handling else {
        panic!(
            "remove routes to the components' remove: {:?}",
            out.hook.handling
        );
    };
    assert_eq!(
        report.removed,
        [
            "kubernetes_resources",
            "relation_2",
            "relation_1",
            "workload"
        ]
    );
    assert!(report.failures.is_empty());
    assert!(objects(&out).is_empty(), "remove deletes the objects");
    assert_eq!(out.unit_status, Status::maintenance("removing"));
}

#[test]
fn update_status_reconciles_and_notices_a_stopped_service() {
    let first = run(Event::ConfigChanged, full_state(true));
    let mut state = first.state;
    // The service crashed between hooks; update-status replans it back up.
    state
        .containers
        .get_mut("workload")
        .unwrap()
        .services
        .insert("workload".into(), ServiceStatus::Inactive);
    let out = run(Event::UpdateStatus, state);
    assert!(matches!(out.hook.handling, Handling::Reconciled(_)));
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(
        out.state.containers["workload"].service_status("workload"),
        Some(ServiceStatus::Active)
    );
}

#[test]
fn restart_action_restarts_the_service_and_sets_a_result() {
    // A reconcile puts the layer in place; then the service stops between hooks.
    let mut state = run(Event::ConfigChanged, full_state(true)).state;
    state
        .containers
        .get_mut("workload")
        .unwrap()
        .services
        .insert("workload".into(), ServiceStatus::Inactive);
    let before = state.unit_status.clone();
    let out = harness()
        .run_action::<MyCharm>(RESTART_ACTION, Default::default(), state)
        .expect("consistent");
    assert_eq!(out.hook.handling, Handling::Handled(Ok(())));
    let action = out.action.as_ref().expect("an action ran");
    assert_eq!(action.failure, None);
    assert_eq!(
        action.results,
        serde_json::json!({"restarted": "workload"})
            .as_object()
            .unwrap()
            .clone()
    );
    assert_eq!(
        out.state.containers["workload"].service_status("workload"),
        Some(ServiceStatus::Active)
    );
    // An action is not a reconcile: no component ran and the status is left alone.
    assert!(out.statuses_set.is_empty());
    assert_eq!(out.unit_status, before);
    assert!(out.logged("restarted service workload"), "{:#?}", out.logs);
}

#[test]
fn restart_action_fails_when_pebble_is_unreachable() {
    let state = full_state(true).with_container(Container::new("workload").unreachable());
    let out = harness()
        .run_action::<MyCharm>(RESTART_ACTION, Default::default(), state)
        .expect("consistent");
    // The same text as the HTTP client's for a socket that refuses connections.
    let expected = "cannot restart service workload: pebble workload: POST /v1/services: \
                    cannot talk to Pebble at /charm/containers/workload/pebble.socket: \
                    connection refused";
    assert_eq!(out.hook.handling, Handling::Handled(Err(expected.into())));
    let action = out.action.as_ref().expect("an action ran");
    assert_eq!(action.failure.as_deref(), Some(expected));
    assert!(action.results.is_empty(), "{:?}", action.results);
    assert!(out.statuses_set.is_empty(), "{:?}", out.statuses_set);
}

#[test]
fn undeclared_action_is_refused() {
    let err = harness()
        .run_action::<MyCharm>("backup", Default::default(), full_state(true))
        .unwrap_err();
    assert!(matches!(err, Inconsistency::UnknownAction { .. }), "{err}");
    assert!(err.to_string().contains("(declared: \"restart\")"), "{err}");
}

#[test]
fn logs_say_what_held_a_component_back() {
    let out = container_not_ready();
    assert!(
        out.logged("relation_1 skipped, waiting on workload"),
        "{:#?}",
        out.logs
    );
    assert!(out.logged("kubernetes-resources: applied 2 Kubernetes objects, deleted 0"));
}

#[test]
fn inconsistent_events_are_refused() {
    let h = harness();
    let err = h
        .run::<MyCharm>(
            Event::pebble_ready(&Container::new("sidecar")),
            full_state(true),
        )
        .unwrap_err();
    assert!(
        matches!(err, Inconsistency::EventContainerUndeclared { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("\"sidecar\""), "{err}");

    let err = h
        .run::<MyCharm>(Event::relation_changed(&relation_2()), State::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "event relation-2-relation-changed: the state has no relation with id 2 (relations in the state: none)"
    );

    let err = h
        .run::<MyCharm>(
            Event::ConfigChanged,
            full_state(true).with_config("port", "8080"),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Inconsistency::ConfigType {
            file: format!("{}/charmcraft.yaml", env!("CARGO_MANIFEST_DIR")),
            key: "port".into(),
            expected: "int",
            actual: "string",
            value: "\"8080\"".into(),
        }
    );

    let err = h
        .run::<MyCharm>(
            Event::ConfigChanged,
            full_state(true).with_config("colour", ConfigValue::from("blue")),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("config option \"colour\" is not declared"),
        "{err}"
    );
}

/// docs/testing.md shows this scenario's printed output; it must match what the code
/// prints.
#[test]
fn docs_excerpt_matches_the_printed_output() {
    let docs_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/testing.md");
    let docs = std::fs::read_to_string(docs_path).expect("docs/testing.md");
    let begin = "<!-- output: container_not_ready -->\n```text\n";
    let start = docs
        .find(begin)
        .expect("the excerpt's begin marker in docs/testing.md")
        + begin.len();
    let end = start
        + docs[start..]
            .find("```")
            .expect("the excerpt's closing fence");
    let printed = container_not_ready().to_string();
    assert_eq!(
        &docs[start..end],
        printed,
        "docs/testing.md's excerpt is stale; replace it with the text above"
    );
}

/// The names in `#[component(containers = [...], relations = [...])]` (checked against
/// charmcraft.yaml by the derive) are the ones the components use at run time.
#[test]
fn the_observed_names_are_the_ones_the_components_use() {
    use reconciler_core::{CharmReconciler, Observe};
    let charm = <MyCharm as reconciler_core::Charm>::new();
    let observed: Vec<Vec<Observe>> = (0..charm.component_count())
        .map(|index| charm.component_observes(index))
        .collect();
    assert_eq!(
        observed,
        [
            vec![Observe::container(my_charm::CONTAINER)],
            vec![Observe::relation(my_charm::RELATION_1)],
            vec![Observe::relation(my_charm::RELATION_2)],
            vec![],
        ]
    );
}

#[test]
fn the_config_file_is_rendered_from_the_template_and_pushed_before_the_layer() {
    let out = run(Event::ConfigChanged, full_state(true));
    let workload = &out.state.containers["workload"];
    let file = &workload.files["/etc/my-workload/workload.conf"];
    assert_eq!(
        String::from_utf8_lossy(file),
        "# Written by my-charm from templates/workload.conf.j2; edits are overwritten.\n\
         port = 8080\ngreeting = \"hello\"\n"
    );
    assert_eq!(
        workload.plan().services["workload"].environment["WORKLOAD_CONFIG"],
        "/etc/my-workload/workload.conf"
    );
}

#[test]
fn a_changed_greeting_restarts_the_service_without_a_replan() {
    let first = run(Event::ConfigChanged, full_state(true));
    let before = first.state.containers["workload"].changes().len();
    let out = run(
        Event::ConfigChanged,
        first.state.with_config("greeting", "good morning"),
    );
    let workload = &out.state.containers["workload"];
    let new: Vec<&str> = workload.changes()[before..]
        .iter()
        .map(|c| c.summary.as_str())
        .collect();
    assert_eq!(new, ["Restart service \"workload\""]);
    assert!(
        String::from_utf8_lossy(&workload.files["/etc/my-workload/workload.conf"])
            .contains("greeting = \"good morning\"")
    );
    assert_eq!(out.unit_status, Status::active());
}

#[test]
fn an_unchanged_config_neither_replans_nor_restarts() {
    let first = run(Event::ConfigChanged, full_state(true));
    let before = first.state.containers["workload"].changes().to_vec();
    let out = run(Event::UpdateStatus, first.state);
    assert_eq!(out.state.containers["workload"].changes(), before);
}

#[test]
fn a_relative_config_file_path_is_blocked_naming_it() {
    let out = run(
        Event::ConfigChanged,
        full_state(true).with_config("config-file", "workload.conf"),
    );
    let status = out.status_of("workload").unwrap();
    assert_eq!(
        status.kind,
        reconciler_core::StatusKind::Blocked,
        "{status}"
    );
    assert!(
        status.message.starts_with("cannot push workload.conf: "),
        "{status}"
    );
    assert!(out.state.containers["workload"].layers.is_empty());
}

#[test]
fn an_empty_command_is_blocked() {
    let out = run(
        Event::ConfigChanged,
        full_state(true).with_config("command", " "),
    );
    assert_eq!(
        out.status_of("workload"),
        Some(&Status::blocked(
            "config option `command` is empty: set it to the workload's command line"
        ))
    );
}

#[test]
fn every_application_on_relation_2_gets_its_resources() {
    let second = Relation::new(3, "relation-2", "reports")
        .with_remote_app_data([("namespace", "\"team-b\"")]);
    let cluster = InMemoryCluster::new()
        .with_namespace("team-a")
        .with_namespace("team-b");
    let out = run(
        Event::relation_changed(&second),
        full_state(true)
            .with_relation(second.clone())
            .with_extension(cluster),
    );
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(
        objects(&out),
        [
            "ConfigMap team-a/my-charm-consumer",
            "ConfigMap team-b/my-charm-reports",
            "ServiceAccount team-a/my-charm-consumer",
            "ServiceAccount team-b/my-charm-reports",
        ]
    );

    // One application leaving takes only its objects.
    let out = run(Event::relation_broken(&second), out.state);
    assert_eq!(objects(&out), CONSUMER_OBJECTS);
}

#[test]
fn a_namespace_that_is_no_namespace_name_is_blocked_before_any_request() {
    let bad = Relation::new(2, "relation-2", "consumer")
        .with_remote_app_data([("namespace", "\"Team A\"")]);
    let state = full_state(true).without_relation(bad.id).with_relation(bad);
    let out = run(Event::ConfigChanged, state);
    let status = out.status_of("relation_2").unwrap();
    assert_eq!(
        status.kind,
        reconciler_core::StatusKind::Blocked,
        "{status}"
    );
    assert!(status.message.contains("`consumer`"), "{status}");
    assert!(
        status.message.contains("not a Kubernetes namespace name"),
        "{status}"
    );
    assert_eq!(
        out.state.extension::<InMemoryCluster>().unwrap().requests(),
        0
    );
}

#[test]
fn a_namespace_of_the_wrong_type_is_blocked_naming_the_app_field_and_value() {
    let bad =
        Relation::new(2, "relation-2", "consumer").with_remote_app_data([("namespace", "42")]);
    let state = full_state(true).without_relation(bad.id).with_relation(bad);
    let out = run(Event::ConfigChanged, state);
    let status = out.status_of("relation_2").unwrap();
    assert_eq!(
        status.kind,
        reconciler_core::StatusKind::Blocked,
        "{status}"
    );
    assert!(status.message.contains("`consumer`"), "{status}");
    assert!(status.message.contains("namespace"), "{status}");
    assert!(status.message.contains("42"), "{status}");
    // Nothing is derived from bad data.
    assert_eq!(
        out.outcome_of("kubernetes_resources")
            .map(|o| matches!(o, Outcome::Skipped { .. })),
        Some(true)
    );
}
