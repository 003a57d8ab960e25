//! The derive and the runtime `GraphBuilder` share one validation (`reconciler-graph`):
//! for the same declarations they must agree on dependency indices and execution order.

use reconciler_core::{CharmReconciler, GraphBuilder};
use reconciler_tests::Trivial;

/// Builds the same graph at run time from the derived charm's own names and dependencies,
/// and checks both agree.
fn assert_same_as_runtime<C: CharmReconciler>(charm: &C, expected_order: &[usize]) {
    let count = charm.component_count();
    let names: Vec<&str> = (0..count).map(|i| charm.component_name(i)).collect();
    let mut builder = GraphBuilder::new();
    for (index, name) in names.iter().enumerate() {
        let depends_on: Vec<&str> = charm
            .component_depends_on(index)
            .iter()
            .map(|&d| names[d])
            .collect();
        builder.add(*name, Trivial, &depends_on);
    }
    let runtime = builder
        .build()
        .expect("the derived graph is valid at run time too");
    assert_eq!(charm.execution_order(), runtime.execution_order());
    assert_eq!(charm.execution_order(), expected_order);
    for index in 0..count {
        assert_eq!(
            charm.component_depends_on(index),
            runtime.component_depends_on(index)
        );
        assert_eq!(charm.component_name(index), runtime.component_name(index));
    }
}

#[derive(CharmReconciler)]
struct Seed {
    #[component]
    workload: Trivial,
    #[component(depends_on = [workload])]
    relation_1: Trivial,
    #[component]
    relation_2: Trivial,
    #[component(depends_on = [relation_2])]
    kubernetes_resources: Trivial,
}

#[test]
fn seed_graph() {
    assert_same_as_runtime(
        &Seed {
            workload: Trivial,
            relation_1: Trivial,
            relation_2: Trivial,
            kubernetes_resources: Trivial,
        },
        &[0, 1, 2, 3],
    );
}

/// Dependencies declared after their dependents.
#[derive(CharmReconciler)]
struct Backwards {
    #[component(depends_on = [b])]
    c: Trivial,
    #[component]
    a: Trivial,
    #[component]
    b: Trivial,
    #[component(depends_on = [a])]
    d: Trivial,
}

#[test]
fn out_of_declaration_order() {
    assert_same_as_runtime(
        &Backwards {
            c: Trivial,
            a: Trivial,
            b: Trivial,
            d: Trivial,
        },
        &[1, 2, 0, 3],
    );
}

/// A diamond with a long tail, plus fields that are not components in between. Every
/// component has the same type, so `top` and `tail` each depend on two components of one
/// type: fine, since `Trivial` reads nothing from its dependencies.
#[derive(CharmReconciler)]
struct Diamond {
    #[component(depends_on = [left, right])]
    top: Trivial,
    #[component(depends_on = [bottom])]
    left: Trivial,
    not_a_component: u32,
    #[component(depends_on = [bottom])]
    right: Trivial,
    #[component]
    bottom: Trivial,
    #[component(depends_on = [top, left])]
    tail: Trivial,
    #[component]
    loner: Trivial,
}

#[test]
fn diamond() {
    let charm = Diamond {
        top: Trivial,
        left: Trivial,
        not_a_component: 7,
        right: Trivial,
        bottom: Trivial,
        tail: Trivial,
        loner: Trivial,
    };
    assert_eq!(charm.not_a_component, 7);
    assert_same_as_runtime(&charm, &[3, 1, 2, 0, 4, 5]);
}

/// Renamed components: names differ from fields, the order does not change.
#[derive(CharmReconciler)]
struct Renamed {
    #[component(name = "zeta", depends_on = [alpha])]
    first: Trivial,
    #[component(name = "omega")]
    alpha: Trivial,
}

#[test]
fn renamed() {
    assert_same_as_runtime(
        &Renamed {
            first: Trivial,
            alpha: Trivial,
        },
        &[1, 0],
    );
}
