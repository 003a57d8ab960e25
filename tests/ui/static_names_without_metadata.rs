use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(relations = ["relation-1"], containers = ["workload"])]
    relation_1: Trivial,
}

fn main() {}
