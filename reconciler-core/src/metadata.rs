//! The charm's declarations: `charmcraft.yaml` (or the older `metadata.yaml` +
//! `config.yaml` + `actions.yaml`), reduced to what the runtime needs: endpoints,
//! containers, storage, config options with their types and defaults, and actions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::backend::{Config, ConfigValue};

/// What the charm declares about itself.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    /// The charm's name.
    pub name: String,
    /// Relation endpoints by name.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Workload container names.
    pub containers: Vec<String>,
    /// Storage names.
    pub storage: Vec<String>,
    /// Config options by name.
    pub options: BTreeMap<String, ConfigOption>,
    /// Action names.
    pub actions: Vec<String>,
}

/// A relation endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// Which side: provides, requires or peers.
    pub role: Role,
    /// The interface name.
    pub interface: String,
}

/// The side of a relation an endpoint is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `provides:`
    Provides,
    /// `requires:`
    Requires,
    /// `peers:`
    Peers,
}

/// The type of a config option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    /// `string`
    String,
    /// `int`
    Int,
    /// `float`
    Float,
    /// `boolean`
    Boolean,
    /// `secret` (a secret URI, as a string)
    Secret,
}

impl OptionType {
    /// The spelling in charmcraft.yaml.
    pub fn as_str(self) -> &'static str {
        match self {
            OptionType::String => "string",
            OptionType::Int => "int",
            OptionType::Float => "float",
            OptionType::Boolean => "boolean",
            OptionType::Secret => "secret",
        }
    }

    /// Whether `value` has this type (an int is accepted where a float is declared, as
    /// Juju does).
    pub fn accepts(self, value: &ConfigValue) -> bool {
        matches!(
            (self, value),
            (
                OptionType::String | OptionType::Secret,
                ConfigValue::String(_)
            ) | (OptionType::Int, ConfigValue::Int(_))
                | (
                    OptionType::Float,
                    ConfigValue::Float(_) | ConfigValue::Int(_)
                )
                | (OptionType::Boolean, ConfigValue::Bool(_))
        )
    }
}

/// A config option.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigOption {
    /// Its type.
    pub kind: OptionType,
    /// Its default, if it has one.
    pub default: Option<ConfigValue>,
}

/// Why the charm's metadata could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// Neither charmcraft.yaml nor metadata.yaml exists in the charm directory.
    #[error(
        "no charm metadata in {dir}: expected charmcraft.yaml or metadata.yaml",
        dir = dir.display()
    )]
    Missing {
        /// The charm directory searched.
        dir: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {path}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid YAML of the expected shape.
    #[error("{path}: {message}", path = path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column where the parser knows them.
        message: String,
    },
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
struct RawMetadata {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    provides: BTreeMap<String, RawEndpoint>,
    #[serde(default)]
    requires: BTreeMap<String, RawEndpoint>,
    #[serde(default)]
    peers: BTreeMap<String, RawEndpoint>,
    #[serde(default)]
    containers: BTreeMap<String, serde_yaml_ng::Value>,
    #[serde(default)]
    storage: BTreeMap<String, serde_yaml_ng::Value>,
    #[serde(default)]
    config: Option<RawConfig>,
    #[serde(default)]
    actions: BTreeMap<String, serde_yaml_ng::Value>,
}

#[derive(Deserialize)]
struct RawEndpoint {
    interface: String,
}

#[derive(Deserialize, Default)]
struct RawConfig {
    #[serde(default)]
    options: BTreeMap<String, RawOption>,
}

#[derive(Deserialize)]
struct RawOption {
    #[serde(rename = "type")]
    kind: OptionType,
    #[serde(default)]
    default: Option<serde_yaml_ng::Value>,
}

impl Metadata {
    /// Reads the metadata of the charm in `dir`: `charmcraft.yaml` if present, else
    /// `metadata.yaml` with `config.yaml` and `actions.yaml` beside it when they exist.
    pub fn load(dir: &Path) -> Result<Metadata, MetadataError> {
        let charmcraft = dir.join("charmcraft.yaml");
        let metadata = dir.join("metadata.yaml");
        if charmcraft.exists() {
            let raw: RawMetadata = parse_file(&charmcraft)?;
            // charmcraft.yaml may still leave metadata in metadata.yaml (older layouts).
            if raw.name.is_none() && metadata.exists() {
                return Metadata::load_legacy(dir, &metadata);
            }
            return Metadata::from_raw(raw, &charmcraft);
        }
        if metadata.exists() {
            return Metadata::load_legacy(dir, &metadata);
        }
        Err(MetadataError::Missing {
            dir: dir.to_path_buf(),
        })
    }

    fn load_legacy(dir: &Path, metadata: &Path) -> Result<Metadata, MetadataError> {
        let mut raw: RawMetadata = parse_file(metadata)?;
        let config = dir.join("config.yaml");
        if config.exists() {
            raw.config = Some(parse_file(&config)?);
        }
        let actions = dir.join("actions.yaml");
        if actions.exists() {
            raw.actions = parse_file(&actions)?;
        }
        Metadata::from_raw(raw, metadata)
    }

