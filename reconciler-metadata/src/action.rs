//! Actions (`actions.<name>` in charmcraft.yaml, or `actions.yaml`): their description,
//! and the JSON schema their parameters are checked against.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// An action the charm declares.
///
/// Its parameters are described by a JSON schema, built the way Juju builds it from the
/// metadata ([`schema`](Self::schema)): an object whose `properties` are `params`, with
/// the action's `required` and `additionalProperties` (false unless written otherwise:
/// Juju refuses parameters an action does not declare), plus any other JSON-schema keys
/// written beside them.
///
/// ```
/// use std::path::Path;
/// use reconciler_metadata::Metadata;
/// use serde_json::json;
///
/// let metadata = Metadata::parse(
///     "actions:\n  backup:\n    description: Back up.\n    params:\n      \
///      target: {type: string}\n      retries: {type: integer, default: 3}\n    required: [target]\n",
///     Path::new("charmcraft.yaml"),
/// )?;
/// let backup = &metadata.actions["backup"];
/// assert_eq!(backup.description.as_deref(), Some("Back up."));
/// assert_eq!(backup.required, ["target"]);
/// assert!(!backup.additional_properties);
/// assert_eq!(backup.schema("backup")["properties"]["retries"]["type"], "integer");
/// assert_eq!(backup.schema("backup")["additionalProperties"], false);
/// assert_eq!(backup.defaults(), json!({"retries": 3}).as_object().unwrap().clone());
/// # Ok::<(), reconciler_metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Action {
    /// `description:`, if written.
    pub description: Option<String>,
    /// Each parameter's JSON schema (`params:`), by name.
    pub params: BTreeMap<String, Value>,
    /// The parameters that must be given (`required:`).
    pub required: Vec<String>,
    /// Whether parameters not in `params` are accepted (`additionalProperties:`, false
    /// when not written, as in Juju).
    pub additional_properties: bool,
    /// Whether the action may run while other actions run on the unit (`parallel:`).
    pub parallel: bool,
    /// The group of actions it runs in sequence with (`execution-group:`), if any.
    pub execution_group: Option<String>,
    /// Other JSON-schema keys written at the action's level (`title:`, ...), which
    /// Juju adds to the action's schema as they are.
    pub other: Map<String, Value>,
}

impl Action {
    /// An action with no description and no parameters.
    pub fn new() -> Action {
        Action::default()
    }

