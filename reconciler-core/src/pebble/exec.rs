//! Running a command in a workload container: [`Pebble::exec`](super::Pebble::exec)'s
//! request ([`ExecRequest`]), what the command did ([`ExecOutput`]) and why it did not
//! succeed ([`ExecFailure`], inside [`PebbleError::Exec`]).
//!
//! The command runs to its end and its whole output is returned: this is for the short
//! commands a charm runs (a migration, a version query, reloading a workload), not for
//! long-running processes, which belong in a Pebble service.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use super::PebbleError;
use crate::timeouts::seconds;

/// A command to run with [`Pebble::exec`](super::Pebble::exec), built with
/// [`ExecRequest::new`] and the builder methods.
///
/// ```
/// use std::time::Duration;
/// use reconciler_core::pebble::ExecRequest;
///
/// let request = ExecRequest::new(["ls", "-l"])
///     .env("LANG", "C")
///     .working_dir("/etc")
///     .timeout(Duration::from_secs(5))
///     .stdin("input");
/// assert_eq!(request.command, ["ls", "-l"]);
/// assert_eq!(request.environment["LANG"], "C");
/// assert_eq!(request.to_string(), "ls -l");
/// ```
///
/// Its `Debug` output shows the environment's names but not their values, and the size of
/// the standard input but not its content: either may hold a secret. Its `Display` is the
/// command line, which errors quote: do not pass a secret as an argument, pass it in the
/// environment or on standard input.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExecRequest {
    /// The executable and its arguments. Pebble looks the executable up on its `PATH`
    /// unless it is a path.
    pub command: Vec<String>,
    /// Environment variables of the command (Pebble adds `HOME`, `USER` and `PATH` unless
    /// set here).
    pub environment: BTreeMap<String, String>,
    /// The working directory; Pebble's default is the user's home directory.
    pub working_dir: Option<String>,
    /// How long the command may run before Pebble kills it; `None` for no limit of its
    /// own (the client's deadline still bounds it).
    pub timeout: Option<Duration>,
    /// The user to run as, by name.
    pub user: Option<String>,
    /// The user to run as, by id.
    pub user_id: Option<u32>,
    /// The group to run as, by name.
    pub group: Option<String>,
    /// The group to run as, by id.
    pub group_id: Option<u32>,
    /// The command's standard input; `None` for none (it reads end of file).
    pub stdin: Option<Vec<u8>>,
}

impl ExecRequest {
    /// A request to run `command` (the executable, then its arguments), with nothing else
    /// set.
    pub fn new<I, S>(command: I) -> ExecRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        ExecRequest {
            command: command.into_iter().map(Into::into).collect(),
            ..ExecRequest::default()
        }
    }

    /// This request with the environment variable `name` set to `value`.
    #[must_use]
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> ExecRequest {
        self.environment.insert(name.into(), value.into());
        self
    }

    /// This request running in `dir`.
    #[must_use]
    pub fn working_dir(mut self, dir: impl Into<String>) -> ExecRequest {
        self.working_dir = Some(dir.into());
        self
    }

    /// This request killed by Pebble after `timeout`.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> ExecRequest {
        self.timeout = Some(timeout);
        self
    }

    /// This request running as the user named `user`.
    #[must_use]
    pub fn user(mut self, user: impl Into<String>) -> ExecRequest {
        self.user = Some(user.into());
        self
    }

    /// This request running as the user with id `id`.
    #[must_use]
    pub fn user_id(mut self, id: u32) -> ExecRequest {
        self.user_id = Some(id);
        self
    }

    /// This request running as the group named `group`.
    #[must_use]
    pub fn group(mut self, group: impl Into<String>) -> ExecRequest {
        self.group = Some(group.into());
        self
    }

    /// This request running as the group with id `id`.
    #[must_use]
    pub fn group_id(mut self, id: u32) -> ExecRequest {
        self.group_id = Some(id);
        self
    }

    /// This request with `input` on the command's standard input.
    #[must_use]
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> ExecRequest {
        self.stdin = Some(input.into());
        self
    }

    /// What is wrong with this request that it cannot be sent, if anything: checked
    /// before sending by the HTTP client and the in-memory container alike.
    pub(crate) fn problem(&self) -> Option<String> {
        let Some(executable) = self.command.first() else {
            return Some("the command is empty".into());
        };
        if executable.is_empty() {
            return Some("the executable's name is empty".into());
        }
        if let Some(i) = self.command.iter().position(|a| a.contains('\0')) {
            return Some(if i == 0 {
                "the executable's name has a NUL character".into()
            } else {
                format!("argument {i} has a NUL character")
            });
        }
        for (name, value) in &self.environment {
            if name.is_empty() || name.contains(['=', '\0']) {
                return Some(format!(
                    "the environment variable name {:?} is empty or has `=` or a NUL character",
                    name
                ));
            }
            if value.contains('\0') {
                // The name only: the value may be a secret.
                return Some(format!(
                    "the value of the environment variable {name} has a NUL character"
                ));
            }
        }
        for (what, value) in [
            ("working directory", &self.working_dir),
            ("user name", &self.user),
            ("group name", &self.group),
        ] {
            if value.as_deref().is_some_and(|v| v.contains('\0')) {
                return Some(format!("the {what} has a NUL character"));
            }
        }
        if self.timeout == Some(Duration::ZERO) {
            return Some("the timeout is zero (leave it unset for no timeout)".into());
        }
        None
    }

    /// The error for a request [`problem`](Self::problem) refuses.
    pub(crate) fn refused(&self, container: &str, reason: String) -> PebbleError {
        PebbleError::Exec {
            container: container.to_owned(),
            request: EXEC_REQUEST.to_owned(),
            command: self.to_string(),
            failure: ExecFailure::Refused { reason },
        }
    }
}

