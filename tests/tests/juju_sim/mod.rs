//! Running a charm binary as Juju would, with the stand-in hook tools: a charm directory
//! (charmcraft.yaml, dispatch, the binary), `JUJU_*` variables, the working directory the
//! charm directory, and the tools on PATH reading and writing a state file. See
//! `tests/hook-tools/README.md`.

#![allow(dead_code)]

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[path = "../../hook-tools/state.rs"]
pub mod state;

#[allow(unused_imports)]
pub use state::{Fault, Flood, SimAction, SimRelation, SimState, SimStatus, TOOLS};
// Secrets (secret-*).
#[allow(unused_imports)]
pub use state::{SimGrant, SimOwner, SimSecret};
// Tools: storage, network.
#[allow(unused_imports)]
pub use state::{SimAddress, SimInterface, SimNetwork, SimStorage};

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

/// The model of a non-leader unit `my-charm/0` with my-charm's config options set, the
/// workload's command being `command` (`sleep 300` is one the test machine has, so the real
/// Pebble can run the service).
pub fn my_charm_state(command: &str) -> SimState {
    let mut state = SimState {
        unit: "my-charm/0".into(),
        leader: false,
        ..SimState::default()
    };
    state.config.insert("port".into(), 8080.into());
    state.config.insert("greeting".into(), "hello".into());
    state.config.insert("command".into(), command.into());
    state
}

/// Builds `examples/my-charm` (once per test binary) and returns its binary: a debug
/// build for tests, a release build for benchmarks (`cfg(debug_assertions)` tells which).
/// `RECONCILER_E2E_MY_CHARM` names a binary built otherwise instead (for instance the
/// static release build for `x86_64-unknown-linux-musl` that a charm would ship).
pub fn my_charm_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(given) = std::env::var_os("RECONCILER_E2E_MY_CHARM") {
            let binary = PathBuf::from(given);
            assert!(
                binary.is_file(),
                "RECONCILER_E2E_MY_CHARM={} is not a file",
                binary.display()
            );
            return binary;
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut args = vec!["build", "--quiet", "-p", "my-charm", "--bin", "my-charm"];
        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            args.push("--release");
            "release"
        };
        let status = Command::new(cargo)
            .args(&args)
            .current_dir(workspace())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building examples/my-charm failed");
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("target"));
        let binary = target.join(profile).join("my-charm");
        assert!(binary.exists(), "{} was not built", binary.display());
        binary
    })
}

/// A fresh temporary directory named after `label`, removed on drop.
pub fn temp_dir(label: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("reconciler-e2e-{label}-"))
        .tempdir()
        .expect("a temporary directory")
}

/// How long a hook may run before the harness kills it (with everything in its process
/// group) and reports [`Run::timed_out`], unless [`Unit::deadline`] says otherwise. Only a
/// hook that hangs gets near it.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);

/// What one hook run did.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// The charm's stdout.
    pub stdout: String,
    /// The charm's stderr.
    pub stderr: String,
    /// Every hook-tool call of this run, argv with the tool name first.
    pub calls: Vec<Vec<String>>,
    /// How long the process took.
    pub elapsed: Duration,
    /// Whether the harness killed the hook at [`Unit::deadline`].
    pub timed_out: bool,
}

impl Run {
    /// The calls besides `juju-log`, as command lines.
    pub fn tool_lines(&self) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|l| !l.starts_with("juju-log"))
            .collect()
    }

    /// Asserts that the hook exited 0 without a panic, showing stderr and the calls if not.
    #[track_caller]
    pub fn assert_exit_0_no_panic(&self) {
        assert_eq!(
            self.code,
            0,
            "exit code; stderr:\n{}\ncalls: {:#?}",
            self.stderr,
            self.lines()
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
    }

    /// The tool names called, in order, without `juju-log`.
    pub fn tools(&self) -> Vec<&str> {
        self.calls
            .iter()
            .map(|c| c[0].as_str())
            .filter(|t| *t != "juju-log")
            .collect()
    }

    /// How many `juju-log` calls were made.
    pub fn juju_log_calls(&self) -> usize {
        self.calls.iter().filter(|c| c[0] == "juju-log").count()
    }

    /// The calls as command lines, `tool arg arg`.
    pub fn lines(&self) -> Vec<String> {
        self.calls.iter().map(|c| c.join(" ")).collect()
    }
}

