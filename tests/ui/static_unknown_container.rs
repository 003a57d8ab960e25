use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/charmcraft.yaml")]
struct Charm {
    #[component(containers = ["worklaod"])]
    workload: Trivial,
    #[component(containers = ["nginx"], storage = ["logs"])]
    proxy: Trivial,
}

fn main() {}
