use reconciler_core::CharmReconciler;

#[derive(CharmReconciler)]
struct Charm;

fn main() {}
