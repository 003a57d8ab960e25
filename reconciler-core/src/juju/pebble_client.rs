//! A minimal blocking Pebble client: HTTP/1.1 over the container's unix socket.
//!
//! A hook makes a handful of sequential requests to Pebble, so this sends each on a fresh
//! connection with `Connection: close` and reads the response to its end. That keeps the
//! client synchronous and small: no async runtime to start in a process that lives for
//! milliseconds, and no HTTP stack to compile into every charm. The response head and the
//! chunk sizes of a chunked body are parsed with `httparse`; query values are
//! percent-encoded with `percent-encoding`.
//!
//! - **Deadline.** Every operation (one method of [`Pebble`]) has one overall deadline,
//!   connecting included: [`TIMEOUT`] (20 s, or the seconds in
//!   `RECONCILER_PEBBLE_TIMEOUT`), or [`PebbleClient::with_timeout`]. It bounds the whole operation, not each read: a
//!   Pebble that sends a byte now and then, never accepts the connection, or accepts and
//!   never answers fails with [`PebbleError::Timeout`] (`timed out after 20 s`) when the
//!   deadline passes. A change wait (`/v1/changes/{id}/wait`) asks Pebble to wait no
//!   longer than the time left.
//! - **A hung Pebble is given up on.** After one request to a container timed out, every
//!   later request to it through the same client (the same hook) fails at once with a
//!   [`PebbleError::Timeout`] saying so, without being sent; `can_connect` answers
//!   `false`. A hook making many requests to a hung Pebble is so held for one deadline,
//!   not one per request.
//! - **Bounded memory.** A response body over [`MAX_RESPONSE_BYTES`] (or
//!   [`PebbleClient::with_max_response_bytes`]) is refused with
//!   [`PebbleError::BodyTooLarge`]: before reading it when its length is announced, as
//!   soon as more has arrived otherwise. `pull` reads the file into memory, so a file is
//!   capped the same way.
//! - **Strict parsing.** A body shorter than its `Content-Length`, a chunked body that
//!   ends early, a multipart body without its closing boundary or with a part lacking its
//!   headers is [`PebbleError::Protocol`], never a silently shortened answer.

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::timeouts::TimeoutSetting;

use std::collections::BTreeMap;

use crate::pebble::{
    BodySize, CheckInfo, ErrorKind, FileInfo, Layer, ListFilesOptions, MakeDirOptions, NoticeQuery,
    Pebble, PebbleError, PebbleNotice, PushOptions, ServiceInfo, permissions_text,
};

/// The deadline of one Pebble operation: the seconds in `RECONCILER_PEBBLE_TIMEOUT` (`20`,
/// `0.5`), else 20 s.
///
/// A healthy Pebble answers in milliseconds; the slowest thing a charm asks of it is a
/// change such as `replan`, which Pebble finishes about a second after starting the
/// services (it waits that long to see that they stay up). 20 s leaves room for a loaded
/// machine and slow-starting services, while a hung Pebble holds the hook for 20 s (one
/// deadline, see the module documentation) rather than indefinitely: Juju does not end a
/// hook that hangs, and while it hangs no other event reaches the unit.
pub(crate) const TIMEOUT: TimeoutSetting = TimeoutSetting {
    var: "RECONCILER_PEBBLE_TIMEOUT",
    default: Duration::from_secs(20),
};

/// The largest response body the client reads: 64 MiB. Pebble's JSON answers are
/// kilobytes; a pulled file is the only large body, and a charm reads configuration files,
/// not bulk data.
pub(crate) const MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// The largest response head (status line and headers).
const MAX_HEAD_BYTES: usize = 64 << 10;

/// The most headers a response head (or a multipart part) may have.
const MAX_HEADERS: usize = 64;

/// How much is read from the socket at a time.
const READ_SIZE: usize = 64 << 10;

/// What is percent-encoded in a query value: everything but letters, digits and `-_.~/`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A Pebble client for one container's socket.
///
/// ```
/// use std::time::Duration;
/// use reconciler_core::juju::PebbleClient;
/// use reconciler_core::pebble::{Pebble, PebbleError};
///
/// let mut client = PebbleClient::new("workload", "/nonexistent/pebble.socket")
///     .with_timeout(Duration::from_secs(5));
/// assert_eq!(client.timeout(), Duration::from_secs(5));
/// assert!(!client.can_connect());
/// match client.plan() {
///     Err(e @ PebbleError::Connection { .. }) => assert_eq!(
///         e.to_string(),
///         "pebble workload: GET /v1/plan: cannot talk to Pebble at /nonexistent/pebble.socket"
///     ),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct PebbleClient {
    container: String,
    socket: PathBuf,
    timeout: Duration,
    max_response_bytes: u64,
    /// The request that timed out, once one has: later requests are not sent.
    timed_out: Option<String>,
}

/// One operation in progress: its deadline, and what errors name.
struct Op<'a> {
    container: &'a str,
    socket: &'a Path,
    timeout: Duration,
    deadline: Instant,
    max_body: u64,
    /// Set when the socket itself timed out (not Pebble answering "not yet").
    hung: Cell<bool>,
}

