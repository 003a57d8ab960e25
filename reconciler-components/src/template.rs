//! Templates for the files the Pebble components push, in Jinja2 syntax (rendered with
//! [minijinja](https://docs.rs/minijinja)).
//!
//! A [`Template`] is a name (shown in errors) and its source text. Rendering is strict: a
//! variable the context does not define is an error rather than an empty string, so a
//! misspelt or missing value cannot produce a half-written config file. An error is a
//! [`TemplateError`] that names the template and, when known, the line.
//!
//! Rendering differs from Jinja2's defaults in two ways that suit config files: the
//! trailing newline of the template is kept, and nothing is HTML-escaped whatever the
//! template's name ends with.
//!
//! ```
//! use reconciler_components::template::Template;
//!
//! let template = Template::new("app.conf.j2", "port = {{ port }}\n");
//! assert_eq!(template.render(serde_json::json!({"port": 8080}))?, "port = 8080\n");
//!
//! let error = template.render(serde_json::json!({})).unwrap_err();
//! assert_eq!(error.template(), "app.conf.j2");
//! assert_eq!(error.line(), Some(1));
//! assert_eq!(error.to_string(), "template app.conf.j2 line 1: undefined value");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// A Jinja2 template: a name, shown in errors, and its source text.
///
/// Often the source is compiled into the charm:
/// `Template::new("app.conf.j2", include_str!("../templates/app.conf.j2"))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    name: String,
    source: String,
}

impl Template {
    /// A template called `name` (for error messages) with this source text.
    pub fn new(name: impl Into<String>, source: impl Into<String>) -> Template {
        Template {
            name: name.into(),
            source: source.into(),
        }
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template's source text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the template with `context` (any value that serializes to a map, such as a
    /// struct deriving `Serialize` or a `serde_json::json!({...})` object).
    ///
    /// Fails with a [`TemplateError`] naming the template and the line for a syntax error,
    /// a variable `context` does not define, or a filter or operation that fails.
    pub fn render(&self, context: impl Serialize) -> Result<String, TemplateError> {
        self.render_value(&minijinja::Value::from_serialize(context))
    }

    /// Renders with a context already converted to a template value.
    pub(crate) fn render_value(&self, context: &minijinja::Value) -> Result<String, TemplateError> {
        self.render_escaped(context, AutoEscape::None)
    }

    /// Renders with every `{{ ... }}` output escaped as `escape` says: `AutoEscape::Json`
    /// writes each value as JSON (a quoted, escaped string for a string), which YAML reads
    /// as the same value, so a value cannot add keys or documents to a YAML template.
    pub(crate) fn render_escaped(
        &self,
        context: &minijinja::Value,
        escape: AutoEscape,
    ) -> Result<String, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_keep_trailing_newline(true);
        env.set_auto_escape_callback(move |_| escape);
        let template = env
            .template_from_named_str(&self.name, &self.source)
            .map_err(|e| TemplateError::from_minijinja(&self.name, &e))?;
        template
            .render(context)
            .map_err(|e| TemplateError::from_minijinja(&self.name, &e))
    }
}

/// Why a template did not render: which template, which line (when known), and what was
/// wrong. The message describes the problem (`undefined value`, `syntax error: ...`), never
/// the values of the context, which may be secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    template: String,
    line: Option<usize>,
    message: String,
}

impl TemplateError {
    fn from_minijinja(template: &str, error: &minijinja::Error) -> TemplateError {
        let message = match error.detail() {
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        TemplateError {
            template: error.name().unwrap_or(template).to_owned(),
            line: error.line().filter(|&line| line > 0),
            message,
        }
    }

    /// The template's name.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The line (from 1) the error is on, when known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// What was wrong, without the template's name and line.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for TemplateError {
    /// `template <name> line <n>: <message>`, or `template <name>: <message>` when the
    /// line is not known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "template {} line {line}: {}",
                self.template, self.message
            ),
            None => write!(f, "template {}: {}", self.template, self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_syntax_error_names_the_template_and_line() {
        let template = Template::new("app.conf.j2", "a = 1\nb = {{ port \nc = 3\n");
        let error = template.render(json!({"port": 1})).unwrap_err();
        assert_eq!(error.template(), "app.conf.j2");
        assert!(error.line().is_some(), "{error:?}");
        assert!(
            error.to_string().starts_with("template app.conf.j2 line ")
                && error.message().starts_with("syntax error"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_variable_is_an_error_not_an_empty_string() {
        let template = Template::new("t", "x\ny = {{ nested.missing }}\n");
        let error = template.render(json!({"nested": {}})).unwrap_err();
        assert_eq!(error.line(), Some(2));
        assert_eq!(error.to_string(), "template t line 2: undefined value");
    }

    #[test]
    fn no_html_escaping_and_the_trailing_newline_is_kept() {
        let template = Template::new("index.html", "{{ v }}\n");
        assert_eq!(template.render(json!({"v": "<a&b>"})).unwrap(), "<a&b>\n");
    }

    #[test]
    fn an_error_does_not_show_context_values() {
        let template = Template::new("t", "{{ secret + 1 }}");
        let error = template
            .render(json!({"secret": "hunter2-very-secret"}))
            .unwrap_err();
        assert!(!format!("{error} {error:?}").contains("hunter2"), "{error}");
    }
}
