//! The gates on the in-memory harness, as fields of derived charms.

use reconciler_components::gates::{LeadershipGate, ModelNameGate, RelationCountGate};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Relation, State};
use reconciler_core::{Handling, JsonMap};

/// Stands for the work a gate protects.
struct Work;

impl Component for Work {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Gated {
    #[component]
    leader: LeadershipGate,
    #[component]
    model: ModelNameGate,
    #[component]
    ingress: RelationCountGate<1, 2>,
    #[component]
    backends: RelationCountGate<2>,
    #[component(depends_on = [leader, model, ingress])]
    work: Work,
}

impl Charm for Gated {
    fn new() -> Gated {
        Gated {
            leader: LeadershipGate::new(),
            model: ModelNameGate::new("kubeflow"),
            ingress: RelationCountGate::new(["ingress"]),
            backends: RelationCountGate::new(["db", "cache"]),
            work: Work,
        }
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        if !matches!(ctx.event(), Event::Action { .. }) {
            return Ok(Handled::Ignored);
        }
        // Reads the metadata while an action runs (through the action's backend wrapper).
        let name = ctx.metadata().map(|m| m.name.clone()).unwrap_or_default();
        let mut results = JsonMap::new();
        results.insert("charm".into(), name.into());
        ctx.backend().action_set(&results)?;
        Ok(Handled::Yes)
    }
}

const METADATA: &str = "\
name: gated
requires:
  ingress: {interface: ingress}
  db: {interface: pg}
  cache: {interface: redis}
  other: {interface: other}
actions:
  show: {}
";

fn harness() -> Harness {
    Harness::from_yaml(METADATA).unwrap()
}

/// A state in which every gate of `Gated` but the ones a test changes is open.
fn open() -> State {
    State::default()
        .with_leader(true)
        .with_model_name("kubeflow")
        .with_relation(Relation::new(1, "ingress", "istio"))
        .with_relation(Relation::new(2, "db", "postgresql"))
        .with_relation(Relation::new(3, "cache", "redis"))
}

#[test]
fn every_gate_open_lets_the_dependent_run() {
    let out = harness()
        .run::<Gated>(Event::ConfigChanged, open())
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert!(out.executed().contains(&"work"), "{out}");
}

#[test]
fn leadership_gate_waits_on_a_non_leader() {
    let out = harness()
        .run::<Gated>(Event::ConfigChanged, open().with_leader(false))
        .unwrap();
    assert_eq!(
        out.status_of("leader"),
        Some(&Status::waiting("waiting for leadership"))
    );
    assert_eq!(
        out.skipped(),
        [(
            "work",
            "waiting on leader (waiting: waiting for leadership)".to_owned()
        )]
    );
}

#[test]
fn model_name_gate_names_both_models_and_what_to_do() {
    let out = harness()
        .run::<Gated>(Event::ConfigChanged, open().with_model_name("default"))
        .unwrap();
    assert_eq!(
        out.status_of("model"),
        Some(&Status::blocked(
            "needs a model named `kubeflow`, but this model is `default`: deploy the charm into a model named `kubeflow` (`juju add-model kubeflow`)"
        ))
    );
    assert!(!out.executed().contains(&"work"));
}

#[test]
fn relation_count_gate_below_the_minimum_says_to_integrate() {
    let state = open().without_relation(reconciler_core::RelationId(1));
    let out = harness().run::<Gated>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("ingress"),
        Some(&Status::blocked(
            "needs between 1 and 2 relations on `ingress`, has 0: add it with `juju integrate app:ingress <application>`"
        ))
    );
    assert!(!out.executed().contains(&"work"));
}

#[test]
fn relation_count_gate_above_the_maximum_says_to_remove() {
    let state = open()
        .with_relation(Relation::new(4, "ingress", "traefik"))
        .with_relation(Relation::new(5, "ingress", "nginx"))
        .with_relation(Relation::new(6, "ingress", "haproxy"));
    let out = harness().run::<Gated>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("ingress"),
        Some(&Status::blocked(
            "needs between 1 and 2 relations on `ingress`, has 4: remove 2 with `juju remove-relation app:ingress <application>`"
        ))
    );
}

