//! `kfp-schedwf`: the Kubeflow Pipelines scheduled-workflow charm, ported from the Python
//! charm of `canonical/kfp-operators` (`charms/kfp-schedwf`) to `reconciler`.
//!
//! The workload is the ScheduledWorkflow controller of Kubeflow Pipelines, a Pebble service
//! in the `ml-pipeline-scheduledworkflow` container that starts the runs of recurring
//! pipelines. The charm keeps the `ScheduledWorkflow` custom resource definition in the
//! cluster, gives the controller a token of the `kfp-schedwf` service account (for the
//! KFP API) and tells it where the KFP API's gRPC service is.
//!
//! Its components, in the Python charm's order, with its names (which prefix the unit
//! status, as in the Python charm: `[leadership-gate] waiting for leadership`):
//!
//! | field | name | what | depends on |
//! |---|---|---|---|
//! | `leadership_gate` | `leadership-gate` | [`LeadershipGate`]: the charm works on the leader only | |
//! | `kubernetes_resources` | `kubernetes:crds` | [`KubernetesComponent`] of [`Crds`]: the CRD from `templates/crds.yaml.j2` | `leadership_gate` |
//! | `kfp_api_relation` | `relation:kfp-api-grpc` | [`KfpApiRelation`]: the optional `kfp-api-grpc` relation (SDI) | `leadership_gate` |
//! | `sa_token` | `sa-token:scheduledworkflow` | [`SaTokenComponent`]: a token of the `kfp-schedwf` service account for the audience `pipelines.kubeflow.org` | `leadership_gate`, `kubernetes_resources` |
//! | `pebble_service_container` | `kfp-schedwf-pebble-service` | [`PebbleServiceComponent`] of [`Controller`]: the `controller` service, and the token in a file | `kubernetes_resources`, `kfp_api_relation`, `sa_token` |
//!
//! In the Python charm, two charm libraries work beside the reconciler: `loki_k8s`'s
//! `LogForwarder` (the `logging` relation) and `istio_beacon_k8s`'s `ServiceMeshConsumer`
//! (`service-mesh` and the cross-model mesh relations). The first is ported as two more
//! components, which nothing depends on:
//!
//! | field | name | what | depends on |
//! |---|---|---|---|
//! | `logging` | `logging` | [`RelationDataRequirer`] of [`LokiPushApi`], optional: each Loki unit's push endpoint | |
//! | `log_forwarding` | `log-forwarding` | [`LogForwarding`]: a Pebble log target per Loki unit | `logging` |
//!
//! The service-mesh relations are declared in `charmcraft.yaml` but not served (see the
//! port's README).
//!
//! `tests/unit.rs` carries the Python charm's unit tests over to the harness.

#![warn(missing_docs)]

pub mod kfp_api;
pub mod logging;
pub mod sa_token;

use reconciler_components::gates::LeadershipGate;
use reconciler_components::kubernetes::{KubernetesComponent, KubernetesObjects, Object};
use reconciler_components::pebble_files::File;
use reconciler_components::pebble_service::{PebbleServiceComponent, PebbleWorkload};
use reconciler_components::relation_data::RelationDataRequirer;
use reconciler_components::template::Template;
use reconciler_core::pebble::{Layer, Override, Service, Startup};
use reconciler_core::prelude::*;
use serde::Deserialize;

pub use kfp_api::{KfpApi, KfpApiRelation};
pub use logging::{LogForwarding, LokiPushApi};
pub use sa_token::{SaTokenComponent, TokenSpec};

/// The workload container, as declared in `charmcraft.yaml`.
pub const CONTAINER: &str = "ml-pipeline-scheduledworkflow";
/// The Pebble service: the name the rock gives it, so the charm's layer replaces the rock's.
pub const SERVICE: &str = "controller";
/// The service account whose token the controller gets (the one Juju makes for an
/// application deployed as `kfp-schedwf`).
pub const SA_NAME: &str = "kfp-schedwf";
/// The audience of that token.
pub const SA_AUDIENCE: &str = "pipelines.kubeflow.org";
/// The lifetime asked for that token, in seconds (2^32, as the Python charm asks).
pub const SA_TOKEN_EXPIRATION: i64 = 4_294_967_296;
/// Where in the container the token goes.
pub const SA_TOKEN_PATH: &str = "/var/run/secrets/kubeflow/tokens/scheduledworkflow-sa-token";
/// The CRD manifest, a template rendered with the application's name, the namespace and
/// [`SA_NAME`] (it uses none of them today).
pub const CRDS_TEMPLATE: &str = include_str!("../templates/crds.yaml.j2");

