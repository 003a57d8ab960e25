use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/charmcraft.yaml")]
struct Charm {
    #[component(relations = ["workload"])]
    workload: Trivial,
    #[component(containers = ["relation-1"], storage = ["cluster"])]
    relation_1: Trivial,
    #[component(relations = ["data"])]
    data: Trivial,
}

fn main() {}
