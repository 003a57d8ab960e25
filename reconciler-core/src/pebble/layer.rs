//! The layer format: services and checks, as the YAML Pebble reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
