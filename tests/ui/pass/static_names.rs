//! Statically declared relations, containers and storage: checked against the metadata,
//! added to what the component observes, without a single warning.
#![deny(warnings, unused, missing_docs, rust_2018_idioms, unreachable_pub)]
#![deny(unused_qualifications, unused_results, trivial_casts, missing_debug_implementations)]

use reconciler_core::{CharmReconciler, Observe};

/// The charm (`fixtures/` is copied next to trybuild's generated Cargo.toml; see tests/ui.rs).
#[derive(Debug, CharmReconciler)]
#[charm(metadata = "fixtures/charmcraft.yaml")]
pub struct Charm {
    #[component(containers = ["workload"], storage = ["data"])]
    workload: reconciler_tests::Trivial,
    #[component(depends_on = [workload], relations = ["relation-1", "cluster"])]
    relation: reconciler_tests::Trivial,
    #[component]
    other: reconciler_tests::Trivial,
}

/// A charm whose declarations are in the older `metadata.yaml`.
#[derive(Debug, CharmReconciler)]
#[charm(metadata = "fixtures/metadata.yaml")]
pub struct Legacy {
    #[component(relations = ["database"], containers = ["app"])]
    app: reconciler_tests::Trivial,
}

fn main() {
    let charm = Charm {
        workload: Default::default(),
        relation: Default::default(),
        other: Default::default(),
    };
    assert_eq!(
        charm.component_observes(0),
        [Observe::container("workload"), Observe::storage("data")]
    );
    assert_eq!(
        charm.component_observes(1),
        [Observe::relation("relation-1"), Observe::relation("cluster")]
    );
    assert!(charm.component_observes(2).is_empty());
    let legacy = Legacy {
        app: Default::default(),
    };
    assert_eq!(
        legacy.component_observes(0),
        [Observe::relation("database"), Observe::container("app")]
    );
}
