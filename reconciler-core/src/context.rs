//! What a component sees while it runs: the event, the backend, and leadership.

use serde::de::DeserializeOwned;

use crate::backend::{Backend, BackendError, ConfigValue};
use crate::error::ComponentError;
use crate::event::Event;
use crate::metadata::Metadata;

/// The context of one hook, handed to every component method.
///
/// It borrows the [`Backend`] (the in-memory model in tests, hook tools under Juju) and
/// the [`Event`] being handled.
pub struct Context<'a> {
    backend: &'a mut dyn Backend,
    event: &'a Event,
}

impl<'a> Context<'a> {
    /// A context for handling `event` through `backend`.
    pub fn new(backend: &'a mut dyn Backend, event: &'a Event) -> Context<'a> {
        Context { backend, event }
    }

    /// The event being handled.
    pub fn event(&self) -> &'a Event {
        self.event
    }

    /// Whether this unit leads its application.
    ///
    /// The backend answers, and it alone decides how long an answer holds: under Juju an
    /// answer is reused for Juju's leadership lease (30 s) and asked again after it, so a
    /// long hook does not act on leadership it may have lost.
    pub fn is_leader(&mut self) -> Result<bool, BackendError> {
        self.backend.is_leader()
    }

    /// The value of the config option `key`: `Ok(None)` when it is declared but unset
    /// with no default, an error naming `key` and the declared options when the charm's
    /// metadata does not declare it (a typo, not an unset option). See
    /// [`Backend::config_value`].
    pub fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        self.backend.config_value(key)
    }

    /// The whole configuration as a typed value, deserialized with serde.
    ///
    /// Keys are the option names as the metadata declares them (usually kebab-case, so
    /// put `#[serde(rename_all = "kebab-case")]` on the struct); options that are unset
    /// and have no default are absent, so make their fields `Option<_>` or give them
    /// `#[serde(default)]`. Options the struct does not name are ignored unless it says
    /// `#[serde(deny_unknown_fields)]`.
    ///
    /// A value that does not fit is a [`ComponentError`] showing Blocked with the option,
    /// the value and the expected type: ``config option `port`: invalid value: integer
    /// `70000`, expected u16``. A missing required option says which and how to set it.
    ///
    /// ```
    /// use reconciler_core::prelude::*;
    /// use reconciler_core::testing::{Harness, State};
    ///
    /// #[derive(serde::Deserialize)]
    /// #[serde(rename_all = "kebab-case")]
    /// struct Config {
    ///     port: u16,
    ///     log_level: Option<String>,
    /// }
    ///
    /// #[derive(Default)]
    /// struct Workload {
    ///     port: Option<u16>,
    /// }
    ///
    /// impl Component for Workload {
    ///     fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
    ///         let config: Config = ctx.config_as()?;
    ///         self.port = Some(config.port);
    ///         Ok(())
    ///     }
    ///
    ///     fn status(&self, _: &mut Context<'_>) -> Status {
    ///         match self.port {
    ///             Some(_) => Status::active(),
    ///             None => Status::maintenance("not configured yet"),
    ///         }
    ///     }
    /// }
    ///
    /// #[derive(CharmReconciler, Default)]
    /// struct Demo {
    ///     #[component]
    ///     workload: Workload,
    /// }
    ///
    /// impl Charm for Demo {
    ///     fn new() -> Demo {
    ///         Demo::default()
    ///     }
    /// }
    ///
    /// let harness = Harness::from_yaml(
    ///     "name: demo\nconfig:\n  options:\n    port: {type: int, default: 8080}\n    log-level: {type: string}\n",
    /// )?;
    /// let out = harness.run::<Demo>(Event::ConfigChanged, State::default())?;
    /// assert_eq!(out.unit_status, Status::active());
    ///
    /// let out = harness.run::<Demo>(Event::ConfigChanged, State::default().with_config("port", 70000))?;
    /// assert_eq!(
    ///     out.unit_status,
    ///     Status::blocked("[workload] config option `port`: invalid value: integer `70000`, expected u16"),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config_as<T: DeserializeOwned>(&mut self) -> Result<T, ComponentError> {
        let config = self.backend.config()?;
        let map: serde_json::Map<String, serde_json::Value> = config
            .iter()
            .map(|(name, value)| (name.clone(), config_json(value)))
            .collect();
        serde_path_to_error::deserialize(serde_json::Value::Object(map))
            .map_err(|error| ComponentError::blocked(config_error_text(&error)))
    }

    /// The charm's metadata, when the backend knows it (see [`Backend::metadata`]).
    pub fn metadata(&self) -> Option<&Metadata> {
        self.backend.metadata()
    }

    // Tools: the model's identity.
    /// The model's uuid (`JUJU_MODEL_UUID`); see [`Backend::model_uuid`].
    pub fn model_uuid(&self) -> Result<&str, BackendError> {
        self.backend.model_uuid()
    }

    /// Whether the model is a Kubernetes or a machine model; see [`Backend::model_type`].
    ///
    /// ```
    /// use reconciler_core::prelude::*;
    /// use reconciler_core::testing::{MemoryBackend, State};
    /// use reconciler_core::ModelType;
    ///
    /// let mut backend = MemoryBackend::new(State::default().with_model_type(ModelType::Kubernetes));
    /// let event = Event::Install;
    /// let ctx = Context::new(&mut backend, &event);
    /// assert_eq!(ctx.model_type()?, ModelType::Kubernetes);
    /// assert!(ctx.juju_version()?.at_least(3, 0, 0));
    /// assert_eq!(ctx.model_uuid()?, reconciler_core::testing::DEFAULT_MODEL_UUID);
    /// # Ok::<(), reconciler_core::BackendError>(())
    /// ```
    pub fn model_type(&self) -> Result<crate::backend::ModelType, BackendError> {
        self.backend.model_type()
    }

    /// The version of Juju running the charm (`JUJU_VERSION`); see
    /// [`Backend::juju_version`].
    pub fn juju_version(&self) -> Result<crate::backend::JujuVersion, BackendError> {
        self.backend.juju_version()
    }

    /// The backend, for operations the context has no shortcut for.
    pub fn backend(&mut self) -> &mut dyn Backend {
        self.backend
    }
}

