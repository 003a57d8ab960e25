//! Tests of the testing harness itself: consistency checks, Juju's rules in the in-memory
//! backend, config defaults, logs, actions, relation data diffs, bad metadata.

use std::path::Path;

use reconciler_core::backend::ConfigValue;
use reconciler_core::metadata::MetadataError;
use reconciler_core::prelude::*;
use reconciler_core::testing::{Container, DataWritten, Harness, Inconsistency, Relation, State};
use reconciler_core::{
    BackendError, Databag, Handling, LogLevel, Member, Outcome, RelationId, Scope,
};

const META: &str = r#"
name: probe
containers:
  workload: {resource: image}
resources:
  image: {type: oci-image}
requires:
  db: {interface: pgsql}
provides:
  website: {interface: http}
peers:
  replicas: {interface: probe-peers}
storage:
  data: {type: filesystem}
config:
  options:
    port: {type: int, default: 8080}
    ratio: {type: float}
    debug: {type: boolean, default: false}
    name: {type: string}
actions:
  echo:
    params:
      text: {type: string}
      times: {type: integer}
  explode: {}
"#;

fn harness() -> Harness {
    Harness::from_yaml(META).expect("valid metadata")
}

/// What the probe component does in `configure_unit`, chosen per test through the
/// charm-state key `plan` (the harness builds the charm with `Charm::new()`).
#[derive(Default)]
struct Probe {
    error: Option<String>,
}

impl Probe {
    fn act(ctx: &mut Context<'_>) -> Result<(), BackendError> {
        let plan = ctx.backend().state_get("plan")?.unwrap_or_default();
        let ids = ctx.backend().relation_ids("website")?;
        for step in plan.split(',').filter(|s| !s.is_empty()) {
            match step {
                "write-unit" => {
                    for &id in &ids {
                        let bag = Databag::from([
                            ("host".to_owned(), "probe-0".to_owned()),
                            ("stale".to_owned(), String::new()),
                        ]);
                        ctx.backend().relation_set(id, Scope::Unit, &bag)?;
                    }
                }
                "write-app" => {
                    for &id in &ids {
                        let bag = Databag::from([("url".to_owned(), "http://probe".to_owned())]);
                        ctx.backend().relation_set(id, Scope::App, &bag)?;
                    }
                }
                "app-status" => ctx
                    .backend()
                    .status_set(Scope::App, &Status::active_with("set by the component"))?,
                "juju-log" => {
                    tracing::info!("before juju-log");
                    ctx.backend()
                        .log(LogLevel::Warning, "written with juju-log")?;
                    tracing::info!("after juju-log");
                }
                "config" => {
                    let config = ctx.backend().config()?.clone();
                    let text = config
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ");
                    ctx.backend().state_set("config-seen", &text)?;
                }
                "pebble" => {
                    ctx.backend().pebble("workload")?.push("/etc/x", b"x")?;
                }
                "read-peer-app" => {
                    let peer = ctx.backend().relation_ids("replicas")?[0];
                    let app = ctx.backend().app_name().to_owned();
                    let bag = ctx.backend().relation_get(peer, &Member::App(app))?;
                    ctx.backend()
                        .state_set("peer-app", &bag.len().to_string())?;
                }
                step if step.starts_with("ids:") => {
                    let ids = ctx.backend().relation_ids(&step["ids:".len()..])?;
                    let text: Vec<String> = ids.iter().map(ToString::to_string).collect();
                    ctx.backend().state_set("ids", &text.join(" "))?;
                }
                step if step.starts_with("config-value:") => {
                    let value = ctx.config_value(&step["config-value:".len()..])?;
                    ctx.backend()
                        .state_set("config-value", &format!("{value:?}"))?;
                }
                step if step.starts_with("pebble-of:") => {
                    ctx.backend().pebble(&step["pebble-of:".len()..])?;
                }
                other => panic!("unknown step {other}"),
            }
        }
        Ok(())
    }
}

