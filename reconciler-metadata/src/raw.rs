//! The shapes of the files, as serde reads them. Checks that need a position in the file
//! (an endpoint without an interface, a default of the wrong type) run while parsing, inside
//! the mapping they are about, so the parser's error carries its key path, line and column.

use std::collections::BTreeMap;

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::{ConfigValue, EndpointSchema, OptionType, SchemaVersion};

/// `charmcraft.yaml` or `metadata.yaml`. Keys the runtime does not need are ignored.
#[derive(Deserialize, Default)]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) provides: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) requires: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) peers: BTreeMap<String, Endpoint>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) containers: BTreeMap<String, IgnoredAny>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) storage: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    pub(crate) config: Option<Config>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) actions: BTreeMap<String, IgnoredAny>,
}

/// A file that is one mapping of names to anything: `actions.yaml`.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub(crate) struct Sections(
    #[serde(deserialize_with = "null_as_empty")] pub(crate) BTreeMap<String, IgnoredAny>,
);

/// A relation endpoint: its interface (required), and the serialized-data-interface keys
/// `schema` and `versions` (optional, together).
pub(crate) struct Endpoint {
    pub(crate) interface: String,
    pub(crate) schema: Option<EndpointSchema>,
    pub(crate) versions: Vec<SchemaVersion>,
}

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Endpoint, D::Error> {
        // Checked inside the endpoint's own mapping, so the error carries its key path
        // (`requires.db`) and line.
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Endpoint;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the endpoint's `interface`, e.g. `{interface: http}`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Endpoint, A::Error> {
                let mut interface: Option<String> = None;
                let mut schema: Option<serde_yaml_ng::Value> = None;
                let mut versions: Option<serde_yaml_ng::Value> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "interface" => interface = Some(map.next_value()?),
                        "schema" => schema = Some(map.next_value()?),
                        "versions" => versions = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let interface = match interface {
                    Some(interface) if !interface.trim().is_empty() => interface,
                    Some(_) => {
                        return Err(de::Error::custom(
                            "the endpoint's `interface` is empty; write the interface's name",
                        ));
                    }
                    None => {
                        return Err(de::Error::custom(
                            "the endpoint has no `interface`; every relation endpoint names one, e.g. `interface: http`",
                        ));
                    }
                };
                let (schema, versions) = sdi_keys(schema, versions).map_err(de::Error::custom)?;
                Ok(Endpoint {
                    interface,
                    schema,
                    versions,
                })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// Checks an endpoint's `schema` and `versions` (the serialized-data-interface keys):
/// both or neither; `versions` a non-empty list of versions; `schema` a URL or a mapping
/// of versions to per-role schemas that has every listed version.
fn sdi_keys(
    schema: Option<serde_yaml_ng::Value>,
    versions: Option<serde_yaml_ng::Value>,
) -> Result<(Option<EndpointSchema>, Vec<SchemaVersion>), String> {
    use serde_yaml_ng::Value;
    let (schema, versions) = match (schema, versions) {
        (None, None) => return Ok((None, Vec::new())),
        (Some(_), None) => {
            return Err(
                "the endpoint has a `schema` but no `versions`; list the schema versions this charm supports, e.g. `versions: [v1]`"
                    .to_owned(),
            );
        }
        (None, Some(_)) => {
            return Err(
                "the endpoint has `versions` but no `schema`; give the schema (a URL or a mapping of versions to schemas)"
                    .to_owned(),
            );
        }
        (Some(schema), Some(versions)) => (schema, versions),
    };
    let Value::Sequence(list) = versions else {
        return Err(format!(
            "`versions` must be a list of versions such as `[v1, v2]`, not {}",
            describe_yaml(&versions)
        ));
    };
    if list.is_empty() {
        return Err("`versions` is empty; list at least one version, e.g. `[v1]`".to_owned());
    }
    let versions = list
        .iter()
        .map(|v| {
            SchemaVersion::from_yaml(v).ok_or_else(|| {
                format!(
                    "`versions`: {} is not a version; write an integer or `v` and an integer, e.g. `v1`",
                    describe_yaml(v)
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let schema = match schema {
        Value::String(url) if !url.trim().is_empty() => EndpointSchema::Url(url),
        Value::Mapping(mapping) => {
            for (key, value) in &mapping {
                let version = SchemaVersion::from_yaml(key).ok_or_else(|| {
                    format!(
                        "`schema`: the key {} is not a version; write an integer or `v` and an integer, e.g. `v1`",
                        describe_yaml(key)
                    )
                })?;
                if !value.is_mapping() {
                    return Err(format!(
                        "`schema`: version {version} must be a mapping of roles (`provides`, `requires`) to JSON schemas, not {}",
                        describe_yaml(value)
                    ));
                }
            }
            for version in &versions {
                let found = mapping.keys().any(|key| {
                    SchemaVersion::from_yaml(key).is_some_and(|k| k.number == version.number)
                });
                if !found {
                    return Err(format!(
                        "`schema` has no version {version}, which `versions` lists"
                    ));
                }
            }
            EndpointSchema::Inline(Value::Mapping(mapping))
        }
        other => {
            return Err(format!(
                "`schema` must be a URL or a mapping of versions to schemas, not {}",
                describe_yaml(&other)
            ));
        }
    };
    Ok((Some(schema), versions))
}

/// The `config` section of charmcraft.yaml, or the whole `config.yaml`.
#[derive(Deserialize, Default)]
pub(crate) struct Config {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub(crate) options: BTreeMap<String, ConfigOption>,
}

/// One config option, its default checked against its type.
pub(crate) struct ConfigOption {
    pub(crate) kind: OptionType,
    pub(crate) default: Option<ConfigValue>,
}

impl<'de> Deserialize<'de> for ConfigOption {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ConfigOption, D::Error> {
        // Checked inside the option's own mapping, so the error carries its key path
        // (`config.options.port`) and line.
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = ConfigOption;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the option's `type` and optionally its `default`")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ConfigOption, A::Error> {
                let mut kind: Option<OptionType> = None;
                let mut default: Option<serde_yaml_ng::Value> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => kind = Some(map.next_value()?),
                        "default" => default = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| {
                    de::Error::custom(
                        "the option has no `type`; write one of string, int, float, boolean, secret",
                    )
                })?;
                let default = match default {
                    None | Some(serde_yaml_ng::Value::Null) => None,
                    Some(value) => Some(config_value(&value, kind).ok_or_else(|| {
                        de::Error::custom(format!(
                            "the default {} is not a valid {}",
                            describe_yaml(&value),
                            kind.as_str()
                        ))
                    })?),
                };
                Ok(ConfigOption { kind, default })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A mapping, where a key written with nothing under it (`requires:`) reads as empty.
fn null_as_empty<'de, D, V>(deserializer: D) -> Result<BTreeMap<String, V>, D::Error>
where
    D: Deserializer<'de>,
    V: Deserialize<'de>,
{
    Ok(Option::<BTreeMap<String, V>>::deserialize(deserializer)?.unwrap_or_default())
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
