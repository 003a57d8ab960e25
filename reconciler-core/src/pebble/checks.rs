//! Health checks and their state.

use serde::{Deserialize, Serialize};

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
