//! Reading a Juju charm's declarations: `charmcraft.yaml`, or the older `metadata.yaml` +
//! `config.yaml` + `actions.yaml`, into typed values: relation endpoints (interface, scope,
//! limit, optional, serialized-data-interface schema), containers (resource, mounts),
//! storage (type, location, count, size), resources, config options with their types and
//! defaults, actions with the JSON schema of their parameters, `assumes`, `subordinate`
//! and `extra-bindings`. What Juju would refuse is refused here, with the key path and
//! line of the problem.
//!
//! This crate is the single reader of those files, used twice: by `reconciler-core` at run
//! time (re-exported as `reconciler_core::metadata`) and by `reconciler-macros` at compile
//! time (`#[charm(metadata = "charmcraft.yaml")]`). A file the derive accepts is read the
//! same way when the charm runs, and a file the runtime would refuse is refused by the
//! derive already, with the same message.
//!
//! ```
//! use std::path::Path;
//! use reconciler_metadata::{Metadata, Role};
//!
//! let metadata = Metadata::parse(
//!     "name: demo\nrequires:\n  db:\n    interface: postgresql_client\n",
//!     Path::new("charmcraft.yaml"),
//! )?;
//! assert_eq!(metadata.endpoints["db"].role, Role::Requires);
//! assert_eq!(metadata.path, Path::new("charmcraft.yaml"));
//!
//! // An endpoint must name its interface; the error says where.
//! let error = Metadata::parse("requires:\n  db: {}\n", Path::new("charmcraft.yaml"))
//!     .unwrap_err();
//! assert_eq!(error.line(), Some(2));
//! assert!(error.to_string().starts_with("charmcraft.yaml: requires.db: "), "{error}");
//! # Ok::<(), reconciler_metadata::MetadataError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

mod action;
mod assumes;
mod entities;
mod raw;
mod value;

pub use action::Action;
pub use assumes::{Assumption, Feature, VersionConstraint};
pub use entities::{
    Container, Mount, RelationScope, Resource, ResourceKind, Storage, StorageCount, StorageKind,
};
pub use value::ConfigValue;

/// What the charm declares about itself.
///
/// Build one by reading the charm's files ([`load`](Self::load), [`read`](Self::read),
/// [`parse`](Self::parse)), or from [`Metadata::default`] and its fields.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Metadata {
    /// The file the declarations were read from: `charmcraft.yaml` or `metadata.yaml`
    /// (config options and actions may come from `config.yaml` and `actions.yaml` beside
    /// it). Empty for metadata built in code.
    pub path: PathBuf,
    /// The charm's name.
    pub name: String,
    /// Relation endpoints by name.
    pub endpoints: BTreeMap<String, Endpoint>,
    /// Workload containers by name.
    pub containers: BTreeMap<String, Container>,
    /// Storage by name.
    pub storage: BTreeMap<String, Storage>,
    /// Resources by name.
    pub resources: BTreeMap<String, Resource>,
    /// Config options by name.
    pub options: BTreeMap<String, ConfigOption>,
    /// Actions by name.
    pub actions: BTreeMap<String, Action>,
    /// `assumes`: what the charm needs of the model, as written (the list is an implicit
    /// all-of).
    pub assumes: Vec<Assumption>,
    /// Whether the charm is a subordinate (`subordinate: true`); such a charm has a
    /// `requires` endpoint with `scope: container`.
    pub subordinate: bool,
    /// Names of network bindings that are not relation endpoints (`extra-bindings`).
    pub extra_bindings: BTreeSet<String>,
}

/// A relation endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// Which side: provides, requires or peers.
    pub role: Role,
    /// The interface name.
    pub interface: String,
    /// Which units the relation connects (`scope:`, global unless written).
    pub scope: RelationScope,
    /// How many relations the endpoint may have at once (`limit:`), if limited.
    pub limit: Option<u64>,
    /// Whether the charm works without the relation (`optional:`).
    pub optional: bool,
    /// The schema of the data exchanged, for endpoints that use the serialized-data-interface
    /// convention of the Kubeflow charms (`schema:` in the metadata); `None` otherwise.
    pub schema: Option<EndpointSchema>,
    /// The schema versions this charm supports on the endpoint (`versions:`, e.g.
    /// `[v1]`); non-empty exactly when [`schema`](Self::schema) is given.
    pub versions: Vec<SchemaVersion>,
}

impl Endpoint {
    /// An endpoint with a role and an interface and no schema.
    pub fn new(role: Role, interface: impl Into<String>) -> Endpoint {
        Endpoint {
            role,
            interface: interface.into(),
            scope: RelationScope::Global,
            limit: None,
            optional: false,
            schema: None,
            versions: Vec::new(),
        }
    }
}

