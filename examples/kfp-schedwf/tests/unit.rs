//! The Python charm's unit tests (`charms/kfp-schedwf/tests/unit/test_operator.py` in
//! canonical/kfp-operators), carried over to the harness, each with a comment naming the
//! test it comes from; then tests of what the port adds or what the Python tests leave out.
//!
//! Where a Python test mocks a component's status to Active (`MagicMock(return_value=
//! ActiveStatus())`), the port runs the real component against the harness's in-memory
//! stand-ins instead: the in-memory cluster (`InMemoryCluster`) for the CRD and the
//! in-memory token issuer (`InMemoryTokens`) for the service-account token.

use kfp_schedwf::sa_token::{InMemoryTokens, Issued};
use kfp_schedwf::{
    CONTAINER, KfpSchedwf, SA_AUDIENCE, SA_NAME, SA_TOKEN_EXPIRATION, SA_TOKEN_PATH, SERVICE,
    TokenSpec,
};
use reconciler_components::kubernetes::InMemoryCluster;
use reconciler_core::pebble::{LogTargetType, ServiceStatus};
use reconciler_core::testing::{Container, Harness, Output, Relation, State};
use reconciler_core::{Event, Outcome, RelationId, Scope, Status};

/// The component names, as the Python charm names them.
const LEADERSHIP_GATE: &str = "leadership-gate";
const KUBERNETES: &str = "kubernetes:crds";
const KFP_API: &str = "relation:kfp-api-grpc";
const SA_TOKEN: &str = "sa-token:scheduledworkflow";
const PEBBLE: &str = "kfp-schedwf-pebble-service";
const LOGGING: &str = "logging";
const LOG_FORWARDING: &str = "log-forwarding";

/// The CRD, as the in-memory cluster describes it.
const CRD: &str = "CustomResourceDefinition scheduledworkflows.kubeflow.org";

fn harness() -> Harness {
    Harness::from_charm_dir(env!("CARGO_MANIFEST_DIR")).expect("kfp-schedwf's charmcraft.yaml")
}

fn run(event: Event, state: State) -> Output {
    harness()
        .run::<KfpSchedwf>(event, state)
        .expect("a consistent state")
}

/// Unit `kfp-schedwf/0` in the model `kubeflow`, with the workload's Pebble answering (the
/// Python tests' `harness.set_can_connect(..., True)`), on the leader or not.
fn state(leader: bool) -> State {
    State::default()
        .with_unit_name("kfp-schedwf/0")
        .with_model_name("kubeflow")
        .with_leader(leader)
        .with_container(Container::new(CONTAINER))
}

/// The same, with the workload's Pebble not answering yet.
fn state_before_pebble(leader: bool) -> State {
    state(leader).with_container(Container::new(CONTAINER).unreachable())
}

/// The KFP API server related on `kfp-api-grpc`, having sent `data` (YAML) and its schema
/// versions, as chisme's `add_sdi_relation_to_harness` relates one ("other").
fn kfp_api(id: u64, data: &str) -> Relation {
    Relation::new(id, "kfp-api-grpc", "other")
        .with_remote_app_data([("_supported_versions", "- v1\n"), ("data", data)])
}

/// The objects in the in-memory cluster.
fn objects(out: &Output) -> Vec<String> {
    out.state
        .extension::<InMemoryCluster>()
        .map(InMemoryCluster::describe)
        .unwrap_or_default()
}

/// The tokens the in-memory issuer gave.
fn issued(out: &Output) -> Vec<Issued> {
    out.state
        .extension::<InMemoryTokens>()
        .map(|tokens| tokens.issued().to_vec())
        .unwrap_or_default()
}

/// The controller's command line in the container's plan.
fn command(out: &Output) -> String {
    let container = &out.state.containers[CONTAINER];
    let plan = container.plan();
    plan.services[SERVICE]
        .command
        .clone()
        .expect("the controller has a command")
}