/// The request errors of `exec` name.
pub(crate) const EXEC_REQUEST: &str = "POST /v1/exec";

impl fmt::Display for ExecRequest {
    /// The command line, each argument that is empty or holds a space, a quote, a
    /// backslash or a control character quoted and escaped: `ls -l "a b"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&command_line(&self.command))
    }
}

impl fmt::Debug for ExecRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// The names of the environment, with their values hidden.
        struct Names<'a>(&'a BTreeMap<String, String>);
        impl fmt::Debug for Names<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.keys().map(|k| (k, format_args!("<hidden>"))))
                    .finish()
            }
        }
        f.debug_struct("ExecRequest")
            .field("command", &self.command)
            .field("environment", &Names(&self.environment))
            .field("working_dir", &self.working_dir)
            .field("timeout", &self.timeout)
            .field("user", &self.user)
            .field("user_id", &self.user_id)
            .field("group", &self.group)
            .field("group_id", &self.group_id)
            .field(
                "stdin",
                &self.stdin.as_ref().map(|s| format!("<{} bytes>", s.len())),
            )
            .finish()
    }
}

/// A command line for messages: arguments separated by spaces, each one that is empty or
/// holds a space, a quote, a backslash or a control character quoted and escaped.
pub(crate) fn command_line(command: &[String]) -> String {
    let mut line = String::new();
    for arg in command {
        if !line.is_empty() {
            line.push(' ');
        }
        let plain = !arg.is_empty()
            && !arg
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'`\\".contains(c));
        if plain {
            line.push_str(arg);
        } else {
            line.push_str(&format!("\"{}\"", arg.escape_debug()));
        }
    }
    line
}

/// What a command run with [`Pebble::exec`](super::Pebble::exec) did: its exit code and
/// everything it wrote. A non-zero exit code is not an error of `exec`; use
/// [`into_success`](Self::into_success) to make it one.
///
/// ```
/// use reconciler_core::pebble::{ExecOutput, ExecRequest, Pebble};
/// use reconciler_core::testing::Container;
///
/// let mut container = Container::new("workload").with_exec("ls", |_request| {
///     ExecOutput::new(2).with_stderr("ls: cannot access '/nope': No such file or directory\n")
/// });
/// let output = container.exec(&ExecRequest::new(["ls", "/nope"]))?;
/// assert!(!output.success());
/// assert_eq!(output.exit_code, 2);
/// assert_eq!(
///     output.into_success().unwrap_err().to_string(),
///     "pebble workload: POST /v1/exec: command `ls /nope` exited with 2: \
///      ls: cannot access '/nope': No such file or directory"
/// );
/// # Ok::<(), reconciler_core::pebble::PebbleError>(())
/// ```
#[derive(Clone, Default)]
pub struct ExecOutput {
    /// The command's exit code.
    pub exit_code: i32,
    /// Everything it wrote to its standard output.
    pub stdout: Vec<u8>,
    /// Everything it wrote to its standard error.
    pub stderr: Vec<u8>,
    /// The container and the command, for [`into_success`](Self::into_success)'s error:
    /// set by `exec`.
    context: Option<(String, String)>,
}

