//! A charm that allows `unused_qualifications` on its own struct (its field types spell out
//! prelude paths) builds under a crate-wide `deny`: the generated impl names each field's type
//! again (`<Type as Component<_>>::status(...)`), and carries its own allow so those copies do
//! not trip the lint the charm allowed where it wrote them.
#![deny(unused_qualifications)]

use reconciler_core::{CharmReconciler, Component, Context, Status};

/// A component generic over what it holds.
#[derive(Default)]
struct Holder<T>(T);

#[allow(unused_qualifications)]
impl Component for Holder<std::option::Option<u8>> {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
#[allow(unused_qualifications)]
struct Charm {
    #[component]
    workload: Holder<std::option::Option<u8>>,
    #[component(depends_on = [workload])]
    relation: Holder<core::option::Option<u8>>,
}

fn main() {
    let charm = Charm {
        workload: Holder::default(),
        relation: Holder::default(),
    };
    assert_eq!(charm.component_count(), 2);
}
