//! `reconciler_components::kubernetes::KubernetesComponent` against a real Kubernetes API
//! server (`kube_sim`): objects applied exactly, an unchanged re-apply changing nothing,
//! prune, remove, two applications side by side, and the API's refusals as statuses.

mod kube_sim;

use std::path::PathBuf;

use k8s_openapi::api::core::v1::{ConfigMap, ServiceAccount};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use reconciler_components::kubernetes::{
    InMemoryCluster, KubernetesComponent, KubernetesObjects, Object,
};
use reconciler_components::template::Template;
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Output, State};
use reconciler_core::{Outcome, StatusKind};

use kube_sim::User;

/// The objects a test wants, fixed when the charm is built.
#[derive(Clone, Debug)]
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

fn harness() -> Harness {
    Harness::from_yaml("name: demo\n").unwrap()
}

/// The leader of `app`, in the model `test-model`.
fn leader(app: &str) -> State {
    State::default()
        .with_unit_name(format!("{app}/0"))
        .with_leader(true)
}

fn run(objects: &[serde_json::Value], user: User, event: Event, state: State) -> Output {
    let kubeconfig = kube_sim::server().kubeconfig(user);
    let objects = Fixed(objects.to_vec());
    harness()
        .run_with(
            move || Demo {
                resources: KubernetesComponent::new("resources", objects)
                    .with_kubeconfig(kubeconfig),
            },
            event,
            state,
        )
        .expect("consistent")
}

/// The component's status, which must be Blocked.
fn blocked(out: &Output) -> &Status {
    let status = out.status_of("resources").expect("the component ran");
    assert_eq!(status.kind, StatusKind::Blocked, "{status}");
    status
}

fn config_map(namespace: &str, name: &str, value: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": {"value": value},
    })
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn admin() -> kube::Client {
    let path: PathBuf = kube_sim::server().kubeconfig(User::Admin);
    let config = kube::Config::from_custom_kubeconfig(
        Kubeconfig::read_from(path).unwrap(),
        &KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    kube::Client::try_from(config).unwrap()
}

/// A fresh namespace for one test.
fn namespace(name: &str) -> String {
    kube_sim::server().create_namespace(name)
}

/// The config maps in `namespace`: name, value, resourceVersion, managed-by label.
fn config_maps(namespace: &str) -> Vec<(String, String, String, String)> {
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(admin().await, namespace);
        api.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|c| c.metadata.name.as_deref() != Some("kube-root-ca.crt"))
            .map(|c| {
                let labels = c.metadata.labels.unwrap_or_default();
                (
                    c.metadata.name.unwrap(),
                    c.data
                        .unwrap_or_default()
                        .get("value")
                        .cloned()
                        .unwrap_or_default(),
                    c.metadata.resource_version.unwrap(),
                    labels
                        .get("app.kubernetes.io/managed-by")
                        .cloned()
                        .unwrap_or_default(),
                )
            })
            .collect()
    })
}

#[test]
fn objects_are_applied_exactly_and_an_unchanged_reapply_changes_nothing() {
    let ns = namespace("apply-exactly");
    let objects = [config_map(&ns, "a", "1"), config_map(&ns, "b", "2")];
    let out = run(&objects, User::Admin, Event::ConfigChanged, leader("demo"));
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let first = config_maps(&ns);
    let names: Vec<(&str, &str, &str)> = first
        .iter()
        .map(|(n, v, _, by)| (n.as_str(), v.as_str(), by.as_str()))
        .collect();
    assert_eq!(names, [("a", "1", "demo"), ("b", "2", "demo")]);

    let again = run(&objects, User::Admin, Event::UpdateStatus, out.state);
    assert_eq!(again.unit_status, Status::active());
    assert_eq!(
        config_maps(&ns),
        first,
        "an unchanged re-apply changes no resourceVersion"
    );
}

#[test]
fn objects_no_longer_desired_are_pruned_and_remove_deletes_the_rest() {
    let ns = namespace("prune");
    let out = run(
        &[config_map(&ns, "keep", "1"), config_map(&ns, "drop", "2")],
        User::Admin,
        Event::ConfigChanged,
        leader("demo"),
    );
    assert_eq!(out.unit_status, Status::active());
    let out = run(
        &[config_map(&ns, "keep", "1")],
        User::Admin,
        Event::ConfigChanged,
        out.state,
    );
    assert_eq!(out.unit_status, Status::active());
    let names: Vec<String> = config_maps(&ns).into_iter().map(|c| c.0).collect();
    assert_eq!(names, ["keep"]);

    // An empty desired state deletes everything the component made.
    let out = run(&[], User::Admin, Event::ConfigChanged, out.state);
    assert_eq!(out.unit_status, Status::active());
    assert!(config_maps(&ns).is_empty());

    let out = run(
        &[config_map(&ns, "again", "1")],
        User::Admin,
        Event::ConfigChanged,
        out.state,
    );
    assert_eq!(config_maps(&ns).len(), 1);
    let out = run(
        &[config_map(&ns, "again", "1")],
        User::Admin,
        Event::Remove,
        out.state,
    );
    assert!(matches!(
        out.hook.handling,
        reconciler_core::Handling::Removed(_)
    ));
    assert!(
        config_maps(&ns).is_empty(),
        "remove deletes what the component owns"
    );
}