/// A unit of a charm, with its own charm directory, tools and state.
pub struct Unit {
    dir: tempfile::TempDir,
    /// The charm directory (`JUJU_CHARM_DIR`).
    pub charm_dir: PathBuf,
    bin_dir: PathBuf,
    state_path: PathBuf,
    calls_path: PathBuf,
    /// Extra variables for every run.
    pub env: Vec<(String, String)>,
    /// Tools left off PATH.
    pub missing_tools: Vec<String>,
    /// How long a hook may run before the harness kills it ([`DEFAULT_DEADLINE`]).
    pub deadline: Duration,
}

impl Unit {
    /// A unit of the charm whose binary is `binary` and whose source directory (with
    /// `charmcraft.yaml` and `dispatch`) is `source`, starting from `state`.
    pub fn new(binary: &Path, source: &Path, state: &SimState) -> Unit {
        let dir = temp_dir("unit");
        let charm_dir = dir.path().join("charm");
        let bin_dir = dir.path().join("tools");
        std::fs::create_dir_all(&charm_dir).unwrap();
        std::fs::create_dir_all(&bin_dir).unwrap();
        for file in ["charmcraft.yaml", "metadata.yaml"] {
            if source.join(file).exists() {
                std::fs::copy(source.join(file), charm_dir.join(file)).unwrap();
            }
        }
        // Executables are linked, never written: a file being written is open for writing,
        // and a sibling test thread forking at that moment inherits that descriptor until
        // it execs, so running the file then fails with ETXTBSY ("Text file busy").
        // `dispatch` finds the binary next to the link, in the charm directory.
        std::os::unix::fs::symlink(source.join("dispatch"), charm_dir.join("dispatch")).unwrap();
        let name = binary.file_name().unwrap();
        std::os::unix::fs::symlink(binary, charm_dir.join(name)).unwrap();
        let unit = Unit {
            state_path: dir.path().join("state.json"),
            calls_path: dir.path().join("calls.jsonl"),
            dir,
            charm_dir,
            bin_dir,
            env: Vec::new(),
            missing_tools: Vec::new(),
            deadline: DEFAULT_DEADLINE,
        };
        unit.set_state(state);
        unit
    }

    /// A unit of `examples/my-charm`. Unless `state` sets it, the `config-file` option
    /// points into the unit's temp dir: the real Pebble of a test runs as the test's user,
    /// who cannot write the default under `/etc`.
    pub fn my_charm(state: &SimState) -> Unit {
        let unit = Unit::new(
            my_charm_binary(),
            &workspace().join("examples/my-charm"),
            state,
        );
        let config_file = unit.dir.path().join("workload/workload.conf");
        unit.update(|s| {
            s.config
                .entry("config-file")
                .or_insert_with(|| config_file.to_str().unwrap().into());
        });
        unit
    }

    /// A unit of the test charm `tests/charms/panicky` (binary `src/bin/panicky-charm.rs`,
    /// built by Cargo with the tests): it panics on demand and declares storage.
    pub fn panicky(state: &SimState) -> Unit {
        Unit::new(
            Path::new(env!("CARGO_BIN_EXE_panicky-charm")),
            &workspace().join("tests/charms/panicky"),
            state,
        )
    }

    /// A unit of the forty-component test charm (`tests/src/bin/wide-charm.rs`).
    pub fn wide(state: &SimState) -> Unit {
        Unit::new(
            Path::new(env!("CARGO_BIN_EXE_wide-charm")),
            &workspace().join("tests/charms/wide"),
            state,
        )
    }

