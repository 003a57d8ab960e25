use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(name = workload)]
    workload: Trivial,
    #[component(name = "")]
    relation: Trivial,
    #[component(name = "a", name = "b")]
    other: Trivial,
}

fn main() {}