impl Component for Probe {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        if let Err(e) = Probe::act(ctx) {
            self.error = Some(e.to_string());
            return Err(e.into());
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation("website"), Observe::container("workload")]
    }
}

#[derive(CharmReconciler, Default)]
struct ProbeCharm {
    #[component]
    probe: Probe,
}

impl Charm for ProbeCharm {
    fn new() -> ProbeCharm {
        ProbeCharm::default()
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match ctx.event() {
            Event::Action { name, .. } if name == "echo" => {
                let params = ctx.backend().action_params()?;
                ctx.backend().action_log("echoing")?;
                ctx.backend().action_set(&params)?;
                Ok(Handled::Yes)
            }
            Event::Action { name, .. } if name == "explode" => {
                Err(ComponentError::new("the action exploded"))
            }
            _ => Ok(Handled::Ignored),
        }
    }
}

fn with_plan(state: State, plan: &str) -> State {
    state.with_stored("plan", plan)
}

fn website() -> Relation {
    Relation::new(3, "website", "browser")
}

// ---- Juju's rules ----------------------------------------------------------------------

#[test]
fn non_leader_writing_app_data_fails_as_under_juju() {
    let state = with_plan(State::default().with_relation(website()), "write-app");
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.status_of("probe"),
        Some(&Status::blocked(
            "relation-set --app: refused: this unit is not the leader; only the leader may write application relation data"
        ))
    );
    assert!(matches!(
        out.outcome_of("probe"),
        Some(Outcome::Failed { .. })
    ));
    assert!(out.relation_data_written.is_empty());
}

#[test]
fn leader_writes_app_data() {
    let state = with_plan(
        State::default().with_leader(true).with_relation(website()),
        "write-app",
    );
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(
        out.written(RelationId(3), Scope::App).unwrap().set["url"],
        "http://probe"
    );
}

#[test]
fn non_leader_setting_app_status_fails_as_under_juju() {
    let out = harness()
        .run::<ProbeCharm>(
            Event::ConfigChanged,
            with_plan(State::default(), "app-status"),
        )
        .unwrap();
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "[probe] status-set --application: refused: this unit is not the leader; only the leader may set the application status"
        )
    );
    assert_eq!(out.app_status, Status::unknown(""));
}

#[test]
fn empty_value_deletes_a_key_and_the_diff_shows_it() {
    let relation = website().with_local_unit_data([("stale", "old"), ("host", "probe-0")]);
    let state = with_plan(State::default().with_relation(relation), "write-unit");
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state)
        .unwrap();
    assert_eq!(
        out.relation_data_written,
        [DataWritten {
            relation: RelationId(3),
            endpoint: "website".into(),
            scope: Scope::Unit,
            set: Databag::new(),
            deleted: ["stale".to_owned()].into(),
        }]
    );
    assert_eq!(
        out.state.relation(RelationId(3)).unwrap().local_unit_data,
        Databag::from([("host".to_owned(), "probe-0".to_owned())])
    );
}

#[test]
fn pebble_fails_while_it_does_not_answer() {
    let state = with_plan(
        State::default().with_container(Container::new("workload").unreachable()),
        "pebble",
    );
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state)
        .unwrap();
    assert!(
        out.unit_status
            .message
            .contains("cannot talk to Pebble at /charm/containers/workload/pebble.socket"),
        "{}",
        out.unit_status
    );
}

#[test]
fn peers_read_their_app_databag_without_leadership() {
    let mut state = State::default().with_peer_relation(7, "replicas", ["app/1"]);
    state.relations[0]
        .local_app_data
        .insert("k".into(), "v".into());
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, with_plan(state, "read-peer-app"))
        .unwrap();
    assert_eq!(out.unit_status, Status::active());
    assert_eq!(out.state.stored["peer-app"], "1");
}

// ---- config ----------------------------------------------------------------------------

