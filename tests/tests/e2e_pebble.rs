//! End to end: the Pebble client against the real `pebble` daemon, and the in-memory
//! container held to the same errors; the charm binary against a Pebble that never
//! answers (each hook bounded by the Pebble deadline) and with an unusable deadline
//! variable.

mod juju_sim;

use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{ErrorKind, Layer, Pebble, PebbleError, Service, Startup};
use reconciler_core::testing::Container;
use serde_json::json;

use juju_sim::{PebbleDaemon, Run, SimAction, Unit, pebble_binary, temp_dir};

/// A real Pebble in a fresh directory, and a client of it.
fn real_pebble() -> (tempfile::TempDir, PebbleDaemon, PebbleClient) {
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let dir = temp_dir("pebble");
    let daemon = PebbleDaemon::start(&pebble, &dir.path().join("workload"));
    let client = PebbleClient::new("workload", daemon.socket());
    (dir, daemon, client)
}

fn layer(command: &str) -> Layer {
    let mut layer = Layer::default();
    layer.services.insert(
        "svc".into(),
        Service {
            command: Some(command.into()),
            startup: Some(Startup::Enabled),
            ..Service::default()
        },
    );
    layer
}

#[test]
fn a_missing_file_is_the_same_error_from_the_real_pebble_and_in_memory() {
    let (dir, daemon, mut real) = real_pebble();
    let missing = dir.path().join("no-such-dir/app.conf");
    let missing = missing.to_str().unwrap();

    let from_real = real.pull(missing).unwrap_err();
    match &from_real {
        PebbleError::Path {
            container,
            request,
            path,
            kind: ErrorKind::NotFound,
            ..
        } => {
            assert_eq!(container, "workload");
            assert_eq!(request, "GET /v1/files");
            assert_eq!(path, missing);
        }
        other => panic!("expected a not-found path error, got {other:?}"),
    }
    assert!(from_real.is_not_found());

    let from_memory = Container::new("workload").pull(missing).unwrap_err();
    assert!(
        matches!(
            from_memory,
            PebbleError::Path {
                kind: ErrorKind::NotFound,
                ..
            }
        ),
        "{from_memory:?}"
    );
    assert_eq!(from_real.to_string(), from_memory.to_string());
    drop(daemon);
}

#[test]
fn other_errors_are_the_same_from_the_real_pebble_and_in_memory() {
    let (_dir, daemon, mut real) = real_pebble();
    let mut memory = Container::new("workload");

    // A relative path: Pebble's per-file generic error.
    let from_real = real.push("relative/app.conf", b"x").unwrap_err();
    let from_memory = memory.push("relative/app.conf", b"x").unwrap_err();
    assert!(
        matches!(
            from_real,
            PebbleError::Path {
                kind: ErrorKind::GenericFileError,
                ..
            }
        ),
        "{from_real:?}"
    );
    assert_eq!(from_real.to_string(), from_memory.to_string());
    let from_real = real.pull("relative/app.conf").unwrap_err();
    let from_memory = memory.pull("relative/app.conf").unwrap_err();
    assert_eq!(from_real.to_string(), from_memory.to_string());

    // A service that is not in the plan: an API error.
    let from_real = real.start(&["nope"]).unwrap_err();
    let from_memory = memory.start(&["nope"]).unwrap_err();
    assert!(
        matches!(from_real, PebbleError::Api { status: 400, .. }),
        "{from_real:?}"
    );
    assert_eq!(from_real.to_string(), from_memory.to_string());

    // A layer added twice under one label without combining.
    real.add_layer("base", &layer("sleep 300"), false).unwrap();
    memory
        .add_layer("base", &layer("sleep 300"), false)
        .unwrap();
    let from_real = real
        .add_layer("base", &layer("sleep 300"), false)
        .unwrap_err();
    let from_memory = memory
        .add_layer("base", &layer("sleep 300"), false)
        .unwrap_err();
    assert_eq!(from_real.to_string(), from_memory.to_string());
    drop(daemon);
}

#[test]
fn push_and_pull_round_trip_through_the_real_pebble() {
    let (dir, daemon, mut client) = real_pebble();
    let path = dir.path().join("files/sub dir/a&b.bin");
    let path = path.to_str().unwrap();
    // Bytes that look like multipart framing, and every byte value.
    let mut content = b"line\r\n--boundary\r\n\r\n--".to_vec();
    content.extend(0..=255u8);
    client.push(path, &content).unwrap();
    assert_eq!(std::fs::read(path).unwrap(), content);
    assert_eq!(client.pull(path).unwrap(), content);
    // An empty file.
    client.push(path, b"").unwrap();
    assert_eq!(client.pull(path).unwrap(), b"");
    drop(daemon);
}

