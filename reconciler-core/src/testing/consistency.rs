//! Checks that an event could happen in a state, given the charm's metadata, before the
//! harness runs it: the same idea as ops-scenario's consistency checker, with one error
//! variant per kind of mistake, each naming what is wrong and where.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::backend::RelationId;
use crate::event::{Event, PebbleEventKind, RelationEventKind};
use crate::metadata::{Metadata, Role};
use crate::testing::state::State;

/// Why an event cannot be run against a state: something in the state or the event
/// contradicts the charm's metadata, or Juju would never send that event in that state.
///
/// The message names the file, field, value, relation id, container or event at fault.
///
/// ```
/// use reconciler_core::testing::{Harness, Inconsistency, State};
/// use reconciler_core::Event;
///
/// let harness = Harness::from_yaml("name: demo\nconfig:\n  options:\n    port: {type: int}\n")?;
/// let state = State::default().with_config("port", "eighty");
/// let problems = harness.check(&Event::ConfigChanged, &state);
/// assert_eq!(
///     problems[0].to_string(),
///     "charmcraft.yaml: config option \"port\" is declared as int, but the state sets \"eighty\" (a string)",
/// );
/// assert!(matches!(problems[0], Inconsistency::ConfigType { .. }));
/// # Ok::<(), reconciler_core::metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Inconsistency {
    /// A container-scoped relation (a subordinate and its principal) with other than one
    /// remote unit.
    #[error(
        "relation {id} on {endpoint:?} is container-scoped: it joins a subordinate to the one principal unit beside it, but the state gives {count} remote units ({units}); build it with Relation::subordinate"
    )]
    ContainerScopedUnits {
        /// The relation id.
        id: RelationId,
        /// Its endpoint.
        endpoint: String,
        /// How many remote units the state gives.
        count: usize,
        /// Those units, comma-separated.
        units: String,
    },
    /// A subordinate charm's unit in a state without a container-scoped relation to a
    /// principal: Juju creates subordinate units only through such a relation.
    #[error(
        "{file} declares a subordinate charm, whose units exist only beside a principal unit, but the state has no relation on a container-scoped endpoint ({endpoints}); add one with Relation::subordinate"
    )]
    SubordinateWithoutPrincipal {
        /// The metadata file.
        file: String,
        /// The container-scoped endpoints the metadata declares, comma-separated.
        endpoints: String,
    },
    /// The state sets a config option the metadata does not declare.
    #[error(
        "{file}: config option {key:?} is not declared in config.options (declared: {declared})"
    )]
    UnknownConfigKey {
        /// The metadata file.
        file: String,
        /// The option the state sets.
        key: String,
        /// The declared options, comma-separated.
        declared: String,
    },
    /// The state sets a config option to a value of the wrong type.
    #[error(
        "{file}: config option {key:?} is declared as {expected}, but the state sets {value} (a {actual})"
    )]
    ConfigType {
        /// The metadata file.
        file: String,
        /// The option.
        key: String,
        /// The declared type.
        expected: &'static str,
        /// The type of the value in the state.
        actual: &'static str,
        /// The value in the state.
        value: String,
    },
    /// Two relations in the state have the same id.
    #[error("the state has two relations with id {id}: on {first:?} and on {second:?}")]
    DuplicateRelationId {
        /// The id.
        id: RelationId,
        /// The endpoint of the first relation with that id.
        first: String,
        /// The endpoint of the second.
        second: String,
    },
    /// A relation in the state is on an endpoint the metadata does not declare.
    #[error(
        "{file}: relation {id} is on endpoint {endpoint:?}, which is not declared in provides, requires or peers (declared: {declared})"
    )]
    UnknownEndpoint {
        /// The metadata file.
        file: String,
        /// The relation id.
        id: RelationId,
        /// The endpoint.
        endpoint: String,
        /// The declared endpoints, comma-separated.
        declared: String,
    },
    /// A relation on a peer endpoint whose remote application is another application, or a
    /// relation on a provides/requires endpoint whose remote application is this one.
    #[error(
        "relation {id} on {endpoint:?} ({role}) has remote application {remote_app:?}, but {expected}"
    )]
    PeerMismatch {
        /// The relation id.
        id: RelationId,
        /// The endpoint.
        endpoint: String,
        /// `peers`, `provides` or `requires`.
        role: &'static str,
        /// The remote application in the state.
        remote_app: String,
        /// What it should be.
        expected: String,
    },
    /// A remote unit's name does not belong to the relation's remote application.
    #[error(
        "relation {id} on {endpoint:?}: remote unit {unit:?} is not a unit of the remote application {remote_app:?}"
    )]
    ForeignRemoteUnit {
        /// The relation id.
        id: RelationId,
        /// The endpoint.
        endpoint: String,
        /// The unit.
        unit: String,
        /// The relation's remote application.
        remote_app: String,
    },
    /// A relation lists this unit among its remote units.
    #[error("relation {id} on {endpoint:?} lists this unit, {unit:?}, among its remote units")]
    OwnUnitAsRemote {
        /// The relation id.
        id: RelationId,
        /// The endpoint.
        endpoint: String,
        /// This unit.
        unit: String,
    },
    /// A container in the state is not declared in the metadata.
    #[error(
        "{file}: container {container:?} is in the state but not declared in containers (declared: {declared})"
    )]
    UndeclaredContainer {
        /// The metadata file.
        file: String,
        /// The container.
        container: String,
        /// The declared containers, comma-separated.
        declared: String,
    },
    /// `State::containers` has a container under another name than its own.
    #[error("State::containers has container {name:?} under the key {key:?}")]
    ContainerKey {
        /// The map key.
        key: String,
        /// The container's name.
        name: String,
    },
    /// The unit name is not `<application>/<number>`.
    #[error("unit name {unit:?} is not of the form <application>/<number>")]
    InvalidUnitName {
        /// The unit name.
        unit: String,
    },
    // Secrets (secret-*): checked in `testing/secrets.rs`.
    /// Two secrets in the state have the same id.
    #[error("the state has two secrets with id {id}")]
    DuplicateSecret {
        /// The id.
        id: String,
    },
    /// A secret in the state is one Juju could not have: no revision, content Juju
    /// refuses, a tracked revision it lacks, a grant on a relation not in the state.
    #[error("secret {id}: {problem}")]
    InvalidSecret {
        /// The secret's id.
        id: String,
        /// What is wrong.
        problem: String,
    },
    /// Two owned secrets have the same label, or two observed secrets the same label of
    /// this unit's.
    #[error("two secrets have the label {label:?}: {first} and {second}")]
    DuplicateSecretLabel {
        /// The label.
        label: String,
        /// The first secret's id.
        first: String,
        /// The second secret's id.
        second: String,
    },
    /// A secret event names a secret the state does not have.
    #[error(
        "event {event}: the state has no secret {id} (secrets in the state: {present}); add it with State::with_secret"
    )]
    EventSecretMissing {
        /// The event.
        event: String,
        /// The id the event names.
        id: String,
        /// The ids of the secrets in the state, comma-separated.
        present: String,
    },
    /// A secret event Juju would not send to this unit for this secret, or with these
    /// values.
    #[error("event {event}: {problem}")]
    EventSecretMismatch {
        /// The event.
        event: String,
        /// What does not match.
        problem: String,
    },
    /// A relation event names a relation id the state does not have.
    #[error(
        "event {event}: the state has no relation with id {id} (relations in the state: {present})"
    )]
    EventRelationMissing {
        /// The event.
        event: String,
        /// The id the event names.
        id: RelationId,
        /// The relations in the state, as `endpoint:id`, comma-separated.
        present: String,
    },
    /// A relation event's endpoint or remote application differs from the relation's.
    #[error(
        "event {event}: relation {id} in the state has {field} {actual:?}, the event says {expected:?}"
    )]
    EventRelationMismatch {
        /// The event.
        event: String,
        /// The relation id.
        id: RelationId,
        /// `endpoint` or `remote application`.
        field: &'static str,
        /// What the state has.
        actual: String,
        /// What the event says.
        expected: String,
    },
    /// A relation event names a remote unit the relation does not have.
    #[error(
        "event {event}: remote unit {unit:?} is not in relation {id} (remote units: {present})"
    )]
    EventRemoteUnitMissing {
        /// The event.
        event: String,
        /// The relation id.
        id: RelationId,
        /// The unit the event names.
        unit: String,
        /// The relation's remote units, comma-separated.
        present: String,
    },
    /// A departed event whose departing unit is still among the relation's remote units.
    #[error(
        "event {event}: departing unit {unit:?} is still among relation {id}'s remote units; Juju lists it no more, so remove it from the state"
    )]
    DepartingUnitPresent {
        /// The event.
        event: String,
        /// The relation id.
        id: RelationId,
        /// The departing unit.
        unit: String,
    },
    /// A Pebble event for a container the metadata does not declare.
    #[error("event {event}: {file} declares no container {container:?} (declared: {declared})")]
    EventContainerUndeclared {
        /// The event.
        event: String,
        /// The metadata file.
        file: String,
        /// The container.
        container: String,
        /// The declared containers, comma-separated.
        declared: String,
    },
    /// A Pebble event for a container that is not in the state.
    #[error(
        "event {event}: container {container:?} is not in the state; add it with State::with_container"
    )]
    EventContainerMissing {
        /// The event.
        event: String,
        /// The container.
        container: String,
    },
    /// `pebble-ready` for a container whose Pebble does not answer: Juju sends the event
    /// only once Pebble is up.
    #[error(
        "event {event}: Juju sends pebble-ready only once Pebble answers, but container {container:?} has can_connect = false"
    )]
    PebbleReadyUnreachable {
        /// The event.
        event: String,
        /// The container.
        container: String,
    },
    /// An action the metadata does not declare.
    #[error("event {event}: {file} declares no action {action:?} (declared: {declared})")]
    UnknownAction {
        /// The event.
        event: String,
        /// The metadata file.
        file: String,
        /// The action.
        action: String,
        /// The declared actions, comma-separated.
        declared: String,
    },
    /// A storage event for a storage the metadata does not declare.
    #[error("event {event}: {file} declares no storage {storage:?} (declared: {declared})")]
    UnknownStorage {
        /// The event.
        event: String,
        /// The metadata file.
        file: String,
        /// The storage.
        storage: String,
        /// The declared storage, comma-separated.
        declared: String,
    },
    /// `leader-elected` on a unit that is not the leader.
    #[error(
        "event leader-elected: Juju sends it only to the new leader, but the state has leader = false"
    )]
    LeaderElectedOnNonLeader,

    // Tools: storage, networks, resources, planned units, the model (checked in
    // `testing/surface.rs`).
    /// The state's model uuid is not a UUID.
    #[error("the state's model uuid {uuid:?} is not a UUID (8-4-4-4-12 hexadecimal digits)")]
    InvalidModelUuid {
        /// The uuid.
        uuid: String,
    },
    /// The state puts a charm that declares containers (a sidecar charm) on a machine model.
    #[error(
        "{file} declares containers, which only a Kubernetes model runs, but the state's model type is machine"
    )]
    ModelTypeMismatch {
        /// The metadata file.
        file: String,
    },
    /// A storage id in the state is not `<name>/<number>`.
    #[error(
        "storage id {id:?} in the state is not of the form <storage name>/<number>, like data/0"
    )]
    InvalidStorageId {
        /// The id.
        id: String,
    },
    /// Storage in the state (attached, or requested with `storage-add`) of a name the
    /// metadata does not declare.
    #[error(
        "{file}: storage {id:?} in the state is an instance of {name:?}, which is not declared in storage (declared: {declared})"
    )]
    UndeclaredStorage {
        /// The metadata file.
        file: String,
        /// The storage id (`<name>/<requested>` for a request).
        id: String,
        /// Its storage name.
        name: String,
        /// The declared storage names, comma-separated.
        declared: String,
    },
    /// The same storage id twice in the state.
    #[error("the state has storage {id:?} attached twice")]
    DuplicateStorageId {
        /// The id.
        id: String,
    },
    /// A network for a binding that is neither an endpoint nor an extra binding.
    #[error(
        "{file}: the state has a network for binding {binding:?}, which is not declared as an endpoint or in extra-bindings (declared: {declared})"
    )]
    UndeclaredBinding {
        /// The metadata file.
        file: String,
        /// The binding.
        binding: String,
        /// The declared bindings, comma-separated.
        declared: String,
    },
    /// A resource the metadata does not declare.
    #[error(
        "{file}: the state has resource {resource:?}, which is not declared in resources (declared: {declared})"
    )]
    UndeclaredResource {
        /// The metadata file.
        file: String,
        /// The resource.
        resource: String,
        /// The declared resources, comma-separated.
        declared: String,
    },
    /// A file resource whose file does not exist.
    #[error("resource {resource:?} in the state is the file {path}, which does not exist")]
    ResourceFileMissing {
        /// The resource.
        resource: String,
        /// The path.
        path: String,
    },
    /// A planned unit of another application.
    #[error("planned unit {unit:?} is not a unit of this application, {app:?}")]
    ForeignPlannedUnit {
        /// The unit.
        unit: String,
        /// This application.
        app: String,
    },
    /// Planned units that leave out this unit.
    #[error("the state's planned units leave out this unit, {unit:?}; goal-state always lists it")]
    OwnUnitNotPlanned {
        /// This unit.
        unit: String,
    },
    /// A remote model for a relation that is not in the state.
    #[error("the state sets the remote model of relation {id}, which is not in the state")]
    RemoteModelRelationMissing {
        /// The relation id.
        id: RelationId,
    },
    /// A storage event for storage that is not attached in the state.
    #[error(
        "event {event}: storage {id:?} is not attached in the state (attached: {attached}); add it with State::with_storage"
    )]
    EventStorageMissing {
        /// The event.
        event: String,
        /// The storage id.
        id: String,
        /// The attached storage ids, comma-separated.
        attached: String,
    },
    // Metadata (action parameters, Pebble check and notice events, storage ids).
    /// An action parameter whose JSON type is not the one the action's schema declares:
    /// Juju would refuse to run the action with it.
    #[error(
        "action {action}: parameter {param:?}{} is declared as {expected}, but the test gives {actual}",
        inside(at)
    )]
    ActionParamType {
        /// The action.
        action: String,
        /// The parameter.
        param: String,
        /// Where inside the parameter (a JSON pointer such as `/port`; empty for the
        /// parameter itself).
        at: String,
        /// The type(s) the schema declares, e.g. `integer`.
        expected: String,
        /// The JSON type given, e.g. `a string`.
        actual: &'static str,
    },
    /// A `pebble-check-failed` / `pebble-check-recovered` event without a check name, or a
    /// `pebble-custom-notice` event without a notice: Juju always gives them.
    #[error("event {event}: Juju gives this event {what}, but the event has none")]
    EventIncomplete {
        /// The event.
        event: String,
        /// What it lacks: `a check name` or `a notice`.
        what: &'static str,
    },
    /// A Pebble check event for a check the container has neither in its plan nor in its
    /// checks' state.
    #[error(
        "event {event}: container {container:?} has no check {check:?} in its plan or its checks (checks: {present})"
    )]
    EventCheckMissing {
        /// The event.
        event: String,
        /// The container.
        container: String,
        /// The check the event names.
        check: String,
        /// The checks the container has, comma-separated.
        present: String,
    },
    /// A custom notice event for a notice id the container does not have.
    #[error(
        "event {event}: container {container:?} has no notice with id {id:?} (notices: {present}); add it to Container::notices"
    )]
    EventNoticeMissing {
        /// The event.
        event: String,
        /// The container.
        container: String,
        /// The notice id the event names.
        id: String,
        /// The container's notices, as `id (type key)`, comma-separated.
        present: String,
    },
    /// A custom notice event whose type or key differs from the container's notice with
    /// the same id.
    #[error(
        "event {event}: the container's notice {id:?} has {field} {actual:?}, the event says {expected:?}"
    )]
    EventNoticeMismatch {
        /// The event.
        event: String,
        /// The notice id.
        id: String,
        /// `type` or `key`.
        field: &'static str,
        /// What the container's notice has.
        actual: String,
        /// What the event says.
        expected: String,
    },
    /// A storage event whose storage id is not an instance of the event's storage
    /// (`<storage>/<number>`).
    #[error(
        "event {event}: storage id {id:?} is not an instance of storage {storage:?}; ids are {storage}/<number>"
    )]
    StorageIdMismatch {
        /// The event.
        event: String,
        /// The storage the event is for.
        storage: String,
        /// The id it gives.
        id: String,
    },
    /// `leader-deposed` on a unit that is still the leader.
    #[error(
        "event leader-deposed: Juju sends it once the unit is no longer the leader, but the state has leader = true"
    )]
    LeaderDeposedOnLeader,
}

