//! Typed relation data: a sender that writes a serde value into the charm's databags on an
//! endpoint, and a requirer that reads and checks what related applications sent.
//!
//! # Encoding
//!
//! The convention of the Python `ops` library (`Relation.save` and `Relation.load`): the
//! value is a struct (or map), each top-level field is one databag key, and the key's value
//! is the field's value encoded as JSON. A `struct { service: String, port: u16 }` with
//! `("istio", 80)` is written as `service = "\"istio\""`, `port = "80"`. Use serde's
//! attributes for the key names (`#[serde(rename_all = "kebab-case")]`) and to leave fields
//! out (`#[serde(skip_serializing_if = "Option::is_none")]`; a `None` written as is becomes
//! the JSON `null`, which `ops` reads back as `None`).
//!
//! # `RelationDataSender`
//!
//! Writes the value a [`RelationData`] source produces (which may read the component's
//! typed dependencies, such as the workload's port) into this application's databag
//! ([`RelationDataSender::app`], leader only; on other units it does nothing) or this
//! unit's ([`RelationDataSender::unit`], every unit) in every relation on its endpoint. It
//! reads the bag first and writes only the keys whose values changed; keys in the bag that
//! the value no longer has are deleted (written empty), except the keys Juju itself puts
//! in unit databags (`ingress-address`, `egress-subnets`, `private-address`). The sender
//! therefore owns its databag on that endpoint: do not let two components write the same
//! bag.
//!
//! Statuses: Active once written (or when there is no relation). With
//! [`required`](RelationDataSender::required), Blocked `missing relation <endpoint>: ...`
//! while there is no relation. A value that does not encode is Blocked with serde's
//! message. Observes every event of its endpoint.
//!
//! # `RelationDataRequirer`
//!
//! Reads, for every relation on its endpoint, the remote application's databag
//! ([`RelationDataRequirer::app`]) or each remote unit's
//! ([`RelationDataRequirer::units`]) into a `T: DeserializeOwned`, and hands what it read to
//! the components that depend on it through [`received`](RelationDataRequirer::received).
//! Keys `T` has no field for are ignored (and not parsed).
//!
//! Statuses, worst first over all relations:
//! - Blocked `missing relation <endpoint>: ...` while there is none, saying what to
//!   integrate with;
//! - Blocked when a remote side sent a value that is not valid: naming the application
//!   (or unit), the field, what is wrong and the value (cut to 80 characters);
//! - Waiting while a remote side has not sent everything yet, naming the application and
//!   the first missing field;
//! - Active when every relation has complete, valid data.
//!
//! The relation a `relation-broken` event is about is left out (it is going away). Observes
//! every event of its endpoint.
//!
//! ```
//! use reconciler_components::relation_data::{RelationData, RelationDataRequirer, RelationDataSender};
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Harness, Relation, State};
//! use reconciler_core::{RelationId, Scope};
//!
//! /// What the ingress provider sends back.
//! #[derive(serde::Deserialize)]
//! struct IngressUrl {
//!     url: String,
//! }
//!
//! /// What this charm asks of the ingress provider: the workload's port.
//! #[derive(serde::Serialize)]
//! struct IngressRequest {
//!     service: String,
//!     port: u16,
//! }
//!
//! struct Workload {
//!     port: u16,
//! }
//! impl Component for Workload {
//!     fn status(&self, _: &mut Context<'_>) -> Status {
//!         Status::active()
//!     }
//! }
//!
//! /// The source of the request: reads the workload it depends on.
//! struct Request;
//! impl<'a> RelationData<&'a Workload> for Request {
//!     type Data = IngressRequest;
//!     fn data(&mut self, ctx: &mut Context<'_>, workload: &'a Workload) -> Result<IngressRequest, ComponentError> {
//!         Ok(IngressRequest { service: ctx.backend().app_name().to_owned(), port: workload.port })
//!     }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     workload: Workload,
//!     #[component(depends_on = [workload])]
//!     request: RelationDataSender<Request>,
//!     #[component]
//!     url: RelationDataRequirer<IngressUrl>,
//! }
//!
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo {
//!             workload: Workload { port: 8080 },
//!             request: RelationDataSender::app("ingress", Request).required(),
//!             url: RelationDataRequirer::app("ingress"),
//!         }
//!     }
//! }
//!
//! let harness = Harness::from_yaml("name: demo\nrequires:\n  ingress: {interface: ingress}\n")?;
//! let relation = Relation::new(3, "ingress", "istio");
//! let state = State::default().with_leader(true).with_relation(relation.clone());
//! let out = harness.run::<Demo>(Event::relation_created(&relation), state)?;
//! let written = out.written(RelationId(3), Scope::App).unwrap();
//! assert_eq!(written.set["port"], "8080");
//! assert_eq!(written.set["service"], "\"app\"");
//! assert_eq!(out.status_of("url"), Some(&Status::waiting("waiting for `istio` to send `url` on `ingress`")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

use reconciler_core::{
    BackendError, Component, ComponentError, Context, Databag, Member, Observe, RelationId, Scope,
    Status,
};

pub(crate) mod decode;

pub(crate) use decode::quote_value as quote;
use decode::{DecodeError, decode};

/// Keys Juju writes into unit databags itself; a sender never deletes them.
pub(crate) const JUJU_KEYS: [&str; 3] = ["egress-subnets", "ingress-address", "private-address"];

/// Where a [`RelationDataSender`]'s data comes from: implemented by the charm author,
/// possibly reading the sender's typed dependencies (`Deps`, as in
/// [`Component`]).
///
/// `Deps` is `()` for a source that reads nothing, `&'a Workload` for one dependency, a
/// tuple for several; the sender's `depends_on` must list them.
pub trait RelationData<Deps = ()> {
    /// The value sent: a struct (or map) whose top-level fields become the databag's keys.
    type Data: Serialize;

    /// The value to send now. Called on the units that write: every unit for unit data,
    /// the leader for application data.
    fn data(&mut self, ctx: &mut Context<'_>, deps: Deps) -> Result<Self::Data, ComponentError>;
}

/// Sends typed data on every relation of an endpoint; see the
/// [module documentation](self) for the encoding and the statuses.
#[derive(Debug)]
pub struct RelationDataSender<S> {
    endpoint: Cow<'static, str>,
    scope: Scope,
    source: S,
    required: bool,
    /// The relations on the endpoint, once `configure_unit` ran.
    relations: Option<Vec<RelationId>>,
}

impl<S> RelationDataSender<S> {
    /// A sender of application data (the leader writes; other units do nothing).
    pub fn app(endpoint: impl Into<Cow<'static, str>>, source: S) -> RelationDataSender<S> {
        RelationDataSender::new(endpoint.into(), Scope::App, source)
    }

    /// A sender of unit data (every unit writes its own).
    pub fn unit(endpoint: impl Into<Cow<'static, str>>, source: S) -> RelationDataSender<S> {
        RelationDataSender::new(endpoint.into(), Scope::Unit, source)
    }

    fn new(endpoint: Cow<'static, str>, scope: Scope, source: S) -> RelationDataSender<S> {
        RelationDataSender {
            endpoint,
            scope,
            source,
            required: false,
            relations: None,
        }
    }

    /// This sender, Blocked `missing relation <endpoint>: ...` while the endpoint has no
    /// relation (on every unit).
    #[must_use]
    pub fn required(mut self) -> RelationDataSender<S> {
        self.required = true;
        self
    }

    /// The endpoint written to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The source of the data.
    pub fn source(&self) -> &S {
        &self.source
    }

    /// Whose databag is written: [`Scope::App`] or [`Scope::Unit`].
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Computes the data and writes it into every relation.
    fn send<D>(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<(), ComponentError>
    where
        S: RelationData<D>,
    {
        let relations = self.relations.clone().unwrap_or_default();
        if relations.is_empty() {
            return Ok(());
        }
        let data = self.source.data(ctx, deps)?;
        let bag = encode(&data).map_err(|message| {
            ComponentError::blocked(format!(
                "the data for relation `{}` does not encode: {message}",
                self.endpoint
            ))
        })?;
        for relation in relations {
            write_changes(ctx, relation, self.scope, &bag)?;
        }
        Ok(())
    }
}

impl<S, D> Component<D> for RelationDataSender<S>
where
    S: RelationData<D>,
{
    fn configure_unit(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<(), ComponentError> {
        let relations = ctx.backend().relation_ids(&self.endpoint)?;
        if self.required && relations.is_empty() {
            return Err(ComponentError::blocked(missing_relation(
                ctx,
                &self.endpoint,
            )));
        }
        self.relations = Some(relations);
        match self.scope {
            Scope::Unit => self.send(ctx, deps),
            Scope::App => Ok(()),
        }
    }

    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        deps: D,
    ) -> Result<(), ComponentError> {
        match self.scope {
            Scope::App => self.send(ctx, deps),
            Scope::Unit => Ok(()),
        }
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        if self.relations.is_none() && self.required {
            // Not configured in this hook (a status-only update-status): check again.
            match ctx.backend().relation_ids(&self.endpoint) {
                Ok(ids) if ids.is_empty() => {
                    return Status::blocked(missing_relation(ctx, &self.endpoint));
                }
                Ok(_) => {}
                Err(error) => return ComponentError::from(error).status(),
            }
        }
        Status::active()
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation(self.endpoint.clone())]
    }
}

/// The value as a databag: each top-level field JSON-encoded under its name.
pub(crate) fn encode<T: Serialize + ?Sized>(data: &T) -> Result<Databag, String> {
    let value = serde_json::to_value(data).map_err(|e| e.to_string())?;
    let serde_json::Value::Object(fields) = value else {
        return Err(format!(
            "it must be a struct or map whose fields become the databag's keys, not {}",
            json_kind(&value)
        ));
    };
    fields
        .into_iter()
        .map(|(key, value)| {
            let text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
            Ok((key, text))
        })
        .collect()
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a map",
    }
}

/// Makes this unit's or application's databag in `relation` hold `bag`: reads it, writes
/// the keys whose values differ, deletes (writes empty) the keys `bag` does not have except
/// Juju's own. Writes nothing when nothing changed.
pub(crate) fn write_changes(
    ctx: &mut Context<'_>,
    relation: RelationId,
    scope: Scope,
    bag: &Databag,
) -> Result<(), BackendError> {
    let member = match scope {
        Scope::Unit => Member::Unit(ctx.backend().unit_name().to_owned()),
        Scope::App => Member::App(ctx.backend().app_name().to_owned()),
    };
    let current = ctx.backend().relation_get(relation, &member)?;
    let changes = diff(&current, bag);
    if changes.is_empty() {
        return Ok(());
    }
    ctx.backend().relation_set(relation, scope, &changes)
}

/// The `relation-set` changes that turn `current` into `wanted` (Juju's keys kept).
pub(crate) fn diff(current: &Databag, wanted: &Databag) -> Databag {
    let mut changes: Databag = wanted
        .iter()
        .filter(|(key, value)| current.get(*key) != Some(value))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for key in current.keys() {
        if !wanted.contains_key(key) && !JUJU_KEYS.contains(&key.as_str()) {
            changes.insert(key.clone(), String::new());
        }
    }
    changes
}

/// `missing relation <endpoint>: integrate with an application that provides the
/// `<interface>` interface (`juju integrate app:<endpoint> <application>`)`.
pub(crate) fn missing_relation(ctx: &mut Context<'_>, endpoint: &str) -> String {
    use reconciler_core::metadata::Role;
    let counterpart = ctx
        .metadata()
        .and_then(|m| m.endpoints.get(endpoint))
        .map(|e| {
            let role = match e.role {
                Role::Requires => "provides",
                Role::Provides => "requires",
                Role::Peers => "shares",
            };
            format!(" that {role} the `{}` interface", e.interface)
        })
        .unwrap_or_default();
    let app = ctx.backend().app_name().to_owned();
    format!(
        "missing relation `{endpoint}`: integrate with an application{counterpart} (`juju integrate {app}:{endpoint} <application>`)"
    )
}

/// Whose databags a [`RelationDataRequirer`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    App,
    Units,
}

