//! The harness and the metadata's details: action parameters checked against the action's
//! schema before the handler runs (defaults filled in, wrong types an inconsistency,
//! other breaches failing the action), the consistency checks of Pebble check and notice
//! events and storage ids, the event builders, the events Juju added
//! (`leader-deposed`, `meter-status-changed`), and exec handlers carried by the state.

use std::cell::RefCell;
use std::rc::Rc;

use reconciler_core::event::{PebbleEventKind, SecretEventKind, StorageEventKind};
use reconciler_core::pebble::{
    CheckInfo, CheckStatus, ExecOutput, ExecRequest, Layer, NoticeType, PebbleNotice,
};
use reconciler_core::testing::{
    Container, ExecReply, Harness, Inconsistency, MemoryBackend, State,
};
use reconciler_core::{
    Charm, CharmReconciler, Component, ComponentError, Context, Event, Handled, Handling, JsonMap,
    Status, handle_event_with,
};
use serde_json::json;

const META: &str = r#"
name: meta
containers:
  workload: {}
storage:
  data: {type: filesystem, location: /data}
actions:
  backup:
    description: Back up the data.
    params:
      target: {type: string, minLength: 3}
      retries: {type: integer, minimum: 0, default: 3}
      token: {type: string}
      options:
        type: object
        properties:
          compress: {type: boolean, default: true}
    required: [target]
  open:
    additionalProperties: true
"#;

fn harness() -> Harness {
    Harness::from_yaml(META).expect("valid metadata")
}

fn params(value: serde_json::Value) -> JsonMap {
    value.as_object().cloned().expect("an object")
}

/// What the handler saw: the events it handled and the parameters it read.
type Seen = Rc<RefCell<Vec<(String, Option<JsonMap>)>>>;

struct Idle;

impl Component for Idle {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Recorder {
    #[component]
    idle: Idle,
}

thread_local! {
    static SEEN: Seen = Rc::default();
}

impl Charm for Recorder {
    fn new() -> Recorder {
        Recorder { idle: Idle }
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        let event = ctx.event().to_string();
        let params = match ctx.event() {
            Event::Action { .. } => Some(ctx.backend().action_params()?),
            _ => None,
        };
        SEEN.with(|seen| seen.borrow_mut().push((event, params)));
        Ok(Handled::Yes)
    }
}

fn seen() -> Vec<(String, Option<JsonMap>)> {
    SEEN.with(|seen| seen.borrow_mut().drain(..).collect())
}

// ---- action parameters ------------------------------------------------------------------

#[test]
fn valid_parameters_reach_the_handler_with_their_defaults() {
    seen();
    let out = harness()
        .run_action::<Recorder>(
            "backup",
            params(json!({"target": "s3://bucket", "options": {}})),
            State::default(),
        )
        .unwrap();
    assert_eq!(out.hook.handling, Handling::Handled(Ok(())));
    assert_eq!(out.action.unwrap().failure, None);
    assert_eq!(
        seen(),
        [(
            "action backup".to_owned(),
            Some(params(json!({
                "target": "s3://bucket",
                "retries": 3,
                "options": {"compress": true},
            })))
        )]
    );
}

#[test]
fn parameters_that_break_the_schema_fail_the_action_before_the_handler_runs() {
    seen();
    let secret = "hunter2-top-secret";
    let out = harness()
        .run_action::<Recorder>(
            "backup",
            params(json!({"token": secret, "retries": -1, "surprise": secret})),
            State::default(),
        )
        .unwrap();
    assert!(seen().is_empty(), "the handler did not run");
    let action = out.action.as_ref().unwrap();
    let failure = action.failure.as_deref().unwrap();
    assert!(
        failure.starts_with("invalid parameters for action \"backup\": "),
        "{failure}"
    );
    for needle in [
        "parameter \"target\" is required but was not given",
        "parameter \"retries\": the value is less than the minimum of 0",
        "parameter \"surprise\" is not one this action declares",
    ] {
        assert!(failure.contains(needle), "{needle}: {failure}");
    }
    assert_eq!(
        out.hook.handling,
        Handling::InvalidParams(failure.to_owned())
    );
    assert!(
        out.statuses_set.is_empty(),
        "an action leaves the status alone"
    );
    // The failure is logged, and no value is shown anywhere.
    assert!(out.logged("invalid parameters for action \"backup\""));
    let everything = format!("{out:?}{out}");
    assert!(!everything.contains(secret), "{everything}");
    assert!(
        out.to_string()
            .contains("refused before the handler ran: invalid parameters")
    );
}

#[test]
fn parameters_of_the_wrong_type_are_an_inconsistency_of_the_test() {
    let harness = harness();
    let given = params(json!({"target": "s3://b", "retries": "3", "options": {"compress": "yes"}}));
    let problems = harness.check_action("backup", &given, &State::default());
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "action backup: parameter \"options\" (at /compress) is declared as boolean, but the test gives a string",
            "action backup: parameter \"retries\" is declared as integer, but the test gives a string",
        ]
    );
    let error = harness
        .run_action::<Recorder>("backup", given, State::default())
        .unwrap_err();
    assert!(
        matches!(error, Inconsistency::ActionParamType { .. }),
        "{error}"
    );
    // An undeclared action is named as before.
    let problems = harness.check_action("restore", &JsonMap::new(), &State::default());
    assert!(matches!(
        problems[..],
        [Inconsistency::UnknownAction { .. }]
    ));
}

