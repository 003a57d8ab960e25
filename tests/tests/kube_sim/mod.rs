//! A real Kubernetes API server for the tests: `kube-apiserver` on `kine` (the etcd API
//! over SQLite), both built by `scripts/install-kube-apiserver.sh`, which `.ci/run` calls.
//!
//! [`server`] starts one per test binary, on free ports with its own data directory, the
//! first time a test asks for it; every test of that binary shares it (tests keep apart by
//! namespace or by name). The two processes are watched by a small shell loop that kills
//! them once the test binary's process is gone, so they never outlive it (statics are not
//! dropped at exit, so a `Drop` guard would not run).
//!
//! It is the API server and nothing else: **no controllers run**. Nothing garbage-collects
//! objects by owner reference, deleting a namespace leaves it `Terminating` for ever, and no
//! service-account tokens are minted. Tests must not rely on any of that.
//!
//! Two users exist (`--token-auth-file`): [`User::Admin`] in `system:masters`, and
//! [`User::NoRights`], authenticated but granted nothing by RBAC (`--authorization-mode=RBAC`),
//! for tests of what a charm does when it is forbidden.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Who a kubeconfig authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum User {
    /// `admin`, in the group `system:masters`: may do everything.
    Admin,
    /// `nobody`: authenticated, with no RBAC rights.
    NoRights,
}

impl User {
    fn name(self) -> &'static str {
        match self {
            User::Admin => "admin",
            User::NoRights => "nobody",
        }
    }

    fn token(self) -> &'static str {
        match self {
            User::Admin => "reconciler-test-admin-token",
            User::NoRights => "reconciler-test-nobody-token",
        }
    }
}

/// A running API server (see the module documentation).
pub struct ApiServer {
    /// Keeps the data directory alive for the test binary's life.
    _dir: tempfile::TempDir,
    /// The watching shells of kine and kube-apiserver.
    _watchers: Vec<Child>,
    dir: PathBuf,
    port: u16,
    /// How long the server took to answer `/readyz`, from starting kine.
    pub started_in: Duration,
}

/// The API server of this test binary, started on first use.
pub fn server() -> &'static ApiServer {
    static SERVER: OnceLock<ApiServer> = OnceLock::new();
    SERVER.get_or_init(ApiServer::start)
}

/// Where `scripts/install-kube-apiserver.sh` puts a binary: on `PATH`, or `$GOBIN`, or
/// `$HOME/go/bin`.
pub fn binary(name: &str) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| Path::new(d).join(name))
        .collect();
    if let Some(gobin) = std::env::var_os("GOBIN") {
        candidates.push(Path::new(&gobin).join(name));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("go/bin").join(name));
    }
    candidates.into_iter().find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

