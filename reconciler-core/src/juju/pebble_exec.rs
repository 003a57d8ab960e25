//! `exec` of the Pebble client: Pebble's exec API over the container's unix socket.
//!
//! 1. `POST /v1/exec` starts the command (Pebble checks first that it can find the
//!    executable) and answers with a change and the id of its task.
//! 2. Three websockets of the task, each on its own connection
//!    (`GET /v1/tasks/<task>/websocket/{control,stdio,stderr}`): Pebble starts the
//!    command once `stdio` and `stderr` are connected. The standard input goes out on
//!    `stdio` as binary messages, ended by the text message `{"command":"end"}`; the
//!    standard output comes back on `stdio` and the standard error on `stderr`, the same
//!    way. `control` is held open while the command runs: when its connection drops
//!    without a closing handshake (this client giving up: the deadline passed, or the
//!    output is too large), Pebble kills the command.
//! 3. `GET /v1/changes/<change>/wait`: the exit code is the task's data `exit-code`; a
//!    change error is the command timing out (Pebble kills it) or failing to start.
//!
//! The three streams move at once (a thread writes the standard input, another reads the
//! standard error), so a command that writes much before reading its input does not
//! deadlock with the client. Everything runs within the operation's deadline: Pebble is
//! given a timeout a little shorter than the time left when the request has none (or a
//! longer one), so it kills a command that would outlive the deadline; and every read and
//! write on the sockets stops at the deadline.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value, json};
use tungstenite::protocol::{Role, WebSocket};
use tungstenite::{Message, error::ProtocolError};

use super::pebble_client::{Op, Request};
use crate::pebble::{EXEC_REQUEST, ExecFailure, ExecOutput, ExecRequest, PebbleError};

/// The largest response head of a websocket upgrade.
const MAX_HEAD_BYTES: usize = 64 << 10;

/// The largest error body read after a refused websocket upgrade.
const MAX_ERROR_BODY: usize = 64 << 10;

/// The size of the binary messages the standard input is sent in (Pebble's own client
/// sends 128 KiB).
const STDIN_CHUNK: usize = 128 << 10;

/// How long after the request's timeout the output is still waited for. Pebble kills the
/// command at the timeout and waits up to a second for its output; a process the command
/// started can hold the output open longer (Pebble kills only the command itself), and is
/// not waited for.
const AFTER_TIMEOUT: Duration = Duration::from_secs(2);

/// Pebble's end-of-stream message on an I/O websocket.
const END: &str = r#"{"command":"end"}"#;

