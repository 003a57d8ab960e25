// Every problem of one derive is reported in one build.
use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
struct Charm {
    #[component(depends_on = [workload])]
    workload: Trivial,
    #[component(depends_on = [worklod, config])]
    relation: Trivial,
    #[component(name = "relation", depends_on = [relation])]
    ingress: Trivial,
    #[component(colour = "red")]
    other: Trivial,
    config: String,
}

fn main() {}
