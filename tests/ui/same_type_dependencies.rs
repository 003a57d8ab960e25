// Two dependencies of one type: a component receives its dependencies by type (`Backup`
// reads `(&Workload, &Database)`), so `primary` and `replica` could not be told apart. The
// derive says so at the second entry instead of rustc's "type annotations needed".
use reconciler_core::CharmReconciler;
use reconciler_tests::{Backup, Database, Trivial, Workload};

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    workload: Workload,
    #[component]
    primary: Database,
    #[component]
    replica: Database,
    #[component(depends_on = [workload, primary, replica])]
    backup: Backup,
}

// Reported even when the component reads nothing from them: the derive cannot see what a
// component reads, and reading is by type.
#[derive(CharmReconciler)]
struct OrderOnly {
    #[component]
    a: Trivial,
    #[component]
    b: Trivial,
    #[component(depends_on = [a, b])]
    after_both: Trivial,
}

fn main() {}
