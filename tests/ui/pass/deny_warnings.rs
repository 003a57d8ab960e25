//! A derived charm compiles without a single warning, with nothing imported.
#![deny(warnings, unused, missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unused_qualifications, unused_results, trivial_casts, missing_debug_implementations)]

/// The charm.
#[derive(Debug, reconciler_core::CharmReconciler)]
pub struct Charm {
    #[component]
    workload: reconciler_tests::Trivial,
    #[component(depends_on = [workload])]
    relation: reconciler_tests::Trivial,
}

/// A charm whose last component depends on two of one type (the derive adds a check of what
/// it reads).
#[derive(Debug, reconciler_core::CharmReconciler)]
pub struct Gated {
    #[component]
    first: reconciler_tests::Trivial,
    #[component]
    second: reconciler_tests::Trivial,
    #[component(depends_on = [first, second])]
    after: reconciler_tests::Trivial,
}

fn main() {
    let _ = Charm {
        workload: Default::default(),
        relation: Default::default(),
    };
    let _ = Gated {
        first: Default::default(),
        second: Default::default(),
        after: Default::default(),
    };
}