    // Secrets (secret-*).
    /// A unit of the test charm `tests/charms/secrets` (binary
    /// `src/bin/secrets-charm.rs`): the `script` action runs secret operations.
    pub fn secrets_charm(state: &SimState) -> Unit {
        Unit::new(
            Path::new(env!("CARGO_BIN_EXE_secrets-charm")),
            &workspace().join("tests/charms/secrets"),
            state,
        )
    }

    /// A unit of the test charm `tests/charms/probe` (binary `src/bin/probe-charm.rs`,
    /// built by Cargo with the tests): it calls the storage, network, goal-state,
    /// resource, credential, model and reboot tools as its `probe` option says (tools).
    pub fn probe(state: &SimState) -> Unit {
        Unit::new(
            Path::new(env!("CARGO_BIN_EXE_probe-charm")),
            &workspace().join("tests/charms/probe"),
            state,
        )
    }

    /// Runs one stand-in hook tool directly, with `args`, as a hook would (the unit's state
    /// file, `JUJU_UNIT_NAME`, `JUJU_MODEL_UUID`): to hold it to Juju's argument rules.
    pub fn run_tool(&self, tool: &str, args: &[&str]) -> std::process::Output {
        self.install_tools();
        Command::new(self.bin_dir.join(tool))
            .args(args)
            .env_clear()
            .env("JUJU_UNIT_NAME", self.state().unit)
            .env("JUJU_MODEL_UUID", MODEL_UUID)
            .env("HOOK_TOOLS_STATE", &self.state_path)
            .stdin(Stdio::null())
            .output()
            .expect("the stand-in runs")
    }

    /// A scratch directory inside the unit's temp dir.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    /// Replaces the model.
    pub fn set_state(&self, state: &SimState) {
        std::fs::write(&self.state_path, serde_json::to_vec_pretty(state).unwrap()).unwrap();
    }

    /// The model now.
    pub fn state(&self) -> SimState {
        serde_json::from_slice(&std::fs::read(&self.state_path).unwrap()).unwrap()
    }

    /// Changes the model.
    pub fn update(&self, change: impl FnOnce(&mut SimState)) {
        let mut state = self.state();
        change(&mut state);
        self.set_state(&state);
    }

    fn install_tools(&self) {
        let hook_tool = Path::new(env!("CARGO_BIN_EXE_hook-tool"));
        for tool in TOOLS {
            let link = self.bin_dir.join(tool);
            let _ = std::fs::remove_file(&link);
            if !self.missing_tools.iter().any(|m| m == tool) {
                std::os::unix::fs::symlink(hook_tool, &link).unwrap();
            }
        }
    }

    /// Asserts that `secret` appears nowhere a person could read after `run`: the hook's
    /// stdout and stderr, the `juju-log` lines, the unit and application status, the
    /// action's failure message and log, and the arguments of every hook-tool call but
    /// those to the tools in `given_to` (the tools the secret was handed to).
    #[track_caller]
    pub fn assert_not_shown(&self, run: &Run, secret: &str, given_to: &[&str]) {
        let state = self.state();
        let mut places: Vec<(String, String)> = vec![
            ("stdout".into(), run.stdout.clone()),
            ("stderr".into(), run.stderr.clone()),
            ("unit status".into(), state.unit_status.text()),
            ("application status".into(), state.app_status.text()),
        ];
        for line in &state.juju_log {
            places.push(("juju-log".into(), line.message.clone()));
        }
        if let Some(action) = &state.action {
            places.push((
                "action-fail".into(),
                action.failed.clone().unwrap_or_default(),
            ));
            for line in &action.logs {
                places.push(("action-log".into(), line.clone()));
            }
        }
        for call in &run.calls {
            if !given_to.contains(&call[0].as_str()) {
                places.push((format!("{} call", call[0]), call.join(" ")));
            }
        }
        for (place, text) in places {
            assert!(
                !text.contains(secret),
                "{secret:?} is shown in the {place}: {text}"
            );
        }
    }