// From test_not_leader: `begin_with_initial_hooks()` on a unit that is not the leader; the
// charm waits for leadership. The harness runs the same initial hooks one after the other.
#[test]
fn not_leader() {
    let mut state = state_before_pebble(false);
    for event in [
        Event::Install,
        Event::LeaderSettingsChanged,
        Event::ConfigChanged,
        Event::Start,
    ] {
        let out = run(event, state);
        assert_eq!(
            out.unit_status,
            Status::waiting("[leadership-gate] waiting for leadership"),
            "{out}"
        );
        assert_eq!(out.executed(), [LEADERSHIP_GATE, LOGGING, LOG_FORWARDING]);
        state = out.state;
    }
}

// From test_kubernetes_component_created: on the leader, install applies the Kubernetes
// resources (the Python test counts one `apply` on its mocked lightkube client) and the
// component is Active.
#[test]
fn kubernetes_component_created() {
    let out = run(Event::Install, state(true));
    assert_eq!(out.status_of(KUBERNETES), Some(&Status::active()));
    assert_eq!(objects(&out), [CRD]);
    let cluster = out.state.extension::<InMemoryCluster>().unwrap();
    let crd = cluster
        .get(
            "CustomResourceDefinition",
            None,
            "scheduledworkflows.kubeflow.org",
        )
        .unwrap();
    assert_eq!(crd["spec"]["names"]["kind"], "ScheduledWorkflow");
    assert_eq!(crd["spec"]["versions"][0]["name"], "v1beta1");
    assert_eq!(
        crd["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kfp-schedwf"
    );
    assert_eq!(
        crd["metadata"]["labels"]["reconciler.juju.is/model"],
        "kubeflow"
    );
}

// From test_no_sa_token_file: the service-account token is missing, so the sa-token
// component fails and the unit is Blocked, prefixed with its name. In the Python test the
// token file is absent from the charm (the unit is not the leader, so it never wrote one,
// and the leadership gate and Kubernetes component are mocked Active); in the port the
// token comes from the API server in the hook, so the leader asks and the API server
// refuses: the service account does not exist.
#[test]
fn no_sa_token_file() {
    let refused = InMemoryTokens::new().refusing(404, "serviceaccounts \"kfp-schedwf\" not found");
    let out = run(Event::Install, state(true).with_extension(refused));
    let message = "cannot request a token for ServiceAccount kubeflow/kfp-schedwf (HTTP 404): serviceaccounts \"kfp-schedwf\" not found";
    assert_eq!(out.status_of(SA_TOKEN), Some(&Status::blocked(message)));
    assert_eq!(
        out.unit_status,
        Status::blocked(format!("[sa-token:scheduledworkflow] {message}"))
    );
    // The workload is held back, so no token file and no service.
    assert_eq!(
        out.outcome_of(PEBBLE),
        Some(&Outcome::Skipped {
            waiting_on: vec![SA_TOKEN.into()]
        })
    );
    let container = &out.state.containers[CONTAINER];
    assert!(!container.files.contains_key(SA_TOKEN_PATH));
    assert_eq!(container.service_status(SERVICE), None);
}

// From test_pebble_service_container_running: on the leader with Pebble up, install makes
// the unit Active, the controller runs, and its environment has the timezone from the
// config's default.
#[test]
fn pebble_service_container_running() {
    let out = run(Event::Install, state(true));
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let container = &out.state.containers[CONTAINER];
    assert_eq!(
        container.service_status(SERVICE),
        Some(ServiceStatus::Active)
    );
    let environment = &container.plan().services[SERVICE].environment;
    assert_eq!(environment["CRON_SCHEDULE_TIMEZONE"], "UTC");
}

// From test_pebble_service_is_replanned_on_config_changed: as above, and the log level is
// in the environment too. The Python test stops there (it changes no config); this one then
// changes both options and checks that config-changed replans the service with them.
#[test]
fn pebble_service_is_replanned_on_config_changed() {
    let out = run(Event::Install, state(true));
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let container = &out.state.containers[CONTAINER];
    assert_eq!(
        container.service_status(SERVICE),
        Some(ServiceStatus::Active)
    );
    let environment = &container.plan().services[SERVICE].environment;
    assert_eq!(environment["CRON_SCHEDULE_TIMEZONE"], "UTC");
    assert_eq!(environment["LOG_LEVEL"], "info");
    let starts = container.start_count(SERVICE);

    let changed = out
        .state
        .with_config("timezone", "Europe/Paris")
        .with_config("log-level", "debug");
    let out = run(Event::ConfigChanged, changed);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let container = &out.state.containers[CONTAINER];
    let environment = &container.plan().services[SERVICE].environment;
    assert_eq!(environment["CRON_SCHEDULE_TIMEZONE"], "Europe/Paris");
    assert_eq!(environment["LOG_LEVEL"], "debug");
    assert!(
        command(&out).contains(" --logLevel=debug "),
        "{}",
        command(&out)
    );
    assert_eq!(container.start_count(SERVICE), starts + 1, "replanned once");
}

// From test_install_before_pebble_service_container: install on the leader before the
// workload's Pebble answers; the charm waits for it, naming the Pebble component.
#[test]
fn install_before_pebble_service_container() {
    let out = run(Event::Install, state_before_pebble(true));
    assert_eq!(
        out.unit_status,
        Status::waiting(
            "[kfp-schedwf-pebble-service] waiting for Pebble in container ml-pipeline-scheduledworkflow"
        )
    );
    // Everything it does not need Pebble for is done.
    assert_eq!(
        out.executed(),
        [
            LEADERSHIP_GATE,
            KUBERNETES,
            KFP_API,
            SA_TOKEN,
            PEBBLE,
            LOGGING,
            LOG_FORWARDING
        ]
    );
    assert_eq!(objects(&out), [CRD]);
}

// From test_kfp_api_relation_updates_pebble_service: the controller's command line names
// the default KFP API service (ml-pipeline:8887) until a KFP API server is related on
// kfp-api-grpc, then the service and port it sent.
#[test]
fn kfp_api_relation_updates_pebble_service() {
    let out = run(Event::Install, state(true));
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let container = &out.state.containers[CONTAINER];
    assert_eq!(
        container.service_status(SERVICE),
        Some(ServiceStatus::Active)
    );
    assert!(command(&out).contains("--mlPipelineAPIServerName=ml-pipeline "));
    assert!(command(&out).ends_with("--mlPipelineServiceGRPCPort=8887"));

    // The data as the Python library's yaml.dump writes it: the port is a string.
    let relation = kfp_api(
        1,
        "service-name: custom-ml-pipeline\nservice-port: '1234'\n",
    );
    let out = run(
        Event::relation_changed(&relation),
        out.state.with_relation(relation),
    );
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert!(command(&out).contains("--mlPipelineAPIServerName=custom-ml-pipeline "));
    assert!(command(&out).ends_with("--mlPipelineServiceGRPCPort=1234"));
    let container = &out.state.containers[CONTAINER];
    assert_eq!(
        container.service_status(SERVICE),
        Some(ServiceStatus::Active)
    );
}

// From test_log_forwarding: the Python test only checks that the charm builds the loki_k8s
// library's LogForwarder (a mock's constructor call), which has no meaning here. What that
// object is for is tested instead: with Loki related on `logging`, the workload's logs are
// forwarded to each Loki unit, labelled with the Juju topology; when Loki leaves, the
// target is disabled.
#[test]
fn log_forwarding() {
    let url = "http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push";
    let loki = Relation::new(7, "logging", "loki")
        .with_remote_unit_data("loki/0", [("endpoint", format!("{{\"url\": \"{url}\"}}"))]);
    let out = run(
        Event::relation_changed(&loki).from_unit("loki/0"),
        state(true).with_relation(loki.clone()),
    );
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let plan = out.state.containers[CONTAINER].plan();
    let target = &plan.log_targets["loki/0"];
    assert_eq!(target.location.as_deref(), Some(url));
    assert_eq!(target.services, ["all"]);
    assert_eq!(target.type_, Some(LogTargetType::Loki));
    let labels: Vec<(&str, &str)> = target
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("charm", "kfp-schedwf"),
            ("juju_application", "kfp-schedwf"),
            ("juju_model", "kubeflow"),
            ("juju_model_uuid", "00000000-0000-4000-8000-000000000000"),
            ("juju_unit", "kfp-schedwf/0"),
            ("product", "Juju"),
        ]
    );

    // Loki leaves: the target stays, forwarding nothing.
    let out = run(Event::relation_broken(&loki), out.state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let plan = out.state.containers[CONTAINER].plan();
    assert_eq!(plan.log_targets["loki/0"].services, ["-all"]);
}

