#![deny(warnings)]
use reconciler_core::{CharmReconciler, Component};
use reconciler_tests::{Trivial, Website, Workload};

#[derive(CharmReconciler)]
struct Charm<'a, W, R: Component, const N: usize>
where
    W: Component + Send,
{
    #[component]
    workload: W,
    #[component(depends_on = [workload])]
    relation: R,
    label: &'a str,
    sizes: [u8; N],
}

/// The typed-dependency component inside a generic charm.
#[derive(CharmReconciler)]
struct Typed<T>
where
    T: Default,
{
    #[component]
    workload: Workload,
    #[component(depends_on = [workload])]
    website: Website,
    extra: T,
}

fn main() {
    let charm = Charm { workload: Trivial, relation: Trivial, label: "x", sizes: [0; 2] };
    assert_eq!(charm.component_count(), 2);
    assert_eq!((charm.label, charm.sizes.len()), ("x", 2));
    let typed = Typed { workload: Workload { port: 1 }, website: Website::default(), extra: 0u8 };
    assert_eq!(typed.execution_order(), [0, 1]);
    assert_eq!(typed.extra, 0);
}
