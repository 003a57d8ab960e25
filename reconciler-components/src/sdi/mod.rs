//! The serialized-data-interface (SDI) convention of the Kubeflow Python charms, so a charm
//! written with `reconciler` talks to one that is not.
//!
//! # The convention
//!
//! An SDI endpoint declares, in the charm's metadata, a `schema` (a YAML document inline,
//! or a URL of one) and the `versions` it supports:
//!
//! ```yaml
//! requires:
//!   ingress:
//!     interface: ingress
//!     schema:
//!       v1:
//!         requires:            # what the requiring side sends
//!           type: object
//!           properties: {service: {type: string}, port: {type: integer}}
//!           required: [service, port]
//!     versions: [v1]
//! ```
//!
//! The schema document maps each version to the JSON schema (written in YAML) of what each
//! side sends, by role (`provides`, `requires`), optionally split into `app` and `unit`
//! (a role's schema without that split is the application data's). Both leaders put the
//! versions they support in their application databag under `_supported_versions`, as a
//! YAML list (`- v1`); the version used on a relation is the highest both support. The
//! leader then writes its data as one YAML document under the key `data` (or, for a version
//! marked `flat: true`, each top-level field YAML-encoded under its own key), and each side
//! validates what it reads against the other role's schema for the version in use.
//!
//! A schema given as a URL cannot be fetched while a hook runs (the Python library
//! downloads it, which can hang a hook): give the document to the component with
//! [`SdiSender::with_schema`] / [`SdiRequirer::with_schema`], e.g.
//! `.with_schema(include_str!("ingress.yaml"))`. A schema given that way is used instead of
//! the metadata's, whichever form that has; `versions` always comes from the metadata.
//!
//! # `SdiSender`
//!
//! On the leader, for every relation on its endpoint: writes `_supported_versions`, agrees
//! on the version with the remote application, validates the data its [`RelationData`]
//! source produces against this side's schema for that version, and writes it. Writes only
//! keys whose values changed. Other units do nothing. Statuses, worst first:
//! - Blocked when the schema is unusable (not declared, a URL with no document supplied,
//!   not YAML, not a valid JSON schema, no schema for this side);
//! - Blocked when a related application shares no version with this charm, naming both
//!   lists;
//! - Blocked when the data fails the schema, naming the path and the schema's error;
//! - Waiting while a related application has not sent its versions yet;
//! - Active otherwise (also with no relation).
//!
//! # `SdiRequirer`
//!
//! For every relation on its endpoint: agrees on the version, reads the remote
//! application's data, validates it against the other role's schema and deserializes it
//! into `T`; dependents read it through [`SdiRequirer::received`]. The leader also writes
//! `_supported_versions` (both sides must). Statuses, worst first:
//! - Blocked `missing relation <endpoint>: ...` while there is none, unless it is
//!   [`optional`](SdiRequirer::optional): then Active with nothing received;
//! - Blocked for an unusable schema (as above), no common version (naming both lists),
//!   `_supported_versions` or data that is not YAML (naming the application and the parse
//!   position), data failing the schema (naming the application, the path and the schema's
//!   error), or data `T` cannot hold (naming the field);
//! - Waiting while a related application has not sent its versions or its data;
//! - Active when every relation has valid data.
//!
//! Both observe every event of their endpoint.
//!
//! ```
//! use reconciler_components::relation_data::RelationData;
//! use reconciler_components::sdi::SdiSender;
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Harness, Relation, State};
//! use reconciler_core::{RelationId, Scope};
//!
//! #[derive(serde::Serialize)]
//! struct Route {
//!     service: String,
//!     port: u16,
//! }
//!
//! struct MyRoute;
//! impl RelationData for MyRoute {
//!     type Data = Route;
//!     fn data(&mut self, _: &mut Context<'_>, (): ()) -> Result<Route, ComponentError> {
//!         Ok(Route { service: "kfp-ui".into(), port: 3000 })
//!     }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     ingress: SdiSender<MyRoute>,
//! }
//!
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo { ingress: SdiSender::new("ingress", MyRoute) }
//!     }
//! }
//!
//! let harness = Harness::from_yaml(
//!     "name: kfp-ui
//! requires:
//!   ingress:
//!     interface: ingress
//!     schema:
//!       v1:
//!         requires:
//!           type: object
//!           properties: {service: {type: string}, port: {type: integer}}
//!           required: [service, port]
//!     versions: [v1]
//! ",
//! )?;
//! let relation = Relation::new(1, "ingress", "istio-pilot")
//!     .with_remote_app_data([("_supported_versions", "- v1\n")]);
//! let state = State::default().with_leader(true).with_relation(relation);
//! let out = harness.run::<Demo>(Event::ConfigChanged, state)?;
//! let written = out.written(RelationId(1), Scope::App).unwrap();
//! assert_eq!(written.set["_supported_versions"], "- v1\n");
//! assert_eq!(written.set["data"], "port: 3000\nservice: kfp-ui\n");
//! assert_eq!(out.unit_status, Status::active());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use reconciler_core::metadata::{EndpointSchema, Role, SchemaVersion};
use reconciler_core::{
    BackendError, Component, ComponentError, Context, Databag, Member, Observe, RelationId, Scope,
    Status,
};

