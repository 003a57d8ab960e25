use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(depends_on = [ingress])]
    workload: Trivial,
    #[component(depends_on = [workload])]
    ingress: Trivial,
    #[component(depends_on = [certificates])]
    database: Trivial,
    #[component(depends_on = [database])]
    certificates: Trivial,
}

fn main() {}
