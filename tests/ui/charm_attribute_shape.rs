use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm]
struct Bare {
    #[component]
    workload: Trivial,
}

#[derive(CharmReconciler)]
#[charm(metdata = "fixtures/charmcraft.yaml")]
struct Misspelt {
    #[component]
    workload: Trivial,
}

#[derive(CharmReconciler)]
#[charm(metadata = charmcraft)]
struct NotAString {
    #[charm(metadata = "fixtures/charmcraft.yaml")]
    #[component]
    workload: Trivial,
}

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/charmcraft.yaml")]
struct BadLists {
    #[component(relations = [relation_1])]
    relation_1: Trivial,
    #[component(containers = "workload")]
    workload: Trivial,
    #[component(storage)]
    data: Trivial,
}

fn main() {}
