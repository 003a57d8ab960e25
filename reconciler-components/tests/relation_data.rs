//! Typed relation data on the in-memory harness, as fields of derived charms.

use reconciler_components::relation_data::{
    RelationData, RelationDataRequirer, RelationDataSender,
};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Relation, State};
use reconciler_core::{Handling, RelationId, Scope};
use serde::{Deserialize, Serialize};

/// The workload the sent data comes from.
struct Workload {
    port: u16,
}

impl Component for Workload {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Request {
    service: String,
    port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_prefix: Option<String>,
}

/// Sends the workload's port (a typed dependency).
struct FromWorkload;

impl<'a> RelationData<&'a Workload> for FromWorkload {
    type Data = Request;

    fn data(
        &mut self,
        ctx: &mut Context<'_>,
        workload: &'a Workload,
    ) -> Result<Request, ComponentError> {
        Ok(Request {
            service: ctx.backend().app_name().to_owned(),
            port: workload.port,
            path_prefix: None,
        })
    }
}

/// The unit's own address, per unit.
#[derive(Serialize)]
struct Address {
    host: String,
}

struct UnitAddress;

impl RelationData for UnitAddress {
    type Data = Address;

    fn data(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Address, ComponentError> {
        Ok(Address {
            host: ctx.backend().unit_name().replace('/', "-"),
        })
    }
}

#[derive(Debug, Deserialize, PartialEq)]
struct Url {
    url: String,
    port: u16,
}

/// Reads what the requirer received; runs only when it is Active.
#[derive(Default)]
struct Consumer {
    seen: Vec<(u64, String, String)>,
}

impl<'a> Component<&'a RelationDataRequirer<Url>> for Consumer {
    fn configure_unit(
        &mut self,
        _: &mut Context<'_>,
        urls: &'a RelationDataRequirer<Url>,
    ) -> Result<(), ComponentError> {
        self.seen = urls
            .received()
            .iter()
            .map(|r| (r.relation.0, r.app.clone(), r.data.url.clone()))
            .collect();
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        let list: Vec<String> = self
            .seen
            .iter()
            .map(|(id, app, url)| format!("{id}:{app}={url}"))
            .collect();
        Status::active_with(list.join(" "))
    }
}

#[derive(CharmReconciler)]
struct Demo {
    #[component]
    workload: Workload,
    #[component(depends_on = [workload])]
    request: RelationDataSender<FromWorkload>,
    #[component]
    address: RelationDataSender<UnitAddress>,
    #[component]
    urls: RelationDataRequirer<Url>,
    #[component(depends_on = [urls])]
    consumer: Consumer,
}

impl Charm for Demo {
    fn new() -> Demo {
        Demo {
            workload: Workload { port: 8080 },
            request: RelationDataSender::app("ingress", FromWorkload).required(),
            address: RelationDataSender::unit("peers-address", UnitAddress),
            urls: RelationDataRequirer::app("ingress"),
            consumer: Consumer::default(),
        }
    }
}

const METADATA: &str = "\
name: demo
requires:
  ingress: {interface: ingress}
provides:
  peers-address: {interface: address}
";

fn harness() -> Harness {
    Harness::from_yaml(METADATA).unwrap()
}

fn istio() -> Relation {
    Relation::new(1, "ingress", "istio")
}

#[test]
fn the_leader_writes_application_data_from_its_typed_dependency() {
    let state = State::default().with_leader(true).with_relation(istio());
    let out = harness()
        .run::<Demo>(Event::relation_created(&istio()), state)
        .unwrap();
    let written = out
        .written(RelationId(1), Scope::App)
        .expect("app data written");
    assert_eq!(written.set["service"], "\"app\"");
    assert_eq!(written.set["port"], "8080");
    assert!(!written.set.contains_key("path-prefix"));
    assert_eq!(out.status_of("request"), Some(&Status::active()));
}

#[test]
fn a_non_leader_writes_no_application_data() {
    let state = State::default().with_leader(false).with_relation(istio());
    let out = harness()
        .run::<Demo>(Event::relation_created(&istio()), state)
        .unwrap();
    assert!(out.written(RelationId(1), Scope::App).is_none());
    assert_eq!(out.status_of("request"), Some(&Status::active()));
}

#[test]
fn unit_data_is_written_by_every_unit() {
    let peer = Relation::new(5, "peers-address", "other");
    for leader in [true, false] {
        let state = State::default()
            .with_leader(leader)
            .with_unit_name("app/3")
            .with_relation(istio())
            .with_relation(peer.clone());
        let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
        let written = out
            .written(RelationId(5), Scope::Unit)
            .expect("unit data written");
        assert_eq!(written.set["host"], "\"app-3\"", "leader: {leader}");
    }
}

#[test]
fn only_changed_keys_are_written_and_vanished_ones_deleted() {
    let relation = istio().with_local_app_data([
        ("service", "\"app\""),
        ("port", "80"),
        ("path-prefix", "\"/old\""),
    ]);
    let state = State::default().with_leader(true).with_relation(relation);
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    let written = out
        .written(RelationId(1), Scope::App)
        .expect("app data written");
    assert_eq!(written.set.len(), 1, "{written:?}");
    assert_eq!(written.set["port"], "8080");
    assert!(written.deleted.contains("path-prefix"), "{written:?}");
    let bag = &out.state.relation(RelationId(1)).unwrap().local_app_data;
    assert_eq!(bag.len(), 2);

    // Nothing changed: nothing written.
    let again = harness()
        .run::<Demo>(Event::ConfigChanged, out.state)
        .unwrap();
    assert!(again.written(RelationId(1), Scope::App).is_none());
}

#[test]
fn a_required_sender_without_a_relation_is_blocked_on_every_unit() {
    for leader in [true, false] {
        let out = harness()
            .run::<Demo>(Event::ConfigChanged, State::default().with_leader(leader))
            .unwrap();
        assert_eq!(
            out.status_of("request"),
            Some(&Status::blocked(
                "missing relation `ingress`: integrate with an application that provides the `ingress` interface (`juju integrate app:ingress <application>`)"
            )),
            "leader: {leader}"
        );
    }
}

#[test]
fn the_requirer_without_a_relation_says_what_to_integrate_with() {
    let out = harness()
        .run::<Demo>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(
        out.status_of("urls"),
        Some(&Status::blocked(
            "missing relation `ingress`: integrate with an application that provides the `ingress` interface (`juju integrate app:ingress <application>`)"
        ))
    );
}

/// Three related applications: one complete, one incomplete, one invalid.
fn three_apps() -> State {
    State::default()
        .with_leader(true)
        .with_relation(
            Relation::new(1, "ingress", "istio")
                .with_remote_app_data([("url", "\"http://istio\""), ("port", "80")]),
        )
        .with_relation(
            Relation::new(2, "ingress", "traefik")
                .with_remote_app_data([("url", "\"http://traefik\"")]),
        )
        .with_relation(
            Relation::new(3, "ingress", "nginx")
                .with_remote_app_data([("url", "\"http://nginx\""), ("port", "\"eighty\"")]),
        )
}

#[test]
fn the_requirer_is_blocked_by_an_invalid_app_naming_it_the_field_and_the_value() {
    let out = harness()
        .run::<Demo>(Event::ConfigChanged, three_apps())
        .unwrap();
    assert_eq!(
        out.status_of("urls"),
        Some(&Status::blocked(
            "`nginx` sent invalid data on `ingress`: `port`: invalid type: string \"eighty\", expected u16 (the value is `\"eighty\"`)"
        ))
    );
    assert!(!out.executed().contains(&"consumer"));
}

#[test]
fn the_requirer_waits_for_an_incomplete_app_naming_the_missing_field() {
    let state = three_apps().without_relation(RelationId(3));
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("urls"),
        Some(&Status::waiting(
            "waiting for `traefik` to send `port` on `ingress`"
        ))
    );
}

#[test]
fn the_relation_being_broken_is_left_out() {
    // Breaking the invalid relation leaves the incomplete one in charge.
    let nginx = Relation::new(3, "ingress", "nginx");
    let out = harness()
        .run::<Demo>(Event::relation_broken(&nginx), three_apps())
        .unwrap();
    assert!(matches!(out.hook.handling, Handling::Reconciled(_)));
    assert_eq!(
        out.status_of("urls"),
        Some(&Status::waiting(
            "waiting for `traefik` to send `port` on `ingress`"
        ))
    );
    // Breaking the incomplete one too: only complete data is left, and dependents run.
    let state = three_apps().without_relation(RelationId(3));
    let traefik = Relation::new(2, "ingress", "traefik");
    let out = harness()
        .run::<Demo>(Event::relation_broken(&traefik), state)
        .unwrap();
    assert_eq!(out.status_of("urls"), Some(&Status::active()));
    assert_eq!(
        out.status_of("consumer"),
        Some(&Status::active_with("1:istio=http://istio"))
    );
}

#[test]
fn several_complete_apps_are_all_received_in_relation_order() {
    let state = three_apps()
        .without_relation(RelationId(3))
        .without_relation(RelationId(2))
        .with_relation(
            Relation::new(4, "ingress", "traefik")
                .with_remote_app_data([("url", "\"http://traefik\""), ("port", "81")]),
        );
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("consumer"),
        Some(&Status::active_with(
            "1:istio=http://istio 4:traefik=http://traefik"
        ))
    );
}