/// The charm: the Python charm's five components, then log forwarding; see the
/// [crate documentation](crate).
#[derive(CharmReconciler, Debug)]
#[charm(metadata = "charmcraft.yaml")]
pub struct KfpSchedwf {
    /// Active on the leader only; everything else depends on it, directly or not.
    #[component(name = "leadership-gate")]
    pub leadership_gate: LeadershipGate,
    /// The `ScheduledWorkflow` CRD.
    #[component(name = "kubernetes:crds", depends_on = [leadership_gate])]
    pub kubernetes_resources: KubernetesComponent<Crds>,
    /// Where the KFP API is, when a KFP API server is related.
    #[component(
        name = "relation:kfp-api-grpc",
        depends_on = [leadership_gate],
        relations = ["kfp-api-grpc"]
    )]
    pub kfp_api_relation: KfpApiRelation,
    /// The controller's service-account token.
    #[component(
        name = "sa-token:scheduledworkflow",
        depends_on = [leadership_gate, kubernetes_resources]
    )]
    pub sa_token: SaTokenComponent,
    /// The controller, and its token file.
    #[component(
        name = "kfp-schedwf-pebble-service",
        depends_on = [kubernetes_resources, kfp_api_relation, sa_token],
        containers = ["ml-pipeline-scheduledworkflow"]
    )]
    pub pebble_service_container: PebbleServiceComponent<Controller>,
    /// The Loki units related on `logging`.
    #[component(relations = ["logging"])]
    pub logging: RelationDataRequirer<LokiPushApi>,
    /// The workload's logs forwarded to them.
    #[component(
        name = "log-forwarding",
        depends_on = [logging],
        containers = ["ml-pipeline-scheduledworkflow"]
    )]
    pub log_forwarding: LogForwarding,
}

impl Charm for KfpSchedwf {
    fn new() -> KfpSchedwf {
        KfpSchedwf {
            leadership_gate: LeadershipGate::new(),
            kubernetes_resources: KubernetesComponent::new("kubernetes:crds", Crds),
            kfp_api_relation: KfpApiRelation::new(),
            sa_token: SaTokenComponent::new(TokenSpec {
                service_account: SA_NAME.into(),
                audiences: vec![SA_AUDIENCE.into()],
                expiration_seconds: SA_TOKEN_EXPIRATION,
            }),
            pebble_service_container: PebbleServiceComponent::new(CONTAINER, CONTAINER, Controller),
            logging: RelationDataRequirer::units(logging::ENDPOINT).optional(),
            log_forwarding: LogForwarding::new(CONTAINER),
        }
    }
}

/// The objects of [`KfpSchedwf::kubernetes_resources`]: the CRD manifest.
#[derive(Debug, Default)]
pub struct Crds;

impl KubernetesObjects for Crds {
    fn objects(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<Object>, ComponentError> {
        let backend = ctx.backend();
        let context = serde_json::json!({
            "app_name": backend.app_name(),
            "namespace": backend.model_name(),
            "sa_name": SA_NAME,
        });
        Ok(vec![Object::template(
            Template::new("crds.yaml.j2", CRDS_TEMPLATE),
            context,
        )])
    }
}

/// The charm's config options, typed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControllerConfig {
    /// The timezone of cron schedules (`CRON_SCHEDULE_TIMEZONE`).
    pub timezone: String,
    /// The controller's log level (`--logLevel` and `LOG_LEVEL`).
    pub log_level: String,
}