/// What a [`RelationDataRequirer`] read from one remote application (or unit).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Received<T> {
    /// The relation it came through.
    pub relation: RelationId,
    /// The remote application.
    pub app: String,
    /// The remote unit, when the requirer reads unit data.
    pub unit: Option<String>,
    /// The data.
    pub data: T,
}

/// Reads typed data from every relation on an endpoint; see the
/// [module documentation](self) for the statuses.
///
/// Components that depend on it read what it received through the typed dependency:
///
/// ```
/// use reconciler_components::relation_data::RelationDataRequirer;
/// use reconciler_core::prelude::*;
///
/// #[derive(serde::Deserialize)]
/// struct Database {
///     url: String,
/// }
///
/// #[derive(Default)]
/// struct Migrations {
///     urls: Vec<String>,
/// }
///
/// impl<'a> Component<&'a RelationDataRequirer<Database>> for Migrations {
///     fn configure_unit(
///         &mut self,
///         _: &mut Context<'_>,
///         db: &'a RelationDataRequirer<Database>,
///     ) -> Result<(), ComponentError> {
///         self.urls = db.received().iter().map(|r| r.data.url.clone()).collect();
///         Ok(())
///     }
///     fn status(&self, _: &mut Context<'_>) -> Status {
///         Status::active()
///     }
/// }
/// ```
#[derive(Debug)]
pub struct RelationDataRequirer<T> {
    endpoint: Cow<'static, str>,
    source: Source,
    /// No relation is a valid, empty state (Active) rather than Blocked.
    optional: bool,
    /// What was read, and the status, once `configure_unit` ran.
    read: Option<(Vec<Received<T>>, Status)>,
    _data: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> RelationDataRequirer<T> {
    /// A requirer of the remote applications' data.
    pub fn app(endpoint: impl Into<Cow<'static, str>>) -> RelationDataRequirer<T> {
        RelationDataRequirer::new(endpoint.into(), Source::App)
    }

    /// A requirer of every remote unit's data.
    pub fn units(endpoint: impl Into<Cow<'static, str>>) -> RelationDataRequirer<T> {
        RelationDataRequirer::new(endpoint.into(), Source::Units)
    }

    fn new(endpoint: Cow<'static, str>, source: Source) -> RelationDataRequirer<T> {
        RelationDataRequirer {
            endpoint,
            source,
            optional: false,
            read: None,
            _data: PhantomData,
        }
    }

    /// This requirer, Active with nothing received while the endpoint has no relation,
    /// rather than Blocked.
    ///
    /// For an endpoint whose related applications each get something (a fan-out: objects,
    /// accounts, routes per application), zero applications is a legitimate state, and
    /// the components that depend on this one must run in it to clean up what they made
    /// for the applications that left. A dependent is skipped while its dependency is not
    /// Active, so a requirer whose empty state is legitimate reports it as Active: the
    /// dependent then runs with an empty `received()` and removes what is no longer
    /// wanted. Invalid or incomplete data still blocks or waits as usual, which keeps what
    /// was made until the data is right again.
    pub fn optional(mut self) -> RelationDataRequirer<T> {
        self.optional = true;
        self
    }

    /// The endpoint read.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The complete, valid data received in this hook, one entry per relation (per remote
    /// unit for unit data), in relation order. Empty before the component ran.
    pub fn received(&self) -> &[Received<T>] {
        self.read.as_ref().map_or(&[], |(received, _)| received)
    }

    /// Reads every relation: what is complete and valid, and the status. A hook tool
    /// that fails is an error (the component failed, and the runtime logs it as such), not
    /// a status about the data.
    fn read(&self, ctx: &mut Context<'_>) -> Result<(Vec<Received<T>>, Status), BackendError> {
        let relations = ctx.backend().relation_ids(&self.endpoint)?;
        if relations.is_empty() {
            let status = if self.optional {
                Status::active()
            } else {
                Status::blocked(missing_relation(ctx, &self.endpoint))
            };
            return Ok((Vec::new(), status));
        }
        let mut received = Vec::new();
        let mut problems = Problems::default();
        for relation in relations {
            self.read_relation(ctx, relation, &mut received, &mut problems)?;
        }
        Ok((received, problems.status()))
    }

    fn read_relation(
        &self,
        ctx: &mut Context<'_>,
        relation: RelationId,
        received: &mut Vec<Received<T>>,
        problems: &mut Problems,
    ) -> Result<(), BackendError> {
        let endpoint = &self.endpoint;
        let Some(app) = ctx.backend().relation_remote_app(relation)? else {
            problems.waiting.push(format!(
                "waiting for the remote application of relation `{endpoint}` {relation}"
            ));
            return Ok(());
        };
        let members: Vec<(Member, Option<String>)> = match self.source {
            Source::App => vec![(Member::App(app.clone()), None)],
            Source::Units => {
                let units = ctx.backend().relation_units(relation)?;
                if units.is_empty() {
                    problems
                        .waiting
                        .push(format!("waiting for units of `{app}` to join `{endpoint}`"));
                }
                units
                    .into_iter()
                    .map(|unit| (Member::Unit(unit.clone()), Some(unit)))
                    .collect()
            }
        };
        for (member, unit) in members {
            let bag = ctx.backend().relation_get(relation, &member)?;
            let sender = unit.as_deref().unwrap_or(&app);
            match decode::<T>(&bag) {
                Ok(data) => received.push(Received {
                    relation,
                    app: app.clone(),
                    unit,
                    data,
                }),
                Err(DecodeError::Missing { field }) => problems.waiting.push(format!(
                    "waiting for `{sender}` to send `{field}` on `{endpoint}`"
                )),
                Err(invalid) => problems.invalid.push(format!(
                    "`{sender}` sent invalid data on `{endpoint}`: {invalid}"
                )),
            }
        }
        Ok(())
    }
}

/// What is wrong across the relations, worst kind first.
#[derive(Default)]
pub(crate) struct Problems {
    pub(crate) invalid: Vec<String>,
    pub(crate) waiting: Vec<String>,
}

impl Problems {
    /// Blocked with the first invalid one, else Waiting with the first incomplete one,
    /// else Active; `(and N more)` when there are more of that kind.
    pub(crate) fn status(&self) -> Status {
        fn first(list: &[String]) -> String {
            match list.len() {
                1 => list[0].clone(),
                n => format!("{} (and {} more)", list[0], n - 1),
            }
        }
        if !self.invalid.is_empty() {
            Status::blocked(first(&self.invalid))
        } else if !self.waiting.is_empty() {
            Status::waiting(first(&self.waiting))
        } else {
            Status::active()
        }
    }
}

impl<T: DeserializeOwned> Component for RelationDataRequirer<T> {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.read = Some(self.read(ctx)?);
        Ok(())
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        match &self.read {
            Some((_, status)) => status.clone(),
            // Not configured in this hook (a status-only update-status): read again.
            None => match self.read(ctx) {
                Ok((_, status)) => status,
                Err(error) => ComponentError::from(error).status(),
            },
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::relation(self.endpoint.clone())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bag(entries: &[(&str, &str)]) -> Databag {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn encode_writes_each_field_as_json() {
        #[derive(Serialize)]
        struct Data {
            service: &'static str,
            port: u16,
            hosts: Vec<&'static str>,
            rewrite: Option<&'static str>,
        }
        let data = Data {
            service: "istio",
            port: 80,
            hosts: vec!["a", "b"],
            rewrite: None,
        };
        assert_eq!(
            encode(&data).unwrap(),
            bag(&[
                ("service", "\"istio\""),
                ("port", "80"),
                ("hosts", "[\"a\",\"b\"]"),
                ("rewrite", "null"),
            ])
        );
    }

    #[test]
    fn encode_refuses_a_value_that_is_not_a_struct() {
        assert_eq!(
            encode(&3).unwrap_err(),
            "it must be a struct or map whose fields become the databag's keys, not a number"
        );
    }

    #[test]
    fn diff_writes_changed_keys_and_deletes_vanished_ones_but_not_jujus() {
        let current = bag(&[
            ("port", "80"),
            ("service", "\"a\""),
            ("old", "1"),
            ("ingress-address", "10.0.0.1"),
        ]);
        let wanted = bag(&[("port", "80"), ("service", "\"b\"")]);
        assert_eq!(
            diff(&current, &wanted),
            bag(&[("service", "\"b\""), ("old", "")])
        );
        assert!(diff(&wanted, &wanted).is_empty());
    }
}