#[test]
fn config_defaults_apply_under_the_state_config() {
    let state = with_plan(State::default().with_config("debug", true), "config");
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state.clone())
        .unwrap();
    assert_eq!(out.state.stored["config-seen"], "debug=true port=8080");
    // The output's config is the input's: a charm cannot change its config.
    assert_eq!(out.state.config, state.config);
}

#[test]
fn an_int_is_accepted_for_a_float_option() {
    let state = State::default().with_config("ratio", 2);
    assert!(harness().check(&Event::ConfigChanged, &state).is_empty());
}

// ---- consistency -------------------------------------------------------------------------

fn problems(event: Event, state: State) -> Vec<String> {
    harness()
        .check(&event, &state)
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn unknown_config_key_and_wrong_type_are_named() {
    let state = State::default()
        .with_config("colour", "blue")
        .with_config("debug", ConfigValue::from("yes"));
    assert_eq!(
        problems(Event::ConfigChanged, state),
        [
            "charmcraft.yaml: config option \"colour\" is not declared in config.options (declared: \"debug\", \"name\", \"port\", \"ratio\")",
            "charmcraft.yaml: config option \"debug\" is declared as boolean, but the state sets \"yes\" (a string)",
        ]
    );
}

#[test]
fn duplicate_relation_id_is_refused() {
    let state = State::default()
        .with_relation(website())
        .with_relation(Relation::new(3, "db", "postgresql"));
    let err = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, state)
        .unwrap_err();
    assert_eq!(
        err,
        Inconsistency::DuplicateRelationId {
            id: RelationId(3),
            first: "website".into(),
            second: "db".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "the state has two relations with id 3: on \"website\" and on \"db\""
    );
}

#[test]
fn relation_checks() {
    let state = State::default()
        .with_relation(Relation::new(1, "cache", "redis"))
        .with_relation(Relation::new(2, "replicas", "other"))
        .with_relation(Relation::new(4, "db", "app"))
        .with_relation(website().with_remote_unit_data("db/0", [("k", "v")]));
    assert_eq!(
        problems(Event::ConfigChanged, state),
        [
            "charmcraft.yaml: relation 1 is on endpoint \"cache\", which is not declared in provides, requires or peers (declared: \"db\", \"replicas\", \"website\")",
            "relation 2 on \"replicas\" (peers) has remote application \"other\", but a peer relation's remote application is this one, \"app\" (use State::with_peer_relation)",
            "relation 4 on \"db\" (requires) has remote application \"app\", but only a peer relation relates \"app\" to itself",
            "relation 4 on \"db\" lists this unit, \"app/0\", among its remote units",
            "relation 3 on \"website\": remote unit \"db/0\" is not a unit of the remote application \"browser\"",
        ]
    );
}

#[test]
fn relation_event_checks() {
    let event = Event::relation_changed(&website());
    assert_eq!(
        problems(
            event.clone(),
            State::default().with_relation(Relation::new(1, "db", "pg"))
        ),
        [
            "event website-relation-changed: the state has no relation with id 3 (relations in the state: db:1)"
        ]
    );
    assert_eq!(
        problems(
            event.from_unit("browser/9"),
            State::default().with_relation(website())
        ),
        [
            "event website-relation-changed: remote unit \"browser/9\" is not in relation 3 (remote units: \"browser/0\")"
        ]
    );
    let moved = Relation::new(3, "db", "browser");
    assert_eq!(
        problems(
            Event::relation_changed(&moved),
            State::default().with_relation(website())
        ),
        [
            "event db-relation-changed: relation 3 in the state has endpoint \"website\", the event says \"db\""
        ]
    );
    assert_eq!(
        problems(
            Event::relation_departed(&website(), "browser/0"),
            State::default().with_relation(website())
        ),
        [
            "event website-relation-departed: departing unit \"browser/0\" is still among relation 3's remote units; Juju lists it no more, so remove it from the state"
        ]
    );
    assert!(
        problems(
            Event::relation_departed(&website(), "browser/1"),
            State::default().with_relation(website())
        )
        .is_empty()
    );
}

#[test]
fn container_checks() {
    let sidecar = Container::new("sidecar");
    assert_eq!(
        problems(Event::pebble_ready(&sidecar), State::default()),
        [
            "event sidecar-pebble-ready: charmcraft.yaml declares no container \"sidecar\" (declared: \"workload\")"
        ]
    );
    let workload = Container::new("workload");
    assert_eq!(
        problems(Event::pebble_ready(&workload), State::default()),
        [
            "event workload-pebble-ready: container \"workload\" is not in the state; add it with State::with_container"
        ]
    );
    assert_eq!(
        problems(
            Event::pebble_ready(&workload),
            State::default().with_container(workload.clone().unreachable())
        ),
        [
            "event workload-pebble-ready: Juju sends pebble-ready only once Pebble answers, but container \"workload\" has can_connect = false"
        ]
    );
    assert_eq!(
        problems(Event::Install, State::default().with_container(sidecar)),
        [
            "charmcraft.yaml: container \"sidecar\" is in the state but not declared in containers (declared: \"workload\")"
        ]
    );
    let mut state = State::default();
    state
        .containers
        .insert("workload".into(), Container::new("other"));
    assert_eq!(
        problems(Event::Install, state)[0],
        "State::containers has container \"other\" under the key \"workload\""
    );
}

#[test]
fn other_event_checks() {
    assert_eq!(
        problems(Event::action("nope"), State::default()),
        [
            "event action nope: charmcraft.yaml declares no action \"nope\" (declared: \"echo\", \"explode\")"
        ]
    );
    assert_eq!(
        problems(Event::LeaderElected, State::default()),
        [
            "event leader-elected: Juju sends it only to the new leader, but the state has leader = false"
        ]
    );
    assert_eq!(
        problems(Event::Install, State::default().with_unit_name("app")),
        ["unit name \"app\" is not of the form <application>/<number>"]
    );
    let storage = Event::Storage {
        kind: reconciler_core::event::StorageEventKind::Attached,
        name: "cache".into(),
        id: None,
    };
    assert_eq!(
        problems(storage, State::default()),
        [
            "event cache-storage-attached: charmcraft.yaml declares no storage \"cache\" (declared: \"data\")"
        ]
    );
}

// ---- output ------------------------------------------------------------------------------

#[test]
fn logs_include_juju_log_lines_in_order() {
    let out = harness()
        .run::<ProbeCharm>(
            Event::ConfigChanged,
            with_plan(State::default(), "juju-log"),
        )
        .unwrap();
    let messages: Vec<&str> = out.logs.iter().map(|r| r.message.as_str()).collect();
    let at = messages
        .iter()
        .position(|m| *m == "written with juju-log")
        .expect("the juju-log line");
    assert_eq!(messages[at - 1], "before juju-log");
    assert_eq!(messages[at + 1], "after juju-log");
    assert_eq!(out.logs[at].level, LogLevel::Warning);
    assert!(out.logged("unit status active"));
}

#[test]
fn parallel_runs_keep_their_logs_apart() {
    let threads: Vec<_> = (0..8)
        .map(|n| {
            std::thread::spawn(move || {
                let plan = if n % 2 == 0 { "juju-log" } else { "" };
                let out = harness()
                    .run::<ProbeCharm>(Event::ConfigChanged, with_plan(State::default(), plan))
                    .unwrap();
                (n, out.logged("written with juju-log"), out.logs.len())
            })
        })
        .collect();
    for thread in threads {
        let (n, logged, _) = thread.join().unwrap();
        assert_eq!(logged, n % 2 == 0);
    }
}

#[test]
fn actions_report_results_and_failures() {
    let params: reconciler_core::JsonMap =
        serde_json::from_str(r#"{"text": "hi", "times": 2}"#).unwrap();
    let out = harness()
        .run_action::<ProbeCharm>("echo", params.clone(), State::default())
        .unwrap();
    let action = out.action.as_ref().unwrap();
    assert_eq!(action.results, params);
    assert_eq!(action.logs, ["echoing"]);
    assert_eq!(action.failure, None);
    assert!(
        out.statuses_set.is_empty(),
        "an action leaves the status alone"
    );

    let out = harness()
        .run_action::<ProbeCharm>("explode", Default::default(), State::default())
        .unwrap();
    assert_eq!(
        out.action.unwrap().failure.as_deref(),
        Some("the action exploded")
    );
    assert_eq!(
        out.hook.handling,
        Handling::Handled(Err("the action exploded".into()))
    );
}

#[test]
fn unobserved_events_are_ignored_and_leave_the_state_alone() {
    let state = State::default().with_unit_status(Status::active_with("earlier"));
    let out = harness()
        .run::<ProbeCharm>(Event::Stop, state.clone())
        .unwrap();
    assert_eq!(out.hook.handling, Handling::Ignored);
    assert_eq!(out.state, state);
    assert!(out.statuses_set.is_empty());
    assert_eq!(
        out.to_string().lines().last(),
        Some("ignored: nothing observes this event")
    );
}

#[test]
fn the_status_is_set_once_per_reconcile() {
    let out = harness()
        .run::<ProbeCharm>(Event::Install, State::default().with_leader(true))
        .unwrap();
    assert_eq!(
        out.statuses_set,
        [
            (Scope::Unit, Status::active()),
            (Scope::App, Status::active())
        ]
    );
    assert_eq!(out.executed(), ["probe"]);
    assert!(out.skipped().is_empty());
}

#[test]
fn output_prints_a_table() {
    let out = harness()
        .run::<ProbeCharm>(
            Event::relation_changed(&website()),
            with_plan(State::default().with_relation(website()), "write-unit"),
        )
        .unwrap();
    assert_eq!(
        out.to_string(),
        "event:       website-relation-changed\n\
         unit status: active\n\
         app status:  unknown\n\
         component  outcome  status\n\
         probe      ran      active\n\
         wrote website:3 unit data: host=\"probe-0\"\n"
    );
}

// ---- metadata ----------------------------------------------------------------------------

#[test]
fn malformed_metadata_is_an_error_naming_the_file() {
    let err = Harness::from_yaml("name: x\nrequires: [\n").unwrap_err();
    assert!(err.to_string().starts_with("charmcraft.yaml: "), "{err}");

    let err = Harness::from_yaml("config:\n  options:\n    port: {type: int, default: eighty}\n")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "charmcraft.yaml: config.options.port: the default eighty is not a valid int at line 3 \
         column 11"
    );

    let err = Harness::from_charm_dir(Path::new("/nonexistent/charm")).unwrap_err();
    assert!(matches!(err, MetadataError::Missing { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "no charm metadata in /nonexistent/charm: expected charmcraft.yaml or metadata.yaml"
    );
}

#[test]
fn metadata_from_a_charm_dir_names_its_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("charmcraft.yaml"), META).unwrap();
    let harness = Harness::from_charm_dir(dir).unwrap();
    let err = harness
        .run::<ProbeCharm>(Event::Install, State::default().with_config("nope", 1))
        .unwrap_err();
    let file = dir.join("charmcraft.yaml");
    assert!(
        err.to_string()
            .starts_with(&format!("{}: config option \"nope\"", file.display())),
        "{err}"
    );
}

// ---- relation-broken -----------------------------------------------------------------------

#[test]
fn relation_ids_leave_out_the_relation_being_broken() {
    let other = Relation::new(4, "website", "crawler");
    let state = with_plan(
        State::default()
            .with_relation(website())
            .with_relation(other),
        "ids:website",
    );
    let out = harness()
        .run::<ProbeCharm>(Event::relation_broken(&website()), state.clone())
        .unwrap();
    assert_eq!(out.state.stored["ids"], "4", "relation 3 is being broken");

    // Any other event of the relation lists it.
    let out = harness()
        .run::<ProbeCharm>(Event::relation_changed(&website()), state)
        .unwrap();
    assert_eq!(out.state.stored["ids"], "3 4");
}

// ---- names the metadata does not declare ---------------------------------------------------

/// The probe's status after running `plan` on config-changed.
fn probe_status(plan: &str) -> Status {
    let out = harness()
        .run::<ProbeCharm>(Event::ConfigChanged, with_plan(State::default(), plan))
        .unwrap();
    out.status_of("probe").unwrap().clone()
}

#[test]
fn an_undeclared_endpoint_is_an_error_not_an_empty_list() {
    assert_eq!(
        probe_status("ids:dbb"),
        Status::blocked(
            "relation-ids: the charm's metadata declares no relation endpoint \"dbb\" (declared: db, replicas, website)"
        )
    );
    assert_eq!(probe_status("ids:db"), Status::active());
}

#[test]
fn an_undeclared_container_is_an_error() {
    assert_eq!(
        probe_status("pebble-of:sidecar"),
        Status::blocked(
            "pebble: the charm's metadata declares no container \"sidecar\" (declared: workload)"
        )
    );
}

#[test]
fn an_undeclared_config_option_is_an_error_naming_the_declared_ones() {
    assert_eq!(
        probe_status("config-value:prot"),
        Status::blocked(
            "config-get: the charm's metadata declares no config option \"prot\" (declared: debug, name, port, ratio)"
        )
    );
    let out = harness()
        .run::<ProbeCharm>(
            Event::ConfigChanged,
            with_plan(State::default(), "config-value:port"),
        )
        .unwrap();
    assert_eq!(out.state.stored["config-value"], "Some(Int(8080))");
    let out = harness()
        .run::<ProbeCharm>(
            Event::ConfigChanged,
            with_plan(State::default(), "config-value:name"),
        )
        .unwrap();
    assert_eq!(out.state.stored["config-value"], "None", "declared, unset");
}

// ---- one owner for a hook: panics, run-time graphs ------------------------------------------

/// A charm whose constructor panics.
#[derive(CharmReconciler)]
struct Unbuildable {
    #[component]
    probe: Probe,
}

impl Charm for Unbuildable {
    fn new() -> Unbuildable {
        panic!("cannot build the charm")
    }
}

#[test]
fn a_panic_in_new_is_contained_as_under_juju() {
    let out = harness()
        .run::<Unbuildable>(Event::ConfigChanged, State::default().with_leader(true))
        .unwrap();
    let blocked = Status::blocked("charm error: cannot build the charm");
    assert_eq!(out.unit_status, blocked);
    assert_eq!(
        out.statuses_set,
        [(Scope::Unit, blocked.clone()), (Scope::App, blocked)]
    );
    assert!(matches!(out.hook.handling, Handling::Panicked { .. }));
    assert!(out.logged("the charm panicked handling config-changed: cannot build the charm"));
    assert_eq!(
        out.to_string().lines().last(),
        Some("the charm panicked: cannot build the charm")
    );

    let out = harness()
        .run_action::<Unbuildable>("echo", Default::default(), State::default())
        .unwrap();
    assert_eq!(
        out.action.unwrap().failure.as_deref(),
        Some("the charm panicked: cannot build the charm")
    );
    assert!(out.statuses_set.is_empty());
}

#[test]
fn a_run_time_graph_runs_in_the_harness() {
    let build = || {
        let mut builder = reconciler_core::GraphBuilder::new();
        builder.add("probe", Probe::default(), &[]);
        builder.build().expect("a valid graph")
    };
    let state = with_plan(State::default().with_relation(website()), "ids:website");
    let out = harness()
        .run_with(build, Event::relation_changed(&website()), state)
        .unwrap();
    assert_eq!(out.executed(), ["probe"]);
    assert_eq!(out.state.stored["ids"], "3");
    assert_eq!(out.unit_status, Status::active());
}
