//! Checking an action's parameters against the JSON schema its metadata declares, before
//! the charm's handler runs.
//!
//! Juju checks them too, but a charm does not rely on it: under Juju and in the harness
//! alike, [`handle_event_with`](crate::handle_event_with) fails an action whose parameters
//! break the schema with `action-fail`, naming each parameter and what is wrong with it,
//! and does not run the handler. A parameter's value is never shown, only its JSON type
//! (a value may be a password).
//!
//! The schema is the one Juju builds ([`Action::schema`]), read as JSON Schema draft 4
//! (Juju's draft) by the `jsonschema` crate.

use std::fmt;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::backend::{Backend, JsonMap};
use crate::metadata::Action;

/// One way an action's parameters break its schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A parameter, or a value inside it, has the wrong JSON type.
    Type {
        /// The parameter.
        param: String,
        /// Where inside the parameter (a JSON pointer such as `/port`; empty for the
        /// parameter itself).
        at: String,
        /// The type(s) the schema allows, e.g. `integer` or `string or null`.
        expected: String,
        /// The JSON type of the value given, e.g. `a string`.
        actual: &'static str,
    },
    /// A required parameter was not given.
    Missing {
        /// The parameter.
        param: String,
    },
    /// A parameter the action does not declare (the schema has no
    /// `additionalProperties: true`).
    Undeclared {
        /// The parameter.
        param: String,
    },
    /// Anything else (a range, a pattern, a nested requirement), in words that do not
    /// show the value.
    Other {
        /// The parameter, if the problem is inside one.
        param: Option<String>,
        /// Where inside it (a JSON pointer; empty for the parameter itself).
        at: String,
        /// What is wrong.
        what: String,
    },
}

/// ` (at /a/b)` for a place inside a parameter, nothing for the parameter itself.
fn inside(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" (at {at})")
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Type {
                param,
                at,
                expected,
                actual,
            } => write!(
                f,
                "parameter {param:?}{} must be of type {expected}, not {actual}",
                inside(at)
            ),
            Problem::Missing { param } => {
                write!(f, "parameter {param:?} is required but was not given")
            }
            Problem::Undeclared { param } => {
                write!(f, "parameter {param:?} is not one this action declares")
            }
            Problem::Other {
                param: Some(param),
                at,
                what,
            } => write!(f, "parameter {param:?}{}: {what}", inside(at)),
            Problem::Other {
                param: None, what, ..
            } => write!(f, "the parameters: {what}"),
        }
    }
}

/// Why an action's parameters were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// The parameters break the schema, in these ways.
    Invalid(Vec<Problem>),
    /// The schema in the metadata is not a JSON schema the validator accepts.
    BadSchema(String),
}

impl Rejection {
    /// The text `action-fail` reports: which action, and every problem.
    pub(crate) fn message(&self, action: &str, file: &str) -> String {
        match self {
            Rejection::Invalid(problems) => format!(
                "invalid parameters for action {action:?}: {}",
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Rejection::BadSchema(error) => format!(
                "action {action:?} cannot run: its parameter schema in {file} is not a valid JSON schema: {error}"
            ),
        }
    }
}

/// The JSON type of `value`, with an article, for messages: `a string`, `an integer`.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The types of a type error: `integer`, `string or null`.
fn expected_types(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(single) => single.to_string(),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// Checks `params` against the schema of `action` (named `name`).
pub(crate) fn check(action: &Action, name: &str, params: &JsonMap) -> Result<(), Rejection> {
    let schema = action.schema(name);
    let validator =
        jsonschema::draft4::new(&schema).map_err(|e| Rejection::BadSchema(e.to_string()))?;
    let instance = Value::Object(params.clone());
    let mut problems = Vec::new();
    for error in validator.iter_errors(&instance) {
        let mut segments = error.instance_path.into_iter().map(|s| s.to_string());
        let param = segments.next();
        let at: String = segments.map(|s| format!("/{s}")).collect();
        let problem = match (&error.kind, param) {
            (ValidationErrorKind::Type { kind }, Some(param)) => Problem::Type {
                param,
                at,
                expected: expected_types(kind),
                actual: json_type(&error.instance),
            },
            (ValidationErrorKind::Required { property }, None) => Problem::Missing {
                param: property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned),
            },
            (ValidationErrorKind::AdditionalProperties { unexpected }, None) => {
                problems.extend(unexpected.iter().map(|param| Problem::Undeclared {
                    param: param.clone(),
                }));
                continue;
            }
            (_, param) => Problem::Other {
                param,
                at,
                what: error.masked_with("the value").to_string(),
            },
        };
        if !problems.contains(&problem) {
            problems.push(problem);
        }
    }
    // Missing parameters first, undeclared ones last, each group in the schema's order.
    problems.sort_by_key(|problem| match problem {
        Problem::Missing { .. } => 0,
        Problem::Type { .. } | Problem::Other { .. } => 1,
        Problem::Undeclared { .. } => 2,
    });
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Rejection::Invalid(problems))
    }
}

/// Whether the schema of `action` can refuse anything: an action that declares no
/// parameters and accepts any is not checked (its parameters are not even read).
fn can_refuse(action: &Action) -> bool {
    !(action.params.is_empty()
        && action.additional_properties
        && action.required.is_empty()
        && action.other.is_empty())
}

