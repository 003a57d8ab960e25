use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Trivial,
    #[component(dependson = [workload])]
    relation: Trivial,
    #[component(priority = 1)]
    other: Trivial,
}

fn main() {}