/// Runs `request` within `op` (see the module documentation). `request` has been checked
/// ([`ExecRequest::problem`]).
pub(super) fn exec(op: &Op<'_>, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
    // Pebble's own timeout: the request's, or less than the time left, whichever is
    // shorter, so that Pebble kills the command before the deadline passes here.
    let remaining = op.remaining();
    let margin = (remaining / 10).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let bound = remaining.saturating_sub(margin);
    let (timeout, own_timeout) = match request.timeout {
        Some(timeout) if timeout <= bound => (timeout, true),
        _ => (bound, false),
    };
    let post = Request::post_json("/v1/exec", &payload(request, timeout));
    if timeout < Duration::from_millis(1) {
        return Err(op.timeout_error(&post));
    }
    let envelope = op.envelope(&post)?;
    let change = envelope
        .change
        .ok_or_else(|| op.protocol(&post, "the answer names no change"))?;
    let task = envelope
        .result
        .get("task-id")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| op.protocol(&post, "the answer has no task-id"))?
        .to_owned();

    // Dropped at the end of this function, without a closing handshake: if the command is
    // still running then (this client gave up on it), Pebble kills it.
    let (_control, _) = connect(op, &task, "control")?;
    let (mut stdio, stdio_request) = connect(op, &task, "stdio")?;
    let (mut stderr, stderr_request) = connect(op, &task, "stderr")?;
    // Pebble starts the command now. The output is waited for until the deadline, or a
    // little after the request's timeout.
    let deadline = Instant::now() + op.remaining();
    let output_deadline = if own_timeout {
        deadline.min(Instant::now() + timeout + AFTER_TIMEOUT)
    } else {
        deadline
    };
    stdio.get_mut().deadline = output_deadline;
    stderr.get_mut().deadline = output_deadline;
    let stdio_socket = clone(op, &stdio_request, stdio.get_ref())?;
    let stderr_socket = clone(op, &stderr_request, stderr.get_ref())?;
    let mut stdin = WebSocket::from_raw_socket(
        clone(op, &stdio_request, stdio.get_ref())?,
        Role::Client,
        None,
    );

    let command = request.to_string();
    let streams = Streams {
        container: op.container,
        socket: op.socket,
        deadline: op.timeout,
        max_body: op.max_body,
        timeout: (own_timeout && output_deadline < deadline).then_some(timeout),
        command: &command,
        first_error: Mutex::new(None),
        sockets: [&stdio_socket.stream, &stderr_socket.stream],
    };
    let (stdout, stderr) = std::thread::scope(|scope| {
        let input = request.stdin.as_deref().unwrap_or_default();
        // A write error is left to the output side: a command that exits without reading
        // its input closes the pipe Pebble writes it to.
        let writer = scope.spawn(move || write_stdin(&mut stdin, input));
        let reader = scope.spawn(|| streams.read(&mut stderr, &stderr_request, "stderr"));
        let stdout = streams.read(&mut stdio, &stdio_request, "stdout");
        let stderr = reader.join();
        // The output has ended, so has the command: a writer still sending input that
        // Pebble no longer reads is stopped.
        let _ = stdio_socket.stream.shutdown(std::net::Shutdown::Both);
        let _ = writer.join();
        (stdout, stderr)
    });
    if let Some(error) = streams.first_error.into_inner().ok().flatten() {
        return Err(error);
    }
    let (Some(stdout), Ok(Some(stderr))) = (stdout, stderr) else {
        return Err(op.protocol(&post, "reading the output failed without an error"));
    };

    let result = op.wait_change(&change)?;
    let wait = Request::get(&format!("/v1/changes/{change}/wait"), &[]);
    if let Some(err) = result
        .get("err")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty())
    {
        // Pebble's words when it killed the command at its timeout.
        if err.contains("timed out after") {
            return Err(if own_timeout {
                PebbleError::Exec {
                    container: op.container.to_owned(),
                    request: post.label(),
                    command,
                    failure: ExecFailure::TimedOut { timeout },
                }
            } else {
                op.timeout_error(&post)
            });
        }
        return Err(PebbleError::ChangeFailed {
            container: op.container.to_owned(),
            request: post.label(),
            action: format!("exec `{command}`"),
            change,
            message: err.to_owned(),
        });
    }
    let exit_code = result
        .get("tasks")
        .and_then(|t| t.get(0))
        .and_then(|t| t.get("data"))
        .and_then(|d| d.get("exit-code"))
        .and_then(Value::as_i64)
        .and_then(|c| i32::try_from(c).ok())
        .ok_or_else(|| op.protocol(&wait, "the exec change has no exit-code"))?;
    Ok(ExecOutput::new(exit_code)
        .with_stdout(stdout)
        .with_stderr(stderr)
        .for_request(op.container, request))
}

/// The body of `POST /v1/exec`.
fn payload(request: &ExecRequest, timeout: Duration) -> Value {
    let mut body = Map::new();
    body.insert("command".into(), json!(request.command));
    if !request.environment.is_empty() {
        body.insert("environment".into(), json!(request.environment));
    }
    if let Some(dir) = &request.working_dir {
        body.insert("working-dir".into(), json!(dir));
    }
    body.insert(
        "timeout".into(),
        json!(format!("{}us", timeout.as_micros().max(1))),
    );
    if let Some(user) = &request.user {
        body.insert("user".into(), json!(user));
    }
    if let Some(id) = request.user_id {
        body.insert("user-id".into(), json!(id));
    }
    if let Some(group) = &request.group {
        body.insert("group".into(), json!(group));
    }
    if let Some(id) = request.group_id {
        body.insert("group-id".into(), json!(id));
    }
    body.insert("split-stderr".into(), json!(true));
    Value::Object(body)
}

/// A socket whose every read and write stops at the operation's deadline.
struct DeadlineStream {
    stream: UnixStream,
    deadline: Instant,
}

