//! `my-charm`: the example charm of `docs/execution-order.md`, written with `reconciler-core`
//! and the built-in components of `reconciler-components`.
//!
//! It has four parts, declared as components with their dependencies:
//!
//! - `workload`: a [`PebbleServiceComponent`] running [`Workload`]: the `workload` service in
//!   the `workload` container, with its configuration file rendered from
//!   `templates/workload.conf.j2` and pushed before the layer. Active when the service runs;
//!   Waiting while Pebble does not answer; Blocked on bad config (read with
//!   `Context::config_as` into [`WorkloadConfig`]). A changed `greeting` changes only the
//!   file, so it restarts the service without a replan.
//! - `relation_1` (depends on `workload`): a [`RelationDataSender`] of [`PublishAddress`]:
//!   every unit writes its [`Address`] (reading the workload's port through the typed
//!   dependency) into its unit databag on `relation-1`. Blocked while `relation-1` is
//!   missing.
//! - `relation_2`: an optional [`RelationDataRequirer`] of [`NamespaceRequest`]: reads the
//!   namespace each application related on `relation-2` asks for. Active with nothing to
//!   read while nothing is related, Waiting while an application has not sent its
//!   namespace, Blocked naming the field and value when one sent something invalid.
//! - `kubernetes_resources` (depends on `relation_2`): a [`KubernetesComponent`] keeping
//!   [`NamespaceResources`] in the cluster: a `ConfigMap` and a `ServiceAccount` for every
//!   related application, in the namespace it asked for, computed from `relation_2`'s data
//!   read through the typed dependency. Leader only. When the last application leaves,
//!   `relation_2` is Active with nothing received, so the desired set is empty and the
//!   objects made for the applications are deleted. Under Juju it uses the charm pod's
//!   service account (deploy with `--trust`, so that it may create objects in other
//!   namespaces); `RECONCILER_KUBECONFIG` names a kubeconfig instead; in the test harness
//!   it uses the state's in-memory cluster.
//!
//! Because `relation_2` and `kubernetes_resources` do not depend on `workload`, a workload
//! whose Pebble is not up yet does not hold them back: they are still configured, and only
//! `relation_1` waits.
//!
//! Relation data follows the Python `ops` library's convention: one databag key per field,
//! its value JSON (`port = "8080"`, `namespace = "\"team-a\""`).
//!
//! # Actions
//!
//! - `restart` ([`RESTART_ACTION`], declared in `charmcraft.yaml`): restarts the `workload`
//!   service through Pebble and sets the result `restarted=workload`. When Pebble cannot
//!   be reached (or refuses the restart), the action fails with `action-fail` and a message
//!   saying why (`cannot restart service workload: ...`); the unit status is left as it
//!   was, as for every event handled by [`Charm::handle_other`].
//!
//! `tests/scenarios.rs` tests it with the in-memory harness. The scenario files in
//! `scenarios/` drive it through a lifecycle from the command line:
//! `cargo run -p my-charm -- simulate examples/my-charm/scenarios/lifecycle.yaml`.

#![warn(missing_docs)]

use std::num::NonZeroU16;

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use reconciler_components::kubernetes::{KubernetesComponent, KubernetesObjects, Object};
use reconciler_components::pebble_files::File;
use reconciler_components::pebble_service::{PebbleServiceComponent, PebbleWorkload};
use reconciler_components::relation_data::{
    RelationData, RelationDataRequirer, RelationDataSender,
};
use reconciler_components::template::Template;
use reconciler_core::pebble::{Layer, Override, Service, Startup};
use reconciler_core::prelude::*;
use serde::{Deserialize, Serialize};

/// The workload container, as declared in `charmcraft.yaml`.
pub const CONTAINER: &str = "workload";
/// The Pebble service (and layer label) the charm manages.
pub const SERVICE: &str = "workload";
/// The endpoint on which the workload's address is published.
pub const RELATION_1: &str = "relation-1";
/// The endpoint whose related applications each get Kubernetes resources.
pub const RELATION_2: &str = "relation-2";
/// The name of the Kubernetes component (it names its record in the charm's state).
pub const KUBERNETES_COMPONENT: &str = "kubernetes-resources";
/// The action that restarts the workload service.
pub const RESTART_ACTION: &str = "restart";
/// The template of the workload's configuration file.
pub const CONFIG_TEMPLATE: &str = include_str!("../templates/workload.conf.j2");
/// The template of the `ConfigMap` made for each application related on `relation-2`.
pub const CONFIG_MAP_TEMPLATE: &str = include_str!("../templates/config-map.yaml.j2");