#[test]
fn a_pull_over_the_limit_from_the_real_pebble_is_refused() {
    let (dir, daemon, client) = real_pebble();
    let path = dir.path().join("big.bin");
    std::fs::write(&path, vec![b'x'; 256 << 10]).unwrap();
    let mut client = client.with_max_response_bytes(64 << 10);
    let e = client.pull(path.to_str().unwrap()).unwrap_err();
    assert!(
        matches!(e, PebbleError::BodyTooLarge { limit: 65536, .. }),
        "{e:?}"
    );
    // Under the limit, the same client reads it.
    std::fs::write(&path, vec![b'x'; 1000]).unwrap();
    assert_eq!(client.pull(path.to_str().unwrap()).unwrap().len(), 1000);
    drop(daemon);
}

#[test]
fn a_change_wait_fits_inside_the_deadline_of_the_real_pebble() {
    // Pebble finishes starting a service about a second after starting it (it waits to
    // see that it stays up). With a 0.3 s deadline the client asks Pebble to wait less
    // than that, and Pebble answers "not ready yet" in time.
    let (_dir, daemon, client) = real_pebble();
    let mut client = client.with_timeout(Duration::from_millis(300));
    client
        .add_layer("base", &layer("sleep 300"), false)
        .unwrap();
    let start = Instant::now();
    let e = client.start(&["svc"]).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    match &e {
        PebbleError::Timeout {
            request,
            earlier: None,
            ..
        } => assert!(
            request.starts_with("GET /v1/changes/") && request.ends_with("/wait"),
            "{request}"
        ),
        other => panic!("expected the change wait to time out, got {other:?}"),
    }
    assert!(e.to_string().ends_with(": timed out after 0.3 s"), "{e}");
    // Pebble answered: it is not taken to be hung, and the next request is sent.
    let services = client.services(&["svc"]).unwrap();
    assert_eq!(services.len(), 1);
    drop(daemon);
}

/// A unit of my-charm whose Pebble socket is a listener nobody serves: connections are
/// queued and never answered. Pebble's deadline is 1 s; the harness kills a hook after
/// 30 s (only a hook that hangs gets there).
fn unit_with_a_hung_pebble() -> (Unit, UnixListener) {
    let mut unit = Unit::my_charm(&juju_sim::my_charm_state("sleep 300"));
    let dir = unit.scratch("hung-pebble");
    std::fs::create_dir_all(&dir).unwrap();
    let listener = UnixListener::bind(dir.join("workload.socket")).unwrap();
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        dir.join("{container}.socket").to_str().unwrap().into(),
    ));
    unit.env
        .push(("RECONCILER_PEBBLE_TIMEOUT".into(), "1".into()));
    unit.deadline = Duration::from_secs(30);
    (unit, listener)
}

#[track_caller]
fn assert_ok(run: &Run) {
    assert!(!run.timed_out, "the hook hung: {}", run.stderr);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn a_hook_with_a_pebble_that_never_answers_is_bounded_by_the_deadline() {
    let (unit, listener) = unit_with_a_hung_pebble();
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_ok(&run);
    let state = unit.state();
    // The workload's status is in the summary line.
    assert!(
        state.juju_log.iter().any(|l| l
            .message
            .contains("workload=[waiting: waiting for Pebble in container workload]")),
        "{:#?}",
        state.juju_log
    );
    let warning = "pebble workload: GET /v1/system-info: timed out after 1 s";
    assert!(
        state
            .juju_log
            .iter()
            .any(|l| l.level == "WARNING" && l.message == warning),
        "{:#?}",
        state.juju_log
    );
    drop(listener);
}

#[test]
fn an_action_with_a_pebble_that_never_answers_fails_with_the_timeout() {
    let (unit, listener) = unit_with_a_hung_pebble();
    unit.update(|s| s.action = Some(SimAction::default()));
    let run = unit.dispatch(
        "actions/restart",
        &[
            ("JUJU_ACTION_NAME", "restart"),
            ("JUJU_ACTION_UUID", "7f4b6d1e-0000-4000-8000-000000000003"),
        ],
    );
    assert_ok(&run);
    let action = unit.state().action.expect("the action");
    assert_eq!(
        action.failed.as_deref(),
        Some(
            "cannot restart service workload: pebble workload: POST /v1/services: \
             timed out after 1 s"
        )
    );
    assert_eq!(json!(action.results), json!({}));
    drop(listener);
}

#[test]
fn an_unusable_pebble_deadline_is_reported_and_the_default_used() {
    let mut unit = Unit::my_charm(&juju_sim::my_charm_state("sleep 300"));
    unit.env
        .push(("RECONCILER_PEBBLE_TIMEOUT".into(), "soon".into()));
    unit.env.push((
        "RECONCILER_PEBBLE_SOCKET".into(),
        "/nonexistent/{container}.socket".into(),
    ));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_ok(&run);
    let expected = "RECONCILER_PEBBLE_TIMEOUT=\"soon\" is not a number of seconds between 0 and 86400; \
         using 20 s";
    assert!(
        unit.state()
            .juju_log
            .iter()
            .any(|l| l.level == "WARNING" && l.message == expected),
        "{:#?}",
        unit.state().juju_log
    );
}
