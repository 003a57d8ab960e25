//! Running one hook tool: spawn it, feed stdin, collect stdout and stderr within limits and
//! a deadline, and turn a failure into an error that names the command line, the exit code
//! and what the tool printed on stderr.
//!
//! - **Deadline.** Every call has one: [`TIMEOUT`] (60 s, or the seconds in
//!   `RECONCILER_HOOK_TOOL_TIMEOUT`). A tool still running then is killed with its process group (it runs
//!   in a group of its own) and the call fails with `timed out after N s`.
//! - **Bounded memory.** stdout and stderr are read at the same time, so a tool filling
//!   one pipe while we wait on the other cannot deadlock. stdout may hold at most
//!   [`MAX_STDOUT`] bytes (the call fails beyond it, saying how much there was); of stderr
//!   the first [`MAX_STDERR`] bytes are kept and the rest counted.
//! - **No leaked values.** The command line shown in errors ([`HookTools::display`]) gives
//!   the values of `action-set` as their length only, and a malformed JSON answer is
//!   reported by position and length ([`parse_json`]), never by quoting it.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backend::BackendError;
use crate::timeouts::{TimeoutSetting, seconds};

/// The deadline of one hook-tool call: the seconds in `RECONCILER_HOOK_TOOL_TIMEOUT`
/// (`30`, `0.5`), else 60 s. A healthy call takes milliseconds; one that waits for an
/// overloaded controller takes seconds. Juju does not end a hook that hangs, and while it
/// hangs no other event reaches the unit, so a tool that never answers is killed after this
/// long.
pub(crate) const TIMEOUT: TimeoutSetting = TimeoutSetting {
    var: "RECONCILER_HOOK_TOOL_TIMEOUT",
    default: Duration::from_secs(60),
};

/// The most a tool may print on stdout: 64 MiB. Hook tools answer with JSON documents of
/// kilobytes; relation data of megabytes is the most Juju stores.
pub const MAX_STDOUT: usize = 64 << 20;

/// How much of a tool's stderr is kept: the first 64 KiB (the rest is counted).
pub const MAX_STDERR: usize = 64 << 10;

/// How a hook tool failed: the command, its exit code and its stderr. It is the `source`
/// of the [`BackendError::Failed`] a failed tool gives, so callers can downcast to it and
/// read the fields.
///
/// It displays as an empty string: the error it is the source of already says all of it
/// (`config-get --format=json: exited with code 1: ERROR ...`), and error chains skip
/// empty messages, so nothing is said twice.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolFailure {
    /// The command line, as displayed in the error.
    pub command: String,
    /// The exit code; `None` if the tool was killed (by a signal, or at its deadline).
    pub exit_code: Option<i32>,
    /// What the tool wrote on stderr, trimmed: at most the first 64 KiB.
    pub stderr: String,
    /// How many bytes the tool wrote on stderr in all.
    pub stderr_len: u64,
    /// Whether the tool was killed at its deadline.
    pub timed_out: bool,
}

impl fmt::Display for ToolFailure {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for ToolFailure {}

/// How much output is read; smaller in tests.
#[derive(Clone, Copy, Debug)]
struct Limits {
    stdout: usize,
    stderr: usize,
}

/// Runs hook tools and counts the calls.
///
/// Tools are looked up on `PATH` (where Juju puts them), or in a fixed directory. Each
/// call has a deadline ([`HookTools::timeout`]). Cloning is cheap and clones share the
/// call counts.
#[derive(Clone, Debug)]
pub struct HookTools {
    dir: Option<PathBuf>,
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
    timeout: Duration,
    limits: Limits,
}

impl Default for HookTools {
    /// Tools on `PATH`, with the deadline [`TIMEOUT`].
    fn default() -> HookTools {
        HookTools {
            dir: None,
            calls: Arc::default(),
            timeout: TIMEOUT.in_force(),
            limits: Limits {
                stdout: MAX_STDOUT,
                stderr: MAX_STDERR,
            },
        }
    }
}

/// Longest argument shown in full in error messages; longer ones are cut.
const SHOWN_ARG: usize = 120;

/// Values of this many bytes or more are blanked out of a failed `action-set`'s stderr.
/// (Shorter ones are left: blanking every `1` would garble the message, and three bytes
/// are no secret.)
const MIN_HIDDEN: usize = 4;

/// How long reading a killed tool's output may take before it is given up.
const KILL_GRACE: Duration = Duration::from_millis(200);

/// What one output pipe gave: the bytes kept and how many there were in all.
struct Collected {
    kept: Vec<u8>,
    total: u64,
}

/// Reads `pipe` to its end, keeping the first `keep` bytes and counting the rest.
fn collect(mut pipe: impl Read, keep: usize) -> std::io::Result<Collected> {
    let mut kept = Vec::new();
    let mut total = 0u64;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match pipe.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        total += n as u64;
        let room = keep.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..n.min(room)]);
    }
    Ok(Collected { kept, total })
}

