//! `assumes`: the features a charm needs of the Juju model it is deployed to, as nested
//! `any-of` / `all-of` expressions.

use std::fmt;

use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// One expression of an `assumes` block: a feature, or a group of expressions of which
/// any or all must hold. The top-level list of `assumes` is an implicit all-of
/// ([`Metadata::assumes`](crate::Metadata::assumes) keeps it as written).
///
/// ```
/// use std::path::Path;
/// use reconciler_metadata::{Assumption, Metadata, VersionConstraint};
///
/// let metadata = Metadata::parse(
///     "assumes:\n  - juju >= 3.1\n  - any-of:\n      - k8s-api\n      - all-of: [lxd, juju < 4]\n",
///     Path::new("charmcraft.yaml"),
/// )?;
/// let Assumption::Feature(juju) = &metadata.assumes[0] else { panic!() };
/// assert_eq!(juju.name, "juju");
/// assert_eq!(juju.version, Some((VersionConstraint::AtLeast, "3.1".to_owned())));
/// assert_eq!(metadata.assumes[1].to_string(), "any-of: [k8s-api, all-of: [lxd, juju < 4]]");
///
/// let error = Metadata::parse("assumes:\n  - juju >= three\n", Path::new("charmcraft.yaml"))
///     .unwrap_err();
/// assert!(error.to_string().contains("\"juju >= three\""), "{error}");
/// assert_eq!(error.line(), Some(2));
/// # Ok::<(), reconciler_metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assumption {
    /// A feature, with an optional version constraint: `k8s-api`, `juju >= 3.1`.
    Feature(Feature),
    /// `any-of:` at least one of the expressions holds.
    AnyOf(Vec<Assumption>),
    /// `all-of:` every expression holds.
    AllOf(Vec<Assumption>),
}

/// A feature the model must have (`juju`, `k8s-api`, ...), optionally in a range of
/// versions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Feature {
    /// The feature's name: lowercase letters, digits and dashes, starting with a letter.
    pub name: String,
    /// The version constraint and the version as written (`3.1`), if any.
    pub version: Option<(VersionConstraint, String)>,
}

/// How a feature's version is constrained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionConstraint {
    /// `>=`
    AtLeast,
    /// `<`
    LessThan,
}

impl VersionConstraint {
    /// `>=` or `<`.
    pub const fn as_str(self) -> &'static str {
        match self {
            VersionConstraint::AtLeast => ">=",
            VersionConstraint::LessThan => "<",
        }
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            None => f.write_str(&self.name),
            Some((constraint, version)) => {
                write!(f, "{} {} {version}", self.name, constraint.as_str())
            }
        }
    }
}

impl fmt::Display for Assumption {
    /// As written in YAML flow style: `juju >= 3.1`, `any-of: [a, b]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (key, list) = match self {
            Assumption::Feature(feature) => return feature.fmt(f),
            Assumption::AnyOf(list) => ("any-of", list),
            Assumption::AllOf(list) => ("all-of", list),
        };
        write!(f, "{key}: [")?;
        for (i, item) in list.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            item.fmt(f)?;
        }
        f.write_str("]")
    }
}

/// `[a-z][a-z0-9-]*[a-z0-9]`, as Juju requires of a feature name.
fn valid_feature_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[bytes.len() - 1] != b'-'
}

/// `1`, `1.2` or `1.2.3`.
fn valid_version(version: &str) -> bool {
    let parts: Vec<&str> = version.split('.').collect();
    parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl std::str::FromStr for Feature {
    type Err = String;

    /// `name`, `name >= version` or `name < version`.
    fn from_str(text: &str) -> Result<Feature, String> {
        let text = text.trim();
        let bad = |why: &str| {
            format!(
                "{text:?} is not a feature expression: {why}; write a feature name, optionally \
                 with `>=` or `<` and a version (e.g. `juju >= 3.1`)"
            )
        };
        let (name, version) = match text.find(['>', '<']) {
            None => (text, None),
            Some(at) => {
                let (name, rest) = text.split_at(at);
                let (constraint, version) = if let Some(v) = rest.strip_prefix(">=") {
                    (VersionConstraint::AtLeast, v)
                } else if let Some(v) = rest.strip_prefix('<') {
                    (VersionConstraint::LessThan, v)
                } else {
                    return Err(bad("the constraint must be `>=` or `<`"));
                };
                let version = version.trim();
                if !valid_version(version) {
                    return Err(bad("the version must be numbers separated by dots"));
                }
                (name.trim_end(), Some((constraint, version.to_owned())))
            }
        };
        if !valid_feature_name(name) {
            return Err(bad(
                "a feature name is lowercase letters, digits and dashes, starting with a letter",
            ));
        }
        Ok(Feature {
            name: name.to_owned(),
            version,
        })
    }
}

impl<'de> Deserialize<'de> for Assumption {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Assumption, D::Error> {
        struct Expression;
        impl<'de> Visitor<'de> for Expression {
            type Value = Assumption;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a feature (`juju >= 3.1`) or a mapping with one key, `any-of` or `all-of`, holding a list of expressions",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Assumption, E> {
                text.parse().map(Assumption::Feature).map_err(E::custom)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Assumption, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "an empty mapping is not an expression; write `any-of:` or `all-of:` and a list",
                    ));
                };
                let any = match key.as_str() {
                    "any-of" => true,
                    "all-of" => false,
                    other => {
                        return Err(de::Error::custom(format!(
                            "`{other}` is not an expression; a composite expression is `any-of:` or `all-of:`"
                        )));
                    }
                };
                let list: List = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a composite expression has one key, `{key}`, but `{extra}` follows it"
                    )));
                }
                Ok(if any {
                    Assumption::AnyOf(list.0)
                } else {
                    Assumption::AllOf(list.0)
                })
            }
        }
        deserializer.deserialize_any(Expression)
    }
}

/// The list under `any-of` / `all-of`, or the whole `assumes` block.
pub(crate) struct List(pub(crate) Vec<Assumption>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<List, D::Error> {
        struct Items;
        impl<'de> Visitor<'de> for Items {
            type Value = List;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of expressions (features, `any-of:` or `all-of:`)")
            }

            fn visit_unit<E: de::Error>(self) -> Result<List, E> {
                Ok(List(Vec::new()))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(List(items))
            }
        }
        deserializer.deserialize_any(Items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_expressions() {
        let f: Feature = "k8s-api".parse().unwrap();
        assert_eq!((f.name.as_str(), f.version), ("k8s-api", None));
        let f: Feature = "  juju<4.0.1 ".parse().unwrap();
        assert_eq!(
            f.version,
            Some((VersionConstraint::LessThan, "4.0.1".into()))
        );
        assert_eq!(f.to_string(), "juju < 4.0.1");
        for bad in [
            "",
            "k",
            "K8s",
            "1juju",
            "juju-",
            "ju ju",
            "juju > 3",
            "juju <= 3",
            "juju >= ",
            "juju >= 3.x",
            "juju >= 1.2.3.4",
            ">= 3",
        ] {
            assert!(bad.parse::<Feature>().is_err(), "{bad:?}");
        }
    }
}
