//! `my-charm`: the example charm of `docs/execution-order.md`, written with `reconciler-core`.
//!
//! It has four parts, declared as components with their dependencies:
//!
//! - [`PebbleWorkload`] (`workload`): pushes a Pebble layer with the `workload` service into
//!   the `workload` container and replans. Active when the service runs; Waiting while
//!   Pebble does not answer.
//! - [`Relation1`] (`relation_1`, depends on `workload`): reads the workload's port through
//!   its typed dependency and publishes the workload's address on `relation-1` (unit data on
//!   every unit, the application URL on the leader). Blocked while `relation-1` is missing.
//! - [`Relation2`] (`relation_2`): reads the namespace each application related on
//!   `relation-2` asks for. Waiting "waiting for relation-2" while there is none.
//! - [`KubernetesResources`] (`kubernetes_resources`, depends on `relation_2`): computes the
//!   Kubernetes resources to create for every related application, from `relation_2`'s data
//!   read through its typed dependency, and records them in the charm's state
//!   (`state-set`, key [`RESOURCES_KEY`]). **This is an in-memory stand-in**: it does not
//!   talk to Kubernetes and creates nothing in a cluster; a later issue replaces the
//!   recording with real API calls.
//!
//! Because `relation_2` and `kubernetes_resources` do not depend on `workload`, a workload
//! whose Pebble is not up yet does not hold them back: they are still configured, and only
//! `relation_1` waits.
//!
//! # Actions
//!
//! - `restart` ([`RESTART_ACTION`], declared in `charmcraft.yaml`): restarts the `workload`
//!   service through Pebble and sets the result `restarted=workload`. When Pebble cannot
//!   be reached (or refuses the restart), the action fails with `action-fail` and a message
//!   saying why (`cannot restart service workload: ...`); the unit status is left as it
//!   was, as for every event handled by [`Charm::handle_other`].
//!
//! `tests/scenarios.rs` tests it with the in-memory harness; `examples/lifecycle.rs`
//! drives it through a whole lifecycle.

#![warn(missing_docs)]

use reconciler_core::pebble::{Layer, Service, ServiceStatus, Startup};
use reconciler_core::prelude::*;
use reconciler_core::{ConfigValue, Databag, Member, RelationId, Scope};
use serde::{Deserialize, Serialize};

/// The workload container, as declared in `charmcraft.yaml` (and observed by
/// [`MyCharm::workload`]).
pub const CONTAINER: &str = "workload";
/// The Pebble service (and layer label) the charm manages.
pub const SERVICE: &str = "workload";
/// The endpoint on which the workload's address is published.
pub const RELATION_1: &str = "relation-1";
/// The endpoint whose related applications each get Kubernetes resources.
pub const RELATION_2: &str = "relation-2";
/// The charm-state key under which [`KubernetesResources`] records what it would create.
pub const RESOURCES_KEY: &str = "kubernetes-resources";
/// The action that restarts the workload service.
pub const RESTART_ACTION: &str = "restart";

/// The charm: four components, two independent chains.
///
/// The event wiring is declared here, next to the dependencies: the `workload` container's
/// Pebble events and each relation's events run a reconcile. The derive checks these names
/// against `charmcraft.yaml` when the charm is built (a typo such as `"relation-l"` does
/// not compile), and rebuilds the charm when that file changes.
#[derive(CharmReconciler, Debug, Default)]
#[charm(metadata = "charmcraft.yaml")]
pub struct MyCharm {
    /// The Pebble workload.
    #[component(containers = ["workload"])]
    pub workload: PebbleWorkload,
    /// Publishes the workload's address on `relation-1`; needs the workload Active.
    #[component(depends_on = [workload], relations = ["relation-1"])]
    pub relation_1: Relation1,
    /// Reads what the applications on `relation-2` ask for.
    #[component(relations = ["relation-2"])]
    pub relation_2: Relation2,
    /// The Kubernetes resources for `relation-2`'s applications (in-memory stand-in).
    #[component(depends_on = [relation_2])]
    pub kubernetes_resources: KubernetesResources,
}