/// The charm: four components, two independent chains.
///
/// The built-in components observe their own container and endpoint; the
/// `containers`/`relations` attributes repeat the names so that the derive checks them
/// against `charmcraft.yaml` when the charm is built (a typo such as `"relation-l"` does
/// not compile), and rebuilds the charm when that file changes.
#[derive(CharmReconciler, Debug)]
#[charm(metadata = "charmcraft.yaml")]
pub struct MyCharm {
    /// The Pebble workload and its configuration file.
    #[component(containers = ["workload"])]
    pub workload: PebbleServiceComponent<Workload>,
    /// Publishes the workload's address on `relation-1`; needs the workload Active.
    #[component(depends_on = [workload], relations = ["relation-1"])]
    pub relation_1: RelationDataSender<PublishAddress>,
    /// Reads what the applications on `relation-2` ask for.
    #[component(relations = ["relation-2"])]
    pub relation_2: RelationDataRequirer<NamespaceRequest>,
    /// The Kubernetes objects for `relation-2`'s applications.
    #[component(depends_on = [relation_2])]
    pub kubernetes_resources: KubernetesComponent<NamespaceResources>,
}

impl Charm for MyCharm {
    fn new() -> MyCharm {
        MyCharm {
            workload: PebbleServiceComponent::new(CONTAINER, SERVICE, Workload::default()),
            relation_1: RelationDataSender::unit(RELATION_1, PublishAddress).required(),
            relation_2: RelationDataRequirer::app(RELATION_2).optional(),
            kubernetes_resources: KubernetesComponent::new(
                KUBERNETES_COMPONENT,
                NamespaceResources,
            ),
        }
    }

    /// The `restart` action (see [`restart_workload`]); every other event no component
    /// observes is ignored.
    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match ctx.event() {
            Event::Action { name, .. } if name == RESTART_ACTION => {
                restart_workload(ctx)?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::Ignored),
        }
    }
}

/// The `restart` action: restarts the [`SERVICE`] service in the [`CONTAINER`] container
/// through Pebble, then sets the action result `restarted` to the service's name.
///
/// A Pebble error (Pebble unreachable, the service not in its plan) comes back as
/// `cannot restart service workload: <cause>`, and an `action-set` failure as the hook
/// tool's error; the runtime reports either with `action-fail`.
pub fn restart_workload(ctx: &mut Context<'_>) -> Result<(), ComponentError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
        ComponentError::new(format!("cannot restart service {SERVICE}")).with_source(e)
    };
    let pebble = ctx
        .backend()
        .pebble(CONTAINER)
        .map_err(|e| failed(e.into()))?;
    pebble.restart(&[SERVICE]).map_err(|e| failed(e.into()))?;
    tracing::info!("restarted service {SERVICE} in container {CONTAINER}");
    let mut results = serde_json::Map::new();
    results.insert("restarted".into(), SERVICE.into());
    ctx.backend().action_set(&results)?;
    Ok(())
}

/// The charm's config options the workload reads (`charmcraft.yaml` declares them all with
/// defaults), typed: `Context::config_as` refuses a value of the wrong type or out of
/// range with the option's name, the value and the expected type.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct WorkloadConfig {
    /// The port the workload listens on: 1 to 65535.
    pub port: NonZeroU16,
    /// What the workload answers with (in the configuration file).
    pub greeting: String,
    /// The workload's command line.
    pub command: String,
    /// Where the configuration file goes in the container.
    pub config_file: String,
}

/// The workload run by [`MyCharm::workload`]: its Pebble layer and configuration file,
/// computed from [`WorkloadConfig`] on every reconcile.
#[derive(Debug, Default)]
pub struct Workload {
    config: Option<WorkloadConfig>,
}

impl Workload {
    /// The Pebble layer for `config`: the `workload` service, started on replan, told its
    /// port and configuration file in its environment. `override: replace`, so the layer
    /// says everything about the service.
    ///
    /// ```
    /// use my_charm::{Workload, WorkloadConfig};
    ///
    /// let config = WorkloadConfig {
    ///     port: 8080.try_into().unwrap(),
    ///     greeting: "hello".into(),
    ///     command: "/usr/bin/my-workload".into(),
    ///     config_file: "/etc/my-workload/workload.conf".into(),
    /// };
    /// let layer = Workload::layer_for(&config);
    /// let service = &layer.services["workload"];
    /// assert_eq!(service.environment["PORT"], "8080");
    /// assert_eq!(service.environment["WORKLOAD_CONFIG"], "/etc/my-workload/workload.conf");
    /// assert_eq!(service.command.as_deref(), Some("/usr/bin/my-workload"));
    /// ```
    pub fn layer_for(config: &WorkloadConfig) -> Layer {
        let service = Service {
            override_: Override::Replace,
            summary: Some("the workload".into()),
            command: Some(config.command.clone()),
            startup: Some(Startup::Enabled),
            environment: [
                ("PORT".to_owned(), config.port.to_string()),
                ("WORKLOAD_CONFIG".to_owned(), config.config_file.clone()),
            ]
            .into(),
            ..Service::default()
        };
        Layer {
            summary: Some("my-charm workload".into()),
            services: [(SERVICE.to_owned(), service)].into(),
            ..Layer::default()
        }
    }

