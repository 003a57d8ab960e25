//! Derived charms at run time: statuses, skip messages, typed dependency reading,
//! dependencies of one type, generic charms, renamed components, remove order.

use reconciler_core::{CharmReconciler, Component, Context, Outcome, Status};
use reconciler_tests::{
    Backup, Database, Journal, Recorder, Trivial, Website, Workload, reconcile_once, remove_once,
};

/// The example charm of the execution-order guide (docs/execution-order.md).
#[derive(CharmReconciler)]
struct SeedCharm {
    #[component]
    workload: Recorder,
    #[component(depends_on = [workload])]
    relation_1: Recorder,
    #[component]
    relation_2: Recorder,
    #[component(depends_on = [relation_2])]
    kubernetes_resources: Recorder,
}

fn seed_charm(workload: Status, journal: &Journal) -> SeedCharm {
    SeedCharm {
        workload: Recorder::with_status("workload", workload, journal),
        relation_1: Recorder::active("relation_1", journal),
        relation_2: Recorder::active("relation_2", journal),
        kubernetes_resources: Recorder::active("kubernetes_resources", journal),
    }
}

#[test]
fn all_active_runs_everything_in_order() {
    let journal = Journal::default();
    let mut charm = seed_charm(Status::active(), &journal);
    let report = reconcile_once(&mut charm, true);
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(
        report.executed_names(),
        [
            "workload",
            "relation_1",
            "relation_2",
            "kubernetes_resources"
        ]
    );
    assert_eq!(
        journal.borrow()[..4],
        [
            "workload.configure_unit",
            "workload.configure_app_leader",
            "relation_1.configure_unit",
            "relation_1.configure_app_leader",
        ]
    );
}

#[test]
fn non_leader_runs_the_non_leader_phase() {
    let journal = Journal::default();
    let mut charm = seed_charm(Status::active(), &journal);
    reconcile_once(&mut charm, false);
    assert!(
        journal
            .borrow()
            .contains(&"workload.configure_app_non_leader".to_owned())
    );
    assert!(
        !journal
            .borrow()
            .iter()
            .any(|entry| entry.ends_with("configure_app_leader"))
    );
}

#[test]
fn blocked_dependency_skips_only_its_dependents() {
    let journal = Journal::default();
    let mut charm = seed_charm(Status::blocked("bad image"), &journal);
    let report = reconcile_once(&mut charm, true);
    assert_eq!(
        report.executed_names(),
        ["workload", "relation_2", "kubernetes_resources"]
    );
    assert_eq!(
        report.status_of("relation_1"),
        Some(&Status::maintenance(
            "waiting on workload (blocked: bad image)"
        ))
    );
    assert_eq!(
        report.component("relation_1").map(|c| &c.outcome),
        Some(&Outcome::Skipped {
            waiting_on: vec!["workload".to_owned()]
        })
    );
    assert_eq!(report.unit_status, Status::blocked("[workload] bad image"));
}

#[test]
fn remove_runs_dependents_first() {
    let journal = Journal::default();
    let mut charm = seed_charm(Status::active(), &journal);
    let report = remove_once(&mut charm);
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
}

/// Dependents read their dependencies by type.
#[derive(CharmReconciler)]
struct TypedCharm {
    #[component(depends_on = [workload])]
    website: Website,
    #[component]
    workload: Workload,
    #[component]
    database: Database,
    // Listed in the other order than `Backup`'s `Deps` tuple: picked by type, not position.
    #[component(depends_on = [database, workload])]
    backup: Backup,
}

#[test]
fn typed_dependencies_are_read() {
    let mut charm = TypedCharm {
        website: Website::default(),
        workload: Workload { port: 8080 },
        database: Database {
            uri: "postgres://db",
        },
        backup: Backup::default(),
    };
    let report = reconcile_once(&mut charm, true);
    assert_eq!(charm.execution_order(), [1, 0, 2, 3]);
    assert_eq!(
        report.status_of("website"),
        Some(&Status::active_with("http://localhost:8080"))
    );
    assert_eq!(
        report.status_of("backup"),
        Some(&Status::active_with("8080 -> postgres://db"))
    );
    assert_eq!(
        report.unit_status,
        Status::active_with("[website] http://localhost:8080")
    );
}

#[test]
fn typed_dependent_is_skipped_when_its_dependency_is_not_active() {
    let mut charm = TypedCharm {
        website: Website::default(),
        workload: Workload { port: 0 },
        database: Database { uri: "x" },
        backup: Backup::default(),
    };
    let report = reconcile_once(&mut charm, true);
    assert_eq!(report.executed_names(), ["workload", "database"]);
    assert_eq!(
        report.status_of("website"),
        Some(&Status::maintenance(
            "waiting on workload (blocked: no port configured)"
        ))
    );
    assert_eq!(
        report.status_of("backup"),
        Some(&Status::maintenance(
            "waiting on workload (blocked: no port configured)"
        ))
    );
    assert_eq!(charm.website.url, None);
}

/// Two gates of one type, and a component that must run after both and reads neither
/// (`Recorder`'s `Deps` is `()`). Declared first, so only its dependencies put it last.
#[derive(CharmReconciler)]
struct GatedCharm {
    #[component(depends_on = [first_gate, second_gate])]
    after_both: Recorder,
    #[component]
    first_gate: Recorder,
    #[component]
    second_gate: Recorder,
}

fn gated_charm(second_gate: Status, journal: &Journal) -> GatedCharm {
    GatedCharm {
        after_both: Recorder::active("after_both", journal),
        first_gate: Recorder::active("first_gate", journal),
        second_gate: Recorder::with_status("second_gate", second_gate, journal),
    }
}

