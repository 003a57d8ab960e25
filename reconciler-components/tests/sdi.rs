//! The serialized-data-interface components against databags written by the Python
//! library (fixtures from `tests/sdi/generate.py`), on the in-memory harness.

use std::collections::BTreeMap;

use reconciler_components::relation_data::RelationData;
use reconciler_components::sdi::{SdiRequirer, SdiSender};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Relation, State};
use reconciler_core::{RelationId, Scope};
use serde::{Deserialize, Serialize};

const SCHEMA: &str = include_str!("sdi/ingress.yaml");

/// A databag the Python library wrote.
fn fixture(name: &str) -> BTreeMap<String, String> {
    let path = format!("{}/tests/sdi/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Route {
    service: String,
    port: u16,
    prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

fn route() -> Route {
    Route {
        service: "kfp-ui".into(),
        port: 3000,
        prefix: "/pipeline".into(),
        namespace: Some("kubeflow".into()),
    }
}

struct MyRoute;

impl RelationData for MyRoute {
    type Data = Route;

    fn data(&mut self, _: &mut Context<'_>, (): ()) -> Result<Route, ComponentError> {
        Ok(route())
    }
}

/// A charm that routes through ingress: the requiring side, which sends the route and
/// (in v2) reads the URL back.
#[derive(CharmReconciler)]
struct KfpUi {
    #[component]
    route: SdiSender<MyRoute>,
    #[component]
    url: SdiRequirer<Url>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Url {
    url: String,
}

impl Charm for KfpUi {
    fn new() -> KfpUi {
        KfpUi {
            route: SdiSender::new("ingress", MyRoute).with_schema(SCHEMA),
            url: SdiRequirer::new("ingress").with_schema(SCHEMA),
        }
    }
}

fn kfp_ui(versions: &str) -> Harness {
    Harness::from_yaml(&format!(
        "name: kfp-ui\nrequires:\n  ingress:\n    interface: ingress\n    schema: https://example.invalid/ingress.yaml\n    versions: {versions}\n"
    ))
    .unwrap()
}

/// The providing side, which reads routes.
#[derive(CharmReconciler)]
struct Istio {
    #[component]
    routes: SdiRequirer<Route>,
    #[component(depends_on = [routes])]
    gateway: Gateway,
}

#[derive(Default)]
struct Gateway {
    routes: Vec<String>,
}

impl<'a> Component<&'a SdiRequirer<Route>> for Gateway {
    fn configure_unit(
        &mut self,
        _: &mut Context<'_>,
        routes: &'a SdiRequirer<Route>,
    ) -> Result<(), ComponentError> {
        self.routes = routes
            .received()
            .iter()
            .map(|r| format!("{}:{}{}", r.app, r.data.port, r.data.prefix))
            .collect();
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active_with(self.routes.join(" "))
    }
}

impl Charm for Istio {
    fn new() -> Istio {
        Istio {
            routes: SdiRequirer::new("ingress"),
            gateway: Gateway::default(),
        }
    }
}

fn istio() -> Harness {
    Harness::from_yaml(&format!(
        "name: istio-pilot\nprovides:\n  ingress:\n    interface: ingress\n    schema:\n{}    versions: [v1]\n",
        SCHEMA
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("      {l}\n"))
            .collect::<String>()
    ))
    .unwrap()
}

fn remote(id: u64, app: &str, bag: BTreeMap<String, String>) -> Relation {
    Relation::new(id, "ingress", app).with_remote_app_data(bag)
}

fn versions(list: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("_supported_versions".to_owned(), list.to_owned())])
}

#[test]
fn the_sender_writes_byte_for_byte_what_the_python_library_writes() {
    for (versions_declared, remote_versions, fixture_name) in [
        ("[v1]", "- v1\n", "python-requirer-v1.yaml"),
        ("[v2]", "- v1\n- v2\n", "python-requirer-v2.yaml"),
    ] {
        let state = State::default().with_leader(true).with_relation(remote(
            1,
            "istio-pilot",
            versions(remote_versions),
        ));
        let out = kfp_ui(versions_declared)
            .run::<KfpUi>(Event::ConfigChanged, state)
            .unwrap();
        let bag = &out.state.relation(RelationId(1)).unwrap().local_app_data;
        assert_eq!(bag, &fixture(fixture_name), "{fixture_name}");
        assert_eq!(out.status_of("route"), Some(&Status::active()));
    }
}

