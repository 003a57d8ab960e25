use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(depends_on = [workload])]
    workload: Trivial,
}

fn main() {}