#[test]
fn same_typed_dependencies_order_their_dependent() {
    let journal = Journal::default();
    let mut charm = gated_charm(Status::active(), &journal);
    let report = reconcile_once(&mut charm, true);
    assert_eq!(
        report.executed_names(),
        ["first_gate", "second_gate", "after_both"]
    );
    assert_eq!(
        *journal.borrow(),
        [
            "first_gate.configure_unit",
            "first_gate.configure_app_leader",
            "second_gate.configure_unit",
            "second_gate.configure_app_leader",
            "after_both.configure_unit",
            "after_both.configure_app_leader",
        ]
    );
    assert_eq!(report.unit_status, Status::active());
}

#[test]
fn same_typed_dependencies_each_gate_their_dependent() {
    let journal = Journal::default();
    let mut charm = gated_charm(Status::waiting("no relation yet"), &journal);
    let report = reconcile_once(&mut charm, true);
    assert_eq!(report.executed_names(), ["first_gate", "second_gate"]);
    assert_eq!(
        report.status_of("after_both"),
        Some(&Status::maintenance(
            "waiting on second_gate (waiting: no relation yet)"
        ))
    );
    assert!(
        !journal
            .borrow()
            .iter()
            .any(|entry| entry.starts_with("after_both."))
    );
}

/// Two databases only waited for, next to the workload `Website` reads: the read of
/// `&Workload` has one answer, so it compiles and gets the workload.
#[derive(CharmReconciler)]
struct TwoDatabasesCharm {
    #[component]
    primary: Database,
    #[component]
    workload: Workload,
    #[component]
    replica: Database,
    #[component(depends_on = [primary, workload, replica])]
    website: Website,
}

#[test]
fn another_type_is_read_next_to_same_typed_dependencies() {
    let mut charm = TwoDatabasesCharm {
        primary: Database { uri: "primary" },
        workload: Workload { port: 8081 },
        replica: Database { uri: "replica" },
        website: Website::default(),
    };
    let report = reconcile_once(&mut charm, true);
    assert_eq!(
        report.status_of("website"),
        Some(&Status::active_with("http://localhost:8081"))
    );
    assert_eq!(
        (charm.primary.uri, charm.replica.uri),
        ("primary", "replica")
    );
}

/// A generic charm: the workload type is a parameter, bounded in a where clause.
#[derive(CharmReconciler)]
struct GenericCharm<W, const N: usize>
where
    W: Component,
{
    #[component]
    workload: W,
    #[component(depends_on = [workload])]
    relation: Trivial,
    sizes: [u8; N],
}

#[test]
fn generic_charm() {
    let journal = Journal::default();
    let mut charm = GenericCharm {
        workload: Recorder::with_status("workload", Status::waiting("no pebble"), &journal),
        relation: Trivial,
        sizes: [1, 2, 3],
    };
    let report = reconcile_once(&mut charm, true);
    assert_eq!(charm.sizes.len(), 3);
    assert_eq!(report.unit_status, Status::waiting("[workload] no pebble"));
    assert_eq!(
        report.status_of("relation"),
        Some(&Status::maintenance(
            "waiting on workload (waiting: no pebble)"
        ))
    );
}

/// Display names come from `name = "..."`; dependencies still name fields.
#[derive(CharmReconciler)]
struct RenamedCharm {
    #[component(name = "pebble-workload")]
    workload: Workload,
    #[component(name = "ingress", depends_on = [workload])]
    website: Website,
}

#[test]
fn renamed_components_show_their_names() {
    let mut charm = RenamedCharm {
        workload: Workload { port: 0 },
        website: Website::default(),
    };
    assert_eq!(charm.component_name(0), "pebble-workload");
    assert_eq!(charm.component_name(1), "ingress");
    let report = reconcile_once(&mut charm, true);
    assert_eq!(
        report.status_of("ingress"),
        Some(&Status::maintenance(
            "waiting on pebble-workload (blocked: no port configured)"
        ))
    );
    assert_eq!(
        report.unit_status,
        Status::blocked("[pebble-workload] no port configured")
    );
}

/// No components: valid, and Active.
#[derive(CharmReconciler)]
struct EmptyCharm {}

#[test]
fn empty_charm_is_active() {
    let mut charm = EmptyCharm {};
    assert_eq!(charm.component_count(), 0);
    assert!(charm.execution_order().is_empty());
    let report = reconcile_once(&mut charm, true);
    assert_eq!(report.unit_status, Status::active());
    assert!(report.components.is_empty());
}

/// A component that panics in `status` does not take the charm down.
struct Panics;

impl Component for Panics {
    fn status(&self, _: &mut Context<'_>) -> Status {
        panic!("status exploded")
    }
}

#[derive(CharmReconciler)]
struct PanickingCharm {
    #[component]
    broken: Panics,
    #[component]
    fine: Trivial,
    #[component(depends_on = [broken])]
    dependent: Trivial,
}

#[test]
fn a_panic_is_contained_to_its_component() {
    let mut charm = PanickingCharm {
        broken: Panics,
        fine: Trivial,
        dependent: Trivial,
    };
    let report = reconcile_once(&mut charm, true);
    assert_eq!(report.executed_names(), ["broken", "fine"]);
    assert!(matches!(
        report.component("broken").map(|c| &c.outcome),
        Some(Outcome::Panicked { .. })
    ));
    assert!(matches!(
        report.component("dependent").map(|c| &c.outcome),
        Some(Outcome::Skipped { .. })
    ));
}
