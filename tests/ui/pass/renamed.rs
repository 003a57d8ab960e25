#![deny(warnings)]
use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(name = "pebble-workload")]
    workload: Trivial,
    #[component(depends_on = [workload], name = "ingress")]
    r#type: Trivial,
    #[component(depends_on = [r#type])]
    r#loop: Trivial,
}

fn main() {
    let charm = Charm { workload: Trivial, r#type: Trivial, r#loop: Trivial };
    assert_eq!(charm.component_name(0), "pebble-workload");
    assert_eq!(charm.component_name(1), "ingress");
    assert_eq!(charm.component_name(2), "loop");
    assert_eq!(charm.execution_order(), [0, 1, 2]);
}