/// Log forwarding does not need the leader: every unit forwards its own workload's logs.
#[test]
fn log_forwarding_on_a_non_leader() {
    let loki = Relation::new(7, "logging", "loki").with_remote_unit_data(
        "loki/0",
        [(
            "endpoint",
            "{\"url\": \"http://loki:3100/loki/api/v1/push\"}",
        )],
    );
    let out = run(Event::ConfigChanged, state(false).with_relation(loki));
    assert_eq!(
        out.state.containers[CONTAINER].plan().log_targets["loki/0"]
            .location
            .as_deref(),
        Some("http://loki:3100/loki/api/v1/push")
    );
    assert_eq!(
        out.unit_status,
        Status::waiting("[leadership-gate] waiting for leadership")
    );
}

// --- Beyond the Python tests ---

/// The full command line and environment, as the Python charm's layer has them.
#[test]
fn layer_is_the_python_charms() {
    let out = run(Event::Install, state(true));
    assert_eq!(
        command(&out),
        "/bin/controller --logtostderr=true --namespace=\"\" --logLevel=info \
         --mlPipelineAPIServerName=ml-pipeline --mlPipelineServiceGRPCPort=8887"
    );
    let plan = out.state.containers[CONTAINER].plan();
    let environment: Vec<(&str, &str)> = plan.services[SERVICE]
        .environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        environment,
        [
            ("CLIENT_BURST", "20"),
            ("CLIENT_QPS", "10"),
            ("CRON_SCHEDULE_TIMEZONE", "UTC"),
            ("LOG_LEVEL", "info"),
            ("METRICS_PORT", "9090"),
            ("NAMESPACE:", ""),
            ("RESYNCT_INTERVAL_SECONDS", "30"),
        ]
    );
}

