//! [`ScenarioSection`]: a part of a simulator scenario that a component provides.

use std::fmt;

use crate::extensions::Extensions;

/// A key of a simulator scenario's `state:` (and of a step's `set:`) that a component
/// reads into the in-memory model, for the stand-in of a system beyond Juju that it uses.
///
/// The simulator (`my-charm simulate scenario.yaml`, see `docs/simulate.md`) knows the
/// parts of a state that Juju gives a unit: leadership, config, relations, containers. A
/// component that reaches further, such as `reconciler-components`' Kubernetes component,
/// keeps an in-memory stand-in in the state's [`Extensions`]; its section lets a scenario
/// prepare that stand-in (for Kubernetes, the namespaces that exist). A component offers
/// its sections from [`Component::scenario_sections`](crate::Component::scenario_sections),
/// so a charm gets the sections of the components it is made of without writing anything.
///
/// ```
/// use reconciler_core::{Extensions, ScenarioSection};
///
/// #[derive(Clone, Debug, Default, PartialEq)]
/// struct Mailbox(Vec<String>);
///
/// fn load(value: &serde_json::Value, extensions: &mut Extensions) -> Result<(), String> {
///     let messages: Vec<String> = serde_json::from_value(value.clone())
///         .map_err(|e| format!("expected a list of messages: {e}"))?;
///     extensions.get_or_insert_with(Mailbox::default).0.extend(messages);
///     Ok(())
/// }
///
/// let section = ScenarioSection::new("mailbox", "messages waiting in the mailbox", load)
///     .with_describe(|extensions| {
///         extensions.get::<Mailbox>().map(|m| m.0.clone()).unwrap_or_default()
///     });
/// let mut extensions = Extensions::default();
/// section.load(&serde_json::json!(["hello"]), &mut extensions)?;
/// assert_eq!(section.describe(&extensions), ["hello"]);
/// assert!(section.load(&serde_json::json!(7), &mut extensions).is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Copy)]
pub struct ScenarioSection {
    key: &'static str,
    summary: &'static str,
    load: fn(&serde_json::Value, &mut Extensions) -> Result<(), String>,
    describe: fn(&Extensions) -> Vec<String>,
}

impl ScenarioSection {
    /// A section under `key`, described for `--help` and error messages by `summary`,
    /// whose value `load` reads into the extensions (adding to what is there: a step's
    /// `set:` loads into the state the previous steps left). `load` returns what is wrong
    /// with a value it cannot take, in a sentence; the simulator adds the file and line.
    pub const fn new(
        key: &'static str,
        summary: &'static str,
        load: fn(&serde_json::Value, &mut Extensions) -> Result<(), String>,
    ) -> ScenarioSection {
        ScenarioSection {
            key,
            summary,
            load,
            describe: |_| Vec::new(),
        }
    }

    /// This section, with `describe` listing what the stand-in holds (one line each), which
    /// the simulator prints after each step.
    #[must_use]
    pub const fn with_describe(
        mut self,
        describe: fn(&Extensions) -> Vec<String>,
    ) -> ScenarioSection {
        self.describe = describe;
        self
    }

    /// The key in a scenario's `state:` and `set:`.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// What the section prepares, in a few words.
    pub fn summary(&self) -> &'static str {
        self.summary
    }

    /// Reads `value` (the YAML under the key, as JSON) into `extensions`.
    pub fn load(
        &self,
        value: &serde_json::Value,
        extensions: &mut Extensions,
    ) -> Result<(), String> {
        (self.load)(value, extensions)
    }

    /// What the stand-in holds, one line each (empty when there is nothing to show).
    pub fn describe(&self, extensions: &Extensions) -> Vec<String> {
        (self.describe)(extensions)
    }
}

impl fmt::Debug for ScenarioSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScenarioSection")
            .field("key", &self.key)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}
