//! A real Kubernetes API server for the tests: `kube-apiserver` on `kine` (the etcd API
//! over SQLite), both built by `scripts/install-kube-apiserver.sh`, which `.ci/run` calls.
//!
//! [`server`] starts one per test binary, on free ports with its own data directory, the
//! first time a test asks for it; every test of that binary shares it (tests keep apart by
//! namespace, see [`ApiServer::create_namespace`], or by name).
//!
//! **The processes never outlive the test binary.** Statics are not dropped at exit, so a
//! `Drop` guard would not run; and a test binary can also die by a signal. Instead each
//! process runs under a small shell whose standard input is a pipe from the test binary:
//! the shell blocks reading it, and when the test binary is gone, however it ended, the
//! kernel closes the pipe, the read returns, and the shell stops the process (SIGTERM, then
//! SIGKILL after 5 s). `tests/tests/kube_server.rs` checks this by SIGKILLing a test binary
//! that runs a server.
//!
//! It is the API server and nothing else: **no controllers run**. Nothing garbage-collects
//! objects by owner reference, a deleted namespace stays `Terminating` for ever (no
//! namespace finalization), and no service-account tokens are minted (no token controller).
//! Tests must not rely on any of that.
//!
//! Two users exist (`--token-auth-file`): [`User::Admin`] in `system:masters`, and
//! [`User::NoRights`], authenticated but granted nothing by RBAC (`--authorization-mode=RBAC`),
//! for tests of what a charm does when it is forbidden.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long the server may take to answer `/readyz` (it takes a few seconds; a process that
/// exits before is reported at once).
const READY_DEADLINE: Duration = Duration::from_secs(90);

/// Who a kubeconfig authenticates as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum User {
    /// `admin`, in the group `system:masters`: may do everything.
    Admin,
    /// `nobody`: authenticated, with no RBAC rights.
    NoRights,
}

impl User {
    /// The user name the API server knows (in its messages, e.g. a 403's).
    pub fn name(self) -> &'static str {
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

/// One process under its watching shell (see the module documentation).
struct Watched {
    /// The watching shell; its standard input is the pipe whose closing stops the process.
    shell: Child,
    /// Kept open for the test binary's life: the write end of that pipe.
    _lifeline: ChildStdin,
    /// The process itself.
    pid: u32,
    /// Its output.
    log: PathBuf,
}

impl Watched {
    /// Whether the process has exited (gone, or a zombie its shell has not reaped yet).
    fn exited(&self) -> bool {
        exited(self.pid)
    }
}

/// Whether process `pid` has exited (gone, or a zombie).
pub fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state follows the command name, which is in parentheses.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
        Err(_) => true,
    }
}

/// A running API server (see the module documentation).
pub struct ApiServer {
    /// Keeps the data directory alive for the test binary's life.
    _dir: tempfile::TempDir,
    dir: PathBuf,
    kine: Watched,
    apiserver: Watched,
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

/// The shell that runs a process (`$0 "$@"`, output to `$LOG`), prints its pid, then waits
/// for its own standard input to close and stops the process.
const WATCHER: &str = r#""$0" "$@" >"$LOG" 2>&1 </dev/null &
child=$!
echo "$child"
while read -r _; do :; done
kill -TERM "$child" 2>/dev/null
( sleep 5; kill -KILL "$child" 2>/dev/null ) >/dev/null 2>&1 &
wait "$child"
"#;

/// Runs `program` with `args` under a watching shell, its output in `log`.
fn spawn_watched(program: &Path, args: &[String], log: &Path) -> Watched {
    let mut shell = Command::new("sh")
        .arg("-c")
        .arg(WATCHER)
        .arg(program)
        .args(args)
        .env("LOG", log)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh starts");
    let mut line = String::new();
    BufReader::new(shell.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the watching shell prints the pid");
    let pid = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("the watching shell printed {line:?}, not a pid"));
    Watched {
        _lifeline: shell.stdin.take().expect("piped"),
        shell,
        pid,
        log: log.to_path_buf(),
    }
}

/// The last 30 lines of a log file.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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
        let kine = spawn_watched(
            &kine,
            &[
                "--endpoint".into(),
                format!("sqlite://{}/state.db", dir.display()),
                "--listen-address".into(),
                format!("127.0.0.1:{kine_port}"),
                // Its metrics server would take the fixed port 8080: a second kine (another
                // test binary's, run at the same time) would exit.
                "--metrics-bind-address=0".into(),
            ],
            &dir.join("kine.log"),
        );

