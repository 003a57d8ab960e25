//! `PebbleServiceComponent` on the in-memory container: every status, leader and
//! non-leader, template errors, replans and restarts only when something changed, and the
//! author's type read by dependents (with and without typed dependencies).

mod support;

use reconciler_components::pebble_files::File;
use reconciler_components::pebble_service::{PebbleServiceComponent, PebbleWorkload};
use reconciler_components::template::Template;
use reconciler_core::pebble::{
    CheckInfo, ErrorKind, ExecOutput, ExecRequest, FileInfo, Layer, ListFilesOptions,
    MakeDirOptions, NoticeQuery, Pebble, PebbleError, PebbleNotice, PushOptions, ServiceInfo,
    ServiceStatus,
};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Container, Harness, Output, State};
use reconciler_core::{Handling, Outcome, UpdateStatus, reconcile};

use support::{TestBackend, config_string, enabled_service};

const METADATA: &str = r#"
name: demo
containers:
  app: {}
config:
  options:
    greeting: {type: string, default: hello}
    web-template: {type: string, default: "greeting = {{ greeting }}\n"}
    web-command: {type: string, default: /bin/web}
    workers: {type: int, default: 2}
"#;

/// Two services, `web` and `worker`, each with its config file.
#[derive(Debug, Default)]
pub struct App {
    pub greeting: String,
}

impl PebbleWorkload for App {
    fn layer(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
        self.greeting = config_string(ctx, "greeting")?;
        let web = enabled_service(&config_string(ctx, "web-command")?);
        Ok(Layer {
            services: [
                ("web".to_owned(), web),
                ("worker".to_owned(), enabled_service("/bin/worker")),
            ]
            .into(),
            ..Layer::default()
        })
    }

    fn files(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        let template = Template::new("web.conf.j2", config_string(ctx, "web-template")?);
        let workers = ctx.config_value("workers")?.and_then(|v| v.as_int());
        Ok(vec![
            File::template(
                "/etc/web.conf",
                template,
                serde_json::json!({"greeting": self.greeting}),
            )
            .permissions(0o640)
            .used_by(["web"]),
            File::new("/etc/worker.conf", format!("workers = {workers:?}\n")).used_by(["worker"]),
        ])
    }
}

/// Reads the greeting from the workload.
#[derive(Debug, Default)]
pub struct Reader {
    pub seen: Option<String>,
}

impl<'a> Component<&'a PebbleServiceComponent<App>> for Reader {
    fn configure_unit(
        &mut self,
        _: &mut Context<'_>,
        app: &'a PebbleServiceComponent<App>,
    ) -> Result<(), ComponentError> {
        self.seen = Some(app.workload().greeting.clone());
        Ok(())
    }
    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.seen {
            Some(greeting) if greeting == "hello" => Status::active(),
            Some(other) => Status::blocked(format!("unexpected greeting {other}")),
            None => Status::maintenance("not configured yet"),
        }
    }
}

#[derive(CharmReconciler)]
pub struct Demo {
    #[component]
    app: PebbleServiceComponent<App>,
    #[component(depends_on = [app])]
    reader: Reader,
}

impl Charm for Demo {
    fn new() -> Demo {
        Demo {
            app: PebbleServiceComponent::new("app", "app", App::default()),
            reader: Reader::default(),
        }
    }
}

fn harness() -> Harness {
    Harness::from_yaml(METADATA).unwrap()
}

fn with_app(container: Container) -> State {
    State::default().with_container(container)
}

/// Runs config-changed on a charm over the given Pebble and returns the backend.
fn run_on<P: Pebble>(state: State, pebble: P) -> (TestBackend<P>, reconciler_core::Report) {
    let mut state = state;
    let metadata = harness().metadata().clone();
    for (key, value) in metadata.default_config() {
        state.config.entry(key).or_insert(value);
    }
    let mut backend = TestBackend::new(state, "app", pebble);
    let event = Event::ConfigChanged;
    let mut charm = Demo::new();
    let report = reconcile(&mut charm, &mut Context::new(&mut backend, &event));
    (backend, report)
}

fn app_container(out: &Output) -> &Container {
    out.state.container("app").unwrap()
}

