use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    config: String,
    #[component(depends_on = [config])]
    workload: Trivial,
}

fn main() {}
