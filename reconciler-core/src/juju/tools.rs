//! Running one hook tool: spawn it, feed stdin, collect stdout, and turn a failure into
//! an error that names the command line, the exit code and what the tool printed on
//! stderr.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::backend::BackendError;

/// How a hook tool failed: the command, its exit code and its stderr. It is the `source`
/// of the [`BackendError::Failed`] a failed tool gives, so callers can downcast to it and
/// read the fields.
///
/// It displays as an empty string: the error it is the source of already says all of it
/// (`config-get --format=json: exited with code 1: ERROR ...`), and error chains skip
/// empty messages, so nothing is said twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolFailure {
    /// The command line, as displayed in the error.
    pub command: String,
    /// The exit code; `None` if the tool was killed by a signal or never started.
    pub exit_code: Option<i32>,
    /// What the tool wrote on stderr, trimmed.
    pub stderr: String,
}

impl fmt::Display for ToolFailure {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for ToolFailure {}

/// Runs hook tools and counts the calls.
///
/// Tools are looked up on `PATH` (where Juju puts them), or in a fixed directory. Cloning
/// is cheap and clones share the call counts.
#[derive(Clone, Debug, Default)]
pub struct HookTools {
    dir: Option<PathBuf>,
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
}

/// Longest argument shown in full in error messages; longer ones are cut.
const SHOWN_ARG: usize = 120;

impl HookTools {
    /// Tools found on `PATH`.
    pub fn new() -> HookTools {
        HookTools::default()
    }

    /// Tools found in `dir` rather than on `PATH`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> HookTools {
        HookTools {
            dir: Some(dir.into()),
            ..HookTools::default()
        }
    }

    /// How many times each tool was called so far, by tool name.
    pub fn calls(&self) -> BTreeMap<String, usize> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// How many tool calls were made so far.
    pub fn total_calls(&self) -> usize {
        self.calls().values().sum()
    }

    /// The command line as shown in errors: arguments with spaces quoted, long ones cut.
    pub fn display(tool: &str, args: &[&str]) -> String {
        let mut line = tool.to_owned();
        for arg in args {
            line.push(' ');
            let shown: String = if arg.chars().count() > SHOWN_ARG {
                let cut: String = arg.chars().take(SHOWN_ARG).collect();
                format!("{cut}...({} bytes)", arg.len())
            } else {
                (*arg).to_owned()
            };
            if shown.is_empty() || shown.contains(|c: char| c.is_whitespace() || c == '"') {
                line.push_str(&format!("{shown:?}"));
            } else {
                line.push_str(&shown);
            }
        }
        line
    }

    /// Runs `tool args...`, writing `stdin` to it if given; returns its stdout.
    ///
    /// Fails with [`BackendError::Failed`] if the tool cannot be started, exits non-zero
    /// (the source is a [`ToolFailure`]) or is killed.
    pub fn run(
        &self,
        tool: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Result<Vec<u8>, BackendError> {
        if let Ok(mut calls) = self.calls.lock() {
            *calls.entry(tool.to_owned()).or_default() += 1;
        }
        let program = match &self.dir {
            Some(dir) => dir.join(tool),
            None => PathBuf::from(tool),
        };
        let command_line = HookTools::display(tool, args);
        let mut command = Command::new(&program);
        command
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
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
            BackendError::Failed {
                operation: command_line.clone(),
                message,
                source: None,
            }
        })?;
        // Feed stdin from a thread so a tool that writes before it has read everything
        // cannot deadlock against us (relation values may be megabytes).
        let writer = match (stdin, child.stdin.take()) {
            (Some(data), Some(mut pipe)) => {
                let data = data.to_vec();
                Some(std::thread::spawn(move || pipe.write_all(&data)))
            }
            _ => None,
        };
        let output = child.wait_with_output().map_err(|e| BackendError::Failed {
            operation: command_line.clone(),
            message: format!("waiting for the tool failed: {e}"),
            source: None,
        })?;
        let write_result = writer.map(|w| w.join());
        if !output.status.success() {
            let failure = ToolFailure {
                command: command_line.clone(),
                exit_code: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            };
            let how = match failure.exit_code {
                Some(code) => format!("exited with code {code}"),
                None => "killed by a signal".to_owned(),
            };
            let message = if failure.stderr.is_empty() {
                format!("{how} (nothing on stderr)")
            } else {
                format!("{how}: {}", failure.stderr)
            };
            return Err(BackendError::Failed {
                operation: command_line,
                message,
                source: Some(Box::new(failure)),
            });
        }
        if let Some(Ok(Err(e))) = write_result {
            return Err(BackendError::Failed {
                operation: command_line,
                message: format!("writing its standard input failed: {e}"),
                source: None,
            });
        }
        Ok(output.stdout)
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

/// Parses a tool's stdout as JSON, naming the command, the position and a snippet when it
/// is not valid UTF-8 or not valid JSON of the expected shape.
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
        let snippet: String = text.trim().chars().take(80).collect();
        BackendError::Failed {
            operation: command_line.to_owned(),
            message: format!("malformed JSON output ({e}); output began {snippet:?}"),
            source: None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(e.to_string().contains("malformed JSON output"), "{e}");
    }
}