#[test]
fn an_action_that_accepts_anything_is_not_checked() {
    seen();
    let out = harness()
        .run_action::<Recorder>("open", params(json!({"x": [1, 2]})), State::default())
        .unwrap();
    assert_eq!(out.hook.handling, Handling::Handled(Ok(())));
    assert_eq!(seen()[0].1, Some(params(json!({"x": [1, 2]}))));
}

#[test]
fn the_runtime_checks_types_too_when_juju_is_not_there_to() {
    // Without the harness (which refuses wrong types as a mistake of the test), the
    // runtime's own check fails the action: what a charm gets if Juju let them through.
    seen();
    let metadata = harness().metadata().clone();
    let mut backend = MemoryBackend::new(State::default()).with_metadata(metadata);
    backend.action_params = Some(params(json!({"target": 12345})));
    let event = Event::action("backup");
    let report = handle_event_with(Recorder::new, &mut Context::new(&mut backend, &event));
    let text = "invalid parameters for action \"backup\": parameter \"target\" must be of type string, not an integer";
    assert_eq!(report.handling, Handling::InvalidParams(text.into()));
    assert_eq!(backend.action_failure.as_deref(), Some(text));
    assert!(report.outcome_recorded());
    assert!(seen().is_empty());
}

#[test]
fn without_metadata_nothing_is_checked() {
    seen();
    let mut backend = MemoryBackend::new(State::default());
    backend.action_params = Some(params(json!({"anything": true})));
    let event = Event::action("backup");
    let report = handle_event_with(Recorder::new, &mut Context::new(&mut backend, &event));
    assert_eq!(report.handling, Handling::Handled(Ok(())));
    assert_eq!(seen().len(), 1);
}

// ---- consistency of Pebble, storage and leadership events ---------------------------------

fn layer_with_check(name: &str) -> Layer {
    serde_yaml_ng::from_str(&format!(
        "checks:\n  {name}:\n    override: replace\n    exec: {{command: /bin/true}}\n"
    ))
    .expect("a layer")
}

fn check_event(kind: PebbleEventKind, check: Option<&str>) -> Event {
    Event::Pebble {
        kind,
        container: "workload".into(),
        check: check.map(str::to_owned),
        notice: None,
    }
}

