//! The built-in Pebble components against the real `pebble` daemon: files on disk, an
//! unchanged layer not replanned and a changed template restarting only its service
//! (asserted on Pebble's own list of changes), and one scenario run against both the
//! in-memory container and the real Pebble with the outcomes compared.

mod juju_sim;

#[path = "../../reconciler-components/tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use reconciler_components::pebble_files::File;
use reconciler_components::pebble_service::{PebbleServiceComponent, PebbleWorkload};
use reconciler_components::template::Template;
use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{Layer, Pebble, ServiceStatus};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Container, State};
use reconciler_core::{Report, reconcile};

use juju_sim::{PebbleDaemon, pebble_binary, temp_dir};
use support::{TestBackend, config_string, enabled_service};

/// `web` (its command from the `web-command` option) and `worker`, each with a config file
/// under `dir`.
struct App {
    dir: PathBuf,
}

/// The current user's uid and gid (the owner of a directory it just created): the tests
/// are not root, so that is the owner Pebble can give.
fn me() -> (u32, u32) {
    use std::os::unix::fs::MetadataExt as _;
    let probe = tempfile::tempdir().unwrap();
    let mine = std::fs::metadata(probe.path()).unwrap();
    (mine.uid(), mine.gid())
}

impl App {
    fn web_conf(&self) -> String {
        self.dir.join("etc/web.conf").display().to_string()
    }
    fn worker_conf(&self) -> String {
        self.dir.join("etc/worker.conf").display().to_string()
    }
}

impl PebbleWorkload for App {
    fn layer(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
        Ok(Layer {
            services: [
                (
                    "web".to_owned(),
                    enabled_service(&config_string(ctx, "web-command")?),
                ),
                ("worker".to_owned(), enabled_service("sleep 300")),
            ]
            .into(),
            ..Layer::default()
        })
    }

    fn files(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        let greeting = config_string(ctx, "greeting")?;
        let mode = ctx
            .config_value("web-mode")?
            .and_then(|v| v.as_int())
            .map_or(0o640, |m| m as u32);
        let (uid, gid) = me();
        let template = Template::new("web.conf.j2", "greeting = {{ greeting }}\n");
        Ok(vec![
            File::template(
                self.web_conf(),
                template,
                serde_json::json!({"greeting": greeting}),
            )
            .permissions(mode)
            .user_id(uid)
            .group_id(gid)
            .used_by(["web"]),
            File::new(self.worker_conf(), "threads = 2\n")
                .permissions(0o600)
                .used_by(["worker"]),
        ])
    }
}

#[derive(CharmReconciler)]
struct Demo {
    #[component]
    app: PebbleServiceComponent<App>,
}

impl Charm for Demo {
    fn new() -> Demo {
        Demo::at(Path::new("/srv"))
    }
}

impl Demo {
    fn at(dir: &Path) -> Demo {
        Demo {
            app: PebbleServiceComponent::new(
                "app",
                "app",
                App {
                    dir: dir.to_path_buf(),
                },
            ),
        }
    }
}

/// The config of one step of a scenario.
fn config(greeting: &str, web_command: &str) -> State {
    State::default()
        .with_config("greeting", greeting)
        .with_config("web-command", web_command)
}

/// A real Pebble in a fresh directory.
fn real_pebble() -> (tempfile::TempDir, PebbleDaemon) {
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let dir = temp_dir("components");
    let daemon = PebbleDaemon::start(&pebble, &dir.path().join("pebble"));
    (dir, daemon)
}

/// Runs config-changed of [`Demo`] (files under `dir`) against `pebble`.
fn run<P: Pebble>(dir: &Path, state: State, pebble: P) -> (TestBackend<P>, Report) {
    let mut backend = TestBackend::new(state, "app", pebble);
    let event = Event::ConfigChanged;
    let report = reconcile(&mut Demo::at(dir), &mut Context::new(&mut backend, &event));
    (backend, report)
}

/// Pebble's own list of changes (`GET /v1/changes?select=all`, asked with curl): the
/// summary of each, oldest first.
fn pebble_changes(daemon: &PebbleDaemon) -> Vec<String> {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--unix-socket"])
        .arg(daemon.socket())
        .arg("http://localhost/v1/changes?select=all")
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "{output:?}");
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut changes: Vec<(u64, String)> = body["result"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list of changes: {body}"))
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap().parse().unwrap();
            (id, c["summary"].as_str().unwrap().to_owned())
        })
        .collect();
    changes.sort();
    changes.into_iter().map(|(_, summary)| summary).collect()
}

#[test]
fn the_files_land_on_disk_and_an_unchanged_layer_is_not_replanned() {
    let (dir, daemon) = real_pebble();
    let client = PebbleClient::new("app", daemon.socket());
    let (first, report) = run(dir.path(), config("hello", "sleep 300"), client);
    assert_eq!(report.unit_status, Status::active(), "{report:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("etc/web.conf")).unwrap(),
        "greeting = hello\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("etc/worker.conf")).unwrap(),
        "threads = 2\n"
    );
    let changes = pebble_changes(&daemon);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(changes[0].starts_with("Replan"), "{changes:?}");

    // The same config again: Pebble records no change at all.
    let (second, report) = run(dir.path(), config("hello", "sleep 300"), first.pebble.inner);
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(second.pebble.changes(), ["add_layer app"]);
    assert_eq!(pebble_changes(&daemon), changes);
}