impl DeadlineStream {
    fn left(&self) -> std::io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(std::io::ErrorKind::TimedOut.into())
        } else {
            Ok(left)
        }
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.stream.set_read_timeout(Some(self.left()?))?;
        self.stream.read(buf)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.set_write_timeout(Some(self.left()?))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// Another handle on the same socket.
fn clone(
    op: &Op<'_>,
    request: &Request,
    stream: &DeadlineStream,
) -> Result<DeadlineStream, PebbleError> {
    Ok(DeadlineStream {
        stream: stream
            .stream
            .try_clone()
            .map_err(|e| op.connection_error(request, e))?,
        deadline: stream.deadline,
    })
}

/// Connects the task's websocket `id`: the upgrade request on a new connection.
fn connect(
    op: &Op<'_>,
    task: &str,
    id: &str,
) -> Result<(WebSocket<DeadlineStream>, Request), PebbleError> {
    let task = utf8_percent_encode(task, NON_ALPHANUMERIC);
    let request = Request::get(&format!("/v1/tasks/{task}/websocket/{id}"), &[]);
    let stream = op.connect(&request)?;
    let mut stream = DeadlineStream {
        stream,
        deadline: Instant::now() + op.remaining(),
    };
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        request.path,
        websocket_key()
    );
    let io = |e: std::io::Error| {
        if is_timeout(&e) {
            // Pebble not answering an upgrade is Pebble hung.
            op.socket_timeout(&request)
        } else {
            op.connection_error(&request, e)
        }
    };
    stream.write_all(head.as_bytes()).map_err(io)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_len, status, length) = loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        match parsed.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let length = parsed
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| std::str::from_utf8(h.value).ok())
                    .and_then(|v| v.trim().parse::<usize>().ok());
                break (len, parsed.code.unwrap_or_default(), length);
            }
            Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD_BYTES => {}
            Ok(httparse::Status::Partial) => {
                return Err(op.protocol(
                    &request,
                    format!("the response head is longer than {MAX_HEAD_BYTES} bytes"),
                ));
            }
            Err(e) => {
                return Err(op.protocol(&request, format!("invalid HTTP response head: {e}")));
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(op.protocol(
                    &request,
                    format!(
                        "the connection closed inside the response head (after {} bytes)",
                        buf.len()
                    ),
                ));
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    };
    let rest = buf.split_off(head_len);
    if status == 101 {
        return Ok((
            WebSocket::from_partially_read(stream, rest, Role::Client, None),
            request,
        ));
    }
    // An error: Pebble's envelope says which.
    let mut body = rest;
    let want = length.unwrap_or(MAX_ERROR_BODY).min(MAX_ERROR_BODY);
    while body.len() < want {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    body.truncate(want);
    op.parse_envelope(&request, status, &body)?;
    Err(op.protocol(
        &request,
        format!("HTTP {status} where 101 Switching Protocols was expected"),
    ))
}

/// A `Sec-WebSocket-Key`: 16 bytes, base64. Pebble's server only checks its form.
fn websocket_key() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let seed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    bytes[8..].copy_from_slice(
        &seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1)
            .to_le_bytes(),
    );
    base64(&bytes)
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// Sends the standard input and its end.
fn write_stdin(ws: &mut WebSocket<DeadlineStream>, input: &[u8]) -> Result<(), tungstenite::Error> {
    for chunk in input.chunks(STDIN_CHUNK) {
        ws.write(Message::binary(chunk.to_vec()))?;
    }
    ws.write(Message::text(END))?;
    ws.flush()
}

/// The output side of one command: the first error of either stream, and the sockets to
/// shut down when one stream fails, so that the other stops too.
struct Streams<'a> {
    container: &'a str,
    socket: &'a std::path::Path,
    /// The operation's deadline, for errors.
    deadline: Duration,
    /// The request's timeout, when the output is waited for until a little after it
    /// rather than until the deadline.
    timeout: Option<Duration>,
    max_body: u64,
    command: &'a str,
    first_error: Mutex<Option<PebbleError>>,
    sockets: [&'a UnixStream; 2],
}

