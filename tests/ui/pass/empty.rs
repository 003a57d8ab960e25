#![deny(warnings)]
use reconciler_core::CharmReconciler;

#[derive(CharmReconciler)]
struct Charm {}

#[derive(CharmReconciler)]
struct OnlyPlainFields {
    port: u16,
}

fn main() {
    assert_eq!(Charm {}.component_count(), 0);
    let plain = OnlyPlainFields { port: 80 };
    assert_eq!((plain.component_count(), plain.port), (0, 80));
}
