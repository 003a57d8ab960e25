// `fixtures/` is copied next to the Cargo.toml trybuild generates (see tests/ui.rs): the
// `metadata` path is relative to the compiled crate's manifest directory.
use reconciler_core::CharmReconciler;
use reconciler_tests::Trivial;

#[derive(CharmReconciler)]
#[charm(metadata = "fixtures/charmcraft.yaml")]
struct Charm {
    #[component(relations = ["relation-l"])]
    relation_1: Trivial,
    #[component(relations = ["relation-2", "database"])]
    database: Trivial,
    #[component(relations = ["cluster", "cluster"])]
    peers: Trivial,
}

fn main() {}
