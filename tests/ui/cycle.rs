use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(depends_on = [b])]
    a: Trivial,
    #[component(depends_on = [c])]
    b: Trivial,
    #[component(depends_on = [a])]
    c: Trivial,
    #[component(depends_on = [a])]
    d: Trivial,
}

fn main() {}