    /// Runs `dispatch` for `dispatch_path` (`hooks/install`, `actions/x`) with the
    /// unit's variables plus `extra`.
    pub fn dispatch(&self, dispatch_path: &str, extra: &[(&str, &str)]) -> Run {
        let mut vars: Vec<(String, String)> =
            vec![("JUJU_DISPATCH_PATH".into(), dispatch_path.to_owned())];
        let hook = dispatch_path.rsplit('/').next().unwrap_or_default();
        vars.push(("JUJU_HOOK_NAME".into(), hook.to_owned()));
        vars.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self.run_program(&self.charm_dir.join("dispatch"), &vars)
    }

    /// Runs `program` as Juju runs a hook: environment cleared but for PATH (tools first),
    /// `JUJU_*` variables, `HOOK_TOOLS_*` for the stand-ins, in the charm directory.
    pub fn run_program(&self, program: &Path, vars: &[(String, String)]) -> Run {
        self.install_tools();
        let _ = std::fs::remove_file(&self.calls_path);
        let state = self.state();
        let path = format!(
            "{}:{}",
            self.bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("JUJU_UNIT_NAME", &state.unit)
            .env("JUJU_MODEL_NAME", "test-model")
            .env("JUJU_MODEL_UUID", "00000000-0000-4000-8000-000000000000")
            .env("JUJU_VERSION", "3.6.0")
            .env("JUJU_CHARM_DIR", &self.charm_dir)
            .env("HOOK_TOOLS_STATE", &self.state_path)
            .env("HOOK_TOOLS_CALLS", &self.calls_path)
            .current_dir(&self.charm_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A group of its own, so that the deadline kills what it started too.
            .process_group(0);
        for (k, v) in self.env.iter().chain(vars.iter()) {
            command.env(k, v);
        }
        let started = Instant::now();
        let child = command.spawn().expect("the charm runs");
        // A watchdog kills the hook's process group at the deadline unless told it ended.
        let (ended, watch) = mpsc::channel::<()>();
        let group = child.id();
        let deadline = self.deadline;
        let watchdog = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = watch.recv_timeout(deadline) {
                kill_group(group);
                true
            } else {
                false
            }
        });
        let output = child.wait_with_output().expect("waiting for the charm");
        let elapsed = started.elapsed();
        let _ = ended.send(());
        let timed_out = watchdog.join().expect("the watchdog");
        let calls = std::fs::read_to_string(&self.calls_path)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("call log line"))
            .collect();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            calls,
            elapsed,
            timed_out,
        }
    }
}

// Secrets (secret-*).
/// The model UUID every hook run sees (`JUJU_MODEL_UUID`, as `run_program` sets it); the
/// in-memory model writes the same one into secret URIs.
pub const MODEL_UUID: &str = "00000000-0000-4000-8000-000000000000";

/// The variables of a secret event: `JUJU_SECRET_ID`, and `JUJU_SECRET_LABEL` and
/// `JUJU_SECRET_REVISION` when given.
pub fn secret_env(id: &str, label: Option<&str>, revision: Option<u64>) -> Vec<(String, String)> {
    let mut vars = vec![("JUJU_SECRET_ID".to_owned(), id.to_owned())];
    if let Some(label) = label {
        vars.push(("JUJU_SECRET_LABEL".to_owned(), label.to_owned()));
    }
    if let Some(revision) = revision {
        vars.push(("JUJU_SECRET_REVISION".to_owned(), revision.to_string()));
    }
    vars
}

/// Sends SIGKILL to the process group `group`.
fn kill_group(group: u32) {
    let _ = Command::new("/bin/sh")
        .args(["-c", "kill -s KILL -- \"-$1\"", "sh"])
        .arg(group.to_string())
        .status();
}