/// ` (at /a/b)` for a place inside a parameter, nothing for the parameter itself.
fn inside(at: &str) -> String {
    if at.is_empty() {
        String::new()
    } else {
        format!(" (at {at})")
    }
}

fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for name in names {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let _ = write!(out, "{name:?}");
    }
    if out.is_empty() {
        out.push_str("none");
    }
    out
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Provides => "provides",
        Role::Requires => "requires",
        Role::Peers => "peers",
    }
}

/// Every inconsistency between `metadata` (read from `file`), `state` and `event`.
pub(crate) fn check(
    metadata: &Metadata,
    file: &str,
    event: &Event,
    state: &State,
) -> Vec<Inconsistency> {
    let mut problems = Vec::new();
    check_state(metadata, file, state, &mut problems);
    check_event(metadata, file, event, state, &mut problems);
    // Secrets (secret-*).
    crate::testing::secrets::check(event, state, &mut problems);
    // Tools: storage, networks, resources, planned units, the model.
    crate::testing::surface::check(metadata, file, event, state, &mut problems);
    check_event_details(event, state, &mut problems);
    problems
}

fn check_state(metadata: &Metadata, file: &str, state: &State, problems: &mut Vec<Inconsistency>) {
    let valid_unit = state.unit_name.split_once('/').is_some_and(|(app, n)| {
        !app.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    });
    if !valid_unit {
        problems.push(Inconsistency::InvalidUnitName {
            unit: state.unit_name.clone(),
        });
    }

    for (key, value) in &state.config {
        match metadata.options.get(key) {
            None => problems.push(Inconsistency::UnknownConfigKey {
                file: file.to_owned(),
                key: key.clone(),
                declared: list(metadata.options.keys().map(String::as_str)),
            }),
            Some(option) if !option.kind.accepts(value) => {
                problems.push(Inconsistency::ConfigType {
                    file: file.to_owned(),
                    key: key.clone(),
                    expected: option.kind.as_str(),
                    actual: value.type_name(),
                    value: value.to_string(),
                })
            }
            Some(_) => {}
        }
    }

    // Subordinates: a container-scoped relation has one remote unit, and a subordinate
    // charm's unit always has one such relation.
    let container_scoped = |endpoint: &str| {
        metadata
            .endpoints
            .get(endpoint)
            .is_some_and(|e| e.scope == crate::metadata::RelationScope::Container)
    };
    for relation in &state.relations {
        let units: Vec<&str> = relation.remote_units().collect();
        if container_scoped(&relation.endpoint) && units.len() > 1 {
            problems.push(Inconsistency::ContainerScopedUnits {
                id: relation.id,
                endpoint: relation.endpoint.clone(),
                count: units.len(),
                units: list(units.iter().copied()),
            });
        }
    }
    if metadata.subordinate
        && !state
            .relations
            .iter()
            .any(|r| container_scoped(&r.endpoint))
    {
        problems.push(Inconsistency::SubordinateWithoutPrincipal {
            file: file.to_owned(),
            endpoints: list(
                metadata
                    .endpoints
                    .iter()
                    .filter(|(_, e)| e.scope == crate::metadata::RelationScope::Container)
                    .map(|(name, _)| name.as_str()),
            ),
        });
    }

    let app = state.app_name();
    let mut seen: BTreeMap<RelationId, &str> = BTreeMap::new();
    for relation in &state.relations {
        if let Some(first) = seen.insert(relation.id, &relation.endpoint) {
            problems.push(Inconsistency::DuplicateRelationId {
                id: relation.id,
                first: first.to_owned(),
                second: relation.endpoint.clone(),
            });
        }
        match metadata.endpoints.get(&relation.endpoint) {
            None => problems.push(Inconsistency::UnknownEndpoint {
                file: file.to_owned(),
                id: relation.id,
                endpoint: relation.endpoint.clone(),
                declared: list(metadata.endpoints.keys().map(String::as_str)),
            }),
            Some(endpoint) => {
                let peer = endpoint.role == Role::Peers;
                if peer != (relation.remote_app == app) {
                    problems.push(Inconsistency::PeerMismatch {
                        id: relation.id,
                        endpoint: relation.endpoint.clone(),
                        role: role_name(endpoint.role),
                        remote_app: relation.remote_app.clone(),
                        expected: if peer {
                            format!("a peer relation's remote application is this one, {app:?} (use State::with_peer_relation)")
                        } else {
                            format!("only a peer relation relates {app:?} to itself")
                        },
                    });
                }
            }
        }
        for unit in relation.remote_units() {
            let owner = unit.split_once('/').map(|(owner, _)| owner);
            if unit == state.unit_name {
                problems.push(Inconsistency::OwnUnitAsRemote {
                    id: relation.id,
                    endpoint: relation.endpoint.clone(),
                    unit: unit.to_owned(),
                });
            } else if owner != Some(relation.remote_app.as_str()) {
                problems.push(Inconsistency::ForeignRemoteUnit {
                    id: relation.id,
                    endpoint: relation.endpoint.clone(),
                    unit: unit.to_owned(),
                    remote_app: relation.remote_app.clone(),
                });
            }
        }
    }

    for (key, container) in &state.containers {
        if *key != container.name {
            problems.push(Inconsistency::ContainerKey {
                key: key.clone(),
                name: container.name.clone(),
            });
        }
        if !metadata.containers.contains_key(key) {
            problems.push(Inconsistency::UndeclaredContainer {
                file: file.to_owned(),
                container: key.clone(),
                declared: list(metadata.containers.keys().map(String::as_str)),
            });
        }
    }
}