        // The service-account key pair the API server signs and checks tokens with.
        let key = dir.join("sa.key");
        let public = dir.join("sa.pub");
        let (key_arg, public_arg) = (key.to_str().unwrap(), public.to_str().unwrap());
        run("openssl", &["genrsa", "-out", key_arg, "2048"]);
        run(
            "openssl",
            &["rsa", "-in", key_arg, "-pubout", "-out", public_arg],
        );
        // token,user,uid,"group1,group2"
        let tokens = dir.join("tokens.csv");
        std::fs::write(
            &tokens,
            format!(
                "{},{},1,\"system:masters\"\n{},{},2\n",
                User::Admin.token(),
                User::Admin.name(),
                User::NoRights.token(),
                User::NoRights.name(),
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
        let apiserver = spawn_watched(&apiserver, &args, &dir.join("kube-apiserver.log"));

        let server = ApiServer {
            _dir: tmp,
            dir,
            kine,
            apiserver,
            port,
            started_in: Duration::ZERO,
        };
        let deadline = started + READY_DEADLINE;
        loop {
            if server.request("GET", "/readyz", None).0 == 200 {
                break;
            }
            let problem = if server.kine.exited() {
                Some("kine exited".to_owned())
            } else if server.apiserver.exited() {
                Some("kube-apiserver exited".to_owned())
            } else if Instant::now() > deadline {
                Some(format!(
                    "kube-apiserver did not answer /readyz on port {port} in {READY_DEADLINE:?}"
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                panic!(
                    "{problem} while starting the test API server.\n\
                     kube-apiserver log (last lines):\n{}\nkine log (last lines):\n{}",
                    tail(&server.apiserver.log),
                    tail(&server.kine.log)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        ApiServer {
            started_in: started.elapsed(),
            ..server
        }
    }

    /// A request as the admin, through curl: the HTTP status (0 when nothing answers) and
    /// the body.
    fn request(&self, method: &str, path: &str, json: Option<&str>) -> (u16, String) {
        let mut curl = Command::new("curl");
        curl.args([
            "-ks",
            "--max-time",
            "5",
            "-X",
            method,
            "-w",
            "\n%{http_code}",
        ])
        .arg("-H")
        .arg(format!("Authorization: Bearer {}", self.admin_token()));
        if let Some(json) = json {
            curl.args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                json,
            ]);
        }
        let out = curl
            .arg(format!("{}{path}", self.url()))
            .stdin(Stdio::null())
            .output()
            .expect("curl runs (the test API server's fixture uses it)");
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    /// The HTTP status of a GET of `path` as the admin (`None` when nothing answers).
    pub fn get(&self, path: &str) -> Option<u16> {
        Some(self.request("GET", path, None).0).filter(|&code| code != 0)
    }

    /// Creates namespace `name` as the admin and returns its name. Panics, with the API's
    /// answer, if it cannot (for instance when it exists already: give each test its own).
    pub fn create_namespace(&self, name: &str) -> String {
        let body = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name},
        })
        .to_string();
        let (code, answer) = self.request("POST", "/api/v1/namespaces", Some(&body));
        assert_eq!(code, 201, "creating namespace {name:?}: {answer}");
        name.to_owned()
    }

    /// The names of the objects at the list path `path` (such as
    /// `/api/v1/namespaces/team-a/configmaps`) that `selector` selects, as the admin.
    pub fn names(&self, path: &str, selector: &str) -> Vec<String> {
        let (code, answer) = self.request(
            "GET",
            &format!("{path}?labelSelector={}", selector.replace('/', "%2F")),
            None,
        );
        assert_eq!(code, 200, "GET {path}: {answer}");
        let list: serde_json::Value = serde_json::from_str(&answer).expect("a JSON list");
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["metadata"]["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// Creates the namespace `name` unless it exists.
    pub fn ensure_namespace(&self, name: &str) {
        let body = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name},
        })
        .to_string();
        let (code, answer) = self.request("POST", "/api/v1/namespaces", Some(&body));
        assert!(
            code == 201 || code == 409,
            "creating namespace {name:?}: {answer}"
        );
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The bearer token of `user`.
    pub fn token(&self, user: User) -> &'static str {
        user.token()
    }

    /// The bearer token of [`User::Admin`].
    pub fn admin_token(&self) -> &'static str {
        User::Admin.token()
    }

    /// A kubeconfig file for `user` (written on first use): the server's URL, the user's
    /// token, and the certificate authority that signed the server's certificate, so the
    /// client verifies the server as it would a real cluster's.
    pub fn kubeconfig(&self, user: User) -> PathBuf {
        let path = self.dir.join(format!("kubeconfig-{}", user.name()));
        if !path.exists() {
            let text = format!(
                "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority: {}\nusers:\n- name: {user}\n  user:\n    token: {}\ncontexts:\n- name: {user}\n  context:\n    cluster: test\n    user: {user}\ncurrent-context: {user}\n",
                self.url(),
                self.certificate_authority().display(),
                user.token(),
                user = user.name(),
            );
            write_whole(&path, text.as_bytes());
        }
        path
    }

    /// The certificate of the authority that signed the server's self-signed certificate.
    /// kube-apiserver writes its certificate to `--cert-dir` as `apiserver.crt`: the
    /// server's certificate (for 127.0.0.1), then the authority's (the one with `CA:TRUE`).
    pub fn certificate_authority(&self) -> PathBuf {
        let path = self.dir.join("ca.crt");
        if !path.exists() {
            let chain = std::fs::read_to_string(self.dir.join("certs/apiserver.crt"))
                .expect("kube-apiserver wrote its certificate to --cert-dir");
            let begin = "-----BEGIN CERTIFICATE-----";
            let authority = chain
                .rfind(begin)
                .filter(|&at| at > 0)
                .map(|at| &chain[at..])
                .expect("apiserver.crt holds the server's certificate, then the authority's");
            write_whole(&path, authority.as_bytes());
        }
        path
    }

    /// The process ids of kine and kube-apiserver.
    pub fn pids(&self) -> [u32; 2] {
        [self.kine.pid, self.apiserver.pid]
    }

    /// The API server's log so far, its last lines (for failure messages).
    pub fn log(&self) -> String {
        tail(&self.apiserver.log)
    }
}

/// Writes `path` whole, then renames it into place: parallel tests never read a
/// half-written file.
fn write_whole(path: &Path, contents: &[u8]) {
    let partial = path.with_extension(format!("partial-{:?}", std::thread::current().id()));
    std::fs::write(&partial, contents).unwrap();
    std::fs::rename(&partial, path).unwrap();
}