/// Where an endpoint's serialized-data-interface schema is.
///
/// The schema document maps versions (`v1`) to roles (`provides`, `requires`) to the JSON
/// schema of each side's data (optionally split into `app` and `unit`), written in YAML.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSchema {
    /// Written in the metadata. Checked to be a mapping whose keys are versions, holding
    /// every version in `versions`; the JSON schemas themselves are checked by whoever
    /// uses them.
    Inline(serde_yaml_ng::Value),
    /// A URL of the schema document. It cannot be fetched while a hook runs; the charm
    /// supplies the document itself.
    Url(String),
}

/// A serialized-data-interface schema version: an integer, written `1` or `v1`.
///
/// Versions compare by number; the spelling is kept so the charm writes them as declared.
///
/// ```
/// use reconciler_metadata::SchemaVersion;
///
/// let v1: SchemaVersion = "v1".parse().unwrap();
/// assert_eq!(v1.number, 1);
/// assert_eq!(v1.to_string(), "v1");
/// assert_eq!("2".parse::<SchemaVersion>().unwrap().to_string(), "2");
/// assert!("one".parse::<SchemaVersion>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SchemaVersion {
    /// The version's number.
    pub number: u64,
    /// Whether it is written with a `v` (`v1`) rather than as a bare integer (`1`).
    pub prefixed: bool,
}

impl SchemaVersion {
    /// A version read from YAML: an integer, or a string `v<integer>`.
    pub fn from_yaml(value: &serde_yaml_ng::Value) -> Option<SchemaVersion> {
        match value {
            serde_yaml_ng::Value::Number(n) => n.as_u64().map(|number| SchemaVersion {
                number,
                prefixed: false,
            }),
            serde_yaml_ng::Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }
}

impl std::str::FromStr for SchemaVersion {
    type Err = String;

    /// `v1` or `1`.
    fn from_str(text: &str) -> Result<SchemaVersion, String> {
        let (digits, prefixed) = match text.strip_prefix('v') {
            Some(rest) => (rest, true),
            None => (text, false),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "{text:?} is not a version; write an integer or `v` and an integer, e.g. `v1`"
            ));
        }
        let number = digits
            .parse()
            .map_err(|_| format!("{text:?} is too large for a version"))?;
        Ok(SchemaVersion { number, prefixed })
    }
}

impl std::fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.prefixed {
            write!(f, "v{}", self.number)
        } else {
            write!(f, "{}", self.number)
        }
    }
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
#[non_exhaustive]
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
    #[error("cannot read {path}: {source}", path = path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid YAML of the expected shape, or declares something a charm
    /// cannot have (an endpoint without an interface, a default of the wrong type, an
    /// endpoint declared twice).
    #[error("{path}: {message}", path = path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong: the key it is about (`requires.db`), the problem, and, where the
        /// parser knows it, `at line L column C`.
        message: String,
        /// The line (from 1) of the problem, where the parser knows it.
        line: Option<usize>,
        /// The column (from 1) of the problem, where the parser knows it.
        column: Option<usize>,
    },
}

impl MetadataError {
    /// The file the error is about (the charm directory for [`MetadataError::Missing`]).
    pub fn path(&self) -> &Path {
        match self {
            MetadataError::Missing { dir } => dir,
            MetadataError::Io { path, .. } | MetadataError::Invalid { path, .. } => path,
        }
    }

    /// The line (from 1) of the problem in [`path`](Self::path), where known.
    pub fn line(&self) -> Option<usize> {
        match self {
            MetadataError::Invalid { line, .. } => *line,
            _ => None,
        }
    }

    /// The column (from 1) of the problem in [`path`](Self::path), where known.
    pub fn column(&self) -> Option<usize> {
        match self {
            MetadataError::Invalid { column, .. } => *column,
            _ => None,
        }
    }

    /// What is wrong, without the file name: the parser's message for invalid files, the
    /// I/O error for unreadable ones.
    pub fn problem(&self) -> String {
        match self {
            MetadataError::Missing { .. } => "expected charmcraft.yaml or metadata.yaml".to_owned(),
            MetadataError::Io { source, .. } => source.to_string(),
            MetadataError::Invalid { message, .. } => message.clone(),
        }
    }
}

