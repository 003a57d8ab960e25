// Two groups of same-typed dependencies in one `depends_on`; the component reads one type of
// each group. Each group gets its own error, at its own second entry.
use reconciler_core::{CharmReconciler, Component, Context, Status};
use reconciler_tests::{Database, Workload};

struct Audit;

impl<'a> Component<(&'a Database, &'a Workload)> for Audit {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    primary: Database,
    #[component]
    web: Workload,
    #[component]
    replica: Database,
    #[component]
    worker: Workload,
    #[component(depends_on = [primary, web, replica, worker])]
    audit: Audit,
}

fn main() {}
