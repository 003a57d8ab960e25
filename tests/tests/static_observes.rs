//! Relations, containers and storage declared in `#[component(...)]` (checked against
//! `ui/fixtures/charmcraft.yaml` at compile time) are observed at run time: their events
//! run a reconcile, on top of what the component's own `observes` asks for.

use reconciler_core::event::{PebbleEventKind, RelationEventKind, StorageEventKind};
use reconciler_core::testing::{MemoryBackend, State};
use reconciler_core::{
    Charm, CharmReconciler, Component, Context, Event, Handling, Observe, Status, handle_event,
};
use reconciler_tests::Trivial;

/// A component that asks for secrets itself, to check the static names come on top.
#[derive(Default)]
struct WantsSecrets;

impl Component for WantsSecrets {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::Secrets]
    }
}

/// The path is relative to this crate's Cargo.toml (`tests/`).
#[derive(CharmReconciler)]
#[charm(metadata = "ui/fixtures/charmcraft.yaml")]
struct Observing {
    #[component(containers = ["workload"], storage = ["data"])]
    workload: Trivial,
    #[component(depends_on = [workload], relations = ["relation-1"])]
    relation_1: WantsSecrets,
    #[component]
    unwired: Trivial,
}

impl Charm for Observing {
    fn new() -> Observing {
        charm()
    }
}

fn charm() -> Observing {
    Observing {
        workload: Trivial,
        relation_1: WantsSecrets,
        unwired: Trivial,
    }
}

/// Whether `event` runs a reconcile of the charm (rather than being ignored).
fn is_reconcile_event(_: &Observing, event: &Event) -> bool {
    let mut backend = MemoryBackend::new(State::default());
    let report = handle_event::<Observing>(&mut Context::new(&mut backend, event));
    match report.handling {
        Handling::Reconciled(_) => true,
        Handling::Ignored => false,
        other => panic!("{event} was neither reconciled nor ignored: {other:?}"),
    }
}

fn relation_event(endpoint: &str, kind: RelationEventKind) -> Event {
    Event::Relation {
        kind,
        endpoint: endpoint.into(),
        id: reconciler_core::RelationId(1),
        remote_app: Some("remote".into()),
        remote_unit: Some("remote/0".into()),
        departing_unit: None,
    }
}

#[test]
fn static_names_come_after_the_components_own() {
    let charm = charm();
    assert_eq!(
        charm.component_observes(0),
        [Observe::container("workload"), Observe::storage("data")]
    );
    assert_eq!(
        charm.component_observes(1),
        [Observe::Secrets, Observe::relation("relation-1")]
    );
    assert!(charm.component_observes(2).is_empty());
}

#[test]
fn events_of_static_names_reconcile() {
    let charm = charm();
    for kind in [
        RelationEventKind::Created,
        RelationEventKind::Joined,
        RelationEventKind::Changed,
        RelationEventKind::Departed,
        RelationEventKind::Broken,
    ] {
        assert!(is_reconcile_event(
            &charm,
            &relation_event("relation-1", kind)
        ));
    }
    let pebble_ready = Event::Pebble {
        kind: PebbleEventKind::Ready,
        container: "workload".into(),
        check: None,
        notice: None,
    };
    assert!(is_reconcile_event(&charm, &pebble_ready));
    let attached = Event::Storage {
        kind: StorageEventKind::Attached,
        name: "data".into(),
        id: Some("data/0".into()),
    };
    assert!(is_reconcile_event(&charm, &attached));
}

#[test]
fn names_no_component_declares_do_not_reconcile() {
    let charm = charm();
    // Declared in the metadata, but no component lists it.
    assert!(!is_reconcile_event(
        &charm,
        &relation_event("relation-2", RelationEventKind::Changed)
    ));
    assert!(!is_reconcile_event(
        &charm,
        &relation_event("cluster", RelationEventKind::Joined)
    ));
}

/// The file `ui/metadata_no_interface.rs` fails to build with (an endpoint without an
/// `interface`) is refused at run time with the same problem: the derive and the runtime
/// read charm metadata with the same code.
#[test]
fn metadata_the_derive_refuses_is_refused_at_run_time_with_the_same_message() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(dir.join("ui/fixtures/no_interface.yaml"))
        .expect("the fixture exists");
    let temp = tempfile::tempdir().expect("a temporary directory");
    let charm_dir = temp.path();
    std::fs::write(charm_dir.join("charmcraft.yaml"), &text).expect("writes charmcraft.yaml");
    let loaded = reconciler_core::metadata::Metadata::load(charm_dir);
    let error = loaded.expect_err("an endpoint without an interface is refused at run time");
    assert_eq!(error.path(), charm_dir.join("charmcraft.yaml"));
    assert_eq!(error.line(), Some(7));

    let compile_error = std::fs::read_to_string(dir.join("ui/metadata_no_interface.stderr"))
        .expect("the UI snapshot exists");
    let problem = error.problem();
    assert!(
        compile_error.contains(&format!("is not valid charm metadata: {problem}\n")),
        "run time: {problem}\ncompile time: {compile_error}"
    );
}
