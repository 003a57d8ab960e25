//! `exec` of the in-memory container: handlers, the record of commands run, and the same
//! errors as the real Pebble (a missing executable, a timeout, bad input, Pebble down);
//! and the HTTP client against a fake Pebble that sends what the real one does not.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{ExecFailure, ExecOutput, ExecRequest, Pebble, PebbleError};
use reconciler_core::testing::{Container, ExecReply};
use reconciler_core::{ComponentError, StatusKind};

#[test]
fn a_handler_gives_stdout_stderr_and_the_exit_code() {
    let mut container = Container::new("workload").with_exec("ls", |_: &ExecRequest| {
        ExecOutput::new(2)
            .with_stdout("partial\n")
            .with_stderr("\nls: cannot access '/x': No such file or directory\nmore\n")
    });
    let output = container
        .exec(&ExecRequest::new(["ls", "-l", "/x"]))
        .unwrap();
    assert_eq!(output.exit_code, 2);
    assert_eq!(output.stdout_text(), "partial\n");
    assert!(!output.success());
    let e = output.into_success().unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `ls -l /x` exited with 2: \
         ls: cannot access '/x': No such file or directory"
    );
    match e {
        PebbleError::Exec {
            failure: ExecFailure::Exited { code, stderr },
            ..
        } => {
            assert_eq!(code, 2);
            assert_eq!(stderr, "ls: cannot access '/x': No such file or directory");
        }
        other => panic!("{other:?}"),
    }

    let mut quiet =
        Container::new("workload").with_exec("false", |_: &ExecRequest| ExecOutput::new(1));
    let e = quiet
        .exec(&ExecRequest::new(["false"]))
        .unwrap()
        .into_success()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `false` exited with 1 (nothing on stderr)"
    );
    // As a component's error: Blocked with the same text.
    assert_eq!(ComponentError::from(e).status().kind, StatusKind::Blocked);
}

#[test]
fn the_handler_sees_the_environment_working_directory_stdin_and_user() {
    let seen = Arc::new(Mutex::new(None));
    let record = Arc::clone(&seen);
    let mut container = Container::new("workload");
    container.on_exec("migrate", move |request: &ExecRequest| {
        *record.lock().unwrap() = Some(request.clone());
        ExecOutput::new(0).with_stdout(request.stdin.clone().unwrap_or_default())
    });
    let request = ExecRequest::new(["migrate", "--all"])
        .env("DB", "postgres://db")
        .working_dir("/srv")
        .stdin("BEGIN;")
        .user("app")
        .group_id(1000)
        .timeout(Duration::from_secs(5));
    let output = container.exec(&request).unwrap();
    assert_eq!(output.stdout, b"BEGIN;");
    let seen = seen.lock().unwrap().clone().unwrap();
    assert_eq!(seen, request);
    assert_eq!(seen.environment["DB"], "postgres://db");
    assert_eq!(seen.working_dir.as_deref(), Some("/srv"));
    assert_eq!(seen.user.as_deref(), Some("app"));
    assert_eq!(seen.group_id, Some(1000));
}

#[test]
fn the_longest_matching_prefix_answers_and_the_later_of_two_equal_ones() {
    let mut container = Container::new("workload");
    container
        .on_exec("git", |_: &ExecRequest| ExecOutput::new(10))
        .on_exec("git remote", |_: &ExecRequest| ExecOutput::new(20))
        .on_exec("git remote add", |_: &ExecRequest| ExecOutput::new(30))
        .on_exec("git  remote   add", |_: &ExecRequest| ExecOutput::new(31));
    let code = |container: &mut Container, args: &[&str]| {
        container
            .exec(&ExecRequest::new(args.iter().copied()))
            .unwrap()
            .exit_code
    };
    assert_eq!(code(&mut container, &["git"]), 10);
    assert_eq!(code(&mut container, &["git", "log"]), 10);
    assert_eq!(code(&mut container, &["git", "remote"]), 20);
    assert_eq!(code(&mut container, &["git", "remote", "-v"]), 20);
    assert_eq!(
        code(&mut container, &["git", "remote", "add", "o", "u"]),
        31
    );
    // A prefix matches whole arguments only.
    assert!(container.exec(&ExecRequest::new(["gitk"])).is_err());
    assert_eq!(
        container.exec_handlers.prefixes().collect::<Vec<_>>(),
        [
            &["git"][..],
            &["git", "remote"],
            &["git", "remote", "add"],
            &["git", "remote", "add"]
        ]
    );
}