/// A config value as JSON, for deserializing the whole config with serde.
fn config_json(value: &ConfigValue) -> serde_json::Value {
    match value {
        ConfigValue::Bool(b) => serde_json::Value::Bool(*b),
        ConfigValue::Int(i) => serde_json::Value::from(*i),
        // A float that JSON cannot hold (NaN, infinite) cannot come from Juju's config;
        // it reads as null, which the target type refuses with a message.
        ConfigValue::Float(f) => serde_json::Value::from(*f),
        ConfigValue::String(s) => serde_json::Value::String(s.clone()),
    }
}

/// The message for a config that does not deserialize: the option (the error's path) and
/// serde's message, which names the value and the expected type.
fn config_error_text(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let message = error.inner().to_string();
    let path = error.path().to_string();
    if path == "." || path.is_empty() {
        // Only a missing option is reported at the top: `missing field `port``.
        if let Some(name) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            return format!(
                "config option `{name}` is not set and has no default; set it with `juju config <application> {name}=<value>`"
            );
        }
        return format!("config: {message}");
    }
    // Nested paths (`tls.cert`) only arise from a struct that reads one option as a map.
    format!("config option `{path}`: {message}")
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("event", &self.event)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::Status;
    use crate::testing::{MemoryBackend, State};

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "kebab-case")]
    struct Config {
        port: u16,
        log_level: Option<String>,
        #[serde(default)]
        debug: bool,
        ratio: Option<f64>,
    }

    fn config_as<T: DeserializeOwned>(state: State) -> Result<T, ComponentError> {
        let mut backend = MemoryBackend::new(state);
        let event = Event::ConfigChanged;
        Context::new(&mut backend, &event).config_as()
    }

    #[test]
    fn config_as_reads_kebab_case_options_and_leaves_unset_ones_out() {
        let state = State::default()
            .with_config("port", 8080)
            .with_config("log-level", "debug")
            .with_config("ratio", 1);
        let config: Config = config_as(state).unwrap();
        assert_eq!(
            config,
            Config {
                port: 8080,
                log_level: Some("debug".into()),
                debug: false,
                ratio: Some(1.0),
            }
        );
    }

    #[test]
    fn config_as_names_the_option_the_value_and_the_expected_type() {
        let error = config_as::<Config>(State::default().with_config("port", 70000)).unwrap_err();
        assert_eq!(
            error.status(),
            Status::blocked("config option `port`: invalid value: integer `70000`, expected u16")
        );
        let error = config_as::<Config>(
            State::default()
                .with_config("port", 80)
                .with_config("debug", "yes"),
        )
        .unwrap_err();
        assert_eq!(
            error.status(),
            Status::blocked(
                "config option `debug`: invalid type: string \"yes\", expected a boolean"
            )
        );
    }

    #[test]
    fn config_as_says_which_required_option_is_unset() {
        let error = config_as::<Config>(State::default()).unwrap_err();
        assert_eq!(
            error.status(),
            Status::blocked(
                "config option `port` is not set and has no default; set it with `juju config <application> port=<value>`"
            )
        );
    }

    #[test]
    fn metadata_comes_from_the_backend() {
        let metadata =
            Metadata::parse("name: demo\n", std::path::Path::new("charmcraft.yaml")).unwrap();
        let mut backend = MemoryBackend::new(State::default());
        let event = Event::ConfigChanged;
        assert!(Context::new(&mut backend, &event).metadata().is_none());
        let mut backend = backend.with_metadata(metadata);
        let ctx = Context::new(&mut backend, &event);
        assert_eq!(ctx.metadata().map(|m| m.name.as_str()), Some("demo"));
    }
}