/// The leader asks for the token the Python charm asks for, and the controller finds it in
/// its container.
#[test]
fn token_is_requested_and_pushed_to_the_container() {
    let out = run(Event::Install, state(true));
    assert_eq!(
        issued(&out),
        [Issued {
            namespace: "kubeflow".into(),
            spec: TokenSpec {
                service_account: SA_NAME.into(),
                audiences: vec![SA_AUDIENCE.into()],
                expiration_seconds: SA_TOKEN_EXPIRATION,
            },
            token: "in-memory-token-1".into(),
        }]
    );
    let container = &out.state.containers[CONTAINER];
    assert_eq!(container.files[SA_TOKEN_PATH], b"in-memory-token-1");
    // The token is never logged.
    assert!(!out.logged("in-memory-token-1"));
}

/// A non-leader does nothing: no CRD, no token, no service.
#[test]
fn non_leader_touches_nothing() {
    let out = run(Event::ConfigChanged, state(false));
    assert!(objects(&out).is_empty());
    assert!(issued(&out).is_empty());
    assert_eq!(
        out.state.containers[CONTAINER].service_status(SERVICE),
        None
    );
    assert_eq!(
        out.skipped(),
        [
            (
                KUBERNETES,
                "waiting on leadership-gate (waiting: waiting for leadership)".to_owned()
            ),
            (
                KFP_API,
                "waiting on leadership-gate (waiting: waiting for leadership)".to_owned()
            ),
            (
                SA_TOKEN,
                "waiting on leadership-gate (waiting: waiting for leadership); on \
                 kubernetes:crds, held back by leadership-gate"
                    .to_owned()
            ),
            (
                PEBBLE,
                "waiting on kubernetes:crds, relation:kfp-api-grpc, sa-token:scheduledworkflow, \
                 held back by leadership-gate (waiting: waiting for leadership)"
                    .to_owned()
            ),
        ]
    );
}