/// Runs `program` with `args` in the background, its output in `log`, under a shell loop
/// that kills it once this test process is gone. The shell's handle is kept by the caller
/// (the server lives as long as the test binary, so it is never waited for).
fn spawn_watched(program: &Path, args: &[String], log: &Path) -> Child {
    let quoted: Vec<String> = std::iter::once(program.display().to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let script = format!(
        "{} >'{}' 2>&1 & child=$!\n\
         while kill -0 {parent} 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 0.5; done\n\
         kill $child 2>/dev/null; sleep 2; kill -9 $child 2>/dev/null; exit 0",
        quoted.join(" "),
        log.display(),
        parent = std::process::id(),
    );
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh starts")
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn run(program: &str, args: &[&str]) {
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(status.success(), "{program} {args:?} failed");
}

impl ApiServer {
    fn start() -> ApiServer {
        let missing = "(scripts/install-kube-apiserver.sh builds it; .ci/run calls that script)";
        let apiserver = binary("kube-apiserver")
            .unwrap_or_else(|| panic!("the kube-apiserver binary is needed {missing}"));
        let kine = binary("kine").unwrap_or_else(|| panic!("the kine binary is needed {missing}"));
        let tmp = tempfile::Builder::new()
            .prefix("reconciler-kube-")
            .tempdir()
            .expect("a temporary directory");
        let dir = tmp.path().to_path_buf();
        let started = Instant::now();

        let kine_port = free_port();
        let kine_watcher = spawn_watched(
            &kine,
            &[
                "--endpoint".into(),
                format!("sqlite://{}/state.db", dir.display()),
                "--listen-address".into(),
                format!("127.0.0.1:{kine_port}"),
            ],
            &dir.join("kine.log"),
        );

        // The service-account key pair the API server signs and checks tokens with.
        let key = dir.join("sa.key");
        let public = dir.join("sa.pub");
        run(
            "openssl",
            &["genrsa", "-out", key.to_str().unwrap(), "2048"],
        );
        run(
            "openssl",
            &[
                "rsa",
                "-in",
                key.to_str().unwrap(),
                "-pubout",
                "-out",
                public.to_str().unwrap(),
            ],
        );
        let tokens = dir.join("tokens.csv");
        std::fs::write(
            &tokens,
            format!(
                "{},admin,1,\"system:masters\"\n{},nobody,2\n",
                User::Admin.token(),
                User::NoRights.token()
            ),
        )
        .unwrap();

        let port = free_port();
        let args: Vec<String> = [
            format!("--etcd-servers=http://127.0.0.1:{kine_port}"),
            format!("--token-auth-file={}", tokens.display()),
            "--authorization-mode=RBAC".into(),
            format!("--service-account-key-file={}", public.display()),
            format!("--service-account-signing-key-file={}", key.display()),
            "--service-account-issuer=https://kubernetes.default.svc".into(),
            format!("--cert-dir={}", dir.join("certs").display()),
            format!("--secure-port={port}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            "--service-cluster-ip-range=10.96.0.0/24".into(),
        ]
        .into();
        let log = dir.join("kube-apiserver.log");
        let apiserver_watcher = spawn_watched(&apiserver, &args, &log);

        let server = ApiServer {
            _dir: tmp,
            _watchers: vec![kine_watcher, apiserver_watcher],
            dir,
            port,
            started_in: Duration::ZERO,
        };
        let deadline = started + Duration::from_secs(90);
        loop {
            if server.get("/readyz") == Some(200) {
                break;
            }
            if Instant::now() > deadline {
                panic!(
                    "kube-apiserver did not answer /readyz on port {port} in 90 s.\n\
                     kube-apiserver log (last lines):\n{}\nkine log (last lines):\n{}",
                    tail(&log),
                    tail(&server.dir.join("kine.log"))
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        ApiServer {
            started_in: started.elapsed(),
            ..server
        }
    }

    /// The HTTP status of a GET as the admin, through curl (`None` when nothing answers).
    pub fn get(&self, path: &str) -> Option<u16> {
        let out = Command::new("curl")
            .args([
                "-ks",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "5",
                "-H",
                &format!("Authorization: Bearer {}", User::Admin.token()),
                &format!("{}{path}", self.url()),
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .ok()
            .filter(|&code| code != 0)
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The bearer token of `user`.
    pub fn token(&self, user: User) -> &'static str {
        user.token()
    }

    /// A kubeconfig file for `user` (written on first use). The server's certificate is
    /// self-signed (`--cert-dir`), so the file skips its verification.
    pub fn kubeconfig(&self, user: User) -> PathBuf {
        let path = self.dir.join(format!("kubeconfig-{}", user.name()));
        if !path.exists() {
            let text = format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n    insecure-skip-tls-verify: true\nusers:\n- name: {user}\n  user:\n    token: {}\ncontexts:\n- name: {user}\n  context:\n    cluster: test\n    user: {user}\ncurrent-context: {user}\n",
                self.url(),
                user.token(),
                user = user.name(),
            );
            std::fs::write(&path, text).unwrap();
        }
        path
    }

    /// The API server's log so far (for failure messages).
    pub fn log(&self) -> String {
        tail(&self.dir.join("kube-apiserver.log"))
    }
}