impl ExecOutput {
    /// The output of a command that exited with `exit_code` and wrote nothing, to be
    /// filled in with [`with_stdout`](Self::with_stdout) and
    /// [`with_stderr`](Self::with_stderr) (for the in-memory container's handlers).
    pub fn new(exit_code: i32) -> ExecOutput {
        ExecOutput {
            exit_code,
            ..ExecOutput::default()
        }
    }

    /// This output with `stdout` as what the command wrote to its standard output.
    #[must_use]
    pub fn with_stdout(mut self, stdout: impl Into<Vec<u8>>) -> ExecOutput {
        self.stdout = stdout.into();
        self
    }

    /// This output with `stderr` as what the command wrote to its standard error.
    #[must_use]
    pub fn with_stderr(mut self, stderr: impl Into<Vec<u8>>) -> ExecOutput {
        self.stderr = stderr.into();
        self
    }

    /// Whether the command exited with 0.
    pub fn success(&self) -> bool {
        self.exit_code == 0
    }

    /// The standard output as text, invalid UTF-8 replaced by `�`.
    pub fn stdout_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stdout)
    }

    /// The standard error as text, invalid UTF-8 replaced by `�`.
    pub fn stderr_text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.stderr)
    }

    /// This output if the command exited with 0, else a [`PebbleError::Exec`] of
    /// [`ExecFailure::Exited`] with the exit code and the first line of the standard
    /// error: `pebble workload: POST /v1/exec: command `ls -l` exited with 2: ls: ...`.
    pub fn into_success(self) -> Result<ExecOutput, PebbleError> {
        if self.success() {
            return Ok(self);
        }
        let (container, command) = self
            .context
            .clone()
            .unwrap_or_else(|| ("(unknown)".into(), "(unknown)".into()));
        Err(PebbleError::Exec {
            container,
            request: EXEC_REQUEST.to_owned(),
            command,
            failure: ExecFailure::Exited {
                code: self.exit_code,
                stderr: first_line(&self.stderr),
            },
        })
    }

    /// This output, knowing the container and the request it came from.
    pub(crate) fn for_request(mut self, container: &str, request: &ExecRequest) -> ExecOutput {
        self.context = Some((container.to_owned(), request.to_string()));
        self
    }
}

/// The most of a line of standard error an error quotes.
const MAX_STDERR_LINE: usize = 500;

/// The first non-blank line of `stderr`, control characters escaped, cut at
/// [`MAX_STDERR_LINE`] characters.
fn first_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    let Some(line) = line else {
        return String::new();
    };
    let mut out = String::new();
    for (i, c) in line.chars().enumerate() {
        if i == MAX_STDERR_LINE {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

impl PartialEq for ExecOutput {
    /// Equal when the exit code and the output are: where the output came from does not
    /// count.
    fn eq(&self, other: &ExecOutput) -> bool {
        self.exit_code == other.exit_code
            && self.stdout == other.stdout
            && self.stderr == other.stderr
    }
}

impl Eq for ExecOutput {}

impl fmt::Debug for ExecOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecOutput")
            .field("exit_code", &self.exit_code)
            .field("stdout", &self.stdout_text())
            .field("stderr", &self.stderr_text())
            .finish()
    }
}

