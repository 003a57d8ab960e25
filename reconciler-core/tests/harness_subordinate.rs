//! Subordinate charms in the harness: a container-scoped relation joins a subordinate unit
//! to the one principal unit beside it (`Relation::subordinate`), and a subordinate
//! charm's unit only exists in such a relation; states that break either are refused.

use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Inconsistency, Relation, State};

/// A subordinate that reports which principal unit it sits beside.
#[derive(Default)]
struct Beside {
    principal: Option<String>,
}

impl Component for Beside {
    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation("juju-info")]
    }

    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let backend = ctx.backend();
        let ids = backend.relation_ids("juju-info")?;
        let Some(id) = ids.first() else {
            return Err(ComponentError::waiting("no principal yet"));
        };
        self.principal = backend.relation_units(*id)?.into_iter().next();
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.principal {
            Some(unit) => Status::active_with(format!("beside {unit}")),
            None => Status::waiting("no principal yet"),
        }
    }
}

#[derive(CharmReconciler, Default)]
struct Agent {
    #[component]
    beside: Beside,
}

impl Charm for Agent {
    fn new() -> Agent {
        Agent::default()
    }
}

fn harness() -> Harness {
    Harness::from_yaml(
        "name: agent\nsubordinate: true\nrequires:\n  juju-info:\n    interface: juju-info\n    scope: container\n",
    )
    .unwrap()
}

#[test]
fn a_subordinate_runs_beside_its_one_principal_unit() {
    let relation = Relation::subordinate(3, "juju-info", "mysql/2");
    let state = State::default()
        .with_unit_name("agent/0")
        .with_relation(relation.clone());
    let out = harness()
        .run::<Agent>(Event::relation_changed(&relation), state)
        .expect("consistent");
    assert_eq!(
        out.unit_status,
        Status::active_with("[beside] beside mysql/2")
    );
}

#[test]
fn a_subordinate_without_its_principal_is_refused() {
    let state = State::default().with_unit_name("agent/0");
    let problems = harness().check(&Event::ConfigChanged, &state);
    assert_eq!(
        problems,
        [Inconsistency::SubordinateWithoutPrincipal {
            file: "charmcraft.yaml".into(),
            endpoints: "\"juju-info\"".into(),
        }]
    );
    assert_eq!(
        problems[0].to_string(),
        "charmcraft.yaml declares a subordinate charm, whose units exist only beside a principal unit, but the state has no relation on a container-scoped endpoint (\"juju-info\"); add one with Relation::subordinate"
    );
}

#[test]
fn a_container_scoped_relation_has_one_remote_unit() {
    let mut relation = Relation::subordinate(3, "juju-info", "mysql/2");
    relation
        .remote_units_data
        .insert("mysql/3".into(), Default::default());
    let state = State::default()
        .with_unit_name("agent/0")
        .with_relation(relation);
    let problems = harness().check(&Event::ConfigChanged, &state);
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "relation 3 on \"juju-info\" is container-scoped: it joins a subordinate to the one principal unit beside it, but the state gives 2 remote units (\"mysql/2\", \"mysql/3\"); build it with Relation::subordinate"
        ]
    );
}
