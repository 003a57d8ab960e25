use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Trivial,
    #[component(depends_on = [worklaod])]
    relation_1: Trivial,
    #[component(depends_on = [database])]
    relation_2: Trivial,
}

fn main() {}
