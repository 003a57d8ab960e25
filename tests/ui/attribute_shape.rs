use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[component]
struct Charm {
    #[component = "workload"]
    workload: Trivial,
    #[component(depends_on = [workload],,)]
    other: Trivial,
}

fn main() {}