impl Streams<'_> {
    /// Reads one output stream to its end; `None` when it or the other stream failed (the
    /// error is in `first_error`).
    fn read(
        &self,
        ws: &mut WebSocket<DeadlineStream>,
        request: &Request,
        stream: &'static str,
    ) -> Option<Vec<u8>> {
        match self.read_to_end(ws, request, stream) {
            Ok(output) => Some(output),
            Err(error) => {
                if let Ok(mut first) = self.first_error.lock()
                    && first.is_none()
                {
                    *first = Some(error);
                    for socket in self.sockets {
                        let _ = socket.shutdown(std::net::Shutdown::Both);
                    }
                }
                None
            }
        }
    }

    fn read_to_end(
        &self,
        ws: &mut WebSocket<DeadlineStream>,
        request: &Request,
        stream: &'static str,
    ) -> Result<Vec<u8>, PebbleError> {
        let protocol = |message: String| PebbleError::Protocol {
            container: self.container.to_owned(),
            request: request.label(),
            message,
        };
        let mut output = Vec::new();
        loop {
            match ws.read() {
                Ok(Message::Binary(data)) => {
                    if (output.len() + data.len()) as u64 > self.max_body {
                        return Err(PebbleError::Exec {
                            container: self.container.to_owned(),
                            request: EXEC_REQUEST.to_owned(),
                            command: self.command.to_owned(),
                            failure: ExecFailure::OutputTooLarge {
                                stream,
                                limit: self.max_body,
                            },
                        });
                    }
                    output.extend_from_slice(&data);
                }
                Ok(Message::Text(text)) => {
                    let command: Option<String> = serde_json::from_str::<Value>(&text)
                        .ok()
                        .and_then(|v| v.get("command")?.as_str().map(str::to_owned));
                    if command.as_deref() == Some("end") {
                        return Ok(output);
                    }
                    return Err(protocol(format!(
                        "a text message on the {stream} websocket that is not the end of the output ({} bytes)",
                        text.len()
                    )));
                }
                // Pebble closing the stream ends it too.
                Ok(Message::Close(_)) | Err(tungstenite::Error::ConnectionClosed) => {
                    return Ok(output);
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {
                    // The command still running at its timeout or the deadline: not Pebble
                    // hung.
                    return Err(match self.timeout {
                        Some(timeout) => PebbleError::Exec {
                            container: self.container.to_owned(),
                            request: EXEC_REQUEST.to_owned(),
                            command: self.command.to_owned(),
                            failure: ExecFailure::TimedOut { timeout },
                        },
                        None => PebbleError::Timeout {
                            container: self.container.to_owned(),
                            request: request.label(),
                            deadline: self.deadline,
                            earlier: None,
                        },
                    });
                }
                Err(tungstenite::Error::Io(e)) => {
                    return Err(PebbleError::Connection {
                        container: self.container.to_owned(),
                        request: request.label(),
                        socket: self.socket.to_owned(),
                        source: e,
                    });
                }
                Err(tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake)) => {
                    return Err(protocol(format!(
                        "the {stream} websocket closed before the end of the output (after {} bytes)",
                        output.len()
                    )));
                }
                Err(e) => return Err(protocol(format!("{stream} websocket: {e}"))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_websocket_keys() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"the sample nonce"), "dGhlIHNhbXBsZSBub25jZQ==");
        assert_eq!(websocket_key().len(), 24);
    }

    #[test]
    fn the_payload_sets_only_what_the_request_sets() {
        let request = ExecRequest::new(["ls", "-l"]);
        assert_eq!(
            payload(&request, Duration::from_millis(1500)),
            json!({"command": ["ls", "-l"], "timeout": "1500000us", "split-stderr": true})
        );
        let request = ExecRequest::new(["id"])
            .env("A", "b")
            .working_dir("/tmp")
            .user("u")
            .user_id(1)
            .group("g")
            .group_id(2);
        assert_eq!(
            payload(&request, Duration::from_secs(1)),
            json!({
                "command": ["id"], "environment": {"A": "b"}, "working-dir": "/tmp",
                "timeout": "1000000us", "user": "u", "user-id": 1, "group": "g",
                "group-id": 2, "split-stderr": true,
            })
        );
    }
}