    /// Parses the text of a `charmcraft.yaml`; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Metadata, MetadataError> {
        let raw = parse_text(text, path)?;
        Metadata::from_raw(raw, path)
    }

    fn from_raw(raw: RawMetadata, path: &Path) -> Result<Metadata, MetadataError> {
        let mut endpoints = BTreeMap::new();
        for (role, group) in [
            (Role::Provides, raw.provides),
            (Role::Requires, raw.requires),
            (Role::Peers, raw.peers),
        ] {
            for (name, endpoint) in group {
                if endpoints.contains_key(&name) {
                    return Err(MetadataError::Invalid {
                        path: path.to_path_buf(),
                        message: format!("endpoint {name:?} is declared more than once"),
                    });
                }
                endpoints.insert(
                    name,
                    Endpoint {
                        role,
                        interface: endpoint.interface,
                    },
                );
            }
        }
        let mut options = BTreeMap::new();
        for (name, option) in raw.config.unwrap_or_default().options {
            let default = match option.default {
                None | Some(serde_yaml_ng::Value::Null) => None,
                Some(value) => Some(config_value(&value, option.kind).ok_or_else(|| {
                    MetadataError::Invalid {
                        path: path.to_path_buf(),
                        message: format!(
                            "config.options.{name}.default: {} is not a valid {}",
                            describe_yaml(&value),
                            option.kind.as_str()
                        ),
                    }
                })?),
            };
            options.insert(
                name,
                ConfigOption {
                    kind: option.kind,
                    default,
                },
            );
        }
        Ok(Metadata {
            name: raw.name.unwrap_or_default(),
            endpoints,
            containers: raw.containers.into_keys().collect(),
            storage: raw.storage.into_keys().collect(),
            options,
            actions: raw.actions.into_keys().collect(),
        })
    }

    /// The config a unit sees when nothing was set: every option's default.
    pub fn default_config(&self) -> Config {
        self.options
            .iter()
            .filter_map(|(name, option)| Some((name.clone(), option.default.clone()?)))
            .collect()
    }
}

fn parse_file<T: serde::de::DeserializeOwned + Default>(path: &Path) -> Result<T, MetadataError> {
    let text = std::fs::read_to_string(path).map_err(|source| MetadataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_text(&text, path)
}

fn parse_text<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    path: &Path,
) -> Result<T, MetadataError> {
    // An empty file is an empty mapping, not an error.
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_yaml_ng::from_str(text).map_err(|e| MetadataError::Invalid {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn config_value(value: &serde_yaml_ng::Value, kind: OptionType) -> Option<ConfigValue> {
    use serde_yaml_ng::Value;
    match (kind, value) {
        (OptionType::String | OptionType::Secret, Value::String(s)) => {
            Some(ConfigValue::String(s.clone()))
        }
        (OptionType::Int, Value::Number(n)) => n.as_i64().map(ConfigValue::Int),
        (OptionType::Float, Value::Number(n)) => n.as_f64().map(ConfigValue::Float),
        (OptionType::Boolean, Value::Bool(b)) => Some(ConfigValue::Bool(*b)),
        _ => None,
    }
}

fn describe_yaml(value: &serde_yaml_ng::Value) -> String {
    serde_yaml_ng::to_string(value)
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| format!("{value:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MY_CHARM: &str = r#"
name: my-charm
type: charm
containers:
  workload:
    resource: workload-image
requires:
  relation-1:
    interface: rel1
provides:
  relation-2:
    interface: rel2
peers:
  replicas:
    interface: my-charm-peers
config:
  options:
    port:
      type: int
      default: 8080
    name:
      type: string
    debug:
      type: boolean
      default: false
actions:
  backup: {}
"#;

    #[test]
    fn reads_charmcraft_yaml() {
        let m = Metadata::parse(MY_CHARM, Path::new("charmcraft.yaml")).unwrap();
        assert_eq!(m.name, "my-charm");
        assert_eq!(m.containers, ["workload"]);
        assert_eq!(m.endpoints["relation-1"].role, Role::Requires);
        assert_eq!(m.endpoints["replicas"].role, Role::Peers);
        assert_eq!(m.actions, ["backup"]);
        assert_eq!(
            m.default_config(),
            Config::from([
                ("debug".into(), ConfigValue::Bool(false)),
                ("port".into(), ConfigValue::Int(8080)),
            ])
        );
        assert!(m.options["name"].default.is_none());
    }

    #[test]
    fn malformed_yaml_names_file_and_line() {
        let e = Metadata::parse("name: x\nrequires: [\n", Path::new("charm/charmcraft.yaml"))
            .unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("charm/charmcraft.yaml: "), "{text}");
        assert!(text.contains("line"), "{text}");
    }

    #[test]
    fn wrong_default_type_is_named() {
        let e = Metadata::parse(
            "config:\n  options:\n    port:\n      type: int\n      default: eighty\n",
            Path::new("charmcraft.yaml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "charmcraft.yaml: config.options.port.default: eighty is not a valid int"
        );
    }

    #[test]
    fn unknown_option_type_is_refused() {
        let e = Metadata::parse(
            "config:\n  options:\n    port:\n      type: integer\n",
            Path::new("charmcraft.yaml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("integer"), "{e}");
    }

    #[test]
    fn missing_metadata_is_an_error() {
        let dir = std::env::temp_dir().join("reconciler-no-metadata-here");
        let _ = std::fs::create_dir_all(&dir);
        let e = Metadata::load(&dir).unwrap_err();
        assert!(matches!(e, MetadataError::Missing { .. }));
    }
}