impl Metadata {
    /// Reads the metadata of the charm in `dir`: `charmcraft.yaml` if present, else
    /// `metadata.yaml` with `config.yaml` and `actions.yaml` beside it when they exist.
    /// A `charmcraft.yaml` without a `name` next to a `metadata.yaml` leaves the
    /// declarations to the older files.
    pub fn load(dir: &Path) -> Result<Metadata, MetadataError> {
        let charmcraft = dir.join("charmcraft.yaml");
        let metadata = dir.join("metadata.yaml");
        if charmcraft.exists() {
            let raw = parse_metadata_file(&charmcraft)?;
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

    /// Reads one file, `charmcraft.yaml` or `metadata.yaml`, and nothing beside it. This
    /// is what `#[charm(metadata = "...")]` reads at compile time.
    pub fn read(path: &Path) -> Result<Metadata, MetadataError> {
        let raw = parse_metadata_file(path)?;
        Metadata::from_raw(raw, path)
    }

    /// Parses the text of a `charmcraft.yaml`; `path` is recorded in
    /// [`Metadata::path`] and names the file in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Metadata, MetadataError> {
        let raw = parse_metadata_text(text, path)?;
        Metadata::from_raw(raw, path)
    }

    fn load_legacy(dir: &Path, metadata: &Path) -> Result<Metadata, MetadataError> {
        let mut raw = parse_metadata_file(metadata)?;
        let config = dir.join("config.yaml");
        if config.exists() {
            raw.config = Some(parse_file(&config)?);
        }
        let actions = dir.join("actions.yaml");
        if actions.exists() {
            // The charm's name decides which action names are reserved.
            let declared = raw::Declared {
                charm: raw.name.clone(),
                ..raw::Declared::default()
            };
            let raw::ActionsFile(file) = raw::with_declared(declared, || parse_file(&actions))?;
            raw.actions = file;
        }
        Metadata::from_raw(raw, metadata)
    }

    fn from_raw(raw: raw::Metadata, path: &Path) -> Result<Metadata, MetadataError> {
        let mut endpoints = BTreeMap::new();
        for (role, group) in [
            (Role::Provides, raw.provides),
            (Role::Requires, raw.requires),
            (Role::Peers, raw.peers),
        ] {
            for (name, endpoint) in group {
                if let Some(first) = endpoints.get(&name).map(|e: &Endpoint| e.role) {
                    return Err(MetadataError::Invalid {
                        path: path.to_path_buf(),
                        message: format!(
                            "endpoint `{name}` is declared under both {} and {}; endpoint names are unique across provides, requires and peers",
                            section(first),
                            section(role)
                        ),
                        line: None,
                        column: None,
                    });
                }
                endpoints.insert(
                    name,
                    Endpoint {
                        role,
                        interface: endpoint.interface,
                        scope: endpoint.scope,
                        limit: endpoint.limit,
                        optional: endpoint.optional,
                        schema: endpoint.schema,
                        versions: endpoint.versions,
                    },
                );
            }
        }
        let options = raw
            .config
            .unwrap_or_default()
            .options
            .into_iter()
            .map(|(name, option)| {
                (
                    name,
                    ConfigOption {
                        kind: option.kind,
                        default: option.default,
                    },
                )
            })
            .collect();
        let subordinate = raw.subordinate.unwrap_or(false);
        let container_scoped = endpoints
            .values()
            .any(|e| e.role == Role::Requires && e.scope == RelationScope::Container);
        if subordinate && !container_scoped {
            return Err(MetadataError::Invalid {
                path: path.to_path_buf(),
                message: "subordinate: a subordinate charm needs a `requires` endpoint with `scope: container` to relate to its principal".to_owned(),
                line: None,
                column: None,
            });
        }
        Ok(Metadata {
            path: path.to_path_buf(),
            name: raw.name.unwrap_or_default(),
            endpoints,
            containers: raw
                .containers
                .into_iter()
                .map(|(name, c)| (name, c.0))
                .collect(),
            storage: raw
                .storage
                .into_iter()
                .map(|(name, s)| (name, s.0))
                .collect(),
            resources: raw
                .resources
                .into_iter()
                .map(|(name, r)| (name, r.0))
                .collect(),
            options,
            actions: raw.actions.0,
            assumes: raw.assumes.map(|list| list.0).unwrap_or_default(),
            subordinate,
            extra_bindings: raw.extra_bindings.map(|b| b.0).unwrap_or_default(),
        })
    }

    /// The config a unit sees when nothing was set: every option's default (the same map
    /// as `reconciler_core::Config`).
    pub fn default_config(&self) -> BTreeMap<String, ConfigValue> {
        self.options
            .iter()
            .filter_map(|(name, option)| Some((name.clone(), option.default.clone()?)))
            .collect()
    }
}

/// The key of an endpoint's role in the file.
fn section(role: Role) -> &'static str {
    match role {
        Role::Provides => "provides",
        Role::Requires => "requires",
        Role::Peers => "peers",
    }
}

/// Reads `charmcraft.yaml` or `metadata.yaml`, with its names at hand for the checks that
/// refer across sections.
fn parse_metadata_file(path: &Path) -> Result<raw::Metadata, MetadataError> {
    let text = std::fs::read_to_string(path).map_err(|source| MetadataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_metadata_text(&text, path)
}

fn parse_metadata_text(text: &str, path: &Path) -> Result<raw::Metadata, MetadataError> {
    raw::with_declared(raw::Declared::scan(text), || parse_text(text, path))
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
    // An empty file (or one holding only comments) declares nothing; it is not an error.
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    }) {
        return Ok(T::default());
    }
    serde_yaml_ng::from_str(text).map_err(|error| {
        let location = error.location();
        MetadataError::Invalid {
            path: path.to_path_buf(),
            message: error.to_string(),
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
        }
    })
}

#[cfg(test)]
mod tests;
