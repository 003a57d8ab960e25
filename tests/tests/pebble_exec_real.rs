//! `exec` against the real `pebble` daemon: output, exit codes, environment, working
//! directory, standard input, timeouts, the deadline, bad input; and the in-memory
//! container held to the same answers for the same requests.

mod juju_sim;

use std::time::Duration;

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{ExecFailure, ExecOutput, ExecRequest, Pebble, PebbleError};
use reconciler_core::testing::{Container, ExecReply};

use juju_sim::{PebbleDaemon, pebble_binary, temp_dir};

/// A real Pebble in a fresh directory, and a client of it.
fn real_pebble() -> (tempfile::TempDir, PebbleDaemon, PebbleClient) {
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let dir = temp_dir("pebble-exec");
    let daemon = PebbleDaemon::start(&pebble, &dir.path().join("workload"));
    let client = PebbleClient::new("workload", daemon.socket());
    (dir, daemon, client)
}

fn sh(script: &str) -> ExecRequest {
    ExecRequest::new(["sh", "-c", script])
}

#[test]
fn stdout_stderr_and_the_exit_code_come_back_separately() {
    let (_dir, _daemon, mut pebble) = real_pebble();
    let output = pebble
        .exec(&sh("echo out; echo err >&2; echo more out; exit 3"))
        .unwrap();
    assert_eq!(output.exit_code, 3);
    assert_eq!(output.stdout_text(), "out\nmore out\n");
    assert_eq!(output.stderr_text(), "err\n");
    assert!(!output.success());
    assert_eq!(
        output.into_success().unwrap_err().to_string(),
        "pebble workload: POST /v1/exec: command `sh -c \"echo out; echo err >&2; echo more out; exit 3\"` exited with 3: err"
    );

    let output = pebble.exec(&ExecRequest::new(["true"])).unwrap();
    assert_eq!(output, ExecOutput::new(0));
    assert!(output.into_success().is_ok());
}

#[test]
fn the_environment_and_the_working_directory_are_the_requests() {
    let (dir, _daemon, mut pebble) = real_pebble();
    let work = dir.path().join("work dir");
    std::fs::create_dir(&work).unwrap();
    let request = sh("echo \"$GREETING, $WHO\"; pwd")
        .env("GREETING", "hello")
        .env("WHO", "world")
        .working_dir(work.to_str().unwrap());
    let output = pebble.exec(&request).unwrap().into_success().unwrap();
    assert_eq!(
        output.stdout_text(),
        format!("hello, world\n{}\n", work.display())
    );
}

#[test]
fn standard_input_reaches_the_command_and_none_is_end_of_file() {
    let (_dir, _daemon, mut pebble) = real_pebble();
    let output = pebble
        .exec(&ExecRequest::new(["cat"]).stdin("line 1\nline 2"))
        .unwrap();
    assert_eq!(output.stdout_text(), "line 1\nline 2");

    // No input: `cat` reads end of file at once.
    let output = pebble.exec(&ExecRequest::new(["cat"])).unwrap();
    assert_eq!(output, ExecOutput::new(0));

    // More input than the pipes hold, echoed while it is sent: the input and the output
    // move at once.
    let input: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let output = pebble
        .exec(&ExecRequest::new(["cat"]).stdin(input.clone()))
        .unwrap();
    assert_eq!(output.exit_code, 0);
    assert!(output.stdout == input, "the output differs from the input");

    // A command that does not read its input still ends.
    let output = pebble
        .exec(&sh("echo done").stdin(vec![b'x'; 1_000_000]))
        .unwrap();
    assert_eq!(output.stdout_text(), "done\n");
}

#[test]
fn a_command_past_its_timeout_is_killed_and_reported() {
    let (_dir, _daemon, mut pebble) = real_pebble();
    let request = ExecRequest::new(["sleep", "30"]).timeout(Duration::from_millis(300));
    let e = pebble.exec(&request).unwrap_err();
    match &e {
        PebbleError::Exec {
            failure: ExecFailure::TimedOut { timeout },
            ..
        } => assert_eq!(*timeout, Duration::from_millis(300)),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `sleep 30` did not finish within its timeout of 0.3 s (Pebble kills it then)"
    );
    // Pebble still answers.
    assert_eq!(
        pebble.exec(&ExecRequest::new(["true"])).unwrap().exit_code,
        0
    );
}