/// One HTTP request of an operation.
struct Request {
    method: &'static str,
    /// The path, without the query: what errors name.
    path: String,
    /// `?a=b`, or empty.
    query: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Request {
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A response read to its end.
struct Response {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// Pebble's JSON envelope.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    result: Value,
    #[serde(default)]
    change: Option<String>,
}

impl PebbleClient {
    /// A client of the Pebble serving `socket` in `container`, with the deadline
    /// `RECONCILER_PEBBLE_TIMEOUT` sets (in seconds; 20 s when unset) and a limit of
    /// 64 MiB on response bodies. Nothing is connected until the first request.
    pub fn new(container: impl Into<String>, socket: impl Into<PathBuf>) -> PebbleClient {
        PebbleClient {
            container: container.into(),
            socket: socket.into(),
            timeout: TIMEOUT.in_force(),
            max_response_bytes: MAX_RESPONSE_BYTES,
            timed_out: None,
        }
    }

    /// This client with `timeout` as the deadline of each operation.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> PebbleClient {
        self.timeout = timeout;
        self
    }

    /// This client refusing response bodies over `limit` bytes (instead of 64 MiB).
    #[must_use]
    pub fn with_max_response_bytes(mut self, limit: u64) -> PebbleClient {
        self.max_response_bytes = limit;
        self
    }

    /// The deadline of each operation.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Runs one operation under one deadline; a timeout on the socket marks the container
    /// hung for the client's remaining requests.
    fn run<T>(
        &mut self,
        method: &str,
        path: &str,
        f: impl FnOnce(&Op<'_>) -> Result<T, PebbleError>,
    ) -> Result<T, PebbleError> {
        if let Some(earlier) = &self.timed_out {
            return Err(PebbleError::Timeout {
                container: self.container.clone(),
                request: format!("{method} {path}"),
                deadline: self.timeout,
                earlier: Some(earlier.clone()),
            });
        }
        let op = Op {
            container: &self.container,
            socket: &self.socket,
            timeout: self.timeout,
            deadline: Instant::now() + self.timeout,
            max_body: self.max_response_bytes,
            hung: Cell::new(false),
        };
        let result = f(&op);
        // Pebble answering "the change did not finish in time" is not a hung Pebble; the
        // socket staying silent is.
        if op.hung.get()
            && let Err(PebbleError::Timeout { request, .. }) = &result
        {
            self.timed_out = Some(request.clone());
        }
        result
    }

    /// Runs a service action and waits for its change to finish.
    fn services_action(&mut self, action: &str, names: &[&str]) -> Result<(), PebbleError> {
        self.run("POST", "/v1/services", |op| {
            let post = Request::post_json(
                "/v1/services",
                &json!({ "action": action, "services": names }),
            );
            let envelope = op.envelope(&post)?;
            let Some(change) = envelope.change else {
                return Ok(());
            };
            let result = op.wait_change(&change)?;
            match result.get("err").and_then(Value::as_str) {
                Some(err) if !err.is_empty() => Err(PebbleError::ChangeFailed {
                    container: op.container.to_owned(),
                    request: post.label(),
                    action: if names.is_empty() {
                        action.to_owned()
                    } else {
                        format!("{action} {}", names.join(", "))
                    },
                    change,
                    message: err.to_owned(),
                }),
                _ => Ok(()),
            }
        })
    }
}

impl PebbleClient {
    /// A JSON files action on one path (`make-dirs`, `remove`): its per-file error, if
    /// any.
    fn files_action(&mut self, path: &str, body: Value) -> Result<(), PebbleError> {
        self.run("POST", "/v1/files", |op| {
            let request = Request::post_json("/v1/files", &body);
            let envelope = op.envelope(&request)?;
            file_error(op, &request, &envelope.result, path)
        })
    }

    /// Starts or stops checks; the names Pebble acted on.
    fn checks_action(&mut self, action: &str, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        #[derive(Deserialize)]
        struct Changed {
            #[serde(default)]
            changed: Option<Vec<String>>,
        }
        self.run("POST", "/v1/checks", |op| {
            let request =
                Request::post_json("/v1/checks", &json!({ "action": action, "checks": names }));
            let result: Changed = op.result(&request)?;
            Ok(result.changed.unwrap_or_default())
        })
    }
}

/// A mode Pebble would refuse, refused before sending with Pebble's own per-file error.
fn check_permissions(
    container: &str,
    path: &str,
    permissions: Option<u32>,
) -> Result<Option<String>, PebbleError> {
    permissions_text(permissions).map_err(|message| PebbleError::Path {
        container: container.to_owned(),
        request: "POST /v1/files".into(),
        path: path.to_owned(),
        kind: ErrorKind::GenericFileError,
        message,
    })
}

/// Adds the owner fields Pebble's files API takes to a JSON object.
fn owner_fields(
    object: &mut Value,
    user: &Option<String>,
    user_id: Option<u32>,
    group: &Option<String>,
    group_id: Option<u32>,
) {
    if let Value::Object(map) = object {
        if let Some(user) = user {
            map.insert("user".into(), json!(user));
        }
        if let Some(id) = user_id {
            map.insert("user-id".into(), json!(id));
        }
        if let Some(group) = group {
            map.insert("group".into(), json!(group));
        }
        if let Some(id) = group_id {
            map.insert("group-id".into(), json!(id));
        }
    }
}

impl Request {
    fn get(path: &str, query: &[(&str, &str)]) -> Request {
        Request {
            method: "GET",
            path: path.to_owned(),
            query: encode_query(query),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn post_json(path: &str, body: &Value) -> Request {
        Request {
            method: "POST",
            path: path.to_owned(),
            query: String::new(),
            headers: vec![("Content-Type", "application/json".to_owned())],
            // A `Value` always serialises.
            body: serde_json::to_vec(body).unwrap_or_default(),
        }
    }
}

/// `?k=v&k=v` with each value percent-encoded, or empty.
fn encode_query(pairs: &[(&str, &str)]) -> String {
    let mut query = String::new();
    for (key, value) in pairs {
        query.push(if query.is_empty() { '?' } else { '&' });
        query.push_str(key);
        query.push('=');
        query.extend(utf8_percent_encode(value, QUERY_VALUE));
    }
    query
}

impl Op<'_> {
    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn timeout_error(&self, request: &Request) -> PebbleError {
        PebbleError::Timeout {
            container: self.container.to_owned(),
            request: request.label(),
            deadline: self.timeout,
            earlier: None,
        }
    }

    /// The socket stayed silent (or would not connect) until the deadline: Pebble is
    /// taken to be hung.
    fn socket_timeout(&self, request: &Request) -> PebbleError {
        self.hung.set(true);
        self.timeout_error(request)
    }

    fn connection_error(&self, request: &Request, source: std::io::Error) -> PebbleError {
        PebbleError::Connection {
            container: self.container.to_owned(),
            request: request.label(),
            socket: self.socket.to_owned(),
            source,
        }
    }

    fn protocol(&self, request: &Request, message: impl Into<String>) -> PebbleError {
        PebbleError::Protocol {
            container: self.container.to_owned(),
            request: request.label(),
            message: message.into(),
        }
    }

    fn too_large(&self, request: &Request, size: BodySize) -> PebbleError {
        PebbleError::BodyTooLarge {
            container: self.container.to_owned(),
            request: request.label(),
            limit: self.max_body,
            size,
        }
    }

    /// Maps an I/O error: the deadline passing is a timeout, anything else a connection
    /// failure.
    fn io_error(&self, request: &Request, error: std::io::Error) -> PebbleError {
        use std::io::ErrorKind as Io;
        if matches!(error.kind(), Io::WouldBlock | Io::TimedOut) || self.remaining().is_zero() {
            self.socket_timeout(request)
        } else {
            self.connection_error(request, error)
        }
    }

    /// Connects within the time left. `UnixStream::connect` blocks while the listener's
    /// backlog is full and has no timeout of its own, so it runs on a thread that is
    /// abandoned if the deadline passes first (it ends when the connect does, or with the
    /// process).
    fn connect(&self, request: &Request) -> Result<UnixStream, PebbleError> {
        let remaining = self.remaining();
        if remaining.is_zero() {
            return Err(self.socket_timeout(request));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let socket = self.socket.to_owned();
        let spawned = std::thread::Builder::new()
            .name("pebble-connect".into())
            .spawn(move || {
                let _ = tx.send(UnixStream::connect(&socket));
            });
        if let Err(e) = spawned {
            return Err(self.connection_error(request, e));
        }
        match rx.recv_timeout(remaining) {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(self.connection_error(request, e)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(self.socket_timeout(request)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.connection_error(
                request,
                std::io::Error::other("the connecting thread ended without a result"),
            )),
        }
    }

    /// Sends `request` on a new connection and reads the response to its end, all within
    /// the deadline.
    fn http(&self, request: &Request) -> Result<Response, PebbleError> {
        let mut stream = self.connect(request)?;
        let mut head = format!(
            "{} {}{} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            request.method,
            request.path,
            request.query,
            request.body.len()
        );
        for (name, value) in &request.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        let sent = self
            .send(&mut stream, head.as_bytes())
            .and_then(|()| self.send(&mut stream, &request.body));
        if let Err(error) = sent {
            if error.kind() == std::io::ErrorKind::BrokenPipe {
                // Pebble may have answered (an error) before reading the whole body: read
                // its answer, and report the broken pipe only if there is none.
                if let Ok(response) = self.read_response(request, &mut stream) {
                    return Ok(response);
                }
            }
            return Err(self.io_error(request, error));
        }
        self.read_response(request, &mut stream)
    }

    fn send(&self, stream: &mut UnixStream, mut bytes: &[u8]) -> std::io::Result<()> {
        while !bytes.is_empty() {
            let remaining = self.remaining();
            if remaining.is_zero() {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
            stream.set_write_timeout(Some(remaining))?;
            match stream.write(&bytes[..bytes.len().min(READ_SIZE)]) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read_response(
        &self,
        request: &Request,
        stream: &mut UnixStream,
    ) -> Result<Response, PebbleError> {
        let mut reader = Reader {
            op: self,
            request,
            stream,
            buf: Vec::new(),
            eof: false,
        };
        reader.response()
    }

    /// Sends a request and unwraps Pebble's envelope; an error envelope or status is
    /// [`PebbleError::Api`].
    fn envelope(&self, request: &Request) -> Result<Envelope, PebbleError> {
        let response = self.http(request)?;
        self.parse_envelope(request, response.status, &response.body)
    }

    fn parse_envelope(
        &self,
        request: &Request,
        status: u16,
        body: &[u8],
    ) -> Result<Envelope, PebbleError> {
        let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
            self.protocol(
                request,
                format!(
                    "HTTP {status}: the body is not a Pebble JSON envelope ({}, {} bytes)",
                    json_error_position(&e),
                    body.len()
                ),
            )
        })?;
        if envelope.kind == "error" || status >= 400 {
            let message = envelope
                .result
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("no message")
                .to_owned();
            let kind = envelope
                .result
                .get("kind")
                .and_then(Value::as_str)
                .filter(|k| !k.is_empty())
                .map(ErrorKind::from_pebble);
            return Err(PebbleError::Api {
                container: self.container.to_owned(),
                request: request.label(),
                status,
                kind,
                message,
            });
        }
        Ok(envelope)
    }

    /// The `result` of a sync response, as `T`.
    fn result<T: serde::de::DeserializeOwned>(&self, request: &Request) -> Result<T, PebbleError> {
        let envelope = self.envelope(request)?;
        serde_json::from_value(envelope.result).map_err(|e| {
            self.protocol(
                request,
                format!(
                    "the result is not what Pebble sends ({})",
                    json_error_kind(&e)
                ),
            )
        })
    }

    /// Waits for change `id` to be ready, asking Pebble to wait no longer than the time
    /// left (less a margin for its answer to arrive); returns the change.
    fn wait_change(&self, id: &str) -> Result<Value, PebbleError> {
        let path = format!(
            "/v1/changes/{}/wait",
            utf8_percent_encode(id, NON_ALPHANUMERIC)
        );
        let remaining = self.remaining();
        let margin = (remaining / 10).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let wait = remaining.saturating_sub(margin);
        let wait_ms = wait.as_millis().to_string() + "ms";
        let request = Request::get(&path, &[("timeout", &wait_ms)]);
        if wait < Duration::from_millis(1) {
            return Err(self.timeout_error(&request));
        }
        match self.result::<Value>(&request) {
            // Pebble's own answer when the change is not ready in time.
            Err(PebbleError::Api { status: 504, .. }) => Err(self.timeout_error(&request)),
            other => other,
        }
    }
}

/// Where a JSON document is malformed: category and position, never its content.
fn json_error_position(e: &serde_json::Error) -> String {
    format!(
        "{} at line {} column {}",
        json_error_kind(e),
        e.line(),
        e.column()
    )
}

fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end",
    }
}

/// What a response head says about its body.
struct Framing {
    content_type: Option<String>,
    length: Option<u64>,
    chunked: bool,
}

/// Reads one response from the socket, within the operation's deadline and limits.
struct Reader<'a, 'b> {
    op: &'a Op<'b>,
    request: &'a Request,
    stream: &'a mut UnixStream,
    /// Bytes read and not yet consumed.
    buf: Vec<u8>,
    eof: bool,
}

impl Reader<'_, '_> {
    /// Reads more into `buf`; `false` at the end of the stream.
    fn fill(&mut self) -> Result<bool, PebbleError> {
        if self.eof {
            return Ok(false);
        }
        let mut chunk = [0u8; READ_SIZE];
        loop {
            let remaining = self.op.remaining();
            if remaining.is_zero() {
                return Err(self.op.socket_timeout(self.request));
            }
            self.stream
                .set_read_timeout(Some(remaining))
                .map_err(|e| self.op.io_error(self.request, e))?;
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.op.io_error(self.request, e)),
            }
        }
    }

    fn protocol(&self, message: impl Into<String>) -> PebbleError {
        self.op.protocol(self.request, message)
    }

    fn response(&mut self) -> Result<Response, PebbleError> {
        // The head.
        let (head_len, status, framing) = loop {
            let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
            let mut parsed = httparse::Response::new(&mut headers);
            match parsed.parse(&self.buf) {
                Ok(httparse::Status::Complete(len)) => {
                    let status = parsed.code.unwrap_or_default();
                    let framing = self.framing(parsed.headers)?;
                    break (len, status, framing);
                }
                Ok(httparse::Status::Partial) => {
                    if self.buf.len() > MAX_HEAD_BYTES {
                        return Err(self.protocol(format!(
                            "the response head is longer than {MAX_HEAD_BYTES} bytes"
                        )));
                    }
                    if !self.fill()? {
                        return Err(self.protocol(if self.buf.is_empty() {
                            "the connection closed without a response".to_owned()
                        } else {
                            format!(
                                "the connection closed inside the response head (after {} bytes)",
                                self.buf.len()
                            )
                        }));
                    }
                }
                Err(e) => {
                    return Err(self.protocol(format!("invalid HTTP response head: {e}")));
                }
            }
        };
        self.buf.drain(..head_len);
        let body = if framing.chunked {
            self.chunked_body()?
        } else if let Some(length) = framing.length {
            self.sized_body(length)?
        } else {
            self.body_to_end()?
        };
        Ok(Response {
            status,
            content_type: framing.content_type,
            body,
        })
    }

    /// Content-Type, Content-Length and whether the body is chunked.
    fn framing(&self, headers: &[httparse::Header<'_>]) -> Result<Framing, PebbleError> {
        let mut content_type = None;
        let mut length: Option<u64> = None;
        let mut chunked = false;
        for header in headers {
            let value = std::str::from_utf8(header.value)
                .map_err(|_| self.protocol(format!("the {} header is not UTF-8", header.name)))?;
            let value = value.trim();
            if header.name.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.to_owned());
            } else if header.name.eq_ignore_ascii_case("content-length") {
                let n: u64 = value
                    .parse()
                    .map_err(|_| self.protocol(format!("invalid Content-Length {value:?}")))?;
                if length.is_some_and(|l| l != n) {
                    return Err(self.protocol("two different Content-Length headers"));
                }
                length = Some(n);
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                if value.eq_ignore_ascii_case("chunked") {
                    chunked = true;
                } else {
                    return Err(self.protocol(format!("unsupported Transfer-Encoding {value:?}")));
                }
            }
        }
        Ok(Framing {
            content_type,
            length,
            chunked,
        })
    }

    fn sized_body(&mut self, length: u64) -> Result<Vec<u8>, PebbleError> {
        if length > self.op.max_body {
            return Err(self.op.too_large(self.request, BodySize::Announced(length)));
        }
        // At most the limit: `length` fits in memory.
        let length = length as usize;
        while self.buf.len() < length {
            if !self.fill()? {
                return Err(self.protocol(format!(
                    "truncated body: the connection closed after {} of the {length} bytes of Content-Length",
                    self.buf.len()
                )));
            }
        }
        self.buf.truncate(length);
        Ok(std::mem::take(&mut self.buf))
    }

    fn body_to_end(&mut self) -> Result<Vec<u8>, PebbleError> {
        loop {
            if self.buf.len() as u64 > self.op.max_body {
                return Err(self
                    .op
                    .too_large(self.request, BodySize::MoreThan(self.op.max_body)));
            }
            if !self.fill()? {
                return Ok(std::mem::take(&mut self.buf));
            }
        }
    }

    fn chunked_body(&mut self) -> Result<Vec<u8>, PebbleError> {
        let mut body = Vec::new();
        loop {
            // The chunk-size line.
            let (consumed, size) = loop {
                match httparse::parse_chunk_size(&self.buf) {
                    Ok(httparse::Status::Complete(parsed)) => break parsed,
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > MAX_HEAD_BYTES {
                            return Err(self.protocol("a chunk-size line is too long"));
                        }
                        if !self.fill()? {
                            return Err(self.protocol(format!(
                                "truncated chunked body: the connection closed after {} bytes, before the last chunk",
                                body.len()
                            )));
                        }
                    }
                    Err(_) => {
                        return Err(self.protocol(format!(
                            "invalid chunk size after {} bytes of the chunked body",
                            body.len()
                        )));
                    }
                }
            };
            self.buf.drain(..consumed);
            if size == 0 {
                self.trailer()?;
                return Ok(body);
            }
            // Refused before the chunk is read: the body would be more than the limit.
            if (body.len() as u64).saturating_add(size) > self.op.max_body {
                return Err(self
                    .op
                    .too_large(self.request, BodySize::MoreThan(self.op.max_body)));
            }
            // At most the limit: `size` fits in memory.
            let mut left = size as usize;
            while left > 0 {
                if self.buf.is_empty() && !self.fill()? {
                    return Err(self.protocol(format!(
                        "truncated chunked body: the connection closed inside a chunk, after {} bytes",
                        body.len()
                    )));
                }
                let take = left.min(self.buf.len());
                body.extend_from_slice(&self.buf[..take]);
                self.buf.drain(..take);
                left -= take;
            }
            while self.buf.len() < 2 {
                if !self.fill()? {
                    return Err(self.protocol("truncated chunked body: no CRLF after a chunk"));
                }
            }
            if &self.buf[..2] != b"\r\n" {
                return Err(self.protocol(format!(
                    "a chunk is not followed by CRLF (after {} bytes of the body)",
                    body.len()
                )));
            }
            self.buf.drain(..2);
        }
    }

