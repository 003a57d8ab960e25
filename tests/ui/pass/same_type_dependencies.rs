//! Dependencies of one type are fine when the component does not read that type: listed
//! only for ordering (its `Deps` is `()`), or next to a dependency it does read.
#![deny(warnings)]
use reconciler_core::{CharmReconciler, Component};
use reconciler_tests::{Database, Trivial, Website, Workload};

/// Two gates of one type, then a component that must run after both and reads neither.
#[derive(CharmReconciler)]
struct Gates {
    #[component]
    first_gate: Trivial,
    #[component]
    second_gate: Trivial,
    #[component(depends_on = [first_gate, second_gate])]
    after_both: Trivial,
}

/// Reads `&Workload`; the two databases are only waited for.
#[derive(CharmReconciler)]
struct ReadsAnother {
    #[component]
    primary: Database,
    #[component]
    workload: Workload,
    #[component]
    replica: Database,
    #[component(depends_on = [primary, workload, replica])]
    website: Website,
}

/// Same-typed dependencies whose type is a parameter of the charm, in two groups.
#[derive(CharmReconciler)]
struct Generic<G: Component> {
    #[component]
    a: G,
    #[component]
    b: G,
    #[component]
    c: Trivial,
    #[component]
    d: Trivial,
    #[component(depends_on = [a, c, b, d])]
    last: Trivial,
}

fn main() {
    let gates = Gates { first_gate: Trivial, second_gate: Trivial, after_both: Trivial };
    assert_eq!(gates.execution_order(), [0, 1, 2]);
    assert_eq!(gates.component_depends_on(2), [0, 1]);
    let reads = ReadsAnother {
        primary: Database { uri: "a" },
        workload: Workload { port: 1 },
        replica: Database { uri: "b" },
        website: Website::default(),
    };
    assert_eq!(reads.component_depends_on(3), [0, 1, 2]);
    let generic = Generic { a: Trivial, b: Trivial, c: Trivial, d: Trivial, last: Trivial };
    assert_eq!(generic.execution_order(), [0, 1, 2, 3, 4]);
}