/// The text to fail the running action `name` with when its parameters (read through
/// `backend`) break the schema the backend's metadata declares; `None` when they do not,
/// or when there is nothing to check against (no metadata, an undeclared action) or the
/// parameters cannot be read (the handler then gets the same error).
pub(crate) fn screen(backend: &mut dyn Backend, name: &str) -> Option<String> {
    let metadata = backend.metadata()?;
    let action = metadata.actions.get(name)?;
    if !can_refuse(action) {
        return None;
    }
    let action = action.clone();
    let file = if metadata.path.as_os_str().is_empty() {
        "charmcraft.yaml".to_owned()
    } else {
        metadata.path.display().to_string()
    };
    let params = backend.action_params().ok()?;
    check(&action, name, &params)
        .err()
        .map(|rejection| rejection.message(name, &file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn action(yaml: &str) -> Action {
        let text = format!("actions:\n  backup:\n{yaml}");
        let metadata =
            crate::metadata::Metadata::parse(&text, std::path::Path::new("charmcraft.yaml"))
                .expect("valid metadata");
        metadata.actions["backup"].clone()
    }

    fn params(value: Value) -> JsonMap {
        value.as_object().cloned().expect("an object")
    }

    const BACKUP: &str = "    params:
      target: {type: string, minLength: 3}
      count: {type: integer, minimum: 1, maximum: 10}
      mode: {enum: [full, incremental]}
      options:
        type: object
        properties:
          compress: {type: boolean}
          level: {type: [integer, 'null']}
        required: [compress]
    required: [target]
";

    #[test]
    fn valid_parameters_pass() {
        let backup = action(BACKUP);
        let given = params(json!({"target": "s3://b", "count": 3, "options": {"compress": true}}));
        assert_eq!(check(&backup, "backup", &given), Ok(()));
    }

    #[test]
    fn every_problem_is_named_with_its_parameter_and_no_value() {
        let backup = action(BACKUP);
        let secret = "hunter2-very-secret";
        let given = params(json!({
            "count": secret,
            "mode": secret,
            "options": {"level": secret},
            "extra": secret,
        }));
        let Err(rejection) = check(&backup, "backup", &given) else {
            panic!("refused")
        };
        let Rejection::Invalid(problems) = &rejection else {
            panic!("{rejection:?}")
        };
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        for expected in [
            "parameter \"target\" is required but was not given",
            "parameter \"count\" must be of type integer, not a string",
            "parameter \"extra\" is not one this action declares",
            "parameter \"options\" (at /level) must be of type integer or null, not a string",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "{expected}: {texts:#?}"
            );
        }
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("parameter \"mode\": the value is not one of")),
            "{texts:#?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t.starts_with("parameter \"options\": ")
                    && t.contains("\"compress\" is a required property")),
            "{texts:#?}"
        );
        let message = rejection.message("backup", "charmcraft.yaml");
        assert!(
            message.starts_with("invalid parameters for action \"backup\": "),
            "{message}"
        );
        assert!(!message.contains(secret), "{message}");
        assert!(!format!("{rejection:?}").contains(secret));
    }

    #[test]
    fn ranges_and_lengths_are_named_without_the_value() {
        let backup = action(BACKUP);
        let given = params(json!({"target": "ab", "count": 11}));
        let Err(Rejection::Invalid(problems)) = check(&backup, "backup", &given) else {
            panic!("refused")
        };
        let texts: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "parameter \"count\": the value is greater than the maximum of 10",
                "parameter \"target\": the value is shorter than 3 characters",
            ]
        );
    }

    #[test]
    fn an_action_without_parameters_refuses_any() {
        let restart = action("    description: Restart.\n");
        assert_eq!(check(&restart, "backup", &JsonMap::new()), Ok(()));
        let Err(Rejection::Invalid(problems)) =
            check(&restart, "backup", &params(json!({"force": true})))
        else {
            panic!("refused")
        };
        assert_eq!(
            problems,
            [Problem::Undeclared {
                param: "force".into()
            }]
        );
        // additionalProperties: true accepts anything, and is not even read.
        let open = action("    additionalProperties: true\n");
        assert!(!can_refuse(&open));
        assert_eq!(check(&open, "backup", &params(json!({"force": 1}))), Ok(()));
    }

    #[test]
    fn a_schema_the_validator_refuses_is_named() {
        let mut broken = action("    params:\n      n: {type: integer}\n");
        broken
            .params
            .insert("m".into(), json!({"minimum": "not a number"}));
        let Err(rejection) = check(&broken, "backup", &JsonMap::new()) else {
            panic!("refused")
        };
        assert!(
            matches!(rejection, Rejection::BadSchema(_)),
            "{rejection:?}"
        );
        assert!(
            rejection
                .message("backup", "charm/charmcraft.yaml")
                .starts_with(
                    "action \"backup\" cannot run: its parameter schema in charm/charmcraft.yaml is not a valid JSON schema: "
                )
        );
    }

    #[test]
    fn the_example_of_docs_testing_md() {
        let backup = action(
            "    params:\n      target: {type: string}\n      retries: {type: integer, minimum: 0, default: 3}\n    required: [target]\n",
        );
        let given = backup.with_defaults(&params(json!({"retries": -1})));
        let rejection = check(&backup, "backup", &given).unwrap_err();
        assert_eq!(
            rejection.message("backup", "charmcraft.yaml"),
            "invalid parameters for action \"backup\": parameter \"target\" is required but was \
             not given; parameter \"retries\": the value is less than the minimum of 0"
        );
    }

    #[test]
    fn json_types_have_articles() {
        assert_eq!(json_type(&json!(1)), "an integer");
        assert_eq!(json_type(&json!(1.5)), "a number");
        assert_eq!(json_type(&json!(null)), "null");
        assert_eq!(json_type(&json!([])), "an array");
        assert_eq!(json_type(&json!({})), "an object");
        assert_eq!(json_type(&json!(true)), "a boolean");
    }
}