    /// Skips the trailer after the last chunk, up to the empty line.
    fn trailer(&mut self) -> Result<(), PebbleError> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                let empty = end == 0;
                self.buf.drain(..end + 2);
                if empty {
                    return Ok(());
                }
                continue;
            }
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(self.protocol("the chunked body's trailer is too long"));
            }
            if !self.fill()? {
                return Err(self.protocol("truncated chunked body: no end after the last chunk"));
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// One part of a multipart body.
struct Part<'a> {
    /// The Content-Disposition `name`.
    name: String,
    /// The Content-Disposition `filename`, if any.
    filename: Option<String>,
    content: &'a [u8],
}

/// Splits a multipart body strictly: it must start with the first boundary and end with
/// the closing one, and every part must have a Content-Disposition with a name.
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let delimiter = format!("--{boundary}");
    let separator = format!("\r\n--{boundary}");
    let Some(mut rest) = body.strip_prefix(delimiter.as_bytes()) else {
        return Err("the multipart body does not start with its boundary".into());
    };
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let Some(after) = rest.strip_prefix(b"\r\n") else {
            return Err(format!(
                "no line break after the boundary of multipart part {}",
                parts.len() + 1
            ));
        };
        let number = parts.len() + 1;
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let (head_len, headers) = match httparse::parse_headers(after, &mut headers) {
            Ok(httparse::Status::Complete((len, headers))) => (len, headers),
            Ok(httparse::Status::Partial) => {
                return Err(format!(
                    "multipart part {number} ends inside its headers (no closing boundary)"
                ));
            }
            Err(e) => return Err(format!("invalid headers in multipart part {number}: {e}")),
        };
        let disposition = headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("content-disposition"))
            .ok_or_else(|| format!("multipart part {number} has no Content-Disposition header"))?;
        let disposition = std::str::from_utf8(disposition.value).map_err(|_| {
            format!("the Content-Disposition of multipart part {number} is not UTF-8")
        })?;
        let params = disposition_params(disposition);
        let name = params
            .iter()
            .find(|(k, _)| k == "name")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                format!("the Content-Disposition of multipart part {number} has no name")
            })?;
        let filename = params
            .iter()
            .find(|(k, _)| k == "filename")
            .map(|(_, v)| v.clone());
        let content = &after[head_len..];
        let Some(end) = find(content, separator.as_bytes()) else {
            return Err(format!(
                "the multipart body ends inside part {number} (no closing boundary)"
            ));
        };
        parts.push(Part {
            name,
            filename,
            content: &content[..end],
        });
        rest = &content[end + separator.len()..];
    }
}