#[test]
fn two_applications_do_not_touch_each_others_objects() {
    let ns = namespace("two-apps");
    run(
        &[config_map(&ns, "first", "1")],
        User::Admin,
        Event::ConfigChanged,
        leader("first"),
    );
    let second = run(
        &[config_map(&ns, "second", "2")],
        User::Admin,
        Event::ConfigChanged,
        leader("second"),
    );
    // The second application prunes an empty set of its own: the first's object stays.
    run(&[], User::Admin, Event::ConfigChanged, second.state);
    let left: Vec<(String, String)> = config_maps(&ns).into_iter().map(|c| (c.0, c.3)).collect();
    assert_eq!(left, [("first".to_owned(), "first".to_owned())]);
}

#[test]
fn a_template_yields_typed_objects_with_escaped_values() {
    let ns = namespace("template");
    let template = Template::new(
        "resources.yaml.j2",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ app ~ '-sa' }}\n  namespace: {{ ns }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {{ ns }}\ndata:\n  value: {{ value }}\n",
    );
    #[derive(Clone, Debug)]
    struct FromTemplate(Template, String);
    impl KubernetesObjects for FromTemplate {
        fn objects(
            &mut self,
            ctx: &mut Context<'_>,
            (): (),
        ) -> Result<Vec<Object>, ComponentError> {
            let app = ctx.backend().app_name().to_owned();
            Ok(vec![Object::template(
                self.0.clone(),
                serde_json::json!({"app": app, "ns": self.1, "value": "a: b\nkind: Secret"}),
            )])
        }
    }
    #[derive(CharmReconciler)]
    struct Templated {
        #[component]
        resources: KubernetesComponent<FromTemplate>,
    }
    impl Charm for Templated {
        fn new() -> Templated {
            unreachable!()
        }
    }
    let kubeconfig = kube_sim::server().kubeconfig(User::Admin);
    let source = FromTemplate(template, ns.clone());
    let out = harness()
        .run_with(
            move || Templated {
                resources: KubernetesComponent::new("resources", source)
                    .with_kubeconfig(kubeconfig),
            },
            Event::ConfigChanged,
            leader("demo"),
        )
        .unwrap();
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let maps = config_maps(&ns);
    assert_eq!(maps.len(), 1);
    assert_eq!(maps[0].1, "a: b\nkind: Secret");
    block_on(async {
        let api: Api<ServiceAccount> = Api::namespaced(admin().await, &ns);
        api.get("demo-sa")
            .await
            .expect("the service account exists");
    });
}

#[test]
fn a_namespace_that_does_not_exist_is_blocked_naming_it() {
    let out = run(
        &[config_map("no-such-namespace", "x", "1")],
        User::Admin,
        Event::ConfigChanged,
        leader("demo"),
    );
    let status = blocked(&out);
    assert!(
        status
            .message
            .starts_with("cannot apply ConfigMap no-such-namespace/x (HTTP 404): ")
            && status.message.contains("no-such-namespace"),
        "{status}"
    );
}

#[test]
fn a_user_without_rights_is_blocked_saying_what_to_grant() {
    let ns = namespace("forbidden");
    let out = run(
        &[config_map(&ns, "x", "1")],
        User::NoRights,
        Event::ConfigChanged,
        leader("demo"),
    );
    let status = blocked(&out);
    assert!(
        status
            .message
            .starts_with("forbidden to apply ConfigMap forbidden/x: "),
        "{status}"
    );
    assert!(
        status
            .message
            .ends_with("grant the application's service account that right"),
        "{status}"
    );
    assert!(matches!(
        out.outcome_of("resources"),
        Some(Outcome::Failed { .. })
    ));
}

#[test]
fn an_invalid_object_is_blocked_with_the_apis_reason() {
    let ns = namespace("invalid");
    let out = run(
        &[config_map(&ns, "Not_A_Name", "1")],
        User::Admin,
        Event::ConfigChanged,
        leader("demo"),
    );
    let status = blocked(&out);
    assert!(
        status
            .message
            .starts_with("cannot apply ConfigMap invalid/Not_A_Name (HTTP 422): "),
        "{status}"
    );
}