#[test]
fn an_unregistered_command_fails_as_a_missing_executable_on_the_real_pebble() {
    let mut container =
        Container::new("workload").with_exec("ls", |_: &ExecRequest| ExecOutput::new(0));
    let e = container
        .exec(&ExecRequest::new(["no-such-binary", "--flag"]))
        .unwrap_err();
    match &e {
        PebbleError::Api {
            container,
            request,
            status,
            kind,
            message,
        } => {
            assert_eq!(container, "workload");
            assert_eq!(request, "POST /v1/exec");
            assert_eq!(*status, 400);
            assert_eq!(*kind, None);
            assert_eq!(message, "cannot find executable \"no-such-binary\"");
        }
        other => panic!("{other:?}"),
    }
    // The text the real Pebble gives (tests/tests/pebble_exec_real.rs compares the two).
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: HTTP 400: cannot find executable \"no-such-binary\""
    );
    assert!(container.execs().is_empty());
}

#[test]
fn commands_run_are_recorded_in_order_and_refused_ones_are_not() {
    let mut container =
        Container::new("workload").with_exec("echo", |_: &ExecRequest| ExecOutput::new(0));
    container.exec(&ExecRequest::new(["echo", "1"])).unwrap();
    container.exec(&ExecRequest::new(["nope"])).unwrap_err();
    container
        .exec(&ExecRequest::new(["echo", "\0"]))
        .unwrap_err();
    container
        .exec(&ExecRequest::new(["echo", "2"]).env("A", "b"))
        .unwrap();
    assert_eq!(
        container.execs(),
        [
            ExecRequest::new(["echo", "1"]),
            ExecRequest::new(["echo", "2"]).env("A", "b")
        ]
    );
    assert_eq!(container.executed.len(), 2);
}

#[test]
fn a_hanging_command_times_out_as_on_the_real_pebble() {
    let mut container =
        Container::new("workload").with_exec("sleep", |_: &ExecRequest| ExecReply::Hangs);
    let e = container
        .exec(&ExecRequest::new(["sleep", "30"]).timeout(Duration::from_millis(300)))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `sleep 30` did not finish within its timeout of 0.3 s (Pebble kills it then)"
    );
    assert!(!e.is_timeout());
    // Without a timeout of its own, the client's deadline.
    let e = container
        .exec(&ExecRequest::new(["sleep", "30"]))
        .unwrap_err();
    assert!(e.is_timeout() && e.is_unavailable(), "{e:?}");
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: timed out after 20 s"
    );
    assert_eq!(ComponentError::from(e).status().kind, StatusKind::Waiting);
}

#[test]
fn bad_input_is_refused_as_the_client_refuses_it() {
    let mut memory =
        Container::new("workload").with_exec("env", |_: &ExecRequest| ExecOutput::new(0));
    // The client refuses before connecting: no Pebble is needed.
    let mut client = PebbleClient::new("workload", "/nonexistent/pebble.socket");
    let requests = [
        ExecRequest::new(Vec::<String>::new()),
        ExecRequest::new([""]),
        ExecRequest::new(["env", "a\0"]),
        ExecRequest::new(["env"]).env("PASSWORD", "se\0cret"),
        ExecRequest::new(["env"]).env("A=B", "x"),
        ExecRequest::new(["env"]).working_dir("/a\0b"),
        ExecRequest::new(["env"]).user("a\0b"),
        ExecRequest::new(["env"]).timeout(Duration::ZERO),
    ];
    for request in &requests {
        let from_memory = memory.exec(request).unwrap_err();
        let from_client = client.exec(request).unwrap_err();
        assert!(
            matches!(
                &from_memory,
                PebbleError::Exec {
                    failure: ExecFailure::Refused { .. },
                    ..
                }
            ),
            "{from_memory:?}"
        );
        assert_eq!(from_memory.to_string(), from_client.to_string());
        assert!(!from_memory.to_string().contains("se\\0cret"));
    }
    assert_eq!(
        memory
            .exec(&ExecRequest::new(["env"]).env("PASSWORD", "se\0cret"))
            .unwrap_err()
            .to_string(),
        "pebble workload: POST /v1/exec: command `env` cannot be sent: \
         the value of the environment variable PASSWORD has a NUL character"
    );
    assert!(memory.execs().is_empty());
}

