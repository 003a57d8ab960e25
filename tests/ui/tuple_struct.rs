use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm(#[component] Trivial, #[component] Trivial);

fn main() {}
