use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Trivial,
    #[component(depends_on = workload)]
    a: Trivial,
    #[component(depends_on(workload))]
    b: Trivial,
    #[component(depends_on)]
    c: Trivial,
    #[component(depends_on = "workload")]
    d: Trivial,
}

fn main() {}
