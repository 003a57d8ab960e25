//! Health checks and their state.

use serde::{Deserialize, Serialize};

use super::layer::{CheckLevel, Startup};

/// The state of a health check, as `GET /v1/checks` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CheckStatus {
    /// Passing.
    Up,
    /// Failing past its threshold.
    Down,
    /// Not running: stopped, or `startup: disabled` and not started (Pebble 1.18+).
    Inactive,
}

/// A health check and its state.
///
/// ```
/// use reconciler_core::pebble::{CheckInfo, CheckStatus};
///
/// let info = CheckInfo::new("ready", CheckStatus::Up);
/// assert_eq!((info.failures, info.threshold), (0, 3));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Its level, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CheckLevel>,
    /// Whether it runs from the start; `None` from a Pebble older than 1.18.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "word"
    )]
    pub startup: Option<Startup>,
    /// Whether it passes.
    pub status: CheckStatus,
    /// Consecutive failures.
    #[serde(default)]
    pub failures: u32,
    /// Failures before it is down.
    #[serde(default)]
    pub threshold: u32,
    /// The id of the change running it (Pebble 1.18+).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_id: Option<String>,
}

impl CheckInfo {
    /// A check with this status, no failures, Pebble's default threshold (3), and no
    /// level, startup or change.
    pub fn new(name: impl Into<String>, status: CheckStatus) -> CheckInfo {
        CheckInfo {
            name: name.into(),
            level: None,
            startup: None,
            status,
            failures: 0,
            threshold: 3,
            change_id: None,
        }
    }
}

/// Pebble reports an unset word as `""`.
fn word<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Startup>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?
        .filter(|w| !w.is_empty())
        .map(|w| Startup::from_word(&w)))
}