use crate::relation_data::{JUJU_KEYS, Problems, Received, RelationData, missing_relation};

/// The key both sides put their supported versions under.
pub const VERSIONS_KEY: &str = "_supported_versions";

/// The key the data goes under (for versions that are not `flat`).
pub const DATA_KEY: &str = "data";

/// An SDI endpoint as this charm sees it: its role, versions and schemas.
struct Interface {
    endpoint: String,
    role: Role,
    versions: Vec<SchemaVersion>,
    /// The schema document as JSON: version (as written) to role to `{app, unit}`.
    schemas: Vec<(SchemaVersion, serde_json::Value)>,
}

/// The side names the schema document uses.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Provides => "provides",
        Role::Requires => "requires",
        Role::Peers => "peers",
    }
}

fn other_role(role: Role) -> Role {
    match role {
        Role::Provides => Role::Requires,
        Role::Requires => Role::Provides,
        Role::Peers => Role::Peers,
    }
}

fn version_list(versions: &[SchemaVersion]) -> String {
    let list: Vec<String> = versions.iter().map(|v| v.to_string()).collect();
    format!("[{}]", list.join(", "))
}

impl Interface {
    /// Reads the endpoint's declaration and schema; Blocked when unusable.
    fn load(
        ctx: &mut Context<'_>,
        endpoint: &str,
        supplied: Option<&str>,
    ) -> Result<Interface, Status> {
        let Some(metadata) = ctx.metadata() else {
            return Err(Status::blocked(format!(
                "the charm's metadata is not available, so the schema and versions of `{endpoint}` are unknown"
            )));
        };
        let Some(declared) = metadata.endpoints.get(endpoint) else {
            let names: Vec<&str> = metadata.endpoints.keys().map(String::as_str).collect();
            return Err(Status::blocked(format!(
                "the charm's metadata declares no relation endpoint `{endpoint}` (declared: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        };
        if declared.versions.is_empty() {
            return Err(Status::blocked(format!(
                "endpoint `{endpoint}` declares no `schema` and `versions` in the charm's metadata; a serialized-data-interface endpoint needs both"
            )));
        }
        let (role, versions) = (declared.role, declared.versions.clone());
        let document: serde_yaml_ng::Value = match (supplied, &declared.schema) {
            (Some(text), _) => serde_yaml_ng::from_str(text).map_err(|e| {
                Status::blocked(format!(
                    "the schema supplied for `{endpoint}` is not YAML: {e}"
                ))
            })?,
            (None, Some(EndpointSchema::Inline(value))) => value.clone(),
            (None, Some(EndpointSchema::Url(url))) => {
                return Err(Status::blocked(format!(
                    "the schema of `{endpoint}` is at {url}, which cannot be fetched while a hook runs: give the document to the component with `.with_schema(include_str!(...))`"
                )));
            }
            (None, _) => {
                return Err(Status::blocked(format!(
                    "endpoint `{endpoint}` declares no `schema` in the charm's metadata"
                )));
            }
        };
        let serde_yaml_ng::Value::Mapping(mapping) = document else {
            return Err(Status::blocked(format!(
                "the schema of `{endpoint}` must map versions to schemas"
            )));
        };
        let mut schemas = Vec::new();
        for (key, value) in mapping {
            let Some(version) = SchemaVersion::from_yaml(&key) else {
                return Err(Status::blocked(format!(
                    "the schema of `{endpoint}` has a key that is not a version (write `v1` or `1`)"
                )));
            };
            let json = serde_json::to_value(&value).map_err(|e| {
                Status::blocked(format!(
                    "the schema of `{endpoint}` version {version} cannot be read as JSON: {e}"
                ))
            })?;
            schemas.push((version, json));
        }
        Ok(Interface {
            endpoint: endpoint.to_owned(),
            role,
            versions,
            schemas,
        })
    }

    /// The schema document of `version`.
    fn version(&self, version: SchemaVersion) -> Option<&serde_json::Value> {
        self.schemas
            .iter()
            .find(|(v, _)| v.number == version.number)
            .map(|(_, schema)| schema)
    }

    /// Whether `version` is `flat` (one key per field).
    fn flat(&self, version: SchemaVersion) -> bool {
        self.version(version)
            .and_then(|s| s.get("flat"))
            .and_then(|f| f.as_bool())
            .unwrap_or(false)
    }

    /// The JSON schema of `role`'s application data in `version`, Blocked when missing or
    /// invalid.
    fn app_schema(
        &self,
        version: SchemaVersion,
        role: Role,
    ) -> Result<jsonschema::Validator, Status> {
        let endpoint = &self.endpoint;
        let side = role_name(role);
        let schema = self.version(version).and_then(|s| s.get(side));
        // A role's schema without the `app`/`unit` split is the application data's.
        let schema = match schema {
            Some(serde_json::Value::Object(map))
                if !map.is_empty() && map.keys().all(|k| k == "app" || k == "unit") =>
            {
                map.get("app")
            }
            other => other,
        };
        let Some(schema) = schema else {
            return Err(Status::blocked(format!(
                "the schema of `{endpoint}` version {version} has no `{side}` schema for application data"
            )));
        };
        jsonschema::validator_for(schema).map_err(|e| {
            Status::blocked(format!(
                "the schema of `{endpoint}` version {version} (`{side}`) is not a valid JSON schema: {e}"
            ))
        })
    }

    /// `_supported_versions` as this charm writes it: a YAML list of its versions as
    /// declared (`- v1`).
    fn versions_text(&self) -> String {
        let list: Vec<serde_yaml_ng::Value> = self
            .versions
            .iter()
            .map(|v| {
                if v.prefixed {
                    serde_yaml_ng::Value::String(v.to_string())
                } else {
                    serde_yaml_ng::Value::Number(v.number.into())
                }
            })
            .collect();
        serde_yaml_ng::to_string(&list).unwrap_or_default()
    }

    /// The version to use with a remote application whose databag is `bag`.
    fn negotiate(&self, app: &str, bag: &Databag) -> Result<SchemaVersion, Problem> {
        let endpoint = &self.endpoint;
        let Some(raw) = bag.get(VERSIONS_KEY) else {
            return Err(Problem::Waiting(format!(
                "waiting for `{app}` to send its supported versions (`{VERSIONS_KEY}`) on `{endpoint}`"
            )));
        };
        let parsed: serde_yaml_ng::Value = serde_yaml_ng::from_str(raw).map_err(|e| {
            Problem::Invalid(format!(
                "`{app}` sent `{VERSIONS_KEY}` on `{endpoint}` that is not YAML: {e}"
            ))
        })?;
        let remote: Option<Vec<SchemaVersion>> = parsed
            .as_sequence()
            .map(|list| list.iter().map(SchemaVersion::from_yaml).collect())
            .unwrap_or(None);
        let Some(remote) = remote else {
            return Err(Problem::Invalid(format!(
                "`{app}` sent `{VERSIONS_KEY}` on `{endpoint}` that is not a list of versions: {}",
                crate::relation_data::quote(raw)
            )));
        };
        self.versions
            .iter()
            .filter(|local| remote.iter().any(|r| r.number == local.number))
            .max_by_key(|v| v.number)
            .copied()
            .ok_or_else(|| {
                Problem::Invalid(format!(
                    "no schema version in common with `{app}` on `{endpoint}`: this charm supports {}, `{app}` supports {}",
                    version_list(&self.versions),
                    version_list(&remote)
                ))
            })
    }
}

/// A problem with one relation.
enum Problem {
    Waiting(String),
    Invalid(String),
}

impl Problem {
    fn record(self, problems: &mut Problems) {
        match self {
            Problem::Waiting(message) => problems.waiting.push(message),
            Problem::Invalid(message) => problems.invalid.push(message),
        }
    }
}

/// `at /port: "abc" is not of type "integer"` for the first error of `instance`.
fn schema_errors(
    validator: &jsonschema::Validator,
    instance: &serde_json::Value,
) -> Option<String> {
    let error = validator.iter_errors(instance).next()?;
    let path = error.instance_path.to_string();
    let at = if path.is_empty() {
        "at the top level".to_owned()
    } else {
        format!("at `{path}`")
    };
    Some(format!("{at}: {error}"))
}

/// The value as YAML the way the Python library writes it (`yaml.safe_dump`: block style,
/// keys sorted).
fn to_yaml(value: &serde_json::Value) -> String {
    fn sorted(value: &serde_json::Value) -> serde_yaml_ng::Value {
        match value {
            serde_json::Value::Object(map) => {
                let ordered: BTreeMap<&String, &serde_json::Value> = map.iter().collect();
                let mut mapping = serde_yaml_ng::Mapping::new();
                for (key, value) in ordered {
                    mapping.insert(serde_yaml_ng::Value::String(key.clone()), sorted(value));
                }
                serde_yaml_ng::Value::Mapping(mapping)
            }
            serde_json::Value::Array(items) => {
                serde_yaml_ng::Value::Sequence(items.iter().map(sorted).collect())
            }
            other => serde_yaml_ng::to_value(other).unwrap_or(serde_yaml_ng::Value::Null),
        }
    }
    serde_yaml_ng::to_string(&sorted(value)).unwrap_or_default()
}

/// Writes the keys of `wanted` whose values differ from `current` into this application's
/// databag; other keys are left alone.
fn set_changed(
    ctx: &mut Context<'_>,
    relation: RelationId,
    current: &Databag,
    wanted: &Databag,
) -> Result<(), BackendError> {
    let changes: Databag = wanted
        .iter()
        .filter(|(key, value)| current.get(*key) != Some(value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    ctx.backend().relation_set(relation, Scope::App, &changes)
}

/// This application's databag in `relation` (leader only).
fn own_app_bag(ctx: &mut Context<'_>, relation: RelationId) -> Result<Databag, BackendError> {
    let app = ctx.backend().app_name().to_owned();
    ctx.backend().relation_get(relation, &Member::App(app))
}

/// Sends typed data on an SDI endpoint; see the [module documentation](self).
#[derive(Debug)]
pub struct SdiSender<S> {
    endpoint: Cow<'static, str>,
    source: S,
    schema: Option<Cow<'static, str>>,
    status: Option<Status>,
}

impl<S> SdiSender<S> {
    /// A sender on `endpoint` of the data `source` produces (the leader sends).
    pub fn new(endpoint: impl Into<Cow<'static, str>>, source: S) -> SdiSender<S> {
        SdiSender {
            endpoint: endpoint.into(),
            source,
            schema: None,
            status: None,
        }
    }

    /// This sender with the schema document given in code (YAML), used instead of the
    /// metadata's `schema`: needed when that is a URL.
    #[must_use]
    pub fn with_schema(mut self, yaml: impl Into<Cow<'static, str>>) -> SdiSender<S> {
        self.schema = Some(yaml.into());
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The source of the data.
    pub fn source(&self) -> &S {
        &self.source
    }

    fn send<D>(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<Status, ComponentError>
    where
        S: RelationData<D>,
    {
        let relations = ctx.backend().relation_ids(&self.endpoint)?;
        if relations.is_empty() {
            return Ok(Status::active());
        }
        let interface = match Interface::load(ctx, &self.endpoint, self.schema.as_deref()) {
            Ok(interface) => interface,
            Err(status) => return Ok(status),
        };
        let data = self.source.data(ctx, deps)?;
        let data = serde_json::to_value(&data).map_err(|e| {
            ComponentError::blocked(format!(
                "the data for `{}` does not encode: {e}",
                self.endpoint
            ))
        })?;
        let mut problems = Problems::default();
        for relation in relations {
            let Some(app) = ctx.backend().relation_remote_app(relation)? else {
                continue;
            };
            let current = own_app_bag(ctx, relation)?;
            let mut wanted = Databag::from([(VERSIONS_KEY.to_owned(), interface.versions_text())]);
            let remote = ctx
                .backend()
                .relation_get(relation, &Member::App(app.clone()))?;
            match interface.negotiate(&app, &remote) {
                Err(problem) => problem.record(&mut problems),
                Ok(version) => {
                    let validator = match interface.app_schema(version, interface.role) {
                        Ok(validator) => validator,
                        Err(status) => return Ok(status),
                    };
                    if let Some(error) = schema_errors(&validator, &data) {
                        return Ok(Status::blocked(format!(
                            "the data for `{}` does not match the schema (version {version}): {error}",
                            self.endpoint
                        )));
                    }
                    if interface.flat(version) {
                        if let serde_json::Value::Object(fields) = &data {
                            for (key, value) in fields {
                                wanted.insert(key.clone(), to_yaml(value));
                            }
                        }
                    } else {
                        wanted.insert(DATA_KEY.to_owned(), to_yaml(&data));
                    }
                }
            }
            set_changed(ctx, relation, &current, &wanted)?;
        }
        Ok(problems.status())
    }
}

impl<S, D> Component<D> for SdiSender<S>
where
    S: RelationData<D>,
{
    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        deps: D,
    ) -> Result<(), ComponentError> {
        self.status = Some(self.send(ctx, deps)?);
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        // Non-leaders send nothing: Active.
        self.status.clone().unwrap_or_else(Status::active)
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation(self.endpoint.clone())]
    }
}

/// Reads typed data from every relation on an SDI endpoint; see the
/// [module documentation](self).
#[derive(Debug)]
pub struct SdiRequirer<T> {
    endpoint: Cow<'static, str>,
    schema: Option<Cow<'static, str>>,
    optional: bool,
    read: Option<(Vec<Received<T>>, Status)>,
    _data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> SdiRequirer<T> {
    /// A requirer of the remote applications' data on `endpoint`.
    pub fn new(endpoint: impl Into<Cow<'static, str>>) -> SdiRequirer<T> {
        SdiRequirer {
            endpoint: endpoint.into(),
            schema: None,
            optional: false,
            read: None,
            _data: PhantomData,
        }
    }

    /// This requirer with the schema document given in code (YAML), used instead of the
    /// metadata's `schema`: needed when that is a URL.
    #[must_use]
    pub fn with_schema(mut self, yaml: impl Into<Cow<'static, str>>) -> SdiRequirer<T> {
        self.schema = Some(yaml.into());
        self
    }

    /// This requirer, Active with nothing received while nothing is related, rather than
    /// Blocked: for an endpoint the charm can do without (it then uses defaults), or whose
    /// dependents must run to clean up when the last application leaves. As with
    /// [`RelationDataRequirer::optional`](crate::relation_data::RelationDataRequirer::optional),
    /// invalid or incomplete data still blocks or waits.
    #[must_use]
    pub fn optional(mut self) -> SdiRequirer<T> {
        self.optional = true;
        self
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The valid data received in this hook, one entry per relation, in relation order.
    /// Empty before the component ran.
    pub fn received(&self) -> &[Received<T>] {
        self.read.as_ref().map_or(&[], |(received, _)| received)
    }

    fn read(&self, ctx: &mut Context<'_>) -> Result<(Vec<Received<T>>, Status), ComponentError> {
        let relations = ctx.backend().relation_ids(&self.endpoint)?;
        if relations.is_empty() {
            let status = if self.optional {
                Status::active()
            } else {
                Status::blocked(missing_relation(ctx, &self.endpoint))
            };
            return Ok((Vec::new(), status));
        }
        let interface = match Interface::load(ctx, &self.endpoint, self.schema.as_deref()) {
            Ok(interface) => interface,
            Err(status) => return Ok((Vec::new(), status)),
        };
        let mut received = Vec::new();
        let mut problems = Problems::default();
        for relation in relations {
            let Some(app) = ctx.backend().relation_remote_app(relation)? else {
                continue;
            };
            let bag = ctx
                .backend()
                .relation_get(relation, &Member::App(app.clone()))?;
            match read_one::<T>(&interface, &app, &bag) {
                Ok(data) => received.push(Received {
                    relation,
                    app,
                    unit: None,
                    data,
                }),
                Err(problem) => problem.record(&mut problems),
            }
        }
        Ok((received, problems.status()))
    }

    /// Writes `_supported_versions` into every relation (leader).
    fn send_versions(&self, ctx: &mut Context<'_>) -> Result<(), ComponentError> {
        let relations = ctx.backend().relation_ids(&self.endpoint)?;
        if relations.is_empty() {
            return Ok(());
        }
        let Ok(interface) = Interface::load(ctx, &self.endpoint, self.schema.as_deref()) else {
            // The status already says why.
            return Ok(());
        };
        let wanted = Databag::from([(VERSIONS_KEY.to_owned(), interface.versions_text())]);
        for relation in relations {
            let current = own_app_bag(ctx, relation)?;
            set_changed(ctx, relation, &current, &wanted)?;
        }
        Ok(())
    }
}

/// One remote application's data: negotiated, parsed, validated, deserialized.
fn read_one<T: DeserializeOwned>(
    interface: &Interface,
    app: &str,
    bag: &Databag,
) -> Result<T, Problem> {
    let endpoint = &interface.endpoint;
    let version = interface.negotiate(app, bag)?;
    let data: serde_json::Value = if interface.flat(version) {
        let mut fields = serde_json::Map::new();
        for (key, value) in bag {
            if key == VERSIONS_KEY || JUJU_KEYS.contains(&key.as_str()) {
                continue;
            }
            let parsed = serde_yaml_ng::from_str(value).map_err(|e| {
                Problem::Invalid(format!(
                    "`{app}` sent `{key}` on `{endpoint}` that is not YAML: {e}"
                ))
            })?;
            fields.insert(key.clone(), parsed);
        }
        serde_json::Value::Object(fields)
    } else {
        let Some(text) = bag.get(DATA_KEY) else {
            return Err(Problem::Waiting(format!(
                "waiting for `{app}` to send its data on `{endpoint}`"
            )));
        };
        serde_yaml_ng::from_str(text).map_err(|e| {
            Problem::Invalid(format!(
                "`{app}` sent data on `{endpoint}` that is not YAML: {e}"
            ))
        })?
    };
    let empty = match &data {
        serde_json::Value::Null => true,
        serde_json::Value::Object(map) => map.is_empty(),
        _ => false,
    };
    if empty {
        return Err(Problem::Waiting(format!(
            "waiting for `{app}` to send its data on `{endpoint}`"
        )));
    }
    let validator = interface
        .app_schema(version, other_role(interface.role))
        .map_err(|status| Problem::Invalid(status.message))?;
    if let Some(error) = schema_errors(&validator, &data) {
        return Err(Problem::Invalid(format!(
            "`{app}` sent data on `{endpoint}` that does not match the schema (version {version}): {error}"
        )));
    }
    serde_path_to_error::deserialize(data).map_err(|e| {
        Problem::Invalid(format!(
            "`{app}` sent data on `{endpoint}` that this charm cannot read: `{}`: {}",
            e.path(),
            e.inner()
        ))
    })
}

impl<T: DeserializeOwned> Component for SdiRequirer<T> {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.read = Some(self.read(ctx)?);
        Ok(())
    }

    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        self.send_versions(ctx)
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        match &self.read {
            Some((_, status)) => status.clone(),
            // Not configured in this hook (a status-only update-status): read again.
            None => match self.read(ctx) {
                Ok((_, status)) => status,
                Err(error) => error.status(),
            },
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation(self.endpoint.clone())]
    }
}