#[test]
fn a_value_that_is_not_json_is_blocked_naming_the_app_the_field_and_the_value() {
    let state = State::default()
        .with_relation(istio().with_remote_app_data([("url", "http://istio"), ("port", "80")]));
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("urls"),
        Some(&Status::blocked(
            "`istio` sent invalid data on `ingress`: `url`: the value `http://istio` is not JSON (expected value at line 1 column 1)"
        ))
    );
}

#[test]
fn the_requirer_observes_its_endpoint() {
    let state = three_apps();
    let out = harness()
        .run::<Demo>(Event::relation_changed(&istio()), state)
        .unwrap();
    assert!(matches!(out.hook.handling, Handling::Reconciled(_)));
}

/// A requirer of remote units' data.
#[derive(CharmReconciler)]
struct Units {
    #[component]
    hosts: RelationDataRequirer<Host>,
}

#[derive(Debug, Deserialize)]
// The field is only deserialized: the test is about which bags decode.
#[allow(dead_code)]
struct Host {
    host: String,
}

impl Charm for Units {
    fn new() -> Units {
        Units {
            hosts: RelationDataRequirer::units("ingress"),
        }
    }
}

#[test]
fn a_unit_data_requirer_reads_every_remote_unit_and_ignores_jujus_keys() {
    let relation = Relation::new(1, "ingress", "istio")
        .with_remote_unit_data(
            "istio/0",
            [("host", "\"a\""), ("ingress-address", "10.0.0.1")],
        )
        .with_remote_unit_data("istio/1", [("ingress-address", "10.0.0.2")]);
    let out = harness()
        .run::<Units>(
            Event::ConfigChanged,
            State::default().with_relation(relation),
        )
        .unwrap();
    assert_eq!(
        out.status_of("hosts"),
        Some(&Status::waiting(
            "waiting for `istio/1` to send `host` on `ingress`"
        ))
    );
}