#[test]
fn waits_for_pebble_until_it_answers_and_touches_nothing() {
    let out = harness()
        .run::<Demo>(
            Event::ConfigChanged,
            with_app(Container::new("app").unreachable()),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::waiting("[app] waiting for Pebble in container app")
    );
    assert_eq!(
        out.skipped(),
        [(
            "reader",
            "waiting on app (waiting: waiting for Pebble in container app)".to_owned()
        )]
    );
    assert!(app_container(&out).files.is_empty());
    assert!(app_container(&out).layers.is_empty());
}

#[test]
fn active_with_files_and_services_on_the_leader_and_on_other_units() {
    for leader in [true, false] {
        let state = with_app(Container::new("app")).with_leader(leader);
        let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
        assert_eq!(out.unit_status, Status::active(), "leader {leader}");
        assert_eq!(out.executed(), ["app", "reader"]);
        let app = app_container(&out);
        assert_eq!(app.files["/etc/web.conf"], b"greeting = hello\n");
        assert_eq!(app.files["/etc/worker.conf"], b"workers = Some(2)\n");
        assert_eq!(app.service_status("web"), Some(ServiceStatus::Active));
        assert_eq!(app.service_status("worker"), Some(ServiceStatus::Active));
        assert_eq!(app.layers.len(), 1);
        assert_eq!(app.layers[0].0, "app");
    }
}

#[test]
fn files_are_pushed_before_the_layer_is_added_and_replanned() {
    let (backend, report) = run_on(State::default(), Container::new("app"));
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(
        backend.pebble.changes(),
        [
            "push /etc/web.conf",
            "push /etc/worker.conf",
            "add_layer app",
            "replan"
        ]
    );
}

#[test]
fn an_unchanged_layer_is_not_replanned_and_unchanged_files_are_not_pushed() {
    let (first, _) = run_on(State::default(), Container::new("app"));
    let (second, report) = run_on(State::default(), first.pebble.inner);
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(second.pebble.changes(), ["add_layer app"]);
    // It compared with what is there.
    assert_eq!(
        second.pebble.calls_to("pull"),
        ["pull /etc/web.conf", "pull /etc/worker.conf"]
    );
}

#[test]
fn a_changed_template_restarts_only_the_service_that_uses_it() {
    let (first, _) = run_on(State::default(), Container::new("app"));
    let (second, report) = run_on(
        State::default().with_config("greeting", "hi"),
        first.pebble.inner,
    );
    assert_eq!(report.status_of("app"), Some(&Status::active()));
    assert_eq!(
        second.pebble.changes(),
        ["push /etc/web.conf", "add_layer app", "restart web"]
    );
    assert_eq!(
        second.pebble.inner.files["/etc/web.conf"],
        b"greeting = hi\n"
    );
    // Nothing left to restart.
    assert!(
        second.juju.state.stored.is_empty(),
        "{:?}",
        second.juju.state.stored
    );
}

#[test]
fn a_service_the_replan_restarted_is_not_restarted_again_for_its_file() {
    let (first, _) = run_on(State::default(), Container::new("app"));
    let state = State::default()
        .with_config("greeting", "hi")
        .with_config("web-command", "/bin/web --new");
    let (second, _) = run_on(state, first.pebble.inner);
    assert_eq!(
        second.pebble.changes(),
        ["push /etc/web.conf", "add_layer app", "replan"]
    );
}

#[test]
fn a_stopped_enabled_service_is_replanned_even_with_an_unchanged_layer() {
    let (mut first, _) = run_on(State::default(), Container::new("app"));
    first
        .pebble
        .inner
        .services
        .insert("worker".into(), ServiceStatus::Inactive);
    let (second, report) = run_on(State::default(), first.pebble.inner);
    assert_eq!(second.pebble.changes(), ["add_layer app", "replan"]);
    assert_eq!(report.unit_status, Status::active());
}

#[test]
fn a_template_syntax_error_blocks_with_template_and_line_and_pushes_nothing() {
    let out = harness()
        .run::<Demo>(Event::ConfigChanged, with_app(Container::new("app")))
        .unwrap();
    let before = app_container(&out).clone();
    let state = out
        .state
        .with_config("web-template", "a = 1\nb = {{ greeting \n")
        .with_config("workers", 5);
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    let status = out.status_of("app").unwrap();
    assert_eq!(
        status.kind,
        reconciler_core::StatusKind::Blocked,
        "{status}"
    );
    assert!(
        status
            .message
            .starts_with("cannot render /etc/web.conf: template web.conf.j2 line 2: syntax error"),
        "{status}"
    );
    // Not even the file that did render (worker.conf changed too) was pushed.
    assert_eq!(app_container(&out), &before);
}