impl Charm for MyCharm {
    fn new() -> MyCharm {
        MyCharm::default()
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

/// What the workload component found in its container.
#[derive(Clone, Debug, PartialEq, Eq)]
enum WorkloadState {
    /// Pebble did not answer.
    NoPebble,
    /// The layer is in place; the service is in this state.
    Service { port: u16, current: ServiceStatus },
}

/// The workload in the `workload` container, run by Pebble.
///
/// Reads the `port`, `greeting` and `command` options, pushes the layer from [`PebbleWorkload::layer`]
/// and replans (which restarts the service when its definition changed).
#[derive(Debug, Default)]
pub struct PebbleWorkload {
    state: Option<WorkloadState>,
}

impl PebbleWorkload {
    /// The Pebble layer for a workload run as `command`, listening on `port` and
    /// answering `greeting` (both passed in its environment).
    ///
    /// ```
    /// let layer = my_charm::PebbleWorkload::layer(8080, "hello", "/usr/bin/my-workload");
    /// let service = &layer.services["workload"];
    /// assert_eq!(service.environment["PORT"], "8080");
    /// assert_eq!(service.command.as_deref(), Some("/usr/bin/my-workload"));
    /// ```
    pub fn layer(port: u16, greeting: &str, command: &str) -> Layer {
        let service = Service {
            summary: Some("the workload".into()),
            command: Some(command.to_owned()),
            startup: Some(Startup::Enabled),
            environment: [
                ("PORT".to_owned(), port.to_string()),
                ("GREETING".to_owned(), greeting.to_owned()),
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

    /// The port the workload listens on, once its layer is in place.
    pub fn port(&self) -> Option<u16> {
        match self.state {
            Some(WorkloadState::Service { port, .. }) => Some(port),
            _ => None,
        }
    }
}

/// The `port`, `greeting` and `command` options, validated. Each is read with
/// `config_value`, which refuses an option `charmcraft.yaml` does not declare (a typo is an
/// error, not a missing value).
fn workload_config(ctx: &mut Context<'_>) -> Result<(u16, String, String), ComponentError> {
    let port = match ctx.config_value("port")? {
        None => return Err(ComponentError::blocked("config option port is not set")),
        Some(value) => value
            .as_int()
            .and_then(|p| u16::try_from(p).ok())
            .filter(|&p| p != 0)
            .ok_or_else(|| {
                ComponentError::blocked(format!(
                    "config option port must be between 1 and 65535, not {value}"
                ))
            })?,
    };
    let greeting = ctx
        .config_value("greeting")?
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "hello".to_owned());
    let command = match ctx.config_value("command")? {
        Some(ConfigValue::String(command)) if !command.trim().is_empty() => command,
        _ => return Err(ComponentError::blocked("config option command is empty")),
    };
    Ok((port, greeting, command))
}

impl Component for PebbleWorkload {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let (port, greeting, command) = workload_config(ctx)?;
        let pebble = ctx.backend().pebble(CONTAINER)?;
        if !pebble.can_connect() {
            self.state = Some(WorkloadState::NoPebble);
            return Ok(());
        }
        pebble.add_layer(
            SERVICE,
            &PebbleWorkload::layer(port, &greeting, &command),
            true,
        )?;
        pebble.replan()?;
        let current = pebble
            .services(&[SERVICE])?
            .first()
            .map_or(ServiceStatus::Inactive, |s| s.current);
        self.state = Some(WorkloadState::Service { port, current });
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.state {
            None => Status::maintenance("not configured yet"),
            Some(WorkloadState::NoPebble) => {
                Status::waiting(format!("waiting for Pebble in container {CONTAINER}"))
            }
            Some(WorkloadState::Service { current, .. }) => match current {
                ServiceStatus::Active => Status::active(),
                ServiceStatus::Inactive => {
                    Status::maintenance(format!("service {SERVICE} is not running"))
                }
                ServiceStatus::Backoff => {
                    Status::waiting(format!("service {SERVICE} is restarting"))
                }
                ServiceStatus::Error => Status::blocked(format!("service {SERVICE} failed")),
            },
        }
    }
}

/// Tells the application related on `relation-1` where the workload listens.
///
/// Every unit writes `address` and `port` into its unit databag; the leader also writes
/// `url` into the application databag. The port comes from [`PebbleWorkload`], read through
/// the typed dependency (`impl Component<&PebbleWorkload>`), so this component cannot read
/// a component it did not declare in `depends_on`.
#[derive(Debug, Default)]
pub struct Relation1 {
    relations: Vec<RelationId>,
    port: Option<u16>,
}

impl<'a> Component<&'a PebbleWorkload> for Relation1 {
    fn configure_unit(
        &mut self,
        ctx: &mut Context<'_>,
        workload: &'a PebbleWorkload,
    ) -> Result<(), ComponentError> {
        let port = workload
            .port()
            .ok_or_else(|| ComponentError::waiting("the workload has no port yet"))?;
        self.port = Some(port);
        // During relation-broken the backend leaves the relation being broken out.
        self.relations = ctx.backend().relation_ids(RELATION_1)?;
        let backend = ctx.backend();
        let address = format!(
            "{}.{}-endpoints.{}.svc.cluster.local",
            backend.unit_name().replace('/', "-"),
            backend.app_name(),
            backend.model_name()
        );
        let data = Databag::from([
            ("address".to_owned(), address),
            ("port".to_owned(), port.to_string()),
        ]);
        for &id in &self.relations {
            backend.relation_set(id, Scope::Unit, &data)?;
        }
        Ok(())
    }

    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        _workload: &'a PebbleWorkload,
    ) -> Result<(), ComponentError> {
        let Some(port) = self.port else {
            return Ok(());
        };
        let backend = ctx.backend();
        let url = format!(
            "http://{}.{}.svc.cluster.local:{port}",
            backend.app_name(),
            backend.model_name()
        );
        let data = Databag::from([("url".to_owned(), url)]);
        for &id in &self.relations {
            backend.relation_set(id, Scope::App, &data)?;
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        if self.relations.is_empty() {
            Status::blocked(format!(
                "missing relation {RELATION_1}: integrate with an application that uses my-http"
            ))
        } else {
            Status::active()
        }
    }
}

/// An application related on `relation-2` and what it asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedApp {
    /// The relation id.
    pub relation: u64,
    /// The remote application.
    pub app: String,
    /// The namespace it wants its resources in (its application databag's `namespace`).
    pub namespace: String,
}

/// Reads, for every application related on `relation-2`, the namespace it wants its
/// resources in (the `namespace` key of its application databag).
#[derive(Debug, Default)]
pub struct Relation2 {
    related: Vec<RelatedApp>,
    /// Remote applications that have not sent a namespace yet.
    incomplete: Vec<String>,
    any: bool,
}

impl Relation2 {
    /// The related applications that sent a namespace, in relation id order.
    pub fn related(&self) -> &[RelatedApp] {
        &self.related
    }
}

impl Component for Relation2 {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.related.clear();
        self.incomplete.clear();
        let relations = ctx.backend().relation_ids(RELATION_2)?;
        self.any = !relations.is_empty();
        for id in relations {
            let backend = ctx.backend();
            let Some(app) = backend.relation_remote_app(id)? else {
                continue;
            };
            let data = backend.relation_get(id, &Member::App(app.clone()))?;
            match data.get("namespace") {
                Some(namespace) => self.related.push(RelatedApp {
                    relation: id.0,
                    app,
                    namespace: namespace.clone(),
                }),
                None => self.incomplete.push(app),
            }
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        if !self.any {
            Status::waiting(format!("waiting for {RELATION_2}"))
        } else if !self.incomplete.is_empty() {
            Status::waiting(format!(
                "waiting for {} to send a namespace on {RELATION_2}",
                self.incomplete.join(", ")
            ))
        } else {
            Status::active()
        }
    }
}

/// A Kubernetes object the charm would create for an application related on
/// `relation-2`. Only a description: nothing is sent to a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSpec {
    /// The object's kind.
    pub kind: String,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
}

/// The Kubernetes resources for the applications related on `relation-2`: one
/// `ConfigMap` and one `ServiceAccount` per application, in the namespace it asked for.
///
/// **In-memory stand-in.** The leader computes the resources from [`Relation2`]'s data
/// (read through the typed dependency) and records them as JSON in the charm's state under
/// [`RESOURCES_KEY`]; nothing is created in any cluster. Non-leaders record nothing, as only
/// the leader would create cluster-wide objects. `remove` deletes the record.
#[derive(Debug, Default)]
pub struct KubernetesResources {
    planned: Option<Vec<ResourceSpec>>,
}

impl KubernetesResources {
    /// The resources for `related`, in order.
    pub fn desired(app: &str, related: &[RelatedApp]) -> Vec<ResourceSpec> {
        related
            .iter()
            .flat_map(|r| {
                ["ConfigMap", "ServiceAccount"].map(|kind| ResourceSpec {
                    kind: kind.to_owned(),
                    namespace: r.namespace.clone(),
                    name: format!("{app}-{}", r.app),
                })
            })
            .collect()
    }

    /// The resources the leader recorded in this hook, if it ran as the leader.
    pub fn planned(&self) -> Option<&[ResourceSpec]> {
        self.planned.as_deref()
    }
}

impl<'a> Component<&'a Relation2> for KubernetesResources {
    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        relation_2: &'a Relation2,
    ) -> Result<(), ComponentError> {
        let app = ctx.backend().app_name().to_owned();
        let resources = KubernetesResources::desired(&app, relation_2.related());
        let json = serde_json::to_string(&resources)
            .map_err(|e| ComponentError::new("serializing resources").with_source(e))?;
        ctx.backend().state_set(RESOURCES_KEY, &json)?;
        tracing::info!(
            "recorded {} Kubernetes resources in charm state (in-memory stand-in; nothing is created in a cluster)",
            resources.len()
        );
        self.planned = Some(resources);
        Ok(())
    }

    fn remove(&mut self, ctx: &mut Context<'_>) -> Result<(), ComponentError> {
        ctx.backend().state_delete(RESOURCES_KEY)?;
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// The resources recorded in a charm state's [`RESOURCES_KEY`] value.
pub fn recorded_resources(stored: Option<&String>) -> Vec<ResourceSpec> {
    stored
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}