#[test]
fn a_timed_out_command_whose_child_holds_the_output_open_is_not_waited_for() {
    let (_dir, _daemon, mut pebble) = real_pebble();
    // Pebble kills `sh` at the timeout; the `sleep` it started keeps the output open. The
    // client's deadline (20 s) is not waited for: the output is given up on shortly after
    // the timeout.
    let request = sh("sleep 30; echo never").timeout(Duration::from_millis(300));
    let e = pebble.exec(&request).unwrap_err();
    assert!(
        matches!(
            &e,
            PebbleError::Exec {
                failure: ExecFailure::TimedOut { .. },
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_command_that_never_ends_is_bounded_by_the_deadline_and_pebble_is_not_taken_as_hung() {
    let (_dir, _daemon, pebble) = real_pebble();
    let mut pebble = pebble.with_timeout(Duration::from_secs(1));
    // No timeout of its own.
    let e = pebble.exec(&ExecRequest::new(["sleep", "60"])).unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: timed out after 1 s"
    );
    // A timeout longer than the deadline is bounded the same way.
    let e = pebble
        .exec(&ExecRequest::new(["sleep", "60"]).timeout(Duration::from_secs(60)))
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    // Pebble answered throughout: later requests are still sent.
    assert!(pebble.can_connect());
    assert_eq!(
        pebble.exec(&ExecRequest::new(["true"])).unwrap().exit_code,
        0
    );
}

#[test]
fn a_missing_executable_is_pebbles_error_naming_it() {
    let (_dir, _daemon, mut pebble) = real_pebble();
    let e = pebble
        .exec(&ExecRequest::new(["no-such-binary", "--flag"]))
        .unwrap_err();
    match &e {
        PebbleError::Api {
            status, message, ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(message, "cannot find executable \"no-such-binary\"");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: HTTP 400: cannot find executable \"no-such-binary\""
    );
}

#[test]
fn a_missing_working_directory_is_pebbles_error_naming_it() {
    let (dir, _daemon, mut pebble) = real_pebble();
    let missing = dir.path().join("missing");
    let e = pebble
        .exec(&ExecRequest::new(["true"]).working_dir(missing.to_str().unwrap()))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "pebble workload: POST /v1/exec: HTTP 500: cannot call exec: working directory {:?} does not exist",
            missing.display().to_string()
        )
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    // No Pebble at all: a request that were sent would fail to connect.
    let mut nowhere = PebbleClient::new("workload", "/nonexistent/pebble.socket");
    let e = nowhere
        .exec(&ExecRequest::new(["echo", "a\0b"]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `echo \"a\\0b\"` cannot be sent: argument 1 has a NUL character"
    );
    let e = nowhere
        .exec(&ExecRequest::new(["env"]).env("TOKEN", "secret\0value"))
        .unwrap_err();
    assert!(matches!(
        &e,
        PebbleError::Exec {
            failure: ExecFailure::Refused { .. },
            ..
        }
    ));
    assert!(!e.to_string().contains("secret"), "{e}");
    let e = nowhere
        .exec(&ExecRequest::new(Vec::<String>::new()))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `` cannot be sent: the command is empty"
    );
}

#[test]
fn output_over_the_limit_is_an_error_for_each_stream() {
    let (_dir, _daemon, pebble) = real_pebble();
    let mut pebble = pebble.with_max_response_bytes(100_000);
    let e = pebble.exec(&sh("head -c 300000 /dev/zero")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "pebble workload: POST /v1/exec: command `sh -c \"head -c 300000 /dev/zero\"` wrote more than 100000 bytes to stdout, the most the client reads"
    );
    let e = pebble
        .exec(&sh("head -c 300000 /dev/zero >&2"))
        .unwrap_err();
    assert!(matches!(
        e,
        PebbleError::Exec {
            failure: ExecFailure::OutputTooLarge {
                stream: "stderr",
                limit: 100_000
            },
            ..
        }
    ));
    // Just under the limit is read whole.
    let output = pebble.exec(&sh("head -c 100000 /dev/zero")).unwrap();
    assert_eq!(output.stdout.len(), 100_000);
}

/// An in-memory container answering the requests of the comparison as the real
/// commands do.
fn memory_twin() -> Container {
    Container::new("workload")
        .with_exec("sh", |request: &ExecRequest| {
            match request.command[2].as_str() {
                "echo out; echo err >&2; exit 3" => {
                    ExecOutput::new(3).with_stdout("out\n").with_stderr("err\n")
                }
                other => panic!("no twin for {other}"),
            }
        })
        .with_exec("sleep", |_| ExecReply::Hangs)
        .with_exec("cat", |request: &ExecRequest| {
            ExecOutput::new(0).with_stdout(request.stdin.clone().unwrap_or_default())
        })
        .with_exec("printenv", |request: &ExecRequest| {
            let name = &request.command[1];
            match request.environment.get(name) {
                Some(value) => ExecOutput::new(0).with_stdout(format!("{value}\n")),
                None => ExecOutput::new(1),
            }
        })
}

#[test]
fn the_same_requests_give_the_same_answers_from_the_real_pebble_and_in_memory() {
    let (_dir, _daemon, mut real) = real_pebble();
    let mut memory = memory_twin();
    let requests = [
        sh("echo out; echo err >&2; exit 3"),
        ExecRequest::new(["cat"]).stdin("some input"),
        ExecRequest::new(["cat"]),
        ExecRequest::new(["printenv", "A"]).env("A", "b"),
        ExecRequest::new(["printenv", "NOT_SET"]),
        ExecRequest::new(["sleep", "30"]).timeout(Duration::from_millis(200)),
        ExecRequest::new(["no-such-binary"]),
        ExecRequest::new(["cat", "\0"]),
        ExecRequest::new(["cat"]).timeout(Duration::ZERO),
    ];
    for request in &requests {
        let from_real = real.exec(request);
        let from_memory = memory.exec(request);
        match (&from_real, &from_memory) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{request}");
                assert_eq!(
                    a.clone().into_success().map_err(|e| e.to_string()),
                    b.clone().into_success().map_err(|e| e.to_string()),
                    "{request}"
                );
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{request}");
                assert_eq!(
                    std::mem::discriminant(a),
                    std::mem::discriminant(b),
                    "{request}"
                );
            }
            _ => panic!("{request}: real {from_real:?}, in memory {from_memory:?}"),
        }
    }
    // The in-memory container ran those a handler answered.
    assert_eq!(memory.execs().len(), 6);
}