/// An unreachable API server leaves the token Waiting, the workload held back; the next
/// event, with the server back, catches up.
#[test]
fn unreachable_token_issuer_waits_then_recovers() {
    let state = state(true).with_extension(InMemoryTokens::new().unreachable());
    let out = run(Event::Install, state);
    assert_eq!(
        out.unit_status,
        Status::waiting(
            "[sa-token:scheduledworkflow] cannot reach the Kubernetes API to request a token for ServiceAccount kubeflow/kfp-schedwf (the in-memory token issuer is set unreachable): retrying on the next event"
        )
    );
    let mut state = out.state;
    let tokens = state.extension::<InMemoryTokens>().unwrap().clone();
    state = state.with_extension(tokens.answering());
    let out = run(Event::UpdateStatus, state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert_eq!(
        out.state.containers[CONTAINER].files[SA_TOKEN_PATH],
        b"in-memory-token-1"
    );
}

/// The Kubernetes API forbids the CRD: the Kubernetes component is Blocked, and the token
/// and the workload, which depend on it, are held back.
#[test]
fn forbidden_crd_holds_back_the_token_and_the_workload() {
    let cluster = InMemoryCluster::new().forbidding("CustomResourceDefinition");
    let out = run(Event::Install, state(true).with_extension(cluster));
    let status = out.status_of(KUBERNETES).unwrap();
    assert!(
        status.message.starts_with(
            "forbidden to apply CustomResourceDefinition scheduledworkflows.kubeflow.org: "
        ),
        "{status:?}"
    );
    assert!(
        out.unit_status
            .message
            .starts_with("[kubernetes:crds] forbidden")
    );
    assert_eq!(
        out.executed(),
        [
            LEADERSHIP_GATE,
            KUBERNETES,
            KFP_API,
            LOGGING,
            LOG_FORWARDING
        ]
    );
    assert!(issued(&out).is_empty());
}

/// Related, but the KFP API server has sent nothing yet: Waiting on the relation, and the
/// leader has sent the schema versions it reads.
#[test]
fn kfp_api_related_without_data_waits() {
    let relation = Relation::new(1, "kfp-api-grpc", "kfp-api");
    let out = run(
        Event::relation_created(&relation),
        state(true).with_relation(relation),
    );
    assert_eq!(
        out.status_of(KFP_API),
        Some(&Status::waiting(
            "waiting for `kfp-api` to send its supported versions (`_supported_versions`) on `kfp-api-grpc`"
        ))
    );
    assert_eq!(
        out.written(RelationId(1), Scope::App).unwrap().set["_supported_versions"],
        "- v1\n"
    );
    assert_eq!(
        out.state.containers[CONTAINER].service_status(SERVICE),
        None
    );
}

/// Data the charm cannot use is Blocked naming the field, before anything reaches the
/// command line: a port that is no number, a service name with a space.
#[test]
fn bad_kfp_api_data_is_blocked_naming_the_field() {
    let run_with = |data: &str| {
        let relation = kfp_api(1, data);
        run(
            Event::relation_changed(&relation),
            state(true).with_relation(relation),
        )
    };
    let out = run_with("service-name: ml-pipeline\nservice-port: http\n");
    assert_eq!(
        out.status_of(KFP_API),
        Some(&Status::blocked(
            "`other` sent data on `kfp-api-grpc` that this charm cannot read: `service-port`: \"http\" is not a port number (1 to 65535)"
        ))
    );
    assert_eq!(
        out.state.containers[CONTAINER].service_status(SERVICE),
        None
    );

    let out = run_with("service-name: ml pipeline --x\nservice-port: '8887'\n");
    assert_eq!(
        out.status_of(KFP_API),
        Some(&Status::blocked(
            "`other` sent data on `kfp-api-grpc` that this charm cannot read: `service-name`: \"ml pipeline --x\" is not a service name (lowercase letters, digits, `-` and `.`)"
        ))
    );

    // What the schema refuses, the SDI requirer reports with the schema's words.
    let out = run_with("service-name: ml-pipeline\n");
    assert_eq!(
        out.status_of(KFP_API),
        Some(&Status::blocked(
            "`other` sent data on `kfp-api-grpc` that does not match the schema (version v1): at the top level: \"service-port\" is a required property"
        ))
    );
}

/// At most one KFP API server, as the Python charm's receiver allows.
#[test]
fn two_kfp_api_servers_are_blocked() {
    let data = "service-name: ml-pipeline\nservice-port: '8887'\n";
    let state = state(true).with_relation(kfp_api(1, data)).with_relation(
        Relation::new(2, "kfp-api-grpc", "another")
            .with_remote_app_data([("_supported_versions", "- v1\n"), ("data", data)]),
    );
    let out = run(Event::ConfigChanged, state);
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "[relation:kfp-api-grpc] needs at most 1 relation on `kfp-api-grpc`, has 2: remove one with `juju remove-relation kfp-schedwf:kfp-api-grpc <application>`"
        )
    );
}

