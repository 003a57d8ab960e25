//! Desired objects: what the author gives ([`Object`]) and what is sent ([`Resolved`]).

use std::fmt;

use minijinja::AutoEscape;
use serde::Serialize;

use super::client::Scope;
use crate::template::{Template, TemplateError};

/// One desired object, or a template of several.
#[derive(Clone, Debug)]
pub struct Object(Source);

#[derive(Clone, Debug)]
enum Source {
    Value(Result<serde_json::Value, String>),
    Template {
        template: Template,
        context: minijinja::Value,
    },
}

impl Object {
    /// An object from a typed value, such as a `k8s-openapi` `ConfigMap` (with its
    /// `apiVersion` and `kind`, which `k8s-openapi` values serialize), or any serializable
    /// value of the same shape.
    pub fn typed(value: &impl Serialize) -> Object {
        Object(Source::Value(
            serde_json::to_value(value).map_err(|e| e.to_string()),
        ))
    }

    /// The objects of a YAML template (one or more documents, separated by `---`),
    /// rendered with `context`. Values are written escaped as JSON (see the
    /// [module documentation](super)).
    pub fn template(template: Template, context: impl Serialize) -> Object {
        Object(Source::Template {
            template,
            context: minijinja::Value::from_serialize(context),
        })
    }

    /// The objects to send, checked.
    pub(crate) fn resolve(self) -> Result<Vec<Resolved>, ObjectError> {
        match self.0 {
            Source::Value(Err(message)) => Err(ObjectError::Encode(message)),
            Source::Value(Ok(value)) => Ok(vec![Resolved::new(value, None)?]),
            Source::Template { template, context } => {
                let text = template
                    .render_escaped(&context, AutoEscape::Json)
                    .map_err(ObjectError::Template)?;
                let name = template.name().to_owned();
                let mut objects = Vec::new();
                for (index, document) in serde_yaml_ng::Deserializer::from_str(&text).enumerate() {
                    let value: serde_json::Value = serde::Deserialize::deserialize(document)
                        .map_err(|e| ObjectError::Yaml {
                            template: name.clone(),
                            document: index + 1,
                            message: e.to_string(),
                        })?;
                    if value.is_null() {
                        continue; // an empty document (a trailing `---`)
                    }
                    objects.push(Resolved::new(value, Some((&name, index + 1)))?);
                }
                if objects.is_empty() {
                    return Err(ObjectError::Yaml {
                        template: name,
                        document: 1,
                        message: "it renders no object".into(),
                    });
                }
                Ok(objects)
            }
        }
    }
}

/// Why a desired object cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjectError {
    /// A typed value that did not serialize.
    Encode(String),
    /// A template that did not render.
    Template(TemplateError),
    /// A template whose output is not YAML.
    Yaml {
        /// The template.
        template: String,
        /// The document, counted from 1.
        document: usize,
        /// The parser's message.
        message: String,
    },
    /// An object without `apiVersion`, `kind` or `metadata.name`.
    Incomplete {
        /// Where it came from: `template <name> document <n>`, or `a typed object`.
        source: String,
        /// The missing field.
        missing: &'static str,
    },
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::Encode(message) => write!(f, "an object does not encode: {message}"),
            ObjectError::Template(error) => write!(f, "{error}"),
            ObjectError::Yaml {
                template,
                document,
                message,
            } => write!(
                f,
                "template {template} document {document} is not valid YAML: {message}"
            ),
            ObjectError::Incomplete { source, missing } => {
                write!(f, "{source} has no `{missing}`")
            }
        }
    }
}

impl std::error::Error for ObjectError {}

/// An object ready to send: its JSON and where it goes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Resolved {
    pub(crate) value: serde_json::Value,
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
}

impl Resolved {
    fn new(value: serde_json::Value, from: Option<(&str, usize)>) -> Result<Resolved, ObjectError> {
        let source = || match from {
            Some((template, document)) => format!("template {template} document {document}"),
            None => "a typed object".to_owned(),
        };
        let text = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let missing = |missing| ObjectError::Incomplete {
            source: source(),
            missing,
        };
        let api_version = text("/apiVersion").ok_or_else(|| missing("apiVersion"))?;
        let kind = text("/kind").ok_or_else(|| missing("kind"))?;
        let name = text("/metadata/name").ok_or_else(|| missing("metadata.name"))?;
        let namespace = text("/metadata/namespace");
        Ok(Resolved {
            value,
            api_version,
            kind,
            name,
            namespace,
        })
    }

    /// Sets a label.
    pub(crate) fn label(&mut self, key: &str, value: &str) {
        let metadata = self.value["metadata"]
            .as_object_mut()
            .expect("checked: metadata.name exists");
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| serde_json::json!({}));
        if !labels.is_object() {
            *labels = serde_json::json!({});
        }
        labels[key] = value.into();
    }

    /// The kind and namespace it lives in.
    pub(crate) fn scope(&self) -> Scope {
        Scope {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
        }
    }

    /// Its name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// `Kind namespace/name`, or `Kind name` for a cluster-wide object.
    pub(crate) fn describe(&self) -> String {
        self.scope().describe(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(source: &str) -> Template {
        Template::new("objects.yaml.j2", source)
    }

    #[test]
    fn a_template_yields_each_document_with_its_place() {
        let objects = Object::template(
            template(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ app ~ '-a' }}\n  namespace: {{ ns }}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ app }}\n---\n",
            ),
            serde_json::json!({"app": "demo", "ns": "team-a"}),
        )
        .resolve()
        .unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].describe(), "ConfigMap team-a/demo-a");
        assert_eq!(objects[1].describe(), "ServiceAccount demo");
    }

    #[test]
    fn values_are_escaped_not_injected() {
        let objects = Object::template(
            template("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  greeting: {{ greeting }}\n"),
            serde_json::json!({"greeting": "a: b\nkind: Secret\n{x}"}),
        )
        .resolve()
        .unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].kind, "ConfigMap");
        assert_eq!(
            objects[0].value["data"]["greeting"],
            "a: b\nkind: Secret\n{x}"
        );
    }

    #[test]
    fn bad_templates_are_named() {
        let error = Object::template(template("a: [\n"), serde_json::json!({}))
            .resolve()
            .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("template objects.yaml.j2 document 1 is not valid YAML: "),
            "{error}"
        );
        let error = Object::template(
            template("apiVersion: v1\nmetadata: {name: x}\n"),
            serde_json::json!({}),
        )
        .resolve()
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "template objects.yaml.j2 document 1 has no `kind`"
        );
        let error = Object::template(template("{{ missing }}"), serde_json::json!({}))
            .resolve()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "template objects.yaml.j2 line 1: undefined value"
        );
        let error = Object::template(template("# nothing\n"), serde_json::json!({}))
            .resolve()
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "template objects.yaml.j2 document 1 is not valid YAML: it renders no object"
        );
    }

    #[test]
    fn labels_are_added_to_existing_ones() {
        let mut object = Object::typed(&serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"team": "a"}}
        }))
        .resolve()
        .unwrap()
        .remove(0);
        object.label("app.kubernetes.io/managed-by", "demo");
        assert_eq!(
            object.value["metadata"]["labels"],
            serde_json::json!({"team": "a", "app.kubernetes.io/managed-by": "demo"})
        );
    }
}