/// A template mistake is the operator's to fix: it shows while Pebble is still down,
/// rather than hiding behind "waiting for Pebble".
#[test]
fn a_template_error_shows_while_pebble_is_down() {
    let state = with_app(Container::new("app").unreachable())
        .with_config("web-template", "x\n{{ greting }}\n");
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("app"),
        Some(&Status::blocked(
            "cannot render /etc/web.conf: template web.conf.j2 line 2: undefined value"
        ))
    );
}

#[test]
fn a_missing_variable_blocks_naming_it_and_pushes_nothing() {
    let state = with_app(Container::new("app")).with_config("web-template", "x\n{{ greting }}\n");
    let out = harness().run::<Demo>(Event::ConfigChanged, state).unwrap();
    assert_eq!(
        out.status_of("app"),
        Some(&Status::blocked(
            "cannot render /etc/web.conf: template web.conf.j2 line 2: undefined value"
        ))
    );
    assert!(app_container(&out).files.is_empty());
    assert!(app_container(&out).layers.is_empty());
}

#[test]
fn a_restarting_service_is_waiting() {
    let (mut first, _) = run_on(State::default(), Container::new("app"));
    first
        .pebble
        .inner
        .services
        .insert("web".into(), ServiceStatus::Backoff);
    let (second, report) = run_on(State::default(), first.pebble.inner);
    assert_eq!(
        report.status_of("app"),
        Some(&Status::waiting("service web is restarting"))
    );
    // Pebble is already restarting it: no replan.
    assert_eq!(second.pebble.changes(), ["add_layer app"]);
}

/// The in-memory container, except that the replan leaves `web` failed, as Pebble does
/// for a service that cannot start.
struct WebFails(Container);

impl Pebble for WebFails {
    fn can_connect(&mut self) -> bool {
        self.0.can_connect()
    }
    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        self.0.add_layer(label, layer, combine)
    }
    fn plan(&mut self) -> Result<Layer, PebbleError> {
        Pebble::plan(&mut self.0)
    }
    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        self.0.services(names)
    }
    fn replan(&mut self) -> Result<(), PebbleError> {
        self.0.replan()?;
        self.0.services.insert("web".into(), ServiceStatus::Error);
        Ok(())
    }
    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.0.start(names)
    }
    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.0.stop(names)
    }
    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        if names.contains(&"worker") {
            return Err(PebbleError::Api {
                container: "app".into(),
                request: "POST /v1/services".into(),
                status: 500,
                kind: None,
                message: "restart refused".into(),
            });
        }
        self.0.restart(names)
    }
    fn push_with(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<(), PebbleError> {
        if path.starts_with("/readonly") {
            return Err(PebbleError::Path {
                container: "app".into(),
                request: "POST /v1/files".into(),
                path: path.into(),
                kind: ErrorKind::PermissionDenied,
                message: format!("open {path}: permission denied"),
            });
        }
        self.0.push_with(path, content, options)
    }
    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError> {
        self.0.pull(path)
    }
    fn list_files(
        &mut self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, PebbleError> {
        self.0.list_files(path, options)
    }
    fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        self.0.make_dir(path, options)
    }
    fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        self.0.remove_path(path, recursive)
    }
    fn start_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.0.start_checks(names)
    }
    fn stop_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.0.stop_checks(names)
    }
    fn notices(&mut self, query: &NoticeQuery) -> Result<Vec<PebbleNotice>, PebbleError> {
        self.0.notices(query)
    }
    fn notify(
        &mut self,
        key: &str,
        data: &std::collections::BTreeMap<String, String>,
    ) -> Result<String, PebbleError> {
        self.0.notify(key, data)
    }
    fn exec(&mut self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        self.0.exec(request)
    }
    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError> {
        self.0.checks()
    }
}

#[test]
fn a_failed_service_is_blocked_naming_it() {
    let (_, report) = run_on(State::default(), WebFails(Container::new("app")));
    assert_eq!(
        report.status_of("app"),
        Some(&Status::blocked("service web failed"))
    );
    assert_eq!(
        report.unit_status,
        Status::blocked("[app] service web failed")
    );
}