/// The relation leaving brings the defaults back.
#[test]
fn kfp_api_relation_broken_restores_the_defaults() {
    let relation = kfp_api(
        1,
        "service-name: custom-ml-pipeline\nservice-port: '1234'\n",
    );
    let out = run(
        Event::ConfigChanged,
        state(true).with_relation(relation.clone()),
    );
    assert!(command(&out).ends_with("--mlPipelineServiceGRPCPort=1234"));
    // During relation-broken the relation is still in the state, as under Juju; the
    // runtime treats it as gone.
    let out = run(Event::relation_broken(&relation), out.state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert!(command(&out).contains("--mlPipelineAPIServerName=ml-pipeline "));
    assert!(command(&out).ends_with("--mlPipelineServiceGRPCPort=8887"));
}

/// A log level that would add arguments to the command line is Blocked, naming the option.
#[test]
fn log_level_must_be_one_word() {
    let out = run(
        Event::ConfigChanged,
        state(true).with_config("log-level", "info --namespace=other"),
    );
    assert_eq!(
        out.unit_status,
        Status::blocked(
            "[kfp-schedwf-pebble-service] config option `log-level` must be one word, like `info` or `debug`, not \"info --namespace=other\""
        )
    );
    assert_eq!(
        out.state.containers[CONTAINER].service_status(SERVICE),
        None
    );
}

/// Removing the application deletes the CRD, as the Python charm's Kubernetes component
/// does.
#[test]
fn remove_deletes_the_crd() {
    let out = run(Event::Install, state(true));
    assert_eq!(objects(&out), [CRD]);
    let out = run(Event::Remove, out.state);
    assert!(objects(&out).is_empty());
}

/// A second hook with nothing changed restarts nothing (the token is requested again, as
/// the Python charm does on every leader hook, and pushed again because it differs).
#[test]
fn an_idle_hook_restarts_nothing() {
    let out = run(Event::Install, state(true));
    let starts = out.state.containers[CONTAINER].start_count(SERVICE);
    let out = run(Event::UpdateStatus, out.state);
    assert_eq!(out.unit_status, Status::active());
    let container = &out.state.containers[CONTAINER];
    assert_eq!(container.start_count(SERVICE), starts);
    assert_eq!(container.files[SA_TOKEN_PATH], b"in-memory-token-2");
}

/// Loki related before the workload's Pebble answers: log forwarding waits for it, and is
/// done on pebble-ready.
#[test]
fn log_forwarding_waits_for_pebble() {
    let loki = Relation::new(7, "logging", "loki").with_remote_unit_data(
        "loki/0",
        [(
            "endpoint",
            "{\"url\": \"http://loki:3100/loki/api/v1/push\"}",
        )],
    );
    let out = run(
        Event::ConfigChanged,
        state_before_pebble(true).with_relation(loki),
    );
    assert_eq!(
        out.status_of(LOG_FORWARDING),
        Some(&Status::waiting(
            "waiting for Pebble in container ml-pipeline-scheduledworkflow to forward logs to Loki"
        ))
    );
    let mut state = out.state;
    state.containers.get_mut(CONTAINER).unwrap().can_connect = true;
    let container = state.containers[CONTAINER].clone();
    let out = run(Event::pebble_ready(&container), state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    assert!(
        out.state.containers[CONTAINER]
            .plan()
            .log_targets
            .contains_key("loki/0")
    );
}

/// A Loki unit that has not sent its endpoint yet: the `logging` requirer waits for it.
#[test]
fn loki_without_endpoint_waits() {
    let loki = Relation::new(7, "logging", "loki");
    let out = run(Event::ConfigChanged, state(true).with_relation(loki));
    assert_eq!(
        out.status_of(LOGGING),
        Some(&Status::waiting(
            "waiting for `loki/0` to send `endpoint` on `logging`"
        ))
    );
    assert!(
        out.state.containers[CONTAINER]
            .plan()
            .log_targets
            .is_empty()
    );
}
