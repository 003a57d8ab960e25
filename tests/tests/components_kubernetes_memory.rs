//! `KubernetesComponent` in the in-memory model: it uses the state's `InMemoryCluster`
//! (a new one when the state has none), and the cluster's outages and refusals give the
//! statuses the real API server's would. `components_kubernetes.rs` checks that the
//! in-memory cluster ends where a real API server ends.

use reconciler_components::kubernetes::{
    InMemoryCluster, KubernetesComponent, KubernetesObjects, Object,
};
use reconciler_core::StatusKind;
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Output, State};

struct Fixed(Vec<serde_json::Value>);

impl KubernetesObjects for Fixed {
    fn objects(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<Object>, ComponentError> {
        Ok(self.0.iter().map(Object::typed).collect())
    }
}

#[derive(CharmReconciler)]
struct Demo {
    #[component]
    resources: KubernetesComponent<Fixed>,
}

impl Charm for Demo {
    fn new() -> Demo {
        unreachable!("built with run_with")
    }
}

fn config_map(namespace: &str, name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"value": "1"},
    })
}

fn run(objects: Vec<serde_json::Value>, state: State) -> Output {
    Harness::from_yaml("name: demo\n")
        .unwrap()
        .run_with(
            move || Demo {
                resources: KubernetesComponent::new("resources", Fixed(objects)),
            },
            Event::ConfigChanged,
            state,
        )
        .unwrap()
}

fn leader() -> State {
    State::default().with_unit_name("demo/0").with_leader(true)
}

fn cluster(out: &Output) -> &InMemoryCluster {
    out.state
        .extension::<InMemoryCluster>()
        .expect("the component left its cluster in the state")
}

#[test]
fn a_state_without_a_cluster_gets_a_new_one_with_the_initial_namespaces() {
    let out = run(
        vec![config_map("default", "a"), config_map("team-a", "b")],
        leader(),
    );
    assert_eq!(
        out.status_of("resources"),
        Some(&Status::blocked(
            "cannot apply ConfigMap team-a/b (HTTP 404): namespaces \"team-a\" not found"
        ))
    );
    assert_eq!(cluster(&out).describe(), ["ConfigMap default/a"]);
}

#[test]
fn nothing_desired_and_nothing_made_makes_no_request() {
    let out = run(Vec::new(), leader().with_extension(InMemoryCluster::new()));
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(cluster(&out).requests(), 0);

    // Once something was made, an empty desired state lists and deletes it.
    let out = run(vec![config_map("default", "a")], out.state);
    let out = run(Vec::new(), out.state);
    assert_eq!(out.unit_status, Status::active());
    assert!(cluster(&out).describe().is_empty());
    assert!(cluster(&out).requests() >= 3, "apply, list, delete");
}

#[test]
fn an_unreachable_cluster_is_waiting_and_a_later_event_catches_up() {
    let out = run(
        vec![config_map("default", "a")],
        leader().with_extension(InMemoryCluster::new().unreachable()),
    );
    let status = out.status_of("resources").unwrap();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert_eq!(
        status.message,
        "cannot reach the Kubernetes API to apply ConfigMap default/a (the in-memory cluster is set unreachable): retrying on the next event"
    );
    let back = cluster(&out).clone().reachable();
    let out = run(
        vec![config_map("default", "a")],
        out.state.with_extension(back),
    );
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(cluster(&out).describe(), ["ConfigMap default/a"]);
}

#[test]
fn a_forbidden_kind_is_blocked_saying_what_to_grant() {
    let out = run(
        vec![config_map("default", "a")],
        leader().with_extension(InMemoryCluster::new().forbidding("ConfigMap")),
    );
    assert_eq!(
        out.status_of("resources"),
        Some(&Status::blocked(
            "forbidden to apply ConfigMap default/a: the in-memory cluster forbids requests about ConfigMap; grant the application's service account that right"
        ))
    );
}

#[test]
fn a_namespace_the_charm_applies_holds_its_objects_and_takes_them_when_deleted() {
    let namespace = serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "made"},
    });
    let out = run(vec![namespace.clone(), config_map("made", "a")], leader());
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert!(cluster(&out).has_namespace("made"));
    let stored = cluster(&out).get("ConfigMap", Some("made"), "a").unwrap();
    assert_eq!(
        stored["metadata"]["labels"]["reconciler.juju.is/model"],
        "test-model"
    );
    assert!(stored["metadata"]["resourceVersion"].is_string());

    let out = run(Vec::new(), out.state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert!(!cluster(&out).has_namespace("made"));
    assert!(cluster(&out).describe().is_empty());
}

#[test]
fn a_non_leader_leaves_the_cluster_alone() {
    let out = run(
        vec![config_map("default", "a")],
        leader().with_leader(false),
    );
    assert_eq!(out.unit_status, Status::active());
    assert!(out.state.extension::<InMemoryCluster>().is_none());
}
