//! [`ConfigValue`]: one configuration value, as the charm's config options declare it.

use std::fmt;

/// One configuration value, typed as the charm's `config.options` declares it.
///
/// Re-exported as `reconciler_core::ConfigValue`: option defaults read from the metadata
/// and the values `config-get` reports are the same type.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum ConfigValue {
    /// `type: boolean`
    Bool(bool),
    /// `type: int`
    Int(i64),
    /// `type: float`
    Float(f64),
    /// `type: string` (and `type: secret`, whose value is a secret URI)
    String(String),
}

impl ConfigValue {
    /// The value if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            ConfigValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value if it is an integer.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ConfigValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value if it is a number (an integer is widened).
    pub fn as_float(&self) -> Option<f64> {
        match self {
            ConfigValue::Float(f) => Some(*f),
            ConfigValue::Int(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// The value if it is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            ConfigValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The name of the config type this value has: `boolean`, `int`, `float`, `string`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConfigValue::Bool(_) => "boolean",
            ConfigValue::Int(_) => "int",
            ConfigValue::Float(_) => "float",
            ConfigValue::String(_) => "string",
        }
    }
}

impl fmt::Display for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigValue::Bool(b) => write!(f, "{b}"),
            ConfigValue::Int(i) => write!(f, "{i}"),
            ConfigValue::Float(x) => write!(f, "{x}"),
            ConfigValue::String(s) => write!(f, "{s:?}"),
        }
    }
}

impl From<&str> for ConfigValue {
    fn from(value: &str) -> ConfigValue {
        ConfigValue::String(value.to_owned())
    }
}

impl From<String> for ConfigValue {
    fn from(value: String) -> ConfigValue {
        ConfigValue::String(value)
    }
}

impl From<i64> for ConfigValue {
    fn from(value: i64) -> ConfigValue {
        ConfigValue::Int(value)
    }
}

impl From<f64> for ConfigValue {
    fn from(value: f64) -> ConfigValue {
        ConfigValue::Float(value)
    }
}

impl From<bool> for ConfigValue {
    fn from(value: bool) -> ConfigValue {
        ConfigValue::Bool(value)
    }
}