#[test]
fn an_unreachable_container_fails_to_connect() {
    let mut container = Container::new("workload")
        .unreachable()
        .with_exec("ls", |_: &ExecRequest| ExecOutput::new(0));
    let e = container.exec(&ExecRequest::new(["ls"])).unwrap_err();
    assert!(matches!(e, PebbleError::Connection { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: cannot talk to Pebble at /charm/containers/workload/pebble.socket"
    );
}

#[test]
fn a_clone_of_a_container_runs_the_same_handlers_and_compares_equal() {
    let container = Container::new("workload").with_exec("id", |_: &ExecRequest| {
        ExecOutput::new(0).with_stdout("uid=0")
    });
    let mut copy = container.clone();
    assert_eq!(copy, container);
    assert_eq!(
        copy.exec(&ExecRequest::new(["id"])).unwrap().stdout,
        b"uid=0"
    );
    // The record of commands run is history, which equality leaves out (as it leaves out
    // the changes Pebble lists).
    assert_eq!(copy.execs().len(), 1);
    assert_eq!(copy, container);
    // The same prefix with another handler is another container.
    let other = Container::new("workload").with_exec("id", |_: &ExecRequest| {
        ExecOutput::new(0).with_stdout("uid=0")
    });
    assert_ne!(other, container);
    assert_eq!(format!("{:?}", container.exec_handlers), "[[\"id\"]]");
}

#[test]
fn outputs_compare_by_what_the_command_did() {
    let mut container = Container::new("workload").with_exec("echo", |_: &ExecRequest| {
        ExecOutput::new(0).with_stdout("hi\n")
    });
    let output = container.exec(&ExecRequest::new(["echo", "hi"])).unwrap();
    assert_eq!(output, ExecOutput::new(0).with_stdout("hi\n"));
    assert_eq!(
        format!("{output:?}"),
        "ExecOutput { exit_code: 0, stdout: \"hi\\n\", stderr: \"\" }"
    );
    // Made by hand, with nothing to name: the error still says what it can.
    assert_eq!(
        ExecOutput::new(4).into_success().unwrap_err().to_string(),
        "pebble (unknown): POST /v1/exec: command `(unknown)` exited with 4 (nothing on stderr)"
    );
}

/// A fake Pebble on a unix socket, answering each connection with `answer(request head)`.
fn fake_pebble(
    answer: impl Fn(&str) -> Vec<u8> + Send + 'static,
) -> (tempfile::TempDir, PebbleClient) {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pebble.socket");
    let listener = UnixListener::bind(&socket).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                head.push_str(&line);
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let _ = stream.write_all(&answer(&head));
        }
    });
    let client = PebbleClient::new("workload", socket).with_timeout(Duration::from_secs(2));
    (dir, client)
}

