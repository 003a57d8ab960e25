use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/malformed.yaml")]
struct Charm {
    #[component(relations = ["relation-1"])]
    relation_1: Trivial,
}

fn main() {}