enum Stream {
    Stdout(std::io::Result<Collected>),
    Stderr(std::io::Result<Collected>),
}

/// Polls `child` until it exits or `deadline` passes (`None` then).
fn wait_until(child: &mut Child, deadline: Instant) -> std::io::Result<Option<ExitStatus>> {
    let mut pause = Duration::from_micros(50);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(10));
    }
}

/// Kills `child` and its process group (it leads one of its own), and reaps it.
fn kill_group(child: &mut Child) {
    // `kill -PGID` reaches whatever the tool started too. This crate has no binding for
    // kill(2), and every shell has `kill` built in.
    let _ = Command::new("/bin/sh")
        .args(["-c", "kill -s KILL -- \"-$1\"", "sh"])
        .arg(child.id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl HookTools {
    /// Tools found on `PATH`, with the deadline [`TIMEOUT`].
    pub fn new() -> HookTools {
        HookTools::default()
    }

    /// Tools found in `dir` rather than on `PATH`.
    #[cfg(test)]
    pub fn in_dir(dir: impl Into<PathBuf>) -> HookTools {
        HookTools {
            dir: Some(dir.into()),
            ..HookTools::default()
        }
    }

    /// The same tools (sharing the call counts) with the deadline `timeout` per call.
    pub fn with_timeout(mut self, timeout: Duration) -> HookTools {
        self.timeout = timeout;
        self
    }

    /// The deadline of one call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The same tools with smaller output limits, so tests need not print megabytes.
    #[cfg(test)]
    fn with_limits(mut self, stdout: usize, stderr: usize) -> HookTools {
        self.limits = Limits { stdout, stderr };
        self
    }

    /// How many times each tool was called so far, by tool name.
    pub fn calls(&self) -> BTreeMap<String, usize> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How many tool calls were made so far.
    #[cfg(test)]
    pub fn total_calls(&self) -> usize {
        self.calls().values().sum()
    }

    /// The command line as shown in errors: arguments with spaces, quotes or control
    /// characters quoted (and escaped), long ones cut. The `key=value` arguments of
    /// `action-set` show their value's length only, `key=<N bytes>`: results may be
    /// secrets.
    pub fn display(tool: &str, args: &[&str]) -> String {
        let quoted = |text: &str| {
            if text.is_empty()
                || text.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"')
            {
                format!("{text:?}")
            } else {
                text.to_owned()
            }
        };
        let mut line = tool.to_owned();
        for arg in args {
            line.push(' ');
            match arg.split_once('=') {
                Some((key, value)) if tool == "action-set" => {
                    line.push_str(&format!("{}=<{} bytes>", quoted(key), value.len()));
                }
                _ if arg.chars().count() > SHOWN_ARG => {
                    let cut: String = arg.chars().take(SHOWN_ARG).collect();
                    line.push_str(&quoted(&format!("{cut}...({} bytes)", arg.len())));
                }
                _ => line.push_str(&quoted(arg)),
            }
        }
        line
    }

    /// Runs `tool args...`, writing `stdin` to it if given; returns its stdout.
    ///
    /// Fails with [`BackendError::Failed`] if an argument holds a NUL character (no
    /// argument can), if the tool cannot be started, exits non-zero or is killed (the
    /// source is a [`ToolFailure`]), runs past its deadline (it is killed with its process
    /// group; the source is a [`ToolFailure`] with `timed_out` set), or prints more than
    /// [`MAX_STDOUT`] bytes on stdout.
    pub fn run(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<Vec<u8>, BackendError> {
        self.run_hiding(tool, args, stdin, &[])
    }

    /// [`HookTools::run`], with every occurrence in the tool's stderr of a string of
    /// `hidden` (of at least [`MIN_HIDDEN`] bytes) replaced by `<hidden>` before it goes
    /// into the error: for tools given secrets as arguments.
    pub(crate) fn run_hiding(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
        hidden: &[&str],
    ) -> Result<Vec<u8>, BackendError> {
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(tool.to_owned()).or_default() += 1;
        }
        let command_line = HookTools::display(tool, args);
        let failed = |message: String, source: Option<ToolFailure>| BackendError::Failed {
            operation: command_line.clone(),
            message,
            source: source.map(|s| Box::new(s) as _),
        };
        if let Some(i) = args.iter().position(|a| a.contains('\0')) {
            return Err(failed(
                format!(
                    "cannot run: argument {} contains a NUL character, which no command-line \
                     argument can hold",
                    i + 1
                ),
                None,
            ));
        }
        let program = match &self.dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        };
        let mut command = Command::new(&program);
        command
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // A group of its own, so that at the deadline whatever it started dies with it.
            .process_group(0);
        let deadline = Instant::now() + self.timeout;
        let mut child = command.spawn().map_err(|e| {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                match &self.dir {
                    Some(dir) => format!("cannot run: {tool} is not in {}", dir.display()),
                    None => format!(
                        "cannot run: {tool} is not on PATH ({}); is this running under Juju?",
                        std::env::var("PATH").unwrap_or_default()
                    ),
                }
            } else {
                format!("cannot run: {e}")
            };
            failed(message, None)
        })?;

        // Feed stdin and drain stdout and stderr from threads, all at once, so that a tool
        // writing before it has read everything, or filling one pipe while we read the
        // other, cannot deadlock against us (relation values may be megabytes).
        let writer = match (stdin, child.stdin.take()) {
            (Some(data), Some(mut pipe)) => {
                let data = data.to_vec();
                Some(std::thread::spawn(move || pipe.write_all(&data)))
            }
            _ => None,
        };
        let (sender, receiver) = mpsc::channel();
        let mut open = 0;
        if let Some(pipe) = child.stdout.take() {
            let sender = sender.clone();
            let keep = self.limits.stdout;
            std::thread::spawn(move || sender.send(Stream::Stdout(collect(pipe, keep))));
            open += 1;
        }
        if let Some(pipe) = child.stderr.take() {
            let sender = sender.clone();
            let keep = self.limits.stderr;
            std::thread::spawn(move || sender.send(Stream::Stderr(collect(pipe, keep))));
            open += 1;
        }
        drop(sender);

        let mut stdout = None;
        let mut stderr = None;
        let mut status = None;
        let mut past_deadline = false;
        while open > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match receiver.recv_timeout(left) {
                Ok(Stream::Stdout(collected)) => stdout = Some(collected),
                Ok(Stream::Stderr(collected)) => stderr = Some(collected),
                Err(RecvTimeoutError::Timeout) => {
                    past_deadline = true;
                    break;
                }
                // A reader ended without a word (it cannot, short of a panic): wait for
                // the tool itself.
                Err(RecvTimeoutError::Disconnected) => break,
            }
            open -= 1;
        }
        if !past_deadline {
            // The pipes are closed: the tool has exited, or is about to.
            status = wait_until(&mut child, deadline)
                .map_err(|e| failed(format!("waiting for the tool failed: {e}"), None))?;
        }
        let Some(status) = status else {
            kill_group(&mut child);
            // The readers end once the killed group's pipes close; stderr so far helps.
            let grace = Instant::now() + KILL_GRACE;
            while stderr.is_none() {
                match receiver.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                    Ok(Stream::Stderr(collected)) => stderr = Some(collected),
                    Ok(Stream::Stdout(_)) => {}
                    Err(_) => break,
                }
            }
            let (stderr, stderr_len) = stderr_text(stderr, hidden);
            let mut message = format!("timed out after {} s; killed it", seconds(self.timeout));
            if !stderr.is_empty() {
                message.push_str(&format!(" (it had printed: {stderr})"));
            }
            let failure = ToolFailure {
                command: command_line.clone(),
                exit_code: None,
                stderr,
                stderr_len,
                timed_out: true,
            };
            return Err(failed(message, Some(failure)));
        };
        let write_result = writer.map(|w| w.join());
        if !status.success() {
            let (stderr, stderr_len) = stderr_text(stderr, hidden);
            let how = match status.code() {
                Some(code) => format!("exited with code {code}"),
                None => "killed by a signal".to_owned(),
            };
            let mut message = if stderr.is_empty() {
                format!("{how} (nothing on stderr)")
            } else {
                format!("{how}: {stderr}")
            };
            let omitted = stderr_len.saturating_sub(self.limits.stderr as u64);
            if omitted > 0 {
                message.push_str(&format!(" ... ({omitted} more bytes on stderr not shown)"));
            }
            let failure = ToolFailure {
                command: command_line.clone(),
                exit_code: status.code(),
                stderr,
                stderr_len,
                timed_out: false,
            };
            return Err(failed(message, Some(failure)));
        }
        let stdout = match stdout {
            Some(Ok(collected)) => collected,
            Some(Err(e)) => return Err(failed(format!("reading its output failed: {e}"), None)),
            None => Collected {
                kept: Vec::new(),
                total: 0,
            },
        };
        if stdout.total > self.limits.stdout as u64 {
            return Err(failed(
                format!(
                    "printed {} bytes on stdout, more than the {} bytes a hook tool's answer \
                     may have",
                    stdout.total, self.limits.stdout
                ),
                None,
            ));
        }
        if let Some(Ok(Err(e))) = write_result {
            return Err(failed(
                format!("writing its standard input failed: {e}"),
                None,
            ));
        }
        Ok(stdout.kept)
    }

    /// Runs a tool and parses its stdout as JSON.
    pub fn run_json<T: serde::de::DeserializeOwned>(
        &self,
        tool: &str,
        args: &[&str],
    ) -> Result<T, BackendError> {
        let stdout = self.run(tool, args, None)?;
        parse_json(&HookTools::display(tool, args), &stdout)
    }
}

