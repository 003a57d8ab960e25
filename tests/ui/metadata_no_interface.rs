// The metadata declares an endpoint without an `interface`: every hook of this charm would
// fail when the runtime reads it, so the derive (which reads it with the same code) refuses
// it at the `metadata` path, naming the file, the endpoint, the line and the problem.
use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/no_interface.yaml")]
struct Charm {
    #[component(relations = ["relation-1"])]
    relation_1: Trivial,
}

fn main() {}