fn json_response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn a_refused_websocket_is_pebbles_error() {
    let (_dir, mut client) = fake_pebble(|head| {
        if head.starts_with("POST /v1/exec") {
            json_response(
                "202 Accepted",
                r#"{"type":"async","status-code":202,"change":"7","result":{"task-id":"9"}}"#,
            )
        } else {
            json_response(
                "404 Not Found",
                r#"{"type":"error","status-code":404,"result":{"message":"websocket not found"}}"#,
            )
        }
    });
    let e = client.exec(&ExecRequest::new(["ls"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/tasks/9/websocket/control: HTTP 404: websocket not found"
    );
}

#[test]
fn an_exec_answer_without_a_task_is_a_protocol_error() {
    let (_dir, mut client) = fake_pebble(|_| {
        json_response(
            "202 Accepted",
            r#"{"type":"async","status-code":202,"change":"7","result":{}}"#,
        )
    });
    let e = client.exec(&ExecRequest::new(["ls"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: malformed response: the answer has no task-id"
    );
}

#[test]
fn a_websocket_upgrade_that_never_answers_is_a_timeout() {
    let (_dir, client) = fake_pebble(|head| {
        if head.starts_with("POST /v1/exec") {
            json_response(
                "202 Accepted",
                r#"{"type":"async","status-code":202,"change":"7","result":{"task-id":"9"}}"#,
            )
        } else {
            // Hold the connection without answering, past the client's deadline.
            std::thread::sleep(Duration::from_secs(3));
            Vec::new()
        }
    });
    let mut client = client.with_timeout(Duration::from_millis(500));
    let e = client.exec(&ExecRequest::new(["ls"])).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/tasks/9/websocket/control: timed out after 0.5 s"
    );
}

/// A server's websocket frame: unmasked, final, of `opcode` (1 text, 2 binary).
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    assert!(payload.len() < 126);
    let mut frame = vec![0x80 | opcode, payload.len() as u8];
    frame.extend_from_slice(payload);
    frame
}

const END: &[u8] = br#"{"command":"end"}"#;

/// A fake Pebble running one exec: `stdio` and `stderr` are the frames sent on those
/// websockets (right after the upgrade's answer), `change` the answer to the change
/// wait.
fn fake_exec(
    stdio: Vec<u8>,
    stderr: Vec<u8>,
    change: &'static str,
) -> (tempfile::TempDir, PebbleClient) {
    fake_pebble(move |head| {
        let upgrade = |frames: &[u8]| {
            let mut answer = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".to_vec();
            answer.extend_from_slice(frames);
            answer
        };
        if head.starts_with("POST /v1/exec") {
            json_response(
                "202 Accepted",
                r#"{"type":"async","status-code":202,"change":"7","result":{"task-id":"9"}}"#,
            )
        } else if head.starts_with("GET /v1/tasks/9/websocket/control") {
            upgrade(&[])
        } else if head.starts_with("GET /v1/tasks/9/websocket/stdio") {
            upgrade(&stdio)
        } else if head.starts_with("GET /v1/tasks/9/websocket/stderr") {
            upgrade(&stderr)
        } else if head.starts_with("GET /v1/changes/7/wait") {
            json_response("200 OK", change)
        } else {
            json_response(
                "404 Not Found",
                r#"{"type":"error","status-code":404,"result":{"message":"not found"}}"#,
            )
        }
    })
}

const EXITED_5: &str = r#"{"type":"sync","status-code":200,"result":{"id":"7","status":"Done","ready":true,"tasks":[{"id":"9","kind":"exec","status":"Done","data":{"exit-code":5}}]}}"#;

#[test]
fn the_client_reads_both_streams_to_their_end_and_the_exit_code_from_the_change() {
    let stdio = [frame(2, b"out 1,"), frame(2, b" out 2"), frame(1, END)].concat();
    let stderr = [frame(2, b"err"), frame(1, END)].concat();
    let (_dir, mut client) = fake_exec(stdio, stderr, EXITED_5);
    let output = client.exec(&ExecRequest::new(["app"]).stdin("in")).unwrap();
    assert_eq!(
        output,
        ExecOutput::new(5)
            .with_stdout("out 1, out 2")
            .with_stderr("err")
    );
}

#[test]
fn output_cut_off_before_its_end_is_a_protocol_error_not_a_short_answer() {
    let stdio = frame(2, b"abc");
    let stderr = frame(1, END);
    let (_dir, mut client) = fake_exec(stdio, stderr, EXITED_5);
    let e = client.exec(&ExecRequest::new(["app"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/tasks/9/websocket/stdio: malformed response: \
         the stdout websocket closed before the end of the output (after 3 bytes)"
    );
}

#[test]
fn an_unknown_text_message_on_an_output_stream_is_a_protocol_error() {
    let stdio = frame(1, END);
    let stderr = [frame(1, b"hello"), frame(1, END)].concat();
    let (_dir, mut client) = fake_exec(stdio, stderr, EXITED_5);
    let e = client.exec(&ExecRequest::new(["app"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/tasks/9/websocket/stderr: malformed response: \
         a text message on the stderr websocket that is not the end of the output (5 bytes)"
    );
}

#[test]
fn a_change_without_an_exit_code_is_a_protocol_error() {
    let change = r#"{"type":"sync","status-code":200,"result":{"id":"7","ready":true,"tasks":[{"id":"9","data":{}}]}}"#;
    let (_dir, mut client) = fake_exec(frame(1, END), frame(1, END), change);
    let e = client.exec(&ExecRequest::new(["app"])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: GET /v1/changes/7/wait: malformed response: the exec change has no exit-code"
    );
}

#[test]
fn a_change_error_other_than_a_timeout_is_the_failed_change() {
    let change = r#"{"type":"sync","status-code":200,"result":{"id":"7","ready":true,"err":"cannot perform the following tasks:\n- Execute command \"app\" (fork/exec: permission denied)"}}"#;
    let (_dir, mut client) = fake_exec(frame(1, END), frame(1, END), change);
    let e = client.exec(&ExecRequest::new(["app"])).unwrap_err();
    match &e {
        PebbleError::ChangeFailed {
            action,
            change,
            message,
            ..
        } => {
            assert_eq!(action, "exec `app`");
            assert_eq!(change, "7");
            assert!(
                message.ends_with("(fork/exec: permission denied)"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
}

mod through_the_harness {
    use reconciler_core::pebble::{ExecOutput, ExecRequest};
    use reconciler_core::prelude::*;
    use reconciler_core::testing::{Container, Harness, State};

    /// Runs the workload's migration on every event, Active when it succeeds.
    struct Migrate {
        result: Option<String>,
    }

    impl Component for Migrate {
        fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
            let pebble = ctx.backend().pebble("workload")?;
            let output = pebble
                .exec(&ExecRequest::new(["app", "migrate"]).env("DB_PASSWORD", "s3cret"))?
                .into_success()?;
            self.result = Some(output.stdout_text().trim().to_owned());
            Ok(())
        }

        fn status(&self, _: &mut Context<'_>) -> Status {
            match &self.result {
                Some(result) => Status::active_with(result.clone()),
                None => Status::maintenance("migrating"),
            }
        }
    }

    #[derive(CharmReconciler)]
    struct App {
        #[component]
        migrate: Migrate,
    }

    impl Charm for App {
        fn new() -> App {
            App {
                migrate: Migrate { result: None },
            }
        }
    }

    fn harness() -> Harness {
        Harness::from_yaml("name: app\ncontainers:\n  workload: {resource: image}\nresources:\n  image: {type: oci-image}\n").unwrap()
    }

    #[test]
    fn a_component_runs_a_command_and_the_test_sees_it_in_the_output_state() {
        let container = Container::new("workload").with_exec("app migrate", |_: &ExecRequest| {
            ExecOutput::new(0).with_stdout("3 migrations applied\n")
        });
        let out = harness()
            .run::<App>(
                Event::ConfigChanged,
                State::default().with_container(container),
            )
            .unwrap();
        assert_eq!(
            out.unit_status,
            Status::active_with("[migrate] 3 migrations applied")
        );
        let execs = out.state.container("workload").unwrap().execs();
        assert_eq!(execs.len(), 1);
        assert_eq!(execs[0].environment["DB_PASSWORD"], "s3cret");
    }

    #[test]
    fn a_failing_command_blocks_the_component_with_its_first_line_of_stderr() {
        let container = Container::new("workload").with_exec("app", |_: &ExecRequest| {
            ExecOutput::new(1).with_stderr("error: database is locked\n")
        });
        let out = harness()
            .run::<App>(
                Event::ConfigChanged,
                State::default().with_container(container),
            )
            .unwrap();
        assert_eq!(
            out.unit_status,
            Status::blocked(
                "[migrate] pebble workload: POST /v1/exec: command `app migrate` exited with 1: \
                 error: database is locked"
            )
        );
        assert!(!out.unit_status.message.contains("s3cret"));
    }
}