#[test]
fn relation_count_gate_counts_several_endpoints_together() {
    let state = open().without_relation(reconciler_core::RelationId(3));
    let out = harness().run::<Gated>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("backends"),
        Some(&Status::blocked(
            "needs at least 2 relations on `db` and `cache` together, has 1: add it with `juju integrate app:<db|cache> <application>`"
        ))
    );
    // Two on one endpoint satisfy the gate too.
    let state = open()
        .without_relation(reconciler_core::RelationId(3))
        .with_relation(Relation::new(7, "db", "mysql"));
    let out = harness().run::<Gated>(Event::ConfigChanged, state).unwrap();
    assert_eq!(out.status_of("backends"), Some(&Status::active()));
}

#[test]
fn relation_count_gate_leaves_out_the_relation_being_broken() {
    let ingress = Relation::new(1, "ingress", "istio");
    let out = harness()
        .run::<Gated>(Event::relation_broken(&ingress), open())
        .unwrap();
    assert!(matches!(out.hook.handling, Handling::Reconciled(_)));
    assert_eq!(
        out.status_of("ingress").map(|s| s.kind),
        Some(reconciler_core::StatusKind::Blocked)
    );
}

#[test]
fn relation_count_gate_observes_its_endpoints_only() {
    let h = harness();
    let state = open().with_relation(Relation::new(9, "other", "x"));
    for relation in [
        Relation::new(1, "ingress", "istio"),
        Relation::new(2, "db", "postgresql"),
        Relation::new(3, "cache", "redis"),
    ] {
        let out = h
            .run::<Gated>(Event::relation_changed(&relation), state.clone())
            .unwrap();
        assert!(
            matches!(out.hook.handling, Handling::Reconciled(_)),
            "{}",
            relation.endpoint
        );
    }
    let other = Relation::new(9, "other", "x");
    let out = h
        .run::<Gated>(Event::relation_changed(&other), state)
        .unwrap();
    assert_eq!(out.hook.handling, Handling::Ignored);
}

#[derive(CharmReconciler)]
struct Misspelt {
    #[component]
    gate: RelationCountGate<1>,
}

impl Charm for Misspelt {
    fn new() -> Misspelt {
        Misspelt {
            gate: RelationCountGate::new(["ingres"]),
        }
    }
}

#[test]
fn relation_count_gate_on_an_undeclared_endpoint_is_blocked_with_the_backend_error() {
    let out = harness()
        .run::<Misspelt>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(
        out.status_of("gate"),
        Some(&Status::blocked(
            "relation-ids: the charm's metadata declares no relation endpoint \"ingres\" (declared: cache, db, ingress, other)"
        ))
    );
}

#[derive(CharmReconciler)]
struct NoEndpoints {
    #[component]
    gate: RelationCountGate<0, 1>,
}

impl Charm for NoEndpoints {
    fn new() -> NoEndpoints {
        NoEndpoints {
            gate: RelationCountGate::new(Vec::<&'static str>::new()),
        }
    }
}

#[test]
fn relation_count_gate_without_endpoints_is_blocked_not_a_panic() {
    let out = harness()
        .run::<NoEndpoints>(Event::ConfigChanged, State::default())
        .unwrap();
    assert_eq!(
        out.status_of("gate"),
        Some(&Status::blocked(
            "RelationCountGate was given no endpoints to count relations on (a mistake in the charm)"
        ))
    );
}

#[test]
fn the_metadata_is_visible_to_the_charm_during_an_action() {
    let out = harness()
        .run_action::<Gated>("show", JsonMap::new(), open())
        .unwrap();
    let action = out.action.expect("an action ran");
    assert_eq!(action.results["charm"], "gated");
}