/// Why a command run with [`Pebble::exec`](super::Pebble::exec) did not succeed, in a
/// [`PebbleError::Exec`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExecFailure {
    /// The request was refused before it was sent: an empty command, a NUL character in
    /// an argument, a zero timeout, ...
    Refused {
        /// What is wrong with the request.
        reason: String,
    },
    /// The command ran longer than the request's timeout. Pebble kills it then (the
    /// command itself: a process it started and left running is not killed).
    TimedOut {
        /// The request's timeout.
        timeout: Duration,
    },
    /// The command exited with a non-zero code ([`ExecOutput::into_success`]).
    Exited {
        /// The exit code.
        code: i32,
        /// The first non-blank line of its standard error (empty if it wrote none).
        stderr: String,
    },
    /// The command wrote more than the client reads to its standard output or error; the
    /// client stopped reading and left the command to Pebble, which kills it.
    OutputTooLarge {
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The limit, in bytes.
        limit: u64,
    },
}

impl fmt::Display for ExecFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecFailure::Refused { reason } => write!(f, "cannot be sent: {reason}"),
            ExecFailure::TimedOut { timeout } => write!(
                f,
                "did not finish within its timeout of {} s (Pebble kills it then)",
                seconds(*timeout)
            ),
            ExecFailure::Exited { code, stderr } if stderr.is_empty() => {
                write!(f, "exited with {code} (nothing on stderr)")
            }
            ExecFailure::Exited { code, stderr } => write!(f, "exited with {code}: {stderr}"),
            ExecFailure::OutputTooLarge { stream, limit } => write!(
                f,
                "wrote more than {limit} bytes to {stream}, the most the client reads"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_quote_what_needs_it() {
        let line =
            |args: &[&str]| command_line(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>());
        assert_eq!(line(&["ls", "-l"]), "ls -l");
        assert_eq!(line(&["echo", "a b", ""]), "echo \"a b\" \"\"");
        assert_eq!(line(&["echo", "a\0b\n\"c\""]), "echo \"a\\0b\\n\\\"c\\\"\"");
    }

    #[test]
    fn problems_are_found_before_sending() {
        let problem = |r: ExecRequest| r.problem();
        assert_eq!(problem(ExecRequest::new(["ls"])), None);
        assert_eq!(
            problem(ExecRequest::new(Vec::<String>::new())).as_deref(),
            Some("the command is empty")
        );
        assert_eq!(
            problem(ExecRequest::new(["ls", "a", "b\0"])).as_deref(),
            Some("argument 2 has a NUL character")
        );
        assert_eq!(
            problem(ExecRequest::new(["l\0s"])).as_deref(),
            Some("the executable's name has a NUL character")
        );
        let secret = ExecRequest::new(["ls"]).env("TOKEN", "s3cret\0");
        let text = problem(secret).unwrap();
        assert_eq!(
            text,
            "the value of the environment variable TOKEN has a NUL character"
        );
        assert!(
            problem(ExecRequest::new(["ls"]).env("A=B", "x"))
                .unwrap()
                .contains("\"A=B\"")
        );
        assert_eq!(
            problem(ExecRequest::new(["ls"]).working_dir("/a\0")).as_deref(),
            Some("the working directory has a NUL character")
        );
        assert_eq!(
            problem(ExecRequest::new(["ls"]).timeout(Duration::ZERO)).as_deref(),
            Some("the timeout is zero (leave it unset for no timeout)")
        );
    }

    #[test]
    fn debug_hides_environment_values_and_stdin() {
        let request = ExecRequest::new(["psql"])
            .env("PGPASSWORD", "hunter2")
            .stdin("also secret");
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("also secret"),
            "{debug}"
        );
        assert!(
            debug.contains("PGPASSWORD") && debug.contains("<11 bytes>"),
            "{debug}"
        );
    }

    #[test]
    fn first_line_of_stderr() {
        assert_eq!(first_line(b"\n  \nfirst\nsecond\n"), "first");
        assert_eq!(first_line(b""), "");
        assert_eq!(first_line(b"a\x1bb"), "a\\u{1b}b");
        let long = "x".repeat(MAX_STDERR_LINE + 10);
        assert_eq!(
            first_line(long.as_bytes()).chars().count(),
            MAX_STDERR_LINE + 1
        );
    }
}
