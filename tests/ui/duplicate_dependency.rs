use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Trivial,
    #[component(depends_on = [workload, workload])]
    relation: Trivial,
}

fn main() {}
