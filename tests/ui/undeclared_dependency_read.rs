// `Website` reads `&Workload` (its `Deps`), but `workload` is not in its depends_on.
use reconciler_core::CharmReconciler;
use reconciler_tests::{Database, Website, Workload};

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Workload,
    #[component]
    website: Website,
}

#[derive(CharmReconciler)]
struct Charm2 {
    #[component]
    workload: Workload,
    #[component]
    database: Database,
    #[component(depends_on = [database])]
    website: Website,
}

fn main() {}