    /// The JSON schema of the action's parameters, as Juju builds it: `{"type": "object",
    /// "title": <name>, "description": ..., "properties": <params>, "required": [...],
    /// "additionalProperties": ...}` with the other keys written at the action's level.
    pub fn schema(&self, name: &str) -> Value {
        let mut schema = self.other.clone();
        schema.insert("type".into(), "object".into());
        schema.entry("title").or_insert_with(|| name.into());
        schema.insert(
            "description".into(),
            self.description
                .clone()
                .unwrap_or_else(|| "No description".to_owned())
                .into(),
        );
        schema.insert(
            "properties".into(),
            Value::Object(
                self.params
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        );
        if !self.required.is_empty() {
            schema.insert(
                "required".into(),
                Value::Array(self.required.iter().cloned().map(Value::from).collect()),
            );
        }
        schema.insert(
            "additionalProperties".into(),
            self.additional_properties.into(),
        );
        Value::Object(schema)
    }

    /// The parameters' defaults (`default:` of each parameter that has one), as Juju
    /// fills them in before the charm sees the parameters.
    pub fn defaults(&self) -> Map<String, Value> {
        self.params
            .iter()
            .filter_map(|(name, schema)| Some((name.clone(), schema.get("default")?.clone())))
            .collect()
    }

    /// `params` with the defaults of the parameters not given filled in, as Juju does
    /// before running the action (nested objects given get their properties' defaults
    /// too).
    pub fn with_defaults(&self, params: &Map<String, Value>) -> Map<String, Value> {
        let mut filled = params.clone();
        for (name, schema) in &self.params {
            fill_defaults(&mut filled, name, schema);
        }
        filled
    }
}

/// Sets `params[name]` to the schema's default when absent, and recurses into an object
/// value with the schema's `properties`.
fn fill_defaults(params: &mut Map<String, Value>, name: &str, schema: &Value) {
    if !params.contains_key(name)
        && let Some(default) = schema.get("default")
    {
        params.insert(name.to_owned(), default.clone());
    }
    if let (Some(Value::Object(inner)), Some(Value::Object(properties))) =
        (params.get_mut(name), schema.get("properties"))
    {
        for (key, property) in properties {
            fill_defaults(inner, key, property);
        }
    }
}

/// `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`, Juju's rule for action names.
pub(crate) fn valid_action_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// The JSON types a schema's `type` may name (draft 4, which Juju follows).
const JSON_TYPES: [&str; 7] = [
    "array", "boolean", "integer", "null", "number", "object", "string",
];

/// Checks a JSON schema written in the metadata for what Juju refuses (`$ref`, `$schema`)
/// and for `type`s that are not JSON types (`int` for `integer` is a common slip); `at`
/// is where it is, for the message.
pub(crate) fn check_schema(schema: &Value, at: &str) -> Result<(), String> {
    let Value::Object(map) = schema else {
        return Err(format!(
            "{at} must be a mapping (a JSON schema such as `{{type: string}}`), not {}",
            describe(schema)
        ));
    };
    match map.get("type") {
        None => {}
        Some(Value::String(kind)) => check_type(kind, at)?,
        Some(Value::Array(kinds)) => {
            for kind in kinds {
                match kind {
                    Value::String(kind) => check_type(kind, at)?,
                    other => {
                        return Err(format!(
                            "{at}: `type` lists {}, which is not a type name",
                            describe(other)
                        ));
                    }
                }
            }
        }
        Some(other) => {
            return Err(format!(
                "{at}: `type` must be a type name or a list of them, not {}",
                describe(other)
            ));
        }
    }
    if let Some(properties) = map.get("properties") {
        let Value::Object(properties) = properties else {
            return Err(format!(
                "{at}: `properties` must be a mapping of names to schemas, not {}",
                describe(properties)
            ));
        };
        for (name, property) in properties {
            check_schema(property, &format!("{at}.properties.{name}"))?;
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        match map.get(key) {
            Some(inner @ Value::Object(_)) => check_schema(inner, &format!("{at}.{key}"))?,
            Some(Value::Array(items)) if key == "items" => {
                for (i, item) in items.iter().enumerate() {
                    check_schema(item, &format!("{at}.items[{i}]"))?;
                }
            }
            _ => {}
        }
    }
    for key in ["anyOf", "allOf", "oneOf"] {
        if let Some(Value::Array(items)) = map.get(key) {
            for (i, item) in items.iter().enumerate() {
                check_schema(item, &format!("{at}.{key}[{i}]"))?;
            }
        }
    }
    Ok(())
}

fn check_type(kind: &str, at: &str) -> Result<(), String> {
    if JSON_TYPES.contains(&kind) {
        return Ok(());
    }
    let hint = match kind {
        "int" => " (did you mean `integer`?)",
        "float" => " (did you mean `number`?)",
        "bool" => " (did you mean `boolean`?)",
        "str" | "text" => " (did you mean `string`?)",
        "dict" | "map" | "mapping" => " (did you mean `object`?)",
        "list" => " (did you mean `array`?)",
        _ => "",
    };
    Err(format!(
        "{at}: `type: {kind}` is not a JSON type{hint}; write one of {}",
        JSON_TYPES.join(", ")
    ))
}

/// A short description of a JSON value for messages about the metadata.
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

/// Finds `$ref` and `$schema` anywhere in `value`, which Juju refuses in action schemas.
pub(crate) fn check_prohibited(value: &Value, at: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" || key == "$schema" {
                    return Err(format!(
                        "{at}: `{key}` is not supported in action schemas (Juju refuses it)"
                    ));
                }
                check_prohibited(inner, &format!("{at}.{key}"))?;
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_prohibited(item, &format!("{at}[{i}]"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// `params:` as a mapping of names to schemas, each checked where it is written.
struct Params(BTreeMap<String, Value>);

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Params, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Params;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of parameter names to their JSON schemas")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Params, E> {
                Ok(Params(BTreeMap::new()))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
                let mut params = BTreeMap::new();
                while let Some(name) = map.next_key::<String>()? {
                    let schema: Value = map.next_value()?;
                    let at = format!("params.{name}");
                    check_prohibited(&schema, &at)
                        .and_then(|()| check_schema(&schema, &at))
                        .map_err(de::Error::custom)?;
                    params.insert(name, schema);
                }
                Ok(Params(params))
            }
        }
        deserializer.deserialize_any(Entries)
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Action, D::Error> {
        // Checked inside the action's own mapping, so the error carries its key path
        // (`actions.backup`) and line.
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Action;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with the action's `description`, `params`, `required`, ...")
            }

            fn visit_unit<E: de::Error>(self) -> Result<Action, E> {
                Ok(Action::default())
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Action, A::Error> {
                let mut action = Action::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "description" => {
                            action.description = Some(map.next_value().map_err(|e| {
                                de::Error::custom(format!("`description` must be a string: {e}"))
                            })?)
                        }
                        "params" => action.params = map.next_value::<Params>()?.0,
                        "required" => {
                            action.required = map.next_value().map_err(|e| {
                                de::Error::custom(format!(
                                    "`required` must be a list of parameter names: {e}"
                                ))
                            })?
                        }
                        "additionalProperties" => {
                            action.additional_properties = map.next_value().map_err(|e| {
                                de::Error::custom(format!(
                                    "`additionalProperties` must be true or false: {e}"
                                ))
                            })?
                        }
                        "parallel" => {
                            action.parallel = map.next_value().map_err(|e| {
                                de::Error::custom(format!("`parallel` must be true or false: {e}"))
                            })?
                        }
                        "execution-group" => {
                            action.execution_group = Some(map.next_value().map_err(|e| {
                                de::Error::custom(format!(
                                    "`execution-group` must be a string: {e}"
                                ))
                            })?)
                        }
                        "type" => {
                            // The parameters are always an object.
                            let kind: Value = map.next_value()?;
                            if kind != "object" {
                                return Err(de::Error::custom(format!(
                                    "`type` at the action's level can only be `object` (the parameters are a mapping), not {}",
                                    describe(&kind)
                                )));
                            }
                        }
                        "properties" => {
                            map.next_value::<IgnoredAny>()?;
                            return Err(de::Error::custom(
                                "`properties` cannot be set at the action's level; describe the parameters under `params`",
                            ));
                        }
                        _ => {
                            let value: Value = map.next_value()?;
                            let mut probe = Map::new();
                            probe.insert(key.clone(), value.clone());
                            let probe = Value::Object(probe);
                            check_prohibited(&probe, "the action")
                                .and_then(|()| check_schema(&probe, "the action"))
                                .map_err(de::Error::custom)?;
                            action.other.insert(key, value);
                        }
                    }
                }
                Ok(action)
            }
        }
        deserializer.deserialize_any(Fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn action_names_follow_jujus_rule() {
        for good in ["backup", "a", "0", "re-index", "x2"] {
            assert!(valid_action_name(good), "{good}");
        }
        for bad in ["", "-a", "a-", "Backup", "back_up", "back up", "ä"] {
            assert!(!valid_action_name(bad), "{bad}");
        }
    }

    #[test]
    fn schemas_are_checked_deeply() {
        assert!(check_schema(&json!({"type": "string"}), "p").is_ok());
        assert!(check_schema(&json!({"type": ["string", "null"]}), "p").is_ok());
        let e = check_schema(&json!({"type": "int"}), "params.count").unwrap_err();
        assert!(
            e.starts_with("params.count: `type: int` is not a JSON type (did you mean `integer`?)"),
            "{e}"
        );
        let e = check_schema(
            &json!({"type": "object", "properties": {"port": {"type": "float"}}}),
            "params.server",
        )
        .unwrap_err();
        assert!(e.starts_with("params.server.properties.port: "), "{e}");
        let e = check_prohibited(&json!({"items": [{"$ref": "#/x"}]}), "params.list").unwrap_err();
        assert!(
            e.starts_with("params.list.items[0]: `$ref` is not supported"),
            "{e}"
        );
        let e =
            check_prohibited(&json!({"definitions": {"a": {"$schema": "x"}}}), "p").unwrap_err();
        assert!(e.starts_with("p.definitions.a: `$schema`"), "{e}");
        let e = check_schema(&json!({"anyOf": [{}, {"type": 3}]}), "p").unwrap_err();
        assert!(e.contains("p.anyOf[1]: `type` must be"), "{e}");
        assert!(
            check_schema(&json!("string"), "p")
                .unwrap_err()
                .contains("must be a mapping")
        );
    }

    #[test]
    fn defaults_are_filled_in_nested_objects_given() {
        let action = Action {
            params: BTreeMap::from([
                ("a".to_owned(), json!({"type": "integer", "default": 1})),
                (
                    "b".to_owned(),
                    json!({"type": "object", "properties": {"c": {"default": "x"}}}),
                ),
            ]),
            ..Action::default()
        };
        let given = json!({"b": {}}).as_object().unwrap().clone();
        assert_eq!(
            Value::Object(action.with_defaults(&given)),
            json!({"a": 1, "b": {"c": "x"}})
        );
        let given = json!({"a": 5}).as_object().unwrap().clone();
        assert_eq!(Value::Object(action.with_defaults(&given)), json!({"a": 5}));
    }
}
