use reconciler_core::CharmReconciler;

#[derive(CharmReconciler)]
enum Charm {
    Workload,
    Relation,
}

fn main() {}
