//! The Pebble client against fake Pebbles on unix sockets: a thread in the test serves
//! each connection as the test says (slowly, never, with a malformed or oversized answer),
//! and the client must fail with the right [`PebbleError`] within its deadline.
//!
//! Deadlines here are 1 s. The bound each test asserts (a few seconds) is what the client
//! promises for a 1 s deadline plus generous scheduling slack; without the deadline these
//! tests would hang (the fake peers never stop on their own before the test ends).

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{
    BodySize, ErrorKind, ListFilesOptions, MakeDirOptions, NoticeQuery, NoticeType, Pebble,
    PebbleError, PushOptions,
};
use reconciler_core::{ComponentError, StatusKind};

const DEADLINE: Duration = Duration::from_secs(1);

/// The most a call with a 1 s deadline may take here: the deadline plus slack for a
/// loaded machine. A call that ignored the deadline would take as long as the fake peer
/// holds it (far longer: until the test's end).
const BOUND: Duration = Duration::from_secs(5);

/// Set when the test ends, so that fake peers holding a connection let go.
#[derive(Clone, Default)]
struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Waits `d`, or less if the test ends first; whether it ended.
    fn wait(&self, d: Duration) -> bool {
        let until = Instant::now() + d;
        while Instant::now() < until {
            if self.0.load(Ordering::Relaxed) {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        self.0.load(Ordering::Relaxed)
    }
}

/// A fake Pebble: a listener in a temporary directory and a thread serving it.
struct Fake {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    stop: Stop,
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.0.store(true, Ordering::Relaxed);
    }
}

impl Fake {
    /// Serves every connection with `serve(stream, stop)`, each on its own thread.
    fn serve(serve: impl Fn(UnixStream, &Stop) + Send + Sync + 'static) -> Fake {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("pebble.socket");
        let listener = UnixListener::bind(&socket).unwrap();
        let stop = Stop::default();
        let serve = Arc::new(serve);
        let stop_all = stop.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let serve = serve.clone();
                let stop = stop_all.clone();
                thread::spawn(move || serve(stream, &stop));
            }
        });
        Fake {
            _dir: dir,
            socket,
            stop,
        }
    }

    /// Answers every request with `response` (after reading the request head).
    fn answering(response: impl Into<Vec<u8>>) -> Fake {
        let response: Vec<u8> = response.into();
        Fake::serve(move |mut stream, _| {
            read_head(&mut stream);
            let _ = stream.write_all(&response);
        })
    }

    fn client(&self) -> PebbleClient {
        PebbleClient::new("workload", &self.socket).with_timeout(DEADLINE)
    }
}

/// Reads a request up to the end of its head (and returns it).
fn read_head(stream: &mut UnixStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Holds the connection open, answering nothing, until the test ends.
fn hold(_: &mut UnixStream, stop: &Stop) {
    stop.wait(Duration::from_secs(600));
}

/// Runs `f`, asserting it returns within [`BOUND`].
fn bounded<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < BOUND, "took {took:?}, more than {BOUND:?}");
    out
}

fn assert_timeout(e: &PebbleError, request: &str) {
    match e {
        PebbleError::Timeout {
            container,
            request: r,
            deadline,
            earlier: None,
        } => {
            assert_eq!(container, "workload");
            assert_eq!(r, request);
            assert_eq!(*deadline, DEADLINE);
        }
        other => panic!("expected a timeout of {request}, got {other:?}"),
    }
    let text = e.to_string();
    assert_eq!(
        text,
        format!("pebble workload: {request}: timed out after 1 s")
    );
    assert!(!text.contains("os error"), "{text}");
}

#[test]
fn a_pebble_that_accepts_and_never_answers_times_out() {
    let fake = Fake::serve(|mut stream, stop| {
        read_head(&mut stream);
        hold(&mut stream, stop);
    });
    let e = bounded(|| fake.client().plan().unwrap_err());
    assert_timeout(&e, "GET /v1/plan");
}

