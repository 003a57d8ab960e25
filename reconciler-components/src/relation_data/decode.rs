//! Reading a databag whose values are JSON texts into a typed value, one key per top-level
//! field, decoding each value only when the target type has a field for it.
//!
//! The bag is presented to serde as a map of keys to [`JsonText`] values; a value is parsed
//! with `serde_json` when the target asks for it, and skipped unparsed when the target
//! ignores its key (Juju's own keys in unit databags, `ingress-address` and the like, are
//! not JSON). `serde_path_to_error` tracks the path through the map and into the JSON, so
//! an error names the field (`port`, `tls.cert`).

use std::fmt;

use serde::de::value::MapDeserializer;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use reconciler_core::Databag;

/// Why a databag did not decode.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A field the target needs is not in the bag (the sender has not sent it yet).
    Missing {
        /// The field, as the key it is sent under.
        field: String,
    },
    /// A value is there but not what the target needs: not JSON, or JSON of the wrong
    /// shape or range.
    Invalid {
        /// The field's path: `port`, `tls.cert`.
        field: String,
        /// What is wrong, naming the value (cut to a readable length).
        problem: String,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Missing { field } => write!(f, "`{field}` is missing"),
            DecodeError::Invalid { field, problem } => write!(f, "`{field}`: {problem}"),
        }
    }
}

/// Decodes `bag` into `T`: each field of `T` from the key of its name, the value read as
/// JSON.
pub(crate) fn decode<T: DeserializeOwned>(bag: &Databag) -> Result<T, DecodeError> {
    let entries = bag.iter().map(|(k, v)| (k.as_str(), JsonText(v.as_str())));
    let map = MapDeserializer::<_, Error>::new(entries);
    serde_path_to_error::deserialize(map).map_err(|error| {
        let path = error.path().to_string();
        match error.into_inner() {
            Error::Missing(field) if path == "." => DecodeError::Missing {
                field: field.to_owned(),
            },
            Error::Missing(field) => DecodeError::Invalid {
                field: path,
                problem: format!("missing field `{field}`"),
            },
            Error::Message(problem) => DecodeError::Invalid {
                field: path,
                problem,
            },
        }
    })
}

/// The longest value an error message quotes; longer ones are cut.
const QUOTED_VALUE_LIMIT: usize = 80;

/// `value` as the databag holds it, between backticks, cut to [`QUOTED_VALUE_LIMIT`]
/// characters with `...` when longer; control characters escaped (`\n`), nothing else, so
/// a JSON string reads `"five"` rather than `"\"five\""`.
pub(crate) fn quote_value(value: &str) -> String {
    let mut shown = String::new();
    for c in value.chars().take(QUOTED_VALUE_LIMIT) {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    let more = if value.chars().count() > QUOTED_VALUE_LIMIT {
        "..."
    } else {
        ""
    };
    format!("`{shown}`{more}")
}

/// The error type of the map deserializer.
#[derive(Debug)]
enum Error {
    Missing(&'static str),
    Message(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(field) => write!(f, "missing field `{field}`"),
            Error::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<M: fmt::Display>(message: M) -> Error {
        Error::Message(message.to_string())
    }

    fn missing_field(field: &'static str) -> Error {
        Error::Missing(field)
    }
}

/// One databag value: JSON text, parsed when deserialized.
#[derive(Clone, Copy)]
struct JsonText<'de>(&'de str);

impl JsonText<'_> {
    /// serde_json's error as ours: not JSON at all, or JSON the target refuses. serde_json
    /// appends the position to both; a position in a one-line value adds nothing to a
    /// type error, so only a syntax error keeps it.
    fn error(self, error: serde_json::Error) -> Error {
        let text = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&suffix).unwrap_or(&text);
        let value = quote_value(self.0);
        Error::Message(match error.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                format!("the value {value} is not JSON ({text})")
            }
            _ => format!("{message} (the value is {value})"),
        })
    }
}

impl<'de> IntoDeserializer<'de, Error> for JsonText<'de> {
    type Deserializer = JsonText<'de>;

    fn into_deserializer(self) -> JsonText<'de> {
        self
    }
}

/// Forwards deserializer methods to a `serde_json` deserializer over the text, which must
/// hold exactly one JSON value.
macro_rules! forward_to_json {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
                let mut json = serde_json::Deserializer::from_str(self.0);
                de::Deserializer::$method(&mut json, $($arg,)* visitor)
                    .and_then(|value| json.end().map(|()| value))
                    .map_err(|error| self.error(error))
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for JsonText<'de> {
    type Error = Error;

    forward_to_json! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
    }

    /// A key the target has no field for: skipped without parsing its value.
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct Ingress {
        service: String,
        port: u16,
        #[serde(default)]
        rewrite: Option<String>,
        tls: Option<Tls>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Tls {
        cert: String,
    }

    fn bag(entries: &[(&str, &str)]) -> Databag {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn decodes_json_values_and_skips_keys_it_has_no_field_for() {
        let data: Ingress = decode(&bag(&[
            ("service", "\"istio\""),
            ("port", "80"),
            ("ingress-address", "10.0.0.1"),
        ]))
        .unwrap();
        assert_eq!(
            data,
            Ingress {
                service: "istio".into(),
                port: 80,
                rewrite: None,
                tls: None,
            }
        );
    }

    #[test]
    fn a_missing_field_is_missing_not_invalid() {
        let error = decode::<Ingress>(&bag(&[("service", "\"istio\"")])).unwrap_err();
        assert_eq!(
            error,
            DecodeError::Missing {
                field: "port".into()
            }
        );
    }

    #[test]
    fn an_invalid_value_names_the_field_the_problem_and_the_value() {
        let error =
            decode::<Ingress>(&bag(&[("service", "\"istio\""), ("port", "70000")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`port`: invalid value: integer `70000`, expected u16 (the value is `70000`)"
        );
    }

    #[test]
    fn a_value_that_is_not_json_says_so_with_the_position() {
        let error = decode::<Ingress>(&bag(&[("service", "istio"), ("port", "80")])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`service`: the value `istio` is not JSON (expected value at line 1 column 1)"
        );
    }

    #[test]
    fn errors_inside_a_json_value_name_the_nested_path() {
        let error = decode::<Ingress>(&bag(&[
            ("service", "\"istio\""),
            ("port", "80"),
            ("tls", "{\"cert\": 3}"),
        ]))
        .unwrap_err();
        assert_eq!(
            error,
            DecodeError::Invalid {
                field: "tls.cert".into(),
                problem:
                    "invalid type: integer `3`, expected a string (the value is `{\"cert\": 3}`)"
                        .into(),
            }
        );
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let long = "x".repeat(200);
        assert_eq!(quote_value(&long), format!("`{}`...", "x".repeat(80)));
    }

    #[test]
    fn values_are_shown_as_the_databag_holds_them_with_control_characters_escaped() {
        assert_eq!(quote_value("\"five\""), "`\"five\"`");
        assert_eq!(quote_value("a\nb\u{7}"), "`a\\nb\\u{7}`");
    }
}
