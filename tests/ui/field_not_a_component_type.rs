// A #[component] field whose type does not implement `reconciler_core::Component`.
use reconciler_core::CharmReconciler;

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    config: String,
}

fn main() {}
