//! Pebble, the service manager in every workload container: its layer format and the
//! operations a charm uses. The in-memory container in `testing` and the HTTP client that
//! talks to a real `pebble` daemon over its unix socket both implement [`Pebble`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::backend::BackendError;

/// A Pebble layer: services and checks, as the YAML Pebble reads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Layer {
    /// A one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// A longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
}

/// How a layer's entry combines with an existing one of the same name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Override {
    /// Fields set here replace the existing ones; lists and maps are merged.
    #[default]
    Merge,
    /// The whole entry replaces the existing one.
    Replace,
}

/// Whether Pebble starts a service on `replan`/startup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Startup {
    /// Started by replan.
    Enabled,
    /// Only started on request.
    #[default]
    Disabled,
}

/// One service in a layer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Service {
    /// How this entry combines with an existing one.
    #[serde(rename = "override")]
    pub override_: Override,
    /// A one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The command line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Whether replan starts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Startup>,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// The user to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The group to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Services to start before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Services this one requires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
}

/// A health check in a layer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Check {
    /// How this entry combines with an existing one.
    #[serde(rename = "override")]
    pub override_: Override,
    /// `alive` or `ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// How often, like `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Failures before the check is down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// An HTTP check: `{url: ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<BTreeMap<String, String>>,
    /// A TCP check: `{port: ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<BTreeMap<String, serde_json::Value>>,
    /// An exec check: `{command: ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<BTreeMap<String, String>>,
}

/// The state of a service, as `GET /v1/services` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceStatus {
    /// Running.
    Active,
    /// Not running.
    Inactive,
    /// Waiting to be restarted after exiting.
    Backoff,
    /// Failed and not being restarted.
    Error,
}

/// A service and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// The service's name.
    pub name: String,
    /// Whether replan starts it.
    pub startup: Startup,
    /// Whether it is running.
    pub current: ServiceStatus,
}

/// The state of a health check, as `GET /v1/checks` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Passing.
    Up,
    /// Failing past its threshold.
    Down,
}

/// A health check and its state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Whether it passes.
    pub status: CheckStatus,
    /// Consecutive failures.
    pub failures: u32,
}

/// The operations a charm performs on a workload container's Pebble.
pub trait Pebble {
    /// Whether Pebble answers (`GET /v1/system-info`).
    fn can_connect(&mut self) -> bool;

    /// Adds a layer (`POST /v1/layers`); with `combine`, merges into an existing layer of
    /// the same label.
    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), BackendError>;

    /// The combined plan of every layer (`GET /v1/plan`).
    fn plan(&mut self) -> Result<Layer, BackendError>;

    /// The named services' state, or every service's when `names` is empty
    /// (`GET /v1/services`).
    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, BackendError>;

    /// Starts enabled services and restarts those whose definition changed
    /// (`POST /v1/services` with `replan`), waiting for the change to finish.
    fn replan(&mut self) -> Result<(), BackendError>;

    /// Starts services, waiting for the change to finish.
    fn start(&mut self, names: &[&str]) -> Result<(), BackendError>;

    /// Stops services, waiting for the change to finish.
    fn stop(&mut self, names: &[&str]) -> Result<(), BackendError>;

    /// Restarts services, waiting for the change to finish.
    fn restart(&mut self, names: &[&str]) -> Result<(), BackendError>;

    /// Writes a file (`POST /v1/files`), creating parent directories.
    fn push(&mut self, path: &str, content: &[u8]) -> Result<(), BackendError>;

    /// Reads a file (`GET /v1/files`).
    fn pull(&mut self, path: &str) -> Result<Vec<u8>, BackendError>;

    /// Every health check's state (`GET /v1/checks`).
    fn checks(&mut self) -> Result<Vec<CheckInfo>, BackendError>;
}