fn check_event(
    metadata: &Metadata,
    file: &str,
    event: &Event,
    state: &State,
    problems: &mut Vec<Inconsistency>,
) {
    let name = event.to_string();
    match event {
        Event::LeaderElected if !state.leader => {
            problems.push(Inconsistency::LeaderElectedOnNonLeader)
        }
        Event::Relation {
            kind,
            endpoint,
            id,
            remote_app,
            remote_unit,
            departing_unit,
        } => {
            let id = *id;
            let Some(relation) = state.relation(id) else {
                problems.push(Inconsistency::EventRelationMissing {
                    event: name,
                    id,
                    present: {
                        let names: Vec<String> = state
                            .relations
                            .iter()
                            .map(|r| format!("{}:{}", r.endpoint, r.id))
                            .collect();
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    },
                });
                return;
            };
            let mismatches = [
                ("endpoint", &relation.endpoint, Some(endpoint)),
                (
                    "remote application",
                    &relation.remote_app,
                    remote_app.as_ref(),
                ),
            ];
            for (field, actual, expected) in mismatches {
                match expected {
                    Some(expected) if expected != actual => {
                        problems.push(Inconsistency::EventRelationMismatch {
                            event: name.clone(),
                            id,
                            field,
                            actual: actual.clone(),
                            expected: expected.clone(),
                        });
                    }
                    _ => {}
                }
            }
            let listed = |unit: &String| relation.remote_units_data.contains_key(unit);
            match (kind, departing_unit, remote_unit) {
                (RelationEventKind::Departed, Some(unit), _) if listed(unit) => {
                    problems.push(Inconsistency::DepartingUnitPresent {
                        event: name,
                        id,
                        unit: unit.clone(),
                    });
                }
                (RelationEventKind::Joined | RelationEventKind::Changed, _, Some(unit))
                    if !listed(unit) =>
                {
                    problems.push(Inconsistency::EventRemoteUnitMissing {
                        event: name,
                        id,
                        unit: unit.clone(),
                        present: list(relation.remote_units()),
                    });
                }
                _ => {}
            }
        }
        Event::Pebble {
            kind, container, ..
        } => {
            if !metadata.containers.contains_key(container) {
                problems.push(Inconsistency::EventContainerUndeclared {
                    event: name,
                    file: file.to_owned(),
                    container: container.clone(),
                    declared: list(metadata.containers.keys().map(String::as_str)),
                });
                return;
            }
            match state.containers.get(container) {
                None => problems.push(Inconsistency::EventContainerMissing {
                    event: name,
                    container: container.clone(),
                }),
                Some(c) if *kind == PebbleEventKind::Ready && !c.can_connect => {
                    problems.push(Inconsistency::PebbleReadyUnreachable {
                        event: name,
                        container: container.clone(),
                    })
                }
                Some(_) => {}
            }
        }
        Event::Action { name: action, .. } if !metadata.actions.contains_key(action) => {
            problems.push(Inconsistency::UnknownAction {
                event: name,
                file: file.to_owned(),
                action: action.clone(),
                declared: list(metadata.actions.keys().map(String::as_str)),
            });
        }
        Event::Storage { name: storage, .. } if !metadata.storage.contains_key(storage) => {
            problems.push(Inconsistency::UnknownStorage {
                event: name,
                file: file.to_owned(),
                storage: storage.clone(),
                declared: list(metadata.storage.keys().map(String::as_str)),
            });
        }
        _ => {}
    }
}