/// A relation in the stand-in model.
pub fn relation(id: u64, endpoint: &str, remote_app: &str, units: &[&str]) -> SimRelation {
    SimRelation {
        id,
        endpoint: endpoint.into(),
        remote_app: remote_app.into(),
        remote_units: units
            .iter()
            .map(|u| ((*u).to_owned(), Default::default()))
            .collect(),
        ..SimRelation::default()
    }
}

/// The variables of a relation event.
pub fn relation_env(
    endpoint: &str,
    id: u64,
    remote_app: &str,
    remote_unit: Option<&str>,
) -> Vec<(String, String)> {
    let mut vars = vec![
        ("JUJU_RELATION".to_owned(), endpoint.to_owned()),
        ("JUJU_RELATION_ID".to_owned(), format!("{endpoint}:{id}")),
        ("JUJU_REMOTE_APP".to_owned(), remote_app.to_owned()),
    ];
    if let Some(unit) = remote_unit {
        vars.push(("JUJU_REMOTE_UNIT".to_owned(), unit.to_owned()));
    }
    vars
}

/// Finds the `pebble` binary: on PATH, or in `$HOME/go/bin` where `.ci/run` installs it.
pub fn pebble_binary() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| Path::new(d).join("pebble"))
        .collect();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("go/bin/pebble"));
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// A real Pebble daemon (`PEBBLE=<dir> pebble run --hold`), killed on drop.
///
/// `--hold`, as Juju starts Pebble in a workload container: services a layer marks
/// `startup: enabled` start only when the charm replans, never on their own right after
/// the daemon comes up (which would race with what a test asserts).
pub struct PebbleDaemon {
    child: Child,
    /// `$PEBBLE`.
    pub dir: PathBuf,
}

impl PebbleDaemon {
    /// Starts `pebble run` in `dir` and waits for its socket to answer.
    pub fn start(binary: &Path, dir: &Path) -> PebbleDaemon {
        std::fs::create_dir_all(dir.join("layers")).unwrap();
        let log = std::fs::File::create(dir.join("pebble.log")).unwrap();
        let child = Command::new(binary)
            .args(["run", "--hold"])
            .env("PEBBLE", dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("pebble starts");
        let daemon = PebbleDaemon {
            child,
            dir: dir.to_path_buf(),
        };
        let socket = dir.join(".pebble.socket");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
                return daemon;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "pebble did not open {} in 20 s; log: {}",
            socket.display(),
            std::fs::read_to_string(dir.join("pebble.log")).unwrap_or_default()
        );
    }

    /// The daemon's socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.join(".pebble.socket")
    }

    /// Every change Pebble lists (`GET /v1/changes?select=all`), oldest first, as
    /// (kind, summary): `("replan", "Replan service \"svc\"")`. For asserting what a
    /// charm made Pebble do, as the in-memory container's `changes()` does.
    pub fn changes(&self) -> Vec<(String, String)> {
        use std::io::{Read, Write};
        let mut stream = std::os::unix::net::UnixStream::connect(self.socket()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // HTTP/1.0: the answer is not chunked and ends when the connection closes.
        stream
            .write_all(b"GET /v1/changes?select=all HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8(response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").expect("a response body");
        let envelope: serde_json::Value = serde_json::from_str(body).unwrap();
        let mut changes: Vec<(u64, String, String)> = envelope["result"]
            .as_array()
            .expect("a list of changes")
            .iter()
            .map(|c| {
                (
                    c["id"].as_str().unwrap().parse().unwrap(),
                    c["kind"].as_str().unwrap().to_owned(),
                    c["summary"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        changes.sort();
        changes.into_iter().map(|(_, k, s)| (k, s)).collect()
    }
}

impl Drop for PebbleDaemon {
    /// Asks Pebble to shut down (SIGTERM: it stops its services first, so no workload
    /// process outlives the test), then kills it if it has not exited within 10 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