#[test]
fn a_pebble_that_answers_a_byte_at_a_time_times_out_overall() {
    // One byte every 300 ms: each read returns in time, so a per-read timeout would never
    // fire; the whole answer would take more than 30 s.
    let fake = Fake::serve(|mut stream, stop| {
        read_head(&mut stream);
        let body = "x".repeat(100);
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        for byte in response.bytes() {
            if stream.write_all(&[byte]).is_err() {
                return;
            }
            if stop.wait(Duration::from_millis(300)) {
                return;
            }
        }
    });
    let e = bounded(|| fake.client().services(&[]).unwrap_err());
    assert_timeout(&e, "GET /v1/services");
}

#[test]
fn a_pebble_that_never_reads_the_request_times_out_while_sending() {
    // The request body (8 MiB) is more than the socket buffers hold; the peer reads
    // nothing, so writing blocks.
    let fake = Fake::serve(hold_stream);
    let e = bounded(|| {
        fake.client()
            .push("/big", &vec![b'x'; 8 << 20])
            .unwrap_err()
    });
    assert_timeout(&e, "POST /v1/files");
}

fn hold_stream(mut stream: UnixStream, stop: &Stop) {
    hold(&mut stream, stop);
}

/// A listener nobody accepts from, with a backlog of 0: the first connection fills the
/// backlog, and connecting again blocks until the deadline.
#[test]
fn a_listener_that_never_accepts_times_out_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pebble.socket");
    let listener = UnixListener::bind(&socket).unwrap();
    set_backlog(&listener, 0);
    // Fill the backlog (on Linux a backlog of 0 admits one pending connection).
    let mut fillers = Vec::new();
    let mut blocked = false;
    for _ in 0..4 {
        let (tx, rx) = mpsc::channel();
        let path = socket.clone();
        thread::spawn(move || {
            let _ = tx.send(UnixStream::connect(path));
        });
        match rx.recv_timeout(Duration::from_millis(500)) {
            Ok(stream) => fillers.push(stream),
            // This one blocks: the backlog is full.
            Err(_) => {
                blocked = true;
                break;
            }
        }
    }
    assert!(
        blocked,
        "connecting never blocked: the backlog did not fill"
    );
    let mut client = PebbleClient::new("workload", &socket).with_timeout(DEADLINE);
    let e = bounded(|| client.plan().unwrap_err());
    assert_timeout(&e, "GET /v1/plan");
    drop(listener);
}

/// Sets a listening socket's backlog: `listen(2)` again on a listening socket changes it
/// on Linux. The standard library has no way to set it.
fn set_backlog(listener: &UnixListener, backlog: i32) {
    use std::os::fd::AsRawFd;
    unsafe extern "C" {
        fn listen(fd: i32, backlog: i32) -> i32;
    }
    // SAFETY: `listen` on a valid, owned socket descriptor; it touches no memory.
    let rc = unsafe { listen(listener.as_raw_fd(), backlog) };
    assert_eq!(rc, 0, "listen: {}", std::io::Error::last_os_error());
}

#[test]
fn after_one_timeout_later_requests_fail_fast() {
    let fake = Fake::serve(|mut stream, stop| {
        read_head(&mut stream);
        hold(&mut stream, stop);
    });
    let mut client = fake.client();
    let e = bounded(|| client.plan().unwrap_err());
    assert_timeout(&e, "GET /v1/plan");
    // Ten more requests: none is sent, none waits for a deadline.
    let start = Instant::now();
    for _ in 0..10 {
        let e = client.services(&["workload"]).unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        assert!(
            matches!(&e, PebbleError::Timeout { earlier: Some(r), .. } if r == "GET /v1/plan"),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "pebble workload: GET /v1/services: not sent: GET /v1/plan timed out after 1 s \
             earlier in this hook, so Pebble is taken to be hung"
        );
    }
    assert!(!client.can_connect());
    assert!(
        start.elapsed() < DEADLINE,
        "later requests waited: {:?}",
        start.elapsed()
    );
    // As a component's error: Waiting, with the text.
    let status = ComponentError::from(e).status();
    assert_eq!(status.kind, StatusKind::Waiting);
}