/// The kept stderr as trimmed text, with `hidden` strings blanked out, and its length in
/// all.
fn stderr_text(collected: Option<std::io::Result<Collected>>, hidden: &[&str]) -> (String, u64) {
    let Some(Ok(collected)) = collected else {
        return (String::new(), 0);
    };
    let mut text = String::from_utf8_lossy(&collected.kept).trim().to_owned();
    for secret in hidden.iter().filter(|s| s.len() >= MIN_HIDDEN) {
        if text.contains(secret) {
            text = text.replace(secret, "<hidden>");
        }
    }
    (text, collected.total)
}

/// Parses a tool's stdout as JSON. When it is not valid UTF-8 or not valid JSON of the
/// expected shape, the error names the command, says what is wrong and where (the byte
/// offset, or the line and column) and how long the output was, and never quotes the
/// output: it may hold secrets (config values, relation data).
pub fn parse_json<T: serde::de::DeserializeOwned>(
    command_line: &str,
    stdout: &[u8],
) -> Result<T, BackendError> {
    let text = std::str::from_utf8(stdout).map_err(|e| BackendError::Failed {
        operation: command_line.to_owned(),
        message: format!(
            "output is not valid UTF-8 (invalid byte at offset {}); relation data and config \
             values must be text",
            e.valid_up_to()
        ),
        source: None,
    })?;
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Syntax => "malformed JSON output: syntax error".to_owned(),
            Category::Eof => "malformed JSON output: it ends early".to_owned(),
            Category::Io => "unreadable JSON output".to_owned(),
            Category::Data => format!("unexpected JSON output: {}", data_problem(&e)),
        };
        BackendError::failed(
            command_line,
            format!(
                "{what} at line {} column {} ({} bytes of output, not shown)",
                e.line(),
                e.column(),
                stdout.len()
            ),
        )
    })
}