#[test]
fn check_events_name_a_check_the_container_has() {
    let harness = harness();
    let plain = State::default().with_container(Container::new("workload"));
    let problems = harness.check(
        &Event::pebble_check_failed(&Container::new("workload"), "up"),
        &plain,
    );
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "event workload-pebble-check-failed: container \"workload\" has no check \"up\" in its plan or its checks (checks: none)"
        ]
    );
    // In the plan, or in the checks' state, it is there.
    let planned = Container::new("workload").with_layer("base", layer_with_check("up"));
    let state = State::default().with_container(planned.clone());
    assert!(
        harness
            .check(&Event::pebble_check_failed(&planned, "up"), &state)
            .is_empty()
    );
    let failing = Container::new("workload").with_check(CheckInfo::new("ready", CheckStatus::Down));
    let state = State::default().with_container(failing.clone());
    assert!(
        harness
            .check(&Event::pebble_check_recovered(&failing, "ready"), &state)
            .is_empty()
    );
    let problems = harness.check(&Event::pebble_check_recovered(&failing, "up"), &state);
    assert!(
        problems[0].to_string().ends_with("(checks: \"ready\")"),
        "{}",
        problems[0]
    );
    // Juju always names the check.
    let problems = harness.check(&check_event(PebbleEventKind::CheckFailed, None), &plain);
    assert_eq!(
        problems[0].to_string(),
        "event workload-pebble-check-failed: Juju gives this event a check name, but the event has none"
    );
}

fn notice(id: &str, key: &str) -> PebbleNotice {
    PebbleNotice::new(
        id,
        NoticeType::Custom,
        key,
        "2024-01-02T03:04:05Z",
        1,
        Default::default(),
    )
}

#[test]
fn notice_events_name_a_notice_the_container_has() {
    let harness = harness();
    let ready = notice("4", "example.com/db-ready");
    let workload = Container::new("workload").with_notice(ready.clone());
    let state = State::default().with_container(workload.clone());
    assert!(
        harness
            .check(&Event::pebble_custom_notice(&workload, &ready), &state)
            .is_empty()
    );

    let other = notice("5", "example.com/other");
    let problems = harness.check(&Event::pebble_custom_notice(&workload, &other), &state);
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "event workload-pebble-custom-notice: container \"workload\" has no notice with id \"5\" (notices: 4 (custom example.com/db-ready)); add it to Container::notices"
        ]
    );
    let moved = notice("4", "example.com/moved");
    let problems = harness.check(&Event::pebble_custom_notice(&workload, &moved), &state);
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "event workload-pebble-custom-notice: the container's notice \"4\" has key \"example.com/db-ready\", the event says \"example.com/moved\""
        ]
    );
    let problems = harness.check(&check_event(PebbleEventKind::CustomNotice, None), &state);
    assert!(matches!(
        problems[..],
        [Inconsistency::EventIncomplete {
            what: "a notice",
            ..
        }]
    ));
}

#[test]
fn storage_events_name_declared_storage_and_its_instances() {
    let harness = harness();
    let state = State::default().with_storage(reconciler_core::backend::Storage::filesystem(
        "data/0", "/srv",
    ));
    assert!(
        harness
            .check(&Event::storage_attached("data", 0), &state)
            .is_empty()
    );
    let problems = harness.check(&Event::storage_detaching("logs", 0), &state);
    assert_eq!(
        problems[0].to_string(),
        "event logs-storage-detaching: charmcraft.yaml declares no storage \"logs\" (declared: \"data\")"
    );
    let foreign = Event::Storage {
        kind: StorageEventKind::Attached,
        name: "data".into(),
        id: Some("logs/0".into()),
    };
    let problems = harness.check(&foreign, &state);
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "event data-storage-attached: storage id \"logs/0\" is not an instance of storage \"data\"; ids are data/<number>"
        ],
        "one problem, said once"
    );
}