    /// The port the workload listens on, once the config has been read in this hook.
    pub fn port(&self) -> Option<u16> {
        self.config.as_ref().map(|c| c.port.get())
    }
}

impl PebbleWorkload for Workload {
    fn layer(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
        let config: WorkloadConfig = ctx.config_as()?;
        if config.command.trim().is_empty() {
            return Err(ComponentError::blocked(
                "config option `command` is empty: set it to the workload's command line",
            ));
        }
        let layer = Workload::layer_for(&config);
        self.config = Some(config);
        Ok(layer)
    }

    fn files(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
        let Some(config) = &self.config else {
            return Ok(Vec::new());
        };
        let template = Template::new("workload.conf.j2", CONFIG_TEMPLATE);
        let context = serde_json::json!({ "port": config.port, "greeting": config.greeting });
        Ok(vec![
            File::template(&config.config_file, template, context)
                .permissions(0o644)
                .used_by([SERVICE]),
        ])
    }
}

/// What every unit publishes on `relation-1`: where its workload listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// The unit's address in the cluster.
    pub address: String,
    /// The workload's port.
    pub port: u16,
}

/// The source of `relation_1`'s data: the unit's [`Address`], with the port read from the
/// workload through the typed dependency.
#[derive(Debug, Default)]
pub struct PublishAddress;

impl<'a> RelationData<&'a PebbleServiceComponent<Workload>> for PublishAddress {
    type Data = Address;

    fn data(
        &mut self,
        ctx: &mut Context<'_>,
        workload: &'a PebbleServiceComponent<Workload>,
    ) -> Result<Address, ComponentError> {
        let port = workload
            .workload()
            .port()
            .ok_or_else(|| ComponentError::waiting("the workload has no port yet"))?;
        let backend = ctx.backend();
        let address = format!(
            "{}.{}-endpoints.{}.svc.cluster.local",
            backend.unit_name().replace('/', "-"),
            backend.app_name(),
            backend.model_name()
        );
        Ok(Address { address, port })
    }
}

/// What an application related on `relation-2` asks for: the namespace it wants its
/// resources in (its application databag's `namespace`, JSON-encoded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceRequest {
    /// The namespace: a valid namespace name (see [`is_namespace_name`](reconciler_components::kubernetes::is_namespace_name)), so that a bad
    /// one is relation_2's Blocked status naming the application, not an API refusal.
    #[serde(deserialize_with = "namespace_name")]
    pub namespace: String,
}

/// The Kubernetes objects for the applications related on `relation-2`, kept by
/// [`MyCharm::kubernetes_resources`]: for each application, a `ConfigMap` (from the
/// template [`CONFIG_MAP_TEMPLATE`]) and a `ServiceAccount` (a typed `k8s-openapi` value),
/// both called [`resource_name`]`(app, remote)`, in the namespace the application asked
/// for. No related application, no objects: the component then deletes what it made.
#[derive(Debug, Default)]
pub struct NamespaceResources;

/// The name of the objects made for the application `remote`: `<app>-<remote>`.
///
/// ```
/// assert_eq!(my_charm::resource_name("my-charm", "consumer"), "my-charm-consumer");
/// ```
pub fn resource_name(app: &str, remote: &str) -> String {
    format!("{app}-{remote}")
}

impl<'a> KubernetesObjects<&'a RelationDataRequirer<NamespaceRequest>> for NamespaceResources {
    fn objects(
        &mut self,
        ctx: &mut Context<'_>,
        relation_2: &'a RelationDataRequirer<NamespaceRequest>,
    ) -> Result<Vec<Object>, ComponentError> {
        let app = ctx.backend().app_name().to_owned();
        let mut objects = Vec::new();
        for request in relation_2.received() {
            let name = resource_name(&app, &request.app);
            let namespace = request.data.namespace.clone();
            objects.push(Object::template(
                Template::new("config-map.yaml.j2", CONFIG_MAP_TEMPLATE),
                serde_json::json!({
                    "name": name, "namespace": namespace, "remote": request.app,
                }),
            ));
            objects.push(Object::typed(&ServiceAccount {
                metadata: ObjectMeta {
                    name: Some(name),
                    namespace: Some(namespace),
                    ..ObjectMeta::default()
                },
                ..ServiceAccount::default()
            }));
        }
        Ok(objects)
    }
}

fn namespace_name<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    if reconciler_components::kubernetes::is_namespace_name(&name) {
        Ok(name)
    } else {
        Err(serde::de::Error::custom(
            "not a Kubernetes namespace name (at most 63 lowercase letters, digits and `-`, starting and ending with a letter or digit)",
        ))
    }
}