#[test]
fn the_requirer_reads_what_a_python_charm_sent() {
    let state = State::default().with_leader(true).with_relation(remote(
        4,
        "kfp-ui",
        fixture("python-requirer-v1.yaml"),
    ));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(out.status_of("routes"), Some(&Status::active()));
    assert_eq!(
        out.status_of("gateway"),
        Some(&Status::active_with("kfp-ui:3000/pipeline"))
    );
    // The leader announced its versions, as the Python side expects.
    let written = out.written(RelationId(4), Scope::App).unwrap();
    assert_eq!(written.set["_supported_versions"], "- v1\n");
}

#[test]
fn the_requirer_reads_a_python_providers_answer_in_the_agreed_version() {
    let state = State::default().with_relation(remote(
        2,
        "istio-pilot",
        fixture("python-provider-v2.yaml"),
    ));
    let out = kfp_ui("[v1, v2]")
        .run::<KfpUi>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(out.status_of("url"), Some(&Status::active()));
}

#[test]
fn no_common_version_is_blocked_naming_both_lists() {
    let state = State::default().with_relation(remote(3, "kfp-ui", versions("- v2\n- v3\n")));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::blocked(
            "no schema version in common with `kfp-ui` on `ingress`: this charm supports [v1], `kfp-ui` supports [v2, v3]"
        ))
    );
}

#[test]
fn data_failing_the_schema_is_blocked_naming_the_path_and_the_error() {
    let mut bag = fixture("python-requirer-v1.yaml");
    bag.insert(
        "data".into(),
        "port: eighty\nprefix: /x\nservice: a\n".into(),
    );
    let state = State::default().with_relation(remote(3, "kfp-ui", bag));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::blocked(
            "`kfp-ui` sent data on `ingress` that does not match the schema (version v1): at `/port`: \"eighty\" is not of type \"integer\""
        ))
    );
}

#[test]
fn data_missing_a_required_field_is_blocked_by_the_schema() {
    let mut bag = fixture("python-requirer-v1.yaml");
    bag.insert("data".into(), "port: 80\nservice: a\n".into());
    let state = State::default().with_relation(remote(3, "kfp-ui", bag));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::blocked(
            "`kfp-ui` sent data on `ingress` that does not match the schema (version v1): at the top level: \"prefix\" is a required property"
        ))
    );
}

#[test]
fn data_that_is_not_yaml_is_blocked_naming_the_app_and_the_position() {
    let mut bag = fixture("python-requirer-v1.yaml");
    bag.insert("data".into(), "port: [80\n".into());
    let state = State::default().with_relation(remote(3, "kfp-ui", bag));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    let status = out.status_of("routes").unwrap();
    assert_eq!(status.kind, reconciler_core::StatusKind::Blocked);
    assert!(
        status
            .message
            .starts_with("`kfp-ui` sent data on `ingress` that is not YAML: ")
            && status.message.contains("line 2 column 1"),
        "{status}"
    );
}

#[test]
fn versions_that_are_not_yaml_are_blocked() {
    let state = State::default().with_relation(remote(3, "kfp-ui", versions("[v1\n")));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    let status = out.status_of("routes").unwrap();
    assert!(
        status
            .message
            .starts_with("`kfp-ui` sent `_supported_versions` on `ingress` that is not YAML: ")
            && status.message.contains("line"),
        "{status}"
    );
}

#[test]
fn waiting_for_the_remote_versions_and_data() {
    let state = State::default().with_relation(Relation::new(3, "ingress", "kfp-ui"));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::waiting(
            "waiting for `kfp-ui` to send its supported versions (`_supported_versions`) on `ingress`"
        ))
    );
    let state = State::default().with_relation(remote(3, "kfp-ui", versions("- v1\n")));
    let out = istio().run::<Istio>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::waiting(
            "waiting for `kfp-ui` to send its data on `ingress`"
        ))
    );
}

#[test]
fn the_sender_waits_for_the_remote_versions_but_announces_its_own() {
    let state = State::default()
        .with_leader(true)
        .with_relation(Relation::new(1, "ingress", "istio-pilot"));
    let out = kfp_ui("[v1]")
        .run::<KfpUi>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.status_of("route"),
        Some(&Status::waiting(
            "waiting for `istio-pilot` to send its supported versions (`_supported_versions`) on `ingress`"
        ))
    );
    let bag = &out.state.relation(RelationId(1)).unwrap().local_app_data;
    assert_eq!(
        bag.get("_supported_versions").map(String::as_str),
        Some("- v1\n")
    );
    assert!(!bag.contains_key("data"));
}

