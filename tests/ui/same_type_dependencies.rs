// Two dependencies of one type, and the component reads that type: `Backup` reads
// `(&Workload, &Database)`, and `primary` and `replica` are both `Database`, so which one it
// would get is ambiguous. One error, at the second `Database` entry, naming both fields;
// not rustc's "type annotations needed" with a suggestion to write generics in the
// attribute.
use reconciler_core::CharmReconciler;
use reconciler_tests::{Backup, Database, Workload};

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

fn main() {}