#[test]
fn files_get_their_mode_and_owner_on_disk_and_a_changed_mode_alone_is_pushed_again() {
    use std::os::unix::fs::MetadataExt as _;
    let (dir, daemon) = real_pebble();
    let client = PebbleClient::new("app", daemon.socket());
    let (first, report) = run(dir.path(), config("hello", "sleep 300"), client);
    assert_eq!(report.unit_status, Status::active(), "{report:?}");
    let (uid, gid) = me();
    let web = std::fs::metadata(dir.path().join("etc/web.conf")).unwrap();
    assert_eq!(web.mode() & 0o7777, 0o640);
    assert_eq!((web.uid(), web.gid()), (uid, gid));
    let worker = std::fs::metadata(dir.path().join("etc/worker.conf")).unwrap();
    assert_eq!(worker.mode() & 0o7777, 0o600);

    // Only the mode changes: the file is pushed again with it, and its service restarted.
    let state = config("hello", "sleep 300").with_config("web-mode", 0o600);
    let (second, report) = run(dir.path(), state, first.pebble.inner);
    assert_eq!(report.unit_status, Status::active(), "{report:?}");
    assert_eq!(
        second.pebble.changes(),
        [
            "push ".to_owned() + &dir.path().join("etc/web.conf").display().to_string(),
            "add_layer app".into(),
            "restart web".into()
        ]
    );
    let web = std::fs::metadata(dir.path().join("etc/web.conf")).unwrap();
    assert_eq!(web.mode() & 0o7777, 0o600);
}

#[test]
fn a_changed_template_restarts_only_its_service_in_the_real_pebble() {
    let (dir, daemon) = real_pebble();
    let client = PebbleClient::new("app", daemon.socket());
    let (first, _) = run(dir.path(), config("hello", "sleep 300"), client);
    let before = pebble_changes(&daemon);

    let (_, report) = run(dir.path(), config("hi", "sleep 300"), first.pebble.inner);
    assert_eq!(report.unit_status, Status::active(), "{report:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("etc/web.conf")).unwrap(),
        "greeting = hi\n"
    );
    let after = pebble_changes(&daemon);
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    let restart = after.last().unwrap();
    assert!(
        restart.starts_with("Restart")
            && restart.contains("\"web\"")
            && !restart.contains("worker"),
        "{after:?}"
    );
}

/// What one step of the scenario came to, in terms both Pebbles can be compared on.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    status: Status,
    files: BTreeMap<String, String>,
    services: BTreeMap<String, ServiceStatus>,
    changes: Vec<String>,
}

fn outcome<P: Pebble>(backend: &mut TestBackend<P>, report: &Report, dir: &Path) -> Outcome {
    let mut files = BTreeMap::new();
    for name in ["etc/web.conf", "etc/worker.conf"] {
        let path = dir.join(name).display().to_string();
        let content = backend.pebble.inner.pull(&path).unwrap();
        files.insert(name.to_owned(), String::from_utf8(content).unwrap());
    }
    let services = backend
        .pebble
        .inner
        .services(&[])
        .unwrap()
        .into_iter()
        .map(|s| (s.name, s.current))
        .collect();
    Outcome {
        status: report.unit_status.clone(),
        files,
        services,
        changes: backend
            .pebble
            .changes()
            .into_iter()
            .map(str::to_owned)
            .collect(),
    }
}

#[test]
fn one_scenario_on_the_in_memory_container_and_the_real_pebble_comes_out_the_same() {
    let (dir, daemon) = real_pebble();
    let steps = [
        ("install", config("hello", "sleep 300")),
        ("nothing changed", config("hello", "sleep 300")),
        ("greeting changed", config("hi", "sleep 300")),
        (
            "web command and greeting changed",
            config("hey", "sleep 301"),
        ),
        ("nothing changed again", config("hey", "sleep 301")),
    ];
    let mut memory = Container::new("app");
    let mut real = PebbleClient::new("app", daemon.socket());
    let mut pebble_changes_before = 0;
    for (step, state) in steps {
        let (mut on_memory, report) = run(dir.path(), state.clone(), memory);
        let from_memory = outcome(&mut on_memory, &report, dir.path());
        let (mut on_real, report) = run(dir.path(), state, real);
        let from_real = outcome(&mut on_real, &report, dir.path());
        assert_eq!(from_memory, from_real, "step {step}");

        // Pebble's own record: one change per replan or restart the component made.
        let recorded = pebble_changes(&daemon).len();
        let made = from_real
            .changes
            .iter()
            .filter(|c| *c == "replan" || c.starts_with("restart"))
            .count();
        assert_eq!(recorded - pebble_changes_before, made, "step {step}");
        pebble_changes_before = recorded;

        memory = on_memory.pebble.inner;
        real = on_real.pebble.inner;
    }
}