#[test]
fn a_restart_that_fails_is_retried_by_the_next_reconcile() {
    let (first, _) = run_on(State::default(), Container::new("app"));
    // worker.conf changes; its restart fails.
    let (second, report) = run_on(
        State::default().with_config("workers", 3),
        WebFails(first.pebble.inner),
    );
    assert_eq!(
        report
            .component("app")
            .map(|c| matches!(c.outcome, Outcome::Failed { .. })),
        Some(true)
    );
    assert_eq!(
        second.pebble.changes(),
        ["push /etc/worker.conf", "add_layer app", "restart worker"]
    );
    // The next reconcile sees the file unchanged, and still restarts worker.
    let mut state = State::default().with_config("workers", 3);
    state.stored = second.juju.state.stored.clone();
    let (third, report) = run_on(state, second.pebble.inner.0);
    assert_eq!(third.pebble.changes(), ["add_layer app", "restart worker"]);
    assert_eq!(report.unit_status, Status::active());
    assert!(third.juju.state.stored.is_empty());
}

/// One file in a place Pebble refuses.
#[derive(Default)]
struct Readonly;

impl PebbleWorkload for Readonly {
    fn layer(&mut self, _: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
        Ok(Layer::default())
    }
    fn files(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        Ok(vec![File::new("/readonly/app.conf", "x")])
    }
}

#[test]
fn a_push_pebble_refuses_blocks_naming_the_path_and_the_reason() {
    let mut backend = TestBackend::new(State::default(), "app", WebFails(Container::new("app")));
    let mut component = PebbleServiceComponent::new("app", "app", Readonly);
    let event = Event::ConfigChanged;
    let mut ctx = Context::new(&mut backend, &event);
    let error = component.configure_unit(&mut ctx, ()).unwrap_err();
    assert_eq!(
        error.status(),
        Status::blocked(
            "cannot push /readonly/app.conf: permission-denied: open /readonly/app.conf: permission denied"
        )
    );
}

/// Names a service that is nowhere.
#[derive(Default)]
struct Typo;

impl PebbleWorkload for Typo {
    fn layer(&mut self, _: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
        Ok(Layer {
            services: [("web".to_owned(), enabled_service("/bin/web"))].into(),
            ..Layer::default()
        })
    }
    fn files(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        Ok(vec![File::new("/etc/web.conf", "x").used_by(["wbe"])])
    }
}

#[test]
fn a_file_used_by_an_unknown_service_is_blocked_before_anything_is_pushed() {
    let mut backend = TestBackend::new(State::default(), "app", Container::new("app"));
    let mut component = PebbleServiceComponent::new("app", "app", Typo);
    let event = Event::ConfigChanged;
    let error = component
        .configure_unit(&mut Context::new(&mut backend, &event), ())
        .unwrap_err();
    assert_eq!(
        error.status(),
        Status::blocked(
            "file /etc/web.conf is used by service wbe, which is neither in layer app nor in the plan"
        )
    );
    assert!(backend.pebble.changes().is_empty());
}

#[test]
fn observes_its_containers_pebble_events() {
    // Check events name a check the container has (the harness checks that they do).
    let container = Container::new("app").with_check(reconciler_core::pebble::CheckInfo::new(
        "alive",
        reconciler_core::pebble::CheckStatus::Down,
    ));
    let state = with_app(container.clone());
    for event in [
        Event::pebble_ready(&container),
        Event::pebble_check_failed(&container, "alive"),
        Event::pebble_check_recovered(&container, "alive"),
    ] {
        let out = harness().run::<Demo>(event.clone(), state.clone()).unwrap();
        assert!(
            matches!(out.hook.handling, Handling::Reconciled(_)),
            "{event:?}: {:?}",
            out.hook.handling
        );
        assert_eq!(out.unit_status, Status::active());
    }
}

/// The workload alone, with `update-status` computing statuses only.
#[derive(CharmReconciler)]
pub struct Quiet {
    #[component]
    app: PebbleServiceComponent<App>,
}

impl Charm for Quiet {
    fn new() -> Quiet {
        Quiet {
            app: PebbleServiceComponent::new("app", "app", App::default()),
        }
    }
    fn update_status(&self) -> UpdateStatus {
        UpdateStatus::StatusOnly
    }
}

