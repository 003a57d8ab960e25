//! The forms darling reads besides the usual ones: several `#[component(...)]` attributes
//! on one field are merged, `depends_on(a, b)` is the list form of `depends_on = [a, b]`,
//! and a field name in quotes reads as the name.
#![deny(warnings)]
use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Trivial,
    #[component]
    #[component(depends_on = [workload])]
    #[component(name = "merged")]
    relation: Trivial,
    #[component(depends_on(workload, relation))]
    listed: Trivial,
    #[component(depends_on = ["listed"])]
    quoted: Trivial,
}

fn main() {
    let charm = Charm { workload: Trivial, relation: Trivial, listed: Trivial, quoted: Trivial };
    assert_eq!(charm.component_name(1), "merged");
    assert_eq!(charm.component_depends_on(1), [0]);
    assert_eq!(charm.component_depends_on(2), [0, 1]);
    assert_eq!(charm.component_depends_on(3), [2]);
}
