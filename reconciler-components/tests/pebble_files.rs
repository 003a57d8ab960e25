//! `PebbleFilesComponent` on the in-memory container: waiting for Pebble, files pushed
//! only when they differ, a changed file restarting only the running services that use
//! it, template errors pushing nothing.

mod support;

use reconciler_components::pebble_files::{File, PebbleFiles, PebbleFilesComponent};
use reconciler_components::template::Template;
use reconciler_core::pebble::{Layer, Service, ServiceStatus, Startup};
use reconciler_core::prelude::*;
use reconciler_core::reconcile;
use reconciler_core::testing::{Container, Harness, State};

use support::TestBackend;

const METADATA: &str = r#"
name: demo
containers:
  app: {}
config:
  options:
    greeting: {type: string, default: hello}
    template: {type: string, default: "greeting = {{ greeting }}\n"}
"#;

/// `/etc/a.conf` from a template, used by `a`; `/etc/b.conf` literal, used by `b`.
pub struct Configs;

impl PebbleFiles for Configs {
    fn files(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        let get = |ctx: &mut Context<'_>, key| -> Result<String, ComponentError> {
            Ok(ctx
                .config_value(key)?
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default())
        };
        let greeting = get(ctx, "greeting")?;
        let template = Template::new("a.conf.j2", get(ctx, "template")?);
        Ok(vec![
            File::template(
                "/etc/a.conf",
                template,
                serde_json::json!({"greeting": greeting}),
            )
            .used_by(["a"]),
            File::new("/etc/b.conf", "b\n").used_by(["b"]),
        ])
    }
}

#[derive(CharmReconciler)]
pub struct Demo {
    #[component]
    files: PebbleFilesComponent<Configs>,
}

impl Charm for Demo {
    fn new() -> Demo {
        Demo {
            files: PebbleFilesComponent::new("app", Configs),
        }
    }
}

fn harness() -> Harness {
    Harness::from_yaml(METADATA).unwrap()
}

/// A container running services `a` and `b` (from some other component's layer).
fn running() -> Container {
    let service = Service {
        command: Some("/bin/x".into()),
        startup: Some(Startup::Enabled),
        ..Service::default()
    };
    let layer = Layer {
        services: [("a".to_owned(), service.clone()), ("b".to_owned(), service)].into(),
        ..Layer::default()
    };
    Container::new("app")
        .with_layer("services", layer)
        .with_service_status("a", ServiceStatus::Active)
        .with_service_status("b", ServiceStatus::Active)
}

fn run(state: State, container: Container) -> (TestBackend<Container>, Status) {
    let mut state = state;
    for (key, value) in harness().metadata().default_config() {
        state.config.entry(key).or_insert(value);
    }
    let mut backend = TestBackend::new(state, "app", container);
    let event = Event::ConfigChanged;
    let report = reconcile(&mut Demo::new(), &mut Context::new(&mut backend, &event));
    (backend, report.unit_status)
}

#[test]
fn waits_for_pebble() {
    let state = State::default().with_container(Container::new("app").unreachable());
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.unit_status,
        Status::waiting("[files] waiting for Pebble in container app")
    );
}

#[test]
fn pushes_missing_files_then_nothing_while_they_are_unchanged() {
    let (first, status) = run(State::default(), running());
    assert_eq!(status, Status::active());
    assert_eq!(
        first.pebble.changes(),
        ["push /etc/a.conf", "push /etc/b.conf", "restart a,b"]
    );
    let (second, status) = run(State::default(), first.pebble.inner);
    assert_eq!(status, Status::active());
    assert!(
        second.pebble.changes().is_empty(),
        "{:?}",
        second.pebble.calls
    );
}

#[test]
fn a_changed_file_restarts_only_the_running_services_that_use_it() {
    let (first, _) = run(State::default(), running());
    let (second, _) = run(
        State::default().with_config("greeting", "hi"),
        first.pebble.inner,
    );
    assert_eq!(second.pebble.changes(), ["push /etc/a.conf", "restart a"]);
    assert_eq!(second.pebble.inner.files["/etc/a.conf"], b"greeting = hi\n");

    // A stopped service is left stopped.
    let mut container = second.pebble.inner;
    container
        .services
        .insert("a".into(), ServiceStatus::Inactive);
    let (third, _) = run(State::default().with_config("greeting", "hey"), container);
    assert_eq!(third.pebble.changes(), ["push /etc/a.conf"]);
    assert_eq!(
        third.pebble.inner.service_status("a"),
        Some(ServiceStatus::Inactive)
    );
}

#[test]
fn services_not_in_the_plan_are_not_restarted() {
    let (backend, status) = run(State::default(), Container::new("app"));
    assert_eq!(status, Status::active());
    assert_eq!(
        backend.pebble.changes(),
        ["push /etc/a.conf", "push /etc/b.conf"]
    );
}

#[test]
fn a_template_error_blocks_and_pushes_nothing() {
    let state = State::default()
        .with_container(running())
        .with_config("template", "{% if greeting %}\n");
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    let status = out.status_of("files").unwrap();
    assert!(
        status
            .message
            .starts_with("cannot render /etc/a.conf: template a.conf.j2 line "),
        "{status}"
    );
    assert_eq!(status.kind, reconciler_core::StatusKind::Blocked);
    assert!(out.state.container("app").unwrap().files.is_empty());
}
