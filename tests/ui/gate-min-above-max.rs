//! A `RelationCountGate` whose minimum exceeds its maximum: no count satisfies it, so the
//! charm does not build.

use reconciler_components::gates::RelationCountGate;
use reconciler_core::prelude::*;

#[derive(CharmReconciler)]
struct Demo {
    #[component]
    ingress: RelationCountGate<2, 1>,
}

impl Charm for Demo {
    fn new() -> Demo {
        Demo {
            ingress: RelationCountGate::new(["ingress"]),
        }
    }
}

fn main() {
    let _ = Demo::new();
}