#[test]
fn a_non_leader_sends_nothing() {
    let state = State::default().with_leader(false).with_relation(remote(
        1,
        "istio-pilot",
        versions("- v1\n"),
    ));
    let out = kfp_ui("[v1]")
        .run::<KfpUi>(Event::ConfigChanged, state)
        .unwrap();
    assert!(out.written(RelationId(1), Scope::App).is_none());
    assert_eq!(out.status_of("route"), Some(&Status::active()));
}

#[test]
fn a_url_schema_without_a_supplied_document_is_blocked_saying_so() {
    #[derive(CharmReconciler)]
    struct NoSchema {
        #[component]
        url: SdiRequirer<Url>,
    }
    impl Charm for NoSchema {
        fn new() -> NoSchema {
            NoSchema {
                url: SdiRequirer::new("ingress"),
            }
        }
    }
    let state = State::default().with_relation(remote(1, "istio-pilot", versions("- v1\n")));
    let out = kfp_ui("[v1]")
        .run::<NoSchema>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.status_of("url"),
        Some(&Status::blocked(
            "the schema of `ingress` is at https://example.invalid/ingress.yaml, which cannot be fetched while a hook runs: give the document to the component with `.with_schema(include_str!(...))`"
        ))
    );
}

#[test]
fn sent_data_failing_the_schema_is_blocked_and_not_written() {
    struct BadRoute;
    impl RelationData for BadRoute {
        type Data = serde_json::Value;
        fn data(
            &mut self,
            _: &mut Context<'_>,
            (): (),
        ) -> Result<serde_json::Value, ComponentError> {
            Ok(serde_json::json!({"service": "a", "port": "eighty", "prefix": "/"}))
        }
    }
    #[derive(CharmReconciler)]
    struct Bad {
        #[component]
        route: SdiSender<BadRoute>,
    }
    impl Charm for Bad {
        fn new() -> Bad {
            Bad {
                route: SdiSender::new("ingress", BadRoute).with_schema(SCHEMA),
            }
        }
    }
    let state = State::default().with_leader(true).with_relation(remote(
        1,
        "istio-pilot",
        versions("- v1\n"),
    ));
    let out = kfp_ui("[v1]")
        .run::<Bad>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.status_of("route"),
        Some(&Status::blocked(
            "the data for `ingress` does not match the schema (version v1): at `/port`: \"eighty\" is not of type \"integer\""
        ))
    );
    let bag = &out.state.relation(RelationId(1)).unwrap().local_app_data;
    assert!(!bag.contains_key("data"));
}

#[test]
fn the_requirer_without_a_relation_is_blocked() {
    let out = istio()
        .run::<Istio>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(
        out.status_of("routes"),
        Some(&Status::blocked(
            "missing relation `ingress`: integrate with an application that requires the `ingress` interface (`juju integrate app:ingress <application>`)"
        ))
    );
}

/// Istio with the routes optional: nothing related is Active with no routes.
#[derive(CharmReconciler)]
struct OptionalIstio {
    #[component]
    routes: SdiRequirer<Route>,
    #[component(depends_on = [routes])]
    gateway: Gateway,
}

impl Charm for OptionalIstio {
    fn new() -> OptionalIstio {
        OptionalIstio {
            routes: SdiRequirer::new("ingress").optional(),
            gateway: Gateway::default(),
        }
    }
}

#[test]
fn an_optional_requirer_without_a_relation_is_active_and_its_dependent_runs() {
    let out = istio()
        .run::<OptionalIstio>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(out.status_of("routes"), Some(&Status::active()));
    assert_eq!(out.executed(), ["routes", "gateway"]);
    assert_eq!(out.unit_status, Status::active());

    // Related, an optional requirer is as strict as any: no versions yet is Waiting.
    let state = State::default()
        .with_leader(true)
        .with_relation(Relation::new(1, "ingress", "kfp-ui"));
    let out = istio()
        .run::<OptionalIstio>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.status_of("routes").unwrap().kind,
        reconciler_core::StatusKind::Waiting,
        "{out}"
    );
    assert_eq!(out.executed(), ["routes"]);
}