#[test]
fn leader_deposed_comes_to_a_unit_that_no_longer_leads() {
    let harness = harness();
    let problems = harness.check(&Event::LeaderDeposed, &State::default().with_leader(true));
    assert_eq!(problems, [Inconsistency::LeaderDeposedOnLeader]);
    assert!(
        harness
            .check(&Event::LeaderDeposed, &State::default())
            .is_empty()
    );
}

// ---- the events Juju added, and the builders ---------------------------------------------

#[test]
fn leader_deposed_and_meter_status_reach_the_charms_handler() {
    seen();
    for event in [
        Event::LeaderDeposed,
        Event::meter_status_changed("AMBER", "budget nearly spent"),
    ] {
        let out = harness()
            .run::<Recorder>(event.clone(), State::default())
            .unwrap();
        assert_eq!(out.hook.handling, Handling::Handled(Ok(())), "{event}");
    }
    let names: Vec<String> = seen().into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["leader-deposed", "meter-status-changed"]);
}

#[test]
fn builders_make_every_event_kind_with_its_context() {
    let workload = Container::new("workload");
    let ready = notice("9", "example.com/ready");
    assert_eq!(
        Event::pebble_custom_notice(&workload, &ready),
        Event::Pebble {
            kind: PebbleEventKind::CustomNotice,
            container: "workload".into(),
            check: None,
            notice: Some(reconciler_core::event::Notice {
                id: "9".into(),
                kind: "custom".into(),
                key: "example.com/ready".into(),
            }),
        }
    );
    assert_eq!(
        Event::storage_detaching("data", 2),
        Event::Storage {
            kind: StorageEventKind::Detaching,
            name: "data".into(),
            id: Some("data/2".into()),
        }
    );
    let event = Event::secret(SecretEventKind::Remove, "secret:abc")
        .with_secret_revision(4)
        .with_secret_label("tls");
    assert_eq!(
        event,
        Event::Secret {
            kind: SecretEventKind::Remove,
            id: "secret:abc".into(),
            label: Some("tls".into()),
            revision: Some(4),
        }
    );
    assert_eq!(Event::Install.with_secret_label("x"), Event::Install);
    assert_eq!(
        Event::meter_status_changed("RED", "over budget"),
        Event::MeterStatusChanged {
            status: Some("RED".into()),
            info: Some("over budget".into())
        }
    );
    // A container's checks are replaced by name.
    let container = Container::new("workload")
        .with_check(CheckInfo::new("up", CheckStatus::Up))
        .with_check(CheckInfo::new("up", CheckStatus::Down));
    assert_eq!(container.checks, [CheckInfo::new("up", CheckStatus::Down)]);
}

// ---- exec handlers travel with the state --------------------------------------------------

struct Migrator;

impl Component for Migrator {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let output = ctx
            .backend()
            .pebble("workload")?
            .exec(&ExecRequest::new(["app", "migrate"]))?;
        ctx.backend()
            .state_set("migrated", output.stdout_text().trim())?;
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Migrating {
    #[component]
    migrator: Migrator,
}

impl Charm for Migrating {
    fn new() -> Migrating {
        Migrating { migrator: Migrator }
    }
}

#[test]
fn the_state_carries_exec_handlers_into_the_hook_and_out_again() {
    let workload = Container::new("workload").with_exec("app migrate", |_: &ExecRequest| {
        ExecReply::Output(ExecOutput::new(0).with_stdout("done\n"))
    });
    let state = State::default().with_container(workload);
    let out = harness()
        .run::<Migrating>(Event::ConfigChanged, state.clone())
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(out.state.stored["migrated"], "done");
    let after = &out.state.containers["workload"];
    assert_eq!(after.execs().len(), 1);
    // The handlers are still there: the output state runs the next hook the same way.
    assert_eq!(
        after.exec_handlers,
        state.containers["workload"].exec_handlers
    );
    let again = harness()
        .run::<Migrating>(Event::ConfigChanged, out.state)
        .unwrap();
    assert_eq!(again.state.containers["workload"].execs().len(), 2);
}