#[test]
fn an_unreachable_api_server_is_waiting() {
    // A kubeconfig pointing at a port nothing listens on.
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: x\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\ncurrent-context: c\n"),
    )
    .unwrap();
    let started = std::time::Instant::now();
    let out = harness()
        .run_with(
            move || Demo {
                resources: KubernetesComponent::new(
                    "resources",
                    Fixed(vec![config_map("default", "x", "1")]),
                )
                .with_kubeconfig(path),
            },
            Event::ConfigChanged,
            leader("demo"),
        )
        .unwrap();
    let status = out.status_of("resources").unwrap();
    assert_eq!(status.kind, StatusKind::Waiting, "{status}");
    assert!(
        status
            .message
            .starts_with("cannot reach the Kubernetes API to apply ConfigMap default/x"),
        "{status}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_non_leader_does_nothing_and_is_active() {
    let ns = namespace("non-leader");
    let out = run(
        &[config_map(&ns, "x", "1")],
        User::Admin,
        Event::ConfigChanged,
        leader("demo").with_leader(false),
    );
    assert_eq!(out.unit_status, Status::active());
    assert!(config_maps(&ns).is_empty());
}

#[test]
fn an_object_listed_twice_is_blocked_before_anything_is_sent() {
    let ns = namespace("twice");
    let out = run(
        &[config_map(&ns, "x", "1"), config_map(&ns, "x", "2")],
        User::Admin,
        Event::ConfigChanged,
        leader("demo"),
    );
    assert_eq!(
        out.status_of("resources"),
        Some(&Status::blocked(
            "ConfigMap twice/x is listed twice among the desired objects"
        ))
    );
    assert!(config_maps(&ns).is_empty(), "nothing was applied");
}

/// The config maps of the in-memory cluster in `out`'s state, in `config_maps`' form.
fn in_memory_config_maps(out: &Output, namespace: &str) -> Vec<(String, String, String, String)> {
    let Some(cluster) = out.state.extension::<InMemoryCluster>() else {
        return Vec::new();
    };
    cluster
        .objects()
        .filter(|o| o["kind"] == "ConfigMap" && o["metadata"]["namespace"] == namespace)
        .map(|o| {
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            (
                text(&o["metadata"]["name"]),
                text(&o["data"]["value"]),
                text(&o["metadata"]["resourceVersion"]),
                text(&o["metadata"]["labels"]["app.kubernetes.io/managed-by"]),
            )
        })
        .collect()
}

/// For each config map, its name, value and manager, and whether its resourceVersion
/// changed since `before` (absent before counts as changed).
fn compared(
    now: &[(String, String, String, String)],
    before: &[(String, String, String, String)],
) -> Vec<(String, String, String, bool)> {
    now.iter()
        .map(|(name, value, version, by)| {
            let changed = !before.iter().any(|b| &b.0 == name && &b.2 == version);
            (name.clone(), value.clone(), by.clone(), changed)
        })
        .collect()
}

#[test]
fn the_in_memory_cluster_ends_where_the_real_api_server_ends() {
    let ns = namespace("parity");
    let steps: Vec<(Vec<serde_json::Value>, Event)> = vec![
        (
            vec![config_map(&ns, "a", "1"), config_map(&ns, "b", "2")],
            Event::ConfigChanged,
        ),
        (
            vec![config_map(&ns, "a", "1"), config_map(&ns, "b", "2")],
            Event::UpdateStatus,
        ),
        (
            vec![config_map(&ns, "a", "changed"), config_map(&ns, "c", "3")],
            Event::ConfigChanged,
        ),
        (
            vec![
                config_map(&ns, "a", "changed"),
                config_map("no-such-namespace", "x", "1"),
            ],
            Event::ConfigChanged,
        ),
        (vec![config_map(&ns, "a", "changed")], Event::Remove),
    ];
    let mut real_state = leader("demo");
    let mut memory_state =
        leader("demo").with_extension(InMemoryCluster::new().with_namespace(&ns));
    let (mut real_before, mut memory_before) = (Vec::new(), Vec::new());
    for (index, (objects, event)) in steps.into_iter().enumerate() {
        let real = run(&objects, User::Admin, event.clone(), real_state);
        let memory = harness()
            .run_with(
                {
                    let objects = Fixed(objects.clone());
                    move || Demo {
                        resources: KubernetesComponent::new("resources", objects),
                    }
                },
                event,
                memory_state,
            )
            .unwrap();
        assert_eq!(
            memory.status_of("resources"),
            real.status_of("resources"),
            "step {index}: the same status"
        );
        let (real_now, memory_now) = (config_maps(&ns), in_memory_config_maps(&memory, &ns));
        assert_eq!(
            compared(&memory_now, &memory_before),
            compared(&real_now, &real_before),
            "step {index}: the same objects, changed alike"
        );
        (real_before, memory_before) = (real_now, memory_now);
        (real_state, memory_state) = (real.state, memory.state);
    }
    assert!(real_before.is_empty(), "remove deleted everything");
}