/// The parameters of a Content-Disposition value (`form-data; name="files";
/// filename="/a"`), quoted strings unescaped, names lowercased.
fn disposition_params(value: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = value.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ';') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() {
            return params;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => val.extend(chars.next()),
                        '"' => break,
                        c => val.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    val.push(c);
                    chars.next();
                }
            }
        }
        params.push((key.trim().to_ascii_lowercase(), val.trim().to_owned()));
    }
}

/// A Content-Type's `boundary` parameter.
fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    disposition_params(&format!("x;{params}"))
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty())
}

/// A multipart boundary of 40 characters (Pebble wants at least 32) that does not occur
/// in `content`.
fn push_boundary(content: &[u8]) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut seed = (nanos as u64) ^ (u64::from(std::process::id()) << 32);
    loop {
        let boundary = format!("reconciler-{seed:016x}-{:012x}", seed.rotate_left(17) >> 16);
        if find(content, boundary.as_bytes()).is_none() {
            return boundary;
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    }
}

/// A quoted-string for a header parameter: `"` and `\` escaped with `\`.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The per-file error of a files API result, if `path`'s entry has one.
fn file_error(
    op: &Op<'_>,
    request: &Request,
    result: &Value,
    path: &str,
) -> Result<(), PebbleError> {
    let entries = result
        .as_array()
        .ok_or_else(|| op.protocol(request, "the files API result is not a list of files"))?;
    let entry = entries
        .iter()
        .find(|e| e.get("path").and_then(Value::as_str) == Some(path))
        .ok_or_else(|| op.protocol(request, "the files API result does not list the file"))?;
    let Some(error) = entry.get("error").filter(|e| !e.is_null()) else {
        return Ok(());
    };
    Err(PebbleError::Path {
        container: op.container.to_owned(),
        request: request.label(),
        path: path.to_owned(),
        kind: error
            .get("kind")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .map_or(ErrorKind::GenericFileError, ErrorKind::from_pebble),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_owned(),
    })
}

