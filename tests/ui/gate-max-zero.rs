//! A `RelationCountGate` that allows no relation at all: refused when the charm is built.

use reconciler_components::gates::RelationCountGate;

fn main() {
    let _gate = RelationCountGate::<0, 0>::new(["ingress"]);
}