#[test]
fn a_change_wait_asks_pebble_to_wait_no_longer_than_the_time_left() {
    // POST /v1/services starts change 7; the wait request must carry a timeout below the
    // 1 s deadline. Pebble answers the wait with its own 504 when that time is up.
    let (seen_tx, seen_rx) = mpsc::channel();
    let fake = Fake::serve(move |mut stream, _| {
        let head = read_head(&mut stream);
        let answer = if head.starts_with("POST /v1/services ") {
            r#"{"type":"async","status-code":202,"status":"Accepted","change":"7","result":null}"#
        } else {
            let _ = seen_tx.send(head.lines().next().unwrap_or_default().to_owned());
            r#"{"type":"error","status-code":504,"status":"Gateway Timeout","result":{"message":"timed out waiting for change after 900ms"}}"#
        };
        let status = if answer.contains("504") {
            "504 Gateway Timeout"
        } else {
            "202 Accepted"
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
    });
    let mut client = fake.client();
    let e = bounded(|| client.replan().unwrap_err());
    assert_timeout(&e, "GET /v1/changes/7/wait");
    let line = seen_rx.recv_timeout(BOUND).unwrap();
    let ms: u64 = line
        .strip_prefix("GET /v1/changes/7/wait?timeout=")
        .and_then(|rest| rest.strip_suffix("ms HTTP/1.1"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected request line {line:?}"));
    assert!(ms > 0 && ms < 1000, "{line}");
    // Pebble answered: it is not hung, so the next request is sent (and answered, here
    // with the fake's 504).
    let e = client.plan().unwrap_err();
    assert!(matches!(e, PebbleError::Api { status: 504, .. }), "{e:?}");
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_read() {
    // Announces 1 GiB and sends none of it.
    let fake = Fake::serve(|mut stream, stop| {
        read_head(&mut stream);
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n",
        );
        hold(&mut stream, stop);
    });
    let mut client = fake.client().with_max_response_bytes(1024);
    let e = bounded(|| client.plan().unwrap_err());
    assert!(
        matches!(
            e,
            PebbleError::BodyTooLarge {
                limit: 1024,
                size: BodySize::Announced(1_073_741_824),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/plan: response body of 1073741824 bytes is over the limit of 1024 bytes"
    );
}

#[test]
fn an_endless_chunked_body_is_refused_at_the_limit() {
    // Chunks of 512 bytes for ever: the client stops once more than the limit arrived.
    let fake = Fake::serve(|mut stream, _| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        let chunk = format!("200\r\n{}\r\n", "x".repeat(512));
        for _ in 0..1_000_000 {
            if stream.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
    });
    let mut client = fake.client().with_max_response_bytes(4096);
    let e = bounded(|| client.pull("/var/log/huge").unwrap_err());
    assert!(
        matches!(
            e,
            PebbleError::BodyTooLarge {
                limit: 4096,
                size: BodySize::MoreThan(4096),
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .ends_with("response body of more than 4096 bytes is over the limit of 4096 bytes"),
        "{e}"
    );
}

#[test]
fn a_body_without_length_is_refused_at_the_limit() {
    let fake = Fake::serve(|mut stream, _| {
        read_head(&mut stream);
        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n");
        let block = vec![b' '; 1024];
        for _ in 0..100_000 {
            if stream.write_all(&block).is_err() {
                return;
            }
        }
    });
    let e = bounded(|| {
        fake.client()
            .with_max_response_bytes(10_000)
            .checks()
            .unwrap_err()
    });
    assert!(
        matches!(
            e,
            PebbleError::BodyTooLarge {
                size: BodySize::MoreThan(10_000),
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_body_shorter_than_its_content_length_is_truncated() {
    let body = r#"{"type":"sync","status-code":200,"result":[]}"#;
    let fake = Fake::answering(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        body.len() + 10,
        body
    ));
    let e = bounded(|| fake.client().services(&[]).unwrap_err());
    assert!(matches!(e, PebbleError::Protocol { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "pebble workload: GET /v1/services: malformed response: truncated body: the \
             connection closed after {} of the {} bytes of Content-Length",
            body.len(),
            body.len() + 10
        )
    );
}

#[test]
fn a_chunked_body_that_ends_early_is_truncated() {
    let fake =
        Fake::answering("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"typ\r\n");
    let e = bounded(|| fake.client().services(&[]).unwrap_err());
    assert!(matches!(e, PebbleError::Protocol { .. }), "{e:?}");
    assert!(e.to_string().contains("truncated chunked body"), "{e}");
}

#[test]
fn chunked_bodies_are_reassembled() {
    let fake = Fake::answering(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n\
         10;ext=1\r\n{\"type\":\"sync\",\"\r\n1a\r\nstatus-code\":200,\"result\":\r\n3\r\n[]}\r\n0\r\nTrailer: x\r\n\r\n",
    );
    assert_eq!(fake.client().services(&[]).unwrap(), vec![]);
}

#[test]
fn a_malformed_response_head_says_so() {
    let fake = Fake::answering("HTTP/1.1 OK-ish\r\n\r\n");
    let e = bounded(|| fake.client().plan().unwrap_err());
    assert!(matches!(e, PebbleError::Protocol { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(
            "pebble workload: GET /v1/plan: malformed response: invalid HTTP response head"
        ),
        "{e}"
    );
    let fake = Fake::answering("");
    let e = bounded(|| fake.client().plan().unwrap_err());
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/plan: malformed response: the connection closed without a response"
    );
}

#[test]
fn a_body_that_is_not_json_is_reported_without_its_content() {
    let fake = Fake::answering(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\nsecret-value-0123456",
    );
    let e = bounded(|| fake.client().plan().unwrap_err());
    let text = e.to_string();
    assert!(matches!(e, PebbleError::Protocol { .. }), "{e:?}");
    assert!(!text.contains("secret"), "{text}");
    assert!(text.contains("20 bytes"), "{text}");
}

#[test]
fn an_error_envelope_is_an_api_error_with_its_kind() {
    let body = r#"{"type":"error","status-code":404,"status":"Not Found","result":{"message":"stat /x: no such file or directory","kind":"not-found"}}"#;
    let fake = Fake::answering(format!(
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    let e = fake.client().plan().unwrap_err();
    assert!(
        matches!(
            &e,
            PebbleError::Api { status: 404, kind: Some(ErrorKind::NotFound), message, .. }
                if message == "stat /x: no such file or directory"
        ),
        "{e:?}"
    );
    assert!(e.is_not_found());
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/plan: HTTP 404 (not-found): stat /x: no such file or directory"
    );
    assert_eq!(
        ComponentError::from(e).status().kind,
        StatusKind::Blocked,
        "an API error keeps the default"
    );
}

/// A multipart answer to `pull` of `/etc/app.conf` with `parts` between the boundaries.
fn multipart(parts: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: multipart/form-data; boundary=BOUNDARY\r\nContent-Length: {}\r\n\r\n{parts}",
        parts.len()
    )
}

const RESPONSE_OK: &str = "Content-Disposition: form-data; name=\"response\"\r\nContent-Type: application/json\r\n\r\n{\"type\":\"sync\",\"status-code\":200,\"status\":\"OK\",\"result\":[{\"path\":\"/etc/app.conf\"}]}\n";

#[test]
fn pull_reads_the_file_part() {
    let fake = Fake::answering(multipart(&format!(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/etc/app.conf\"\r\nContent-Type: application/octet-stream\r\n\r\nport: 80\n\r\n--BOUNDARY\r\n{RESPONSE_OK}\r\n--BOUNDARY--\r\n"
    )));
    assert_eq!(fake.client().pull("/etc/app.conf").unwrap(), b"port: 80\n");
}

#[test]
fn pull_without_the_closing_boundary_is_an_error_not_a_short_file() {
    let fake = Fake::answering(multipart(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/etc/app.conf\"\r\n\r\nport: 80\nhost: examp",
    ));
    let e = fake.client().pull("/etc/app.conf").unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/files: malformed response: the multipart body ends inside \
         part 1 (no closing boundary)"
    );
}

#[test]
fn pull_with_a_part_without_headers_is_an_error() {
    let fake = Fake::answering(multipart(&format!(
        "--BOUNDARY\r\n\r\nport: 80\n\r\n--BOUNDARY\r\n{RESPONSE_OK}\r\n--BOUNDARY--\r\n"
    )));
    let e = fake.client().pull("/etc/app.conf").unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/files: malformed response: multipart part 1 has no \
         Content-Disposition header"
    );
}

#[test]
fn pull_without_a_response_part_is_an_error() {
    let fake = Fake::answering(multipart(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/etc/app.conf\"\r\n\r\nport: 80\n\r\n--BOUNDARY--\r\n",
    ));
    let e = fake.client().pull("/etc/app.conf").unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/files: malformed response: the multipart body has no response part"
    );
}

#[test]
fn the_request_percent_encodes_query_values_and_accepts_multipart() {
    let (tx, rx) = mpsc::channel();
    let fake = Fake::serve(move |mut stream, _| {
        let _ = tx.send(read_head(&mut stream));
    });
    let _ = fake.client().pull("/etc/a b&c.conf");
    let head = rx.recv_timeout(BOUND).unwrap();
    assert!(
        head.starts_with("GET /v1/files?action=read&path=/etc/a%20b%26c.conf HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nAccept: multipart/form-data\r\n"),
        "{head}"
    );
}

#[test]
fn a_missing_socket_is_a_connection_error_and_waiting() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nothing.socket");
    let mut client = PebbleClient::new("workload", &socket).with_timeout(DEADLINE);
    let e = client.plan().unwrap_err();
    match &e {
        PebbleError::Connection {
            socket: s, source, ..
        } => {
            assert_eq!(s, &socket);
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        format!(
            "pebble workload: GET /v1/plan: cannot talk to Pebble at {}",
            socket.display()
        )
    );
    let status = ComponentError::from(e).status();
    assert_eq!(status.kind, StatusKind::Waiting);
    assert!(
        status.message.starts_with(&format!(
            "pebble workload: GET /v1/plan: cannot talk to Pebble at {}: ",
            socket.display()
        )),
        "{status}"
    );
    // A connection error is not a hung Pebble: the next request is tried.
    let e = client.plan().unwrap_err();
    assert!(matches!(e, PebbleError::Connection { .. }), "{e:?}");
}

/// Reads a whole request: its head and its body (of the `Content-Length` given).
fn read_request(stream: &mut UnixStream) -> (String, Vec<u8>) {
    let head = read_head(stream);
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    (head, body)
}

/// A fake that sends each request to the test and answers `response`.
fn recording(response: &'static str) -> (Fake, mpsc::Receiver<(String, Vec<u8>)>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let fake = Fake::serve(move |mut stream, _| {
        let request = read_request(&mut stream);
        let _ = tx.lock().unwrap().send(request);
        let _ = stream.write_all(response.as_bytes());
    });
    (fake, rx)
}

fn ok(result: &str) -> &'static str {
    let body = format!(r#"{{"type":"sync","status-code":200,"status":"OK","result":{result}}}"#);
    String::leak(format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

#[test]
fn push_with_sends_the_mode_the_owner_and_make_dirs() {
    let (fake, rx) = recording(ok(r#"[{"path":"/etc/app.conf"}]"#));
    let options = PushOptions {
        permissions: Some(0o640),
        user: Some("app".into()),
        user_id: Some(1000),
        group: Some("app".into()),
        group_id: Some(1001),
        make_dirs: false,
    };
    fake.client()
        .push_with("/etc/app.conf", b"content", &options)
        .unwrap();
    let (_, body) = rx.recv_timeout(BOUND).unwrap();
    let body = String::from_utf8(body).unwrap();
    let metadata = body
        .lines()
        .find(|l| l.starts_with('{'))
        .expect("the request part");
    let metadata: serde_json::Value = serde_json::from_str(metadata).unwrap();
    assert_eq!(
        metadata,
        serde_json::json!({
            "action": "write",
            "files": [{
                "path": "/etc/app.conf",
                "make-dirs": false,
                "permissions": "640",
                "user": "app",
                "user-id": 1000,
                "group": "app",
                "group-id": 1001,
            }],
        })
    );

    // The defaults: parent directories made, no mode, no owner.
    let (fake, rx) = recording(ok(r#"[{"path":"/etc/app.conf"}]"#));
    fake.client().push("/etc/app.conf", b"content").unwrap();
    let (_, body) = rx.recv_timeout(BOUND).unwrap();
    let body = String::from_utf8(body).unwrap();
    assert!(
        body.contains(r#"{"action":"write","files":[{"make-dirs":true,"path":"/etc/app.conf"}]}"#),
        "{body}"
    );
}

#[test]
fn a_mode_pebble_cannot_take_is_refused_without_sending() {
    let (fake, rx) = recording(ok("[]"));
    let options = PushOptions {
        permissions: Some(0o4755),
        ..PushOptions::default()
    };
    let e = fake
        .client()
        .push_with("/etc/app.conf", b"x", &options)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/files: /etc/app.conf: generic-file-error: \
         permissions must be a 3-digit octal string, got \"4755\""
    );
    let e = fake
        .client()
        .make_dir(
            "/srv",
            &MakeDirOptions {
                permissions: Some(0o1777),
                ..MakeDirOptions::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            PebbleError::Path {
                kind: ErrorKind::GenericFileError,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(rx.try_recv().is_err(), "nothing was sent");
}

#[test]
fn list_files_checks_and_notices_send_what_pebble_reads() {
    let (fake, rx) = recording(ok("[]"));
    let mut client = fake.client();
    client
        .list_files(
            "/etc/my app",
            &ListFilesOptions {
                pattern: Some("*.conf".into()),
                itself: true,
            },
        )
        .unwrap();
    let (head, _) = rx.recv_timeout(BOUND).unwrap();
    assert!(
        head.starts_with(
            "GET /v1/files?action=list&path=/etc/my%20app&pattern=%2A.conf&itself=true HTTP/1.1\r\n"
        ),
        "{head}"
    );
    client
        .notices(&NoticeQuery {
            types: vec![NoticeType::Custom, NoticeType::Warning],
            keys: vec!["example.com/a".into()],
            after: Some("2024-01-02T03:04:05.5Z".into()),
        })
        .unwrap();
    let (head, _) = rx.recv_timeout(BOUND).unwrap();
    assert!(
        head.starts_with(
            "GET /v1/notices?types=custom&types=warning&keys=example.com/a&after=2024-01-02T03%3A04%3A05.5Z HTTP/1.1\r\n"
        ),
        "{head}"
    );

    let (fake, rx) = recording(ok(r#"{"changed":["a"]}"#));
    assert_eq!(fake.client().stop_checks(&["a", "b"]).unwrap(), ["a"]);
    let (head, body) = rx.recv_timeout(BOUND).unwrap();
    assert!(head.starts_with("POST /v1/checks HTTP/1.1\r\n"), "{head}");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"action": "stop", "checks": ["a", "b"]})
    );

    let (fake, rx) = recording(ok(r#"{"id":"42"}"#));
    let data = [("k".to_owned(), "v".to_owned())].into();
    assert_eq!(fake.client().notify("example.com/a", &data).unwrap(), "42");
    let (_, body) = rx.recv_timeout(BOUND).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"action": "add", "type": "custom", "key": "example.com/a", "data": {"k": "v"}})
    );
}

#[test]
fn a_plan_from_a_newer_pebble_keeps_what_this_version_does_not_know() {
    let plan = "services:\n  a:\n    override: replace\n    command: run\n    startup: someday\n    new-field: 1\nnew-section: {x: y}\n";
    let (fake, _rx) = recording(ok(&serde_json::to_string(plan).unwrap()));
    let layer = fake.client().plan().unwrap();
    assert_eq!(
        layer.services["a"].startup,
        Some(reconciler_core::pebble::Startup::Other("someday".into()))
    );
    assert_eq!(layer.services["a"].extra["new-field"], serde_json::json!(1));
    assert_eq!(layer.extra["new-section"], serde_json::json!({"x": "y"}));
}