impl Pebble for PebbleClient {
    fn can_connect(&mut self) -> bool {
        let answer = self.run("GET", "/v1/system-info", |op| {
            op.envelope(&Request::get("/v1/system-info", &[]))
        });
        match answer {
            Ok(_) => true,
            Err(e) => {
                if e.is_timeout() {
                    tracing::warn!("{e}");
                } else {
                    tracing::debug!("{e}");
                }
                false
            }
        }
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        self.run("POST", "/v1/layers", |op| {
            // A `Layer` always serialises.
            let yaml = serde_yaml_ng::to_string(layer).unwrap_or_default();
            let request = Request::post_json(
                "/v1/layers",
                &json!({
                    "action": "add",
                    "combine": combine,
                    "label": label,
                    "format": "yaml",
                    "layer": yaml,
                }),
            );
            op.envelope(&request).map(drop)
        })
    }

    fn plan(&mut self) -> Result<Layer, PebbleError> {
        self.run("GET", "/v1/plan", |op| {
            let request = Request::get("/v1/plan", &[("format", "yaml")]);
            let yaml: String = op.result(&request)?;
            if yaml.trim().is_empty() || yaml.trim() == "{}" {
                return Ok(Layer::default());
            }
            serde_yaml_ng::from_str(&yaml).map_err(|e| {
                // The position only: the plan holds services' environments.
                let at = e
                    .location()
                    .map(|l| format!(" at line {} column {}", l.line(), l.column()))
                    .unwrap_or_default();
                op.protocol(
                    &request,
                    format!("the plan is not a layer Pebble sends{at}"),
                )
            })
        })
    }

    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        self.run("GET", "/v1/services", |op| {
            let joined = names.join(",");
            let query: &[(&str, &str)] = if names.is_empty() {
                &[]
            } else {
                &[("names", &joined)]
            };
            let services: Option<Vec<ServiceInfo>> =
                op.result(&Request::get("/v1/services", query))?;
            Ok(services.unwrap_or_default())
        })
    }

    fn replan(&mut self) -> Result<(), PebbleError> {
        self.services_action("replan", &[])
    }

    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.services_action("start", names)
    }

    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.services_action("stop", names)
    }

    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.services_action("restart", names)
    }

    fn push_with(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<(), PebbleError> {
        let permissions = check_permissions(&self.container, path, options.permissions)?;
        self.run("POST", "/v1/files", |op| {
            if path.chars().any(char::is_control) {
                return Err(PebbleError::Path {
                    container: op.container.to_owned(),
                    request: "POST /v1/files".into(),
                    path: path.escape_debug().to_string(),
                    kind: ErrorKind::GenericFileError,
                    message: "the path has a control character, which cannot be sent".into(),
                });
            }
            let boundary = push_boundary(content);
            let mut file = json!({ "path": path, "make-dirs": options.make_dirs });
            if let Some(permissions) = &permissions {
                file["permissions"] = json!(permissions);
            }
            owner_fields(
                &mut file,
                &options.user,
                options.user_id,
                &options.group,
                options.group_id,
            );
            let metadata = json!({ "action": "write", "files": [file] });
            let mut body = Vec::with_capacity(content.len() + 512);
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Type: application/json\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n{metadata}\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=\"files\"; filename={}\r\n\r\n",
                    quote(path)
                )
                .as_bytes(),
            );
            body.extend_from_slice(content);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let request = Request {
                method: "POST",
                path: "/v1/files".into(),
                query: String::new(),
                headers: vec![(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )],
                body,
            };
            let envelope = op.envelope(&request)?;
            file_error(op, &request, &envelope.result, path)
        })
    }

    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError> {
        self.run("GET", "/v1/files", |op| {
            let mut request = Request::get("/v1/files", &[("action", "read"), ("path", path)]);
            request
                .headers
                .push(("Accept", "multipart/form-data".to_owned()));
            let response = op.http(&request)?;
            let Some(boundary) = response.content_type.as_deref().and_then(boundary) else {
                // Not multipart: an error envelope, or not Pebble.
                op.parse_envelope(&request, response.status, &response.body)?;
                return Err(op.protocol(
                    &request,
                    format!(
                        "HTTP {}: expected a multipart body, got Content-Type {:?}",
                        response.status,
                        response.content_type.as_deref().unwrap_or("(none)")
                    ),
                ));
            };
            let parts = multipart_parts(&response.body, &boundary)
                .map_err(|message| op.protocol(&request, message))?;
            let mut file = None;
            let mut envelope = None;
            for part in &parts {
                match part.name.as_str() {
                    "files" => {
                        if part.filename.as_deref() != Some(path) {
                            return Err(op.protocol(
                                &request,
                                "a file part is for another path than the one requested",
                            ));
                        }
                        if file.replace(part.content).is_some() {
                            return Err(op.protocol(&request, "two file parts for one path"));
                        }
                    }
                    "response" => {
                        let parsed = op.parse_envelope(&request, response.status, part.content)?;
                        if envelope.replace(parsed).is_some() {
                            return Err(op.protocol(&request, "two response parts"));
                        }
                    }
                    _ => {
                        return Err(op.protocol(
                            &request,
                            format!(
                                "unexpected multipart part {:?} (expected \"files\" and \"response\")",
                                part.name
                            ),
                        ));
                    }
                }
            }
            let envelope = envelope
                .ok_or_else(|| op.protocol(&request, "the multipart body has no response part"))?;
            file_error(op, &request, &envelope.result, path)?;
            file.map(<[u8]>::to_vec).ok_or_else(|| {
                op.protocol(
                    &request,
                    "the response reports no error but the body has no file part",
                )
            })
        })
    }

    fn list_files(
        &mut self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, PebbleError> {
        self.run("GET", "/v1/files", |op| {
            let mut query = vec![("action", "list"), ("path", path)];
            if let Some(pattern) = &options.pattern {
                query.push(("pattern", pattern));
            }
            if options.itself {
                query.push(("itself", "true"));
            }
            let files: Option<Vec<FileInfo>> = op.result(&Request::get("/v1/files", &query))?;
            Ok(files.unwrap_or_default())
        })
    }

    fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        let permissions = check_permissions(&self.container, path, options.permissions)?;
        let mut dir = json!({ "path": path, "make-parents": options.make_parents });
        if let Some(permissions) = permissions {
            dir["permissions"] = json!(permissions);
        }
        owner_fields(
            &mut dir,
            &options.user,
            options.user_id,
            &options.group,
            options.group_id,
        );
        self.files_action(path, json!({ "action": "make-dirs", "dirs": [dir] }))
    }

    fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        self.files_action(
            path,
            json!({ "action": "remove", "paths": [{ "path": path, "recursive": recursive }] }),
        )
    }

    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError> {
        self.run("GET", "/v1/checks", |op| {
            let checks: Option<Vec<CheckInfo>> = op.result(&Request::get("/v1/checks", &[]))?;
            Ok(checks.unwrap_or_default())
        })
    }

    fn start_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("start", names)
    }

    fn stop_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("stop", names)
    }

    fn notices(&mut self, query: &NoticeQuery) -> Result<Vec<PebbleNotice>, PebbleError> {
        self.run("GET", "/v1/notices", |op| {
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            for notice_type in &query.types {
                pairs.push(("types", notice_type.as_str()));
            }
            for key in &query.keys {
                pairs.push(("keys", key));
            }
            if let Some(after) = &query.after {
                pairs.push(("after", after));
            }
            let notices: Option<Vec<PebbleNotice>> =
                op.result(&Request::get("/v1/notices", &pairs))?;
            Ok(notices.unwrap_or_default())
        })
    }

    fn notify(
        &mut self,
        key: &str,
        data: &BTreeMap<String, String>,
    ) -> Result<String, PebbleError> {
        #[derive(Deserialize)]
        struct Added {
            id: String,
        }
        self.run("POST", "/v1/notices", |op| {
            let mut body = json!({ "action": "add", "type": "custom", "key": key });
            if !data.is_empty() {
                body["data"] = json!(data);
            }
            let added: Added = op.result(&Request::post_json("/v1/notices", &body))?;
            Ok(added.id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_split() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/a\\\"b\"\r\n\r\nhello\r\n--b\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{}\r\n--b--\r\n";
        let parts = multipart_parts(body, "b").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].content, b"hello");
        assert_eq!(parts[0].name, "files");
        assert_eq!(parts[0].filename.as_deref(), Some("/a\"b"));
        assert_eq!(parts[1].content, b"{}");
    }

    #[test]
    fn multipart_without_closing_boundary_is_an_error() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/a\"\r\n\r\nhello, and the rest is missing";
        assert_eq!(
            multipart_parts(body, "b").err().unwrap(),
            "the multipart body ends inside part 1 (no closing boundary)"
        );
        let body = b"--b\r\nContent-Disposition: form-data; name=\"files\"\r\n\r\nhello\r\n--b";
        assert_eq!(
            multipart_parts(body, "b").err().unwrap(),
            "no line break after the boundary of multipart part 2"
        );
    }

    #[test]
    fn multipart_part_without_headers_is_an_error() {
        let body = b"--b\r\n\r\nhello\r\n--b--\r\n";
        assert_eq!(
            multipart_parts(body, "b").err().unwrap(),
            "multipart part 1 has no Content-Disposition header"
        );
        let body = b"--b\r\nContent-Disposition: form-data\r\n\r\nhello\r\n--b--\r\n";
        assert_eq!(
            multipart_parts(body, "b").err().unwrap(),
            "the Content-Disposition of multipart part 1 has no name"
        );
        assert_eq!(
            multipart_parts(b"hello", "b").err().unwrap(),
            "the multipart body does not start with its boundary"
        );
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode_query(&[("action", "read"), ("path", "/etc/a b&c=d?e%#ü")]),
            "?action=read&path=/etc/a%20b%26c%3Dd%3Fe%25%23%C3%BC"
        );
        assert_eq!(encode_query(&[]), "");
    }

    #[test]
    fn boundaries() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary("multipart/form-data; boundary=abc").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("application/json"), None);
        let b = push_boundary(b"some content");
        assert!(b.len() >= 32, "{b}");
        assert_eq!(quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn the_deadline_is_20_s_unless_the_variable_says_otherwise() {
        assert_eq!(TIMEOUT.var, "RECONCILER_PEBBLE_TIMEOUT");
        assert_eq!(TIMEOUT.default, Duration::from_secs(20));
    }
}