// Metadata (action parameters, Pebble check and notice events, storage ids).

/// The parameters of the action `action` whose JSON type differs from the one its schema
/// declares. Other ways of breaking the schema are left to the runtime's check, which
/// fails the action as it would under Juju.
pub(crate) fn check_action_params(
    metadata: &Metadata,
    action: &str,
    params: &crate::backend::JsonMap,
) -> Vec<Inconsistency> {
    let Some(declared) = metadata.actions.get(action) else {
        return Vec::new();
    };
    let Err(crate::action_params::Rejection::Invalid(problems)) =
        crate::action_params::check(declared, action, params)
    else {
        return Vec::new();
    };
    problems
        .into_iter()
        .filter_map(|problem| match problem {
            crate::action_params::Problem::Type {
                param,
                at,
                expected,
                actual,
            } => Some(Inconsistency::ActionParamType {
                action: action.to_owned(),
                param,
                at,
                expected,
                actual,
            }),
            _ => None,
        })
        .collect()
}

/// What Pebble check and notice events and storage events name must exist: the check in
/// the container, the notice with its type and key, a storage id of the event's storage;
/// and `leader-deposed` comes to a unit that is no longer the leader.
fn check_event_details(event: &Event, state: &State, problems: &mut Vec<Inconsistency>) {
    let name = event.to_string();
    match event {
        Event::LeaderDeposed if state.leader => problems.push(Inconsistency::LeaderDeposedOnLeader),
        Event::Pebble {
            kind,
            container,
            check,
            notice,
        } => {
            let Some(c) = state.containers.get(container) else {
                return; // reported by check_event
            };
            match kind {
                PebbleEventKind::CheckFailed | PebbleEventKind::CheckRecovered => {
                    let Some(check) = check else {
                        problems.push(Inconsistency::EventIncomplete {
                            event: name,
                            what: "a check name",
                        });
                        return;
                    };
                    let plan = c.plan();
                    let mut present: Vec<&str> = plan.checks.keys().map(String::as_str).collect();
                    for info in &c.checks {
                        if !present.contains(&info.name.as_str()) {
                            present.push(&info.name);
                        }
                    }
                    if !present.contains(&check.as_str()) {
                        problems.push(Inconsistency::EventCheckMissing {
                            event: name,
                            container: container.clone(),
                            check: check.clone(),
                            present: list(present),
                        });
                    }
                }
                PebbleEventKind::CustomNotice => {
                    let Some(notice) = notice else {
                        problems.push(Inconsistency::EventIncomplete {
                            event: name,
                            what: "a notice",
                        });
                        return;
                    };
                    let Some(found) = c.notices.iter().find(|n| n.id == notice.id) else {
                        let present: Vec<String> = c
                            .notices
                            .iter()
                            .map(|n| format!("{} ({} {})", n.id, n.type_, n.key))
                            .collect();
                        problems.push(Inconsistency::EventNoticeMissing {
                            event: name,
                            container: container.clone(),
                            id: notice.id.clone(),
                            present: if present.is_empty() {
                                "none".to_owned()
                            } else {
                                present.join(", ")
                            },
                        });
                        return;
                    };
                    for (field, actual, expected) in [
                        ("type", found.type_.as_str(), notice.kind.as_str()),
                        ("key", found.key.as_str(), notice.key.as_str()),
                    ] {
                        if actual != expected {
                            problems.push(Inconsistency::EventNoticeMismatch {
                                event: name.clone(),
                                id: notice.id.clone(),
                                field,
                                actual: actual.to_owned(),
                                expected: expected.to_owned(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Event::Storage {
            name: storage,
            id: Some(id),
            ..
        } => {
            let instance = id.rsplit_once('/').is_some_and(|(s, n)| {
                s == storage && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
            });
            if !instance {
                problems.push(Inconsistency::StorageIdMismatch {
                    event: name,
                    storage: storage.clone(),
                    id: id.clone(),
                });
            }
        }
        _ => {}
    }
}