/// What serde says about JSON of the wrong shape, without the parts that quote the
/// document: `expected a boolean`, ``missing field `name` ``, or a generic phrase.
fn data_problem(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => &text,
    };
    if text.starts_with("missing field `") {
        // The field name comes from the type, not from the output.
        return text.to_owned();
    }
    // "invalid type: string \"...\", expected a map": the part after the last ", expected"
    // comes from the type; the part before it may quote the output.
    match text.rfind(", expected ") {
        Some(i) => format!("expected {}", &text[i + ", expected ".len()..]),
        None => "not of the expected shape".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<&str> {
        vec!["-c", script]
    }

    #[test]
    fn failures_carry_command_exit_code_and_stderr() {
        let tools = HookTools::new();
        let e = tools
            .run("sh", &["-c", "echo 'ERROR nope' >&2; exit 3"], None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "sh -c \"echo 'ERROR nope' >&2; exit 3\": exited with code 3: ERROR nope"
        );
        let source = std::error::Error::source(&e).unwrap();
        let failure = source.downcast_ref::<ToolFailure>().unwrap();
        assert_eq!(failure.exit_code, Some(3));
        assert_eq!(failure.stderr, "ERROR nope");
        assert_eq!(failure.stderr_len, "ERROR nope\n".len() as u64);
        assert!(!failure.timed_out);
        assert_eq!(tools.calls()["sh"], 1);
    }

    #[test]
    fn stdin_of_a_mebibyte_does_not_deadlock() {
        let tools = HookTools::new();
        let input = vec![b'x'; 1 << 20];
        let out = tools.run("cat", &[], Some(&input)).unwrap();
        assert_eq!(out.len(), 1 << 20);
    }

    #[test]
    fn full_stdout_and_stderr_at_once_do_not_deadlock() {
        // Each pipe gets far more than a pipe buffer (64 KiB), interleaved.
        let tools = HookTools::new();
        let out = tools
            .run(
                "sh",
                &sh("for i in 1 2 3 4; do head -c 300000 /dev/zero >&2; head -c 300000 /dev/zero; done"),
                None,
            )
            .unwrap();
        assert_eq!(out.len(), 1_200_000);
    }

    #[test]
    fn missing_tool_and_bad_output_are_named() {
        let tools = HookTools::in_dir("/nonexistent-tools");
        let e = tools
            .run("is-leader", &["--format=json"], None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "is-leader --format=json: cannot run: is-leader is not in /nonexistent-tools"
        );
        let e = parse_json::<bool>("is-leader --format=json", b"yes").unwrap_err();
        assert_eq!(
            e.to_string(),
            "is-leader --format=json: malformed JSON output: syntax error at line 1 column 1 \
             (3 bytes of output, not shown)"
        );
    }

    #[test]
    fn a_tool_that_never_exits_is_killed_at_its_deadline() {
        let tools = HookTools::new().with_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let e = tools
            .run("sh", &sh("echo 'ERROR stuck' >&2; exec sleep 30"), None)
            .unwrap_err();
        // Well before the tool would have ended by itself.
        assert!(started.elapsed() < Duration::from_secs(20), "{e}");
        assert_eq!(
            e.to_string(),
            "sh -c \"echo 'ERROR stuck' >&2; exec sleep 30\": timed out after 0.3 s; killed it \
             (it had printed: ERROR stuck)"
        );
        let failure = std::error::Error::source(&e)
            .unwrap()
            .downcast_ref::<ToolFailure>()
            .unwrap();
        assert!(failure.timed_out);
        assert_eq!(failure.exit_code, None);
    }

    #[test]
    fn the_deadline_kills_what_the_tool_started_too() {
        // The tool's child keeps the output pipes open and would outlive a kill of the
        // tool alone; its process group dies with it. It says its pid on stderr.
        let tools = HookTools::new().with_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let e = tools
            .run("sh", &sh("sleep 30 & echo $! >&2; wait"), None)
            .unwrap_err();
        assert!(e.to_string().contains("timed out after 0.3 s"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(20));
        let failure = std::error::Error::source(&e)
            .unwrap()
            .downcast_ref::<ToolFailure>()
            .unwrap();
        let pid: u32 = failure.stderr.parse().expect("the grandchild's pid");
        let stat = PathBuf::from(format!("/proc/{pid}/stat"));
        // Killed: gone, or a zombie until its new parent reaps it.
        let gone = || {
            std::fs::read_to_string(&stat)
                .map(|s| {
                    s.rsplit(')')
                        .next()
                        .unwrap_or("")
                        .trim_start()
                        .starts_with('Z')
                })
                .unwrap_or(true)
        };
        let wait = Instant::now() + Duration::from_secs(10);
        while !gone() && Instant::now() < wait {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(), "the grandchild {pid} still runs");
    }

    #[test]
    fn the_deadline_comes_from_the_environment_variable() {
        assert_eq!(TIMEOUT.var, "RECONCILER_HOOK_TOOL_TIMEOUT");
        assert_eq!(TIMEOUT.default, Duration::from_secs(60));
        assert_eq!(
            HookTools::new()
                .with_timeout(Duration::from_secs(2))
                .timeout(),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn stderr_is_kept_up_to_its_limit_and_the_rest_counted() {
        let tools = HookTools::new().with_limits(1 << 20, 1000);
        let e = tools
            .run(
                "sh",
                &sh("head -c 5000 /dev/zero | tr '\\0' e >&2; exit 1"),
                None,
            )
            .unwrap_err();
        let failure = std::error::Error::source(&e)
            .unwrap()
            .downcast_ref::<ToolFailure>()
            .unwrap();
        assert_eq!(failure.stderr, "e".repeat(1000));
        assert_eq!(failure.stderr_len, 5000);
        assert!(
            e.to_string().ends_with(&format!(
                "{} ... (4000 more bytes on stderr not shown)",
                "e".repeat(1000)
            )),
            "{e}"
        );
    }

    #[test]
    fn stdout_beyond_its_limit_fails_with_the_size() {
        let tools = HookTools::new().with_limits(1000, 1000);
        let e = tools
            .run("sh", &sh("head -c 5000 /dev/zero"), None)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "sh -c \"head -c 5000 /dev/zero\": printed 5000 bytes on stdout, more than the 1000 \
             bytes a hook tool's answer may have"
        );
        // At the limit: fine.
        let out = tools
            .run("sh", &sh("head -c 1000 /dev/zero"), None)
            .unwrap();
        assert_eq!(out.len(), 1000);
    }

    #[test]
    fn an_argument_with_a_nul_is_refused_before_spawning() {
        let tools = HookTools::new();
        let e = tools.run("echo", &["ok", "a\0b"], None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "echo ok \"a\\0b\": cannot run: argument 2 contains a NUL character, which no \
             command-line argument can hold"
        );
    }

    #[test]
    fn action_set_values_are_shown_as_their_length() {
        assert_eq!(
            HookTools::display("action-set", &["password=hunter2-secret", "a.b=", "x=y=z"]),
            "action-set password=<14 bytes> a.b=<0 bytes> x=<3 bytes>"
        );
        // Other tools show their arguments.
        assert_eq!(HookTools::display("config-get", &["a=b"]), "config-get a=b");
    }

    #[test]
    fn hidden_values_are_blanked_out_of_stderr() {
        let tools = HookTools::new();
        let e = tools
            .run_hiding(
                "sh",
                &sh("echo 'ERROR cannot store hunter2-secret (or 1)' >&2; exit 1"),
                None,
                &["hunter2-secret", "1"],
            )
            .unwrap_err();
        assert!(
            e.to_string()
                .ends_with("exited with code 1: ERROR cannot store <hidden> (or 1)"),
            "{e}"
        );
        let failure = std::error::Error::source(&e)
            .unwrap()
            .downcast_ref::<ToolFailure>()
            .unwrap();
        assert!(!failure.stderr.contains("hunter2"));
    }

    #[test]
    fn malformed_json_is_reported_by_position_and_length_never_by_content() {
        let cases: [(&[u8], &str); 3] = [
            (
                br#"{"password": "hunter2-secret"#,
                "malformed JSON output: it ends early at line 1 column 28 (28 bytes of output, \
                 not shown)",
            ),
            (
                b"{\"password\": hunter2-secret}",
                "malformed JSON output: syntax error at line 1 column 14 (28 bytes of output, \
                 not shown)",
            ),
            (
                br#"{"ok": true}  "hunter2-secret""#,
                "malformed JSON output: syntax error at line 1 column 15 (30 bytes of output, \
                 not shown)",
            ),
        ];
        for (output, expected) in cases {
            let e = parse_json::<serde_json::Value>("config-get --format=json", output)
                .unwrap_err()
                .to_string();
            assert_eq!(e, format!("config-get --format=json: {expected}"));
        }
        // Valid JSON of the wrong shape: serde would quote the value; the error does not.
        let e = parse_json::<bool>("is-leader --format=json", br#""hunter2-secret""#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "is-leader --format=json: unexpected JSON output: expected a boolean at line 1 \
             column 16 (16 bytes of output, not shown)"
        );
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Answer {
            name: String,
        }
        let e = parse_json::<Answer>("x", br#"{"other": "hunter2-secret"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unexpected JSON output: missing field `name`"),
            "{e}"
        );
        assert!(!e.contains("hunter2"), "{e}");
    }
}