#[test]
fn status_only_update_status_reports_pebbles_answer_for_the_enabled_services() {
    let h = harness();
    let configured = h
        .run::<Quiet>(Event::ConfigChanged, with_app(Container::new("app")))
        .unwrap()
        .state;
    let status_of = |container: Container| {
        let out = h
            .run::<Quiet>(Event::UpdateStatus, with_app(container))
            .unwrap();
        assert!(matches!(out.hook.handling, Handling::StatusOnly(_)));
        out.unit_status
    };
    let app = configured.container("app").unwrap().clone();
    assert_eq!(status_of(app.clone()), Status::active());
    assert_eq!(
        status_of(app.clone().with_service_status("web", ServiceStatus::Error)),
        Status::blocked("[app] service web failed")
    );
    assert_eq!(
        status_of(
            app.clone()
                .with_service_status("web", ServiceStatus::Backoff)
                .with_service_status("worker", ServiceStatus::Inactive)
        ),
        Status::waiting("[app] service web is restarting, service worker is not running")
    );
    assert_eq!(
        status_of(app.unreachable()),
        Status::waiting("[app] waiting for Pebble in container app")
    );
    assert_eq!(
        status_of(Container::new("app")),
        Status::maintenance("[app] not configured yet")
    );
}

/// Settings another component computes, read by the workload through a typed dependency.
#[derive(Debug, Default)]
pub struct Settings {
    pub motd: String,
}

impl Component for Settings {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.motd = format!("{}, world", config_string(ctx, "greeting")?);
        Ok(())
    }
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// A workload whose file comes from its dependency.
#[derive(Debug, Default)]
pub struct Motd;

impl<'a> PebbleWorkload<&'a Settings> for Motd {
    fn layer(&mut self, _: &mut Context<'_>, _: &'a Settings) -> Result<Layer, ComponentError> {
        Ok(Layer {
            services: [("web".to_owned(), enabled_service("/bin/web"))].into(),
            ..Layer::default()
        })
    }
    fn files(
        &mut self,
        _: &mut Context<'_>,
        settings: &'a Settings,
    ) -> Result<Vec<File>, ComponentError> {
        let template = Template::new("motd.j2", "{{ motd }}\n");
        Ok(vec![File::template(
            "/etc/motd",
            template,
            serde_json::json!({"motd": settings.motd}),
        )])
    }
}

#[derive(CharmReconciler)]
pub struct WithDeps {
    #[component]
    settings: Settings,
    #[component(depends_on = [settings])]
    app: PebbleServiceComponent<Motd>,
}

impl Charm for WithDeps {
    fn new() -> WithDeps {
        WithDeps {
            settings: Settings::default(),
            app: PebbleServiceComponent::new("app", "motd", Motd),
        }
    }
}

#[test]
fn the_workload_reads_typed_dependencies() {
    let out = harness()
        .run::<WithDeps>(Event::ConfigChanged, with_app(Container::new("app")))
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(app_container(&out).files["/etc/motd"], b"hello, world\n");
    assert_eq!(
        app_container(&out).service_status("web"),
        Some(ServiceStatus::Active)
    );
}

#[test]
fn the_in_memory_change_log_shows_one_replan_then_only_the_restart_of_the_changed_files_service() {
    let h = harness();
    let first = h
        .run::<Demo>(Event::ConfigChanged, with_app(Container::new("app")))
        .unwrap();
    let log = |out: &Output| -> Vec<String> {
        app_container(out)
            .changes()
            .iter()
            .map(|c| c.kind.clone())
            .collect()
    };
    assert_eq!(log(&first), ["replan"]);
    let second = h
        .run::<Demo>(Event::ConfigChanged, first.state.clone())
        .unwrap();
    assert_eq!(
        log(&second),
        ["replan"],
        "an unchanged layer is not replanned"
    );
    let third = h
        .run::<Demo>(
            Event::ConfigChanged,
            second.state.with_config("greeting", "hi"),
        )
        .unwrap();
    assert_eq!(log(&third), ["replan", "restart"]);
    let app = app_container(&third);
    assert_eq!((app.start_count("web"), app.start_count("worker")), (2, 1));
}

#[test]
fn a_changed_mode_alone_pushes_the_file_again() {
    let (first, _) = run_on(State::default(), Container::new("app"));
    let mut container = first.pebble.inner;
    container
        .file_meta
        .get_mut("/etc/web.conf")
        .expect("pushed with a mode")
        .permissions = 0o644;
    let (second, _) = run_on(State::default(), container);
    assert_eq!(
        second.pebble.changes(),
        ["push /etc/web.conf", "add_layer app", "restart web"]
    );
    assert_eq!(
        second.pebble.inner.file_meta["/etc/web.conf"].permissions,
        0o640
    );
}