/// The same charm with an optional requirer: no relation is an empty, Active state, so the
/// consumer runs (and would clean up) instead of being skipped.
#[derive(CharmReconciler)]
struct Optional {
    #[component]
    urls: RelationDataRequirer<Url>,
    #[component(depends_on = [urls])]
    consumer: Consumer,
}

impl Charm for Optional {
    fn new() -> Optional {
        Optional {
            urls: RelationDataRequirer::app("ingress").optional(),
            consumer: Consumer::default(),
        }
    }
}

#[test]
fn an_optional_requirer_without_a_relation_is_active_and_its_dependents_run() {
    let out = harness()
        .run::<Optional>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(out.status_of("urls"), Some(&Status::active()));
    assert_eq!(out.executed(), ["urls", "consumer"]);
    // The dependent saw an empty state.
    assert_eq!(out.status_of("consumer"), Some(&Status::active()));

    // With a relation whose data is incomplete, it waits as usual and holds the consumer.
    let state = State::default().with_relation(istio());
    let out = harness()
        .run::<Optional>(Event::relation_created(&istio()), state)
        .unwrap();
    assert_eq!(
        out.status_of("urls").unwrap().kind,
        reconciler_core::StatusKind::Waiting
    );
    assert_eq!(out.executed(), ["urls"]);
}
