//! [`LogForwarding`]: Pebble log forwarding to the Loki units related on `logging`
//! (interface `loki_push_api`), what the Python charm gets from the `loki_k8s` charm
//! library's `LogForwarder`.
//!
//! Every Loki unit writes `endpoint`, `{"url": "<push URL>"}`, into its unit databag; the
//! built-in `RelationDataRequirer` reads them ([`LokiPushApi`]) and this component, which
//! depends on it, keeps one Pebble log target per Loki unit in the workload container: in a
//! layer of its own (`<container>-log-forwarding`), forwarding every service's logs with
//! the Juju topology as labels. A target whose Loki unit has gone is kept, with its
//! services `-all`, so that Pebble stops forwarding to it (a layer cannot remove a target).
//!
//! | situation | status |
//! |---|---|
//! | the targets are in the plan (none while nothing is related) | Active |
//! | a Loki unit is related and Pebble does not answer | Waiting `waiting for Pebble in container <name> to forward logs to Loki` |
//!
//! It observes the container's Pebble events, so the targets are added once Pebble is up.
//! What the library also does and this does not: the leader's `metadata` and `alert_rules`
//! in the application databag (the Python charm has no alert rules).

use std::borrow::Cow;
use std::collections::BTreeMap;

use reconciler_components::relation_data::RelationDataRequirer;
use reconciler_core::pebble::{Layer, LogTarget, LogTargetType, Override};
use reconciler_core::prelude::*;
use serde::Deserialize;

/// The endpoint.
pub const ENDPOINT: &str = "logging";

/// What a Loki unit sends on `logging`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LokiPushApi {
    /// Where to push logs.
    pub endpoint: LokiEndpoint,
}

/// A Loki push endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LokiEndpoint {
    /// The push URL, like `http://loki-0.loki-endpoints.cos.svc.cluster.local:3100/loki/api/v1/push`.
    pub url: String,
}

/// Keeps the workload container's log targets; see the [module documentation](self).
#[derive(Debug)]
pub struct LogForwarding {
    container: Cow<'static, str>,
    /// The targets enabled in this hook, by Loki unit; `None` before it ran.
    enabled: Option<BTreeMap<String, String>>,
}

impl LogForwarding {
    /// Log forwarding for the services of `container`.
    pub fn new(container: impl Into<Cow<'static, str>>) -> LogForwarding {
        LogForwarding {
            container: container.into(),
            enabled: None,
        }
    }

    /// The layer's label.
    pub fn label(&self) -> String {
        format!("{}-log-forwarding", self.container)
    }

    /// The Loki push URLs logs go to after this hook, by Loki unit.
    pub fn enabled(&self) -> Option<&BTreeMap<String, String>> {
        self.enabled.as_ref()
    }
}

/// The Juju topology labels of every log line.
fn topology(ctx: &mut Context<'_>) -> Result<BTreeMap<String, String>, ComponentError> {
    let charm = ctx.metadata().map(|m| m.name.clone()).unwrap_or_default();
    let uuid = ctx.model_uuid()?.to_owned();
    let backend = ctx.backend();
    Ok([
        ("product", "Juju".to_owned()),
        ("charm", charm),
        ("juju_model", backend.model_name().to_owned()),
        ("juju_model_uuid", uuid),
        ("juju_application", backend.app_name().to_owned()),
        ("juju_unit", backend.unit_name().to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect())
}

impl<'a> Component<&'a RelationDataRequirer<LokiPushApi>> for LogForwarding {
    fn configure_unit(
        &mut self,
        ctx: &mut Context<'_>,
        loki: &'a RelationDataRequirer<LokiPushApi>,
    ) -> Result<(), ComponentError> {
        let endpoints: BTreeMap<String, String> = loki
            .received()
            .iter()
            .filter_map(|r| Some((r.unit.clone()?, r.data.endpoint.url.clone())))
            .collect();
        let labels = topology(ctx)?;
        let label = self.label();
        let container = self.container.clone();
        let pebble = ctx.backend().pebble(&container)?;
        if !pebble.can_connect() {
            if endpoints.is_empty() {
                // Nothing to forward; a target left from before is disabled once Pebble
                // is back.
                self.enabled = Some(endpoints);
                return Ok(());
            }
            return Err(ComponentError::waiting(format!(
                "waiting for Pebble in container {container} to forward logs to Loki"
            )));
        }
        let plan = pebble.plan().map_err(|e| {
            ComponentError::new(format!("reading the plan of container {container}")).with_source(e)
        })?;
        let mut targets = BTreeMap::new();
        for (unit, url) in &endpoints {
            let target = LogTarget {
                override_: Override::Replace,
                type_: Some(LogTargetType::Loki),
                location: Some(url.clone()),
                services: vec!["all".into()],
                labels: labels.clone(),
                ..LogTarget::default()
            };
            targets.insert(unit.clone(), target);
        }
        for (name, target) in &plan.log_targets {
            let disabled = target.services.iter().any(|s| s == "-all");
            if !endpoints.contains_key(name) && !disabled {
                let target = LogTarget {
                    override_: Override::Replace,
                    type_: Some(LogTargetType::Loki),
                    location: Some("(removed)".into()),
                    services: vec!["-all".into()],
                    ..LogTarget::default()
                };
                targets.insert(name.clone(), target);
            }
        }
        let changed = targets
            .iter()
            .any(|(name, target)| plan.log_targets.get(name) != Some(target));
        if changed {
            let layer = Layer {
                log_targets: targets,
                ..Layer::default()
            };
            pebble.add_layer(&label, &layer, true).map_err(|e| {
                ComponentError::new(format!("adding the log targets to container {container}"))
                    .with_source(e)
            })?;
            tracing::info!("log forwarding to {} Loki unit(s)", endpoints.len());
        }
        self.enabled = Some(endpoints);
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match self.enabled {
            Some(_) => Status::active(),
            None => Status::maintenance("not configured yet"),
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::container(self.container.clone())]
    }
}