impl ControllerConfig {
    /// Checks what goes into the command line: `log-level` is one word, so it cannot add
    /// arguments.
    ///
    /// ```
    /// use kfp_schedwf::ControllerConfig;
    ///
    /// let config = |level: &str| ControllerConfig { timezone: "UTC".into(), log_level: level.into() };
    /// assert!(config("debug").check().is_ok());
    /// assert_eq!(
    ///     config("info --namespace=x").check().unwrap_err().message(),
    ///     "config option `log-level` must be one word, like `info` or `debug`, not \"info --namespace=x\"",
    /// );
    /// ```
    pub fn check(&self) -> Result<(), ComponentError> {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if self.log_level.is_empty() || !self.log_level.chars().all(word) {
            return Err(ComponentError::blocked(format!(
                "config option `log-level` must be one word, like `info` or `debug`, not {:?}",
                self.log_level
            )));
        }
        Ok(())
    }
}

/// The workload of [`KfpSchedwf::pebble_service_container`]: the `controller` service,
/// told where the KFP API is, and the service-account token in [`SA_TOKEN_PATH`].
#[derive(Debug, Default)]
pub struct Controller;

impl Controller {
    /// The Pebble layer: the `controller` service with the rock's command line, the log
    /// level and the KFP API's service name and gRPC port as arguments, and the
    /// environment the Python charm sets (its keys kept as they are, `NAMESPACE:` and
    /// `RESYNCT_INTERVAL_SECONDS` included).
    ///
    /// ```
    /// use kfp_schedwf::{Controller, ControllerConfig};
    ///
    /// let config = ControllerConfig { timezone: "UTC".into(), log_level: "info".into() };
    /// let layer = Controller::layer_for(&config, "ml-pipeline", 8887);
    /// let service = &layer.services["controller"];
    /// assert_eq!(
    ///     service.command.as_deref(),
    ///     Some("/bin/controller --logtostderr=true --namespace=\"\" --logLevel=info \
    ///           --mlPipelineAPIServerName=ml-pipeline --mlPipelineServiceGRPCPort=8887"),
    /// );
    /// assert_eq!(service.environment["CRON_SCHEDULE_TIMEZONE"], "UTC");
    /// ```
    pub fn layer_for(config: &ControllerConfig, api_service: &str, api_port: u16) -> Layer {
        let command = format!(
            "/bin/controller --logtostderr=true --namespace=\"\" --logLevel={} \
             --mlPipelineAPIServerName={api_service} --mlPipelineServiceGRPCPort={api_port}",
            config.log_level
        );
        let environment = [
            ("CRON_SCHEDULE_TIMEZONE", config.timezone.as_str()),
            ("LOG_LEVEL", config.log_level.as_str()),
            ("NAMESPACE:", ""),
            ("METRICS_PORT", "9090"),
            ("CLIENT_QPS", "10"),
            ("RESYNCT_INTERVAL_SECONDS", "30"),
            ("CLIENT_BURST", "20"),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect();
        let service = Service {
            override_: Override::Replace,
            summary: Some("scheduled workflow controller service".into()),
            startup: Some(Startup::Enabled),
            command: Some(command),
            environment,
            ..Service::default()
        };
        Layer {
            summary: Some("kfp-schedwf layer".into()),
            description: Some("Pebble config layer for kfp-schedwf".into()),
            services: [(SERVICE.to_owned(), service)].into(),
            ..Layer::default()
        }
    }
}

impl<'a> PebbleWorkload<(&'a KfpApiRelation, &'a SaTokenComponent)> for Controller {
    fn layer(
        &mut self,
        ctx: &mut Context<'_>,
        (kfp_api, _): (&'a KfpApiRelation, &'a SaTokenComponent),
    ) -> Result<Layer, ComponentError> {
        let config: ControllerConfig = ctx.config_as()?;
        config.check()?;
        let (service, port) = kfp_api.service();
        Ok(Controller::layer_for(&config, service, port))
    }

    fn files(
        &mut self,
        _: &mut Context<'_>,
        (_, sa_token): (&'a KfpApiRelation, &'a SaTokenComponent),
    ) -> Result<Vec<File>, ComponentError> {
        // sa_token is Active here, so it holds a token.
        let token = sa_token.token().ok_or_else(|| {
            ComponentError::waiting(format!("no token for ServiceAccount {SA_NAME} yet"))
        })?;
        Ok(vec![File::new(SA_TOKEN_PATH, token)])
    }
}
