//! The tools part of the in-memory model: the [`State`] builders for the model's identity,
//! storage, networks, resources, planned units and the cloud; what [`MemoryBackend`]
//! answers for `storage-get`, `network-get`, `goal-state`, `resource-get`,
//! `relation-model-get`, `credential-get` and `juju-reboot`, with the same refusals as the
//! hook-tool backend; and the consistency checks of those parts of a state.
//!
//! [`MemoryBackend`]: crate::testing::MemoryBackend

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::backend::{BackendError, RelationId};
use crate::event::Event;
use crate::metadata::Metadata;
use crate::surface::{
    CloudSpec, Declared, GoalState, GoalStatus, JujuVersion, ModelType, Network, RemoteModel,
    Storage,
};
use crate::testing::consistency::Inconsistency;
use crate::testing::state::State;

/// The model uuid of [`State::default`].
pub const DEFAULT_MODEL_UUID: &str = "00000000-0000-4000-8000-000000000000";

/// The Juju version of [`State::default`].
pub const DEFAULT_JUJU_VERSION: &str = "3.6.8";

/// The address of a binding the state gives no [`Network`] (a documentation address,
/// `192.0.2.0`).
pub const DEFAULT_ADDRESS: &str = "192.0.2.0";

/// A charm resource in the in-memory model: a file the test already has, or content the
/// model writes to a file of its own when the charm asks for the resource (removed when
/// the backend goes).
///
/// ```
/// use reconciler_core::testing::{Resource, State};
///
/// let state = State::default().with_resource("config-template", Resource::content("port: {{ port }}"));
/// assert!(matches!(state.resources["config-template"], Resource::Content(_)));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resource {
    /// A file that exists: `resource-get` answers its path.
    File(PathBuf),
    /// The file's content: `resource-get` answers the path of a file holding it.
    Content(Vec<u8>),
}

impl Resource {
    /// A resource that is the file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> Resource {
        Resource::File(path.into())
    }

    /// A resource holding `content`.
    pub fn content(content: impl Into<Vec<u8>>) -> Resource {
        Resource::Content(content.into())
    }
}

impl fmt::Debug for Resource {
    /// The path, or the content's length (content can be large).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::File(path) => f.debug_tuple("File").field(path).finish(),
            Resource::Content(bytes) => write!(f, "Content(<{} bytes>)", bytes.len()),
        }
    }
}

/// The reboot a charm asked for with `juju-reboot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reboot {
    /// `juju-reboot`: after the hook, if it succeeds.
    AfterHook,
    /// `juju-reboot --now`: at once (under Juju the hook is killed and run again after the
    /// reboot).
    Now,
}

/// State builders of the tools part: the model's identity, storage, networks, resources,
/// planned units, the cloud and remote models.
///
/// ```
/// use reconciler_core::prelude::*;
/// use reconciler_core::testing::{Harness, Resource, State};
/// use reconciler_core::{Network, Storage};
///
/// /// Serves the files of its `data` storage on the `website` binding's address.
/// #[derive(Default)]
/// struct Server {
///     serving: Option<String>,
/// }
///
/// impl Component for Server {
///     fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
///         let backend = ctx.backend();
///         let data = backend.storage_get(Some("data/0"))?;
///         let network = backend.network_get("website", None)?;
///         let address = network.bind_address().unwrap_or("0.0.0.0");
///         let index = std::fs::read_to_string(backend.resource_get("index")?)
///             .map_err(|e| ComponentError::new(format!("cannot read the index: {e}")))?;
///         self.serving = Some(format!("{} at {address} ({index})", data.location.display()));
///         Ok(())
///     }
///
///     fn status(&self, _: &mut Context<'_>) -> Status {
///         match &self.serving {
///             Some(what) => Status::active_with(what.clone()),
///             None => Status::waiting("not serving yet"),
///         }
///     }
/// }
///
/// #[derive(CharmReconciler, Default)]
/// struct Web {
///     #[component]
///     server: Server,
/// }
///
/// impl Charm for Web {
///     fn new() -> Web {
///         Web::default()
///     }
/// }
///
/// let harness = Harness::from_yaml(
///     "name: web\nprovides:\n  website: {interface: http}\nstorage:\n  data: {type: filesystem}\nresources:\n  index: {type: file, filename: index.html}\n",
/// )?;
/// let state = State::default()
///     .with_storage(Storage::filesystem("data/0", "/srv/www"))
///     .with_network("website", Network::new("10.0.0.5"))
///     .with_resource("index", Resource::content("hello"));
/// let out = harness.run::<Web>(Event::Install, state)?;
/// assert_eq!(out.unit_status, Status::active_with("[server] /srv/www at 10.0.0.5 (hello)"));
///
/// // Storage that is not attached is Juju's error, naming it.
/// let out = harness.run::<Web>(Event::Install, State::default())?;
/// assert_eq!(
///     out.unit_status,
///     Status::blocked("[server] storage-get --format=json -s data/0: storage attachment data/0:app/0 not found"),
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl State {
    /// This state with another model uuid.
    #[must_use]
    pub fn with_model_uuid(mut self, uuid: impl Into<String>) -> State {
        self.model_uuid = uuid.into();
        self
    }

    /// This state with the model's type set (by default the metadata decides: see
    /// [`ModelType::from_metadata`]).
    #[must_use]
    pub fn with_model_type(mut self, model_type: ModelType) -> State {
        self.model_type = Some(model_type);
        self
    }

    /// This state with another Juju version.
    ///
    /// ```
    /// use reconciler_core::testing::State;
    ///
    /// let state = State::default().with_juju_version("3.5.4".parse()?);
    /// assert!(!state.juju_version.at_least(3, 6, 0));
    /// # Ok::<(), String>(())
    /// ```
    #[must_use]
    pub fn with_juju_version(mut self, version: JujuVersion) -> State {
        self.juju_version = version;
        self
    }

    /// This state with a storage instance attached (replacing one with the same id).
    ///
    /// ```
    /// use reconciler_core::testing::State;
    /// use reconciler_core::Storage;
    ///
    /// let state = State::default().with_storage(Storage::filesystem("data/0", "/srv/data"));
    /// assert_eq!(state.storage[0].name(), "data");
    /// ```
    #[must_use]
    pub fn with_storage(mut self, storage: Storage) -> State {
        self.storage.retain(|s| s.id != storage.id);
        self.storage.push(storage);
        self
    }

    /// This state with the network of a binding (an endpoint or extra binding).
    ///
    /// ```
    /// use reconciler_core::testing::State;
    /// use reconciler_core::Network;
    ///
    /// let state = State::default().with_network("db", Network::new("10.0.0.7"));
    /// assert_eq!(state.networks["db"].bind_address(), Some("10.0.0.7"));
    /// ```
    #[must_use]
    pub fn with_network(mut self, binding: impl Into<String>, network: Network) -> State {
        self.networks.insert(binding.into(), network);
        self
    }

    /// This state with a charm resource uploaded.
    #[must_use]
    pub fn with_resource(mut self, name: impl Into<String>, resource: Resource) -> State {
        self.resources.insert(name.into(), resource);
        self
    }

    /// This state with a unit Juju plans for this application (`goal-state`). Once any is
    /// given, `goal-state` lists exactly those given: give this unit too.
    #[must_use]
    pub fn with_planned_unit(mut self, unit: impl Into<String>, status: GoalStatus) -> State {
        self.planned_units.insert(unit.into(), status);
        self
    }

    /// This state with `count` planned units, all active: this unit and the
    /// lowest-numbered others (`app/0`, `app/1`, ...).
    ///
    /// ```
    /// use reconciler_core::testing::State;
    ///
    /// let state = State::default().with_unit_name("app/4").with_planned_units(3);
    /// let names: Vec<&str> = state.planned_units.keys().map(String::as_str).collect();
    /// assert_eq!(names, ["app/0", "app/1", "app/4"]);
    /// ```
    #[must_use]
    pub fn with_planned_units(mut self, count: usize) -> State {
        self.planned_units.clear();
        if count == 0 {
            return self;
        }
        let app = self.app_name().to_owned();
        self.planned_units
            .insert(self.unit_name.clone(), GoalStatus::new("active"));
        let mut number = 0u64;
        while self.planned_units.len() < count {
            self.planned_units
                .insert(format!("{app}/{number}"), GoalStatus::new("active"));
            number += 1;
        }
        self
    }

    /// This state with the application trusted: `credential-get` reports `spec`.
    #[must_use]
    pub fn with_cloud_spec(mut self, spec: CloudSpec) -> State {
        self.cloud_spec = Some(spec);
        self
    }

    /// This state with relation `relation`'s remote application in another model, the one
    /// with `uuid` (a cross-model relation).
    #[must_use]
    pub fn with_remote_model(mut self, relation: u64, uuid: impl Into<String>) -> State {
        self.remote_models.insert(RelationId(relation), uuid.into());
        self
    }
}

/// A directory of resource files, removed when the last backend holding it goes.
#[derive(Debug)]
struct ResourceDir(PathBuf);

impl ResourceDir {
    fn create() -> std::io::Result<ResourceDir> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "reconciler-resources-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // A directory left by an earlier process with the same id goes first.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(ResourceDir(path))
    }
}

impl Drop for ResourceDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What the in-memory backend keeps for the tools: the event's storage, and the directory
/// it writes resource content to.
#[derive(Clone, Debug, Default)]
pub(crate) struct MemorySurface {
    event_storage: Option<String>,
    resource_dir: Option<Arc<ResourceDir>>,
}

impl MemorySurface {
    /// Answers as while handling `event`: a storage event's storage is the one
    /// `storage_get(None)` reads.
    pub(crate) fn for_event(&mut self, event: &Event) {
        self.event_storage = match event {
            Event::Storage { id, .. } => id.clone(),
            _ => None,
        };
    }

    pub(crate) fn storage_get(
        &self,
        state: &State,
        metadata: Option<&Metadata>,
        id: Option<&str>,
    ) -> Result<Storage, BackendError> {
        let id = match id {
            Some(id) => id,
            None => self.event_storage.as_deref().ok_or_else(|| {
                BackendError::refused(
                    "storage-get",
                    "no storage id given, and the event is not a storage event (only \
                     <name>-storage-attached and <name>-storage-detaching have a storage)",
                )
            })?,
        };
        crate::surface::check_storage_id(metadata, id)?;
        state
            .storage
            .iter()
            .find(|s| s.id == id)
            .cloned()
            .ok_or_else(|| BackendError::NotFound {
                operation: format!("storage-get --format=json -s {id}"),
                what: format!("storage attachment {id}:{}", state.unit_name),
            })
    }

    pub(crate) fn resource_get(
        &mut self,
        state: &State,
        metadata: Option<&Metadata>,
        name: &str,
    ) -> Result<PathBuf, BackendError> {
        if let Some(metadata) = metadata {
            Declared::of(metadata).resource(name)?;
        }
        let operation = format!("resource-get {name}");
        match state.resources.get(name) {
            None => Err(BackendError::failed(
                operation,
                format!("could not download resource: resource {name:?} not found"),
            )),
            Some(Resource::File(path)) => Ok(path.clone()),
            Some(Resource::Content(content)) => {
                let failed = |e: std::io::Error| {
                    BackendError::failed(
                        operation.clone(),
                        format!("cannot write the resource's content to a file: {e}"),
                    )
                };
                let dir = match &self.resource_dir {
                    Some(dir) => Arc::clone(dir),
                    None => {
                        let dir = Arc::new(ResourceDir::create().map_err(failed)?);
                        self.resource_dir = Some(Arc::clone(&dir));
                        dir
                    }
                };
                // As Juju lays them out: a directory per resource.
                let path = dir.0.join(name).join(name);
                std::fs::create_dir_all(dir.0.join(name)).map_err(failed)?;
                std::fs::write(&path, content).map_err(failed)?;
                Ok(path)
            }
        }
    }
}

/// The model type: the state's, or else the metadata's.
pub(crate) fn model_type(
    state: &State,
    metadata: Option<&Metadata>,
) -> Result<ModelType, BackendError> {
    state
        .model_type
        .or_else(|| metadata.map(ModelType::from_metadata))
        .ok_or_else(|| {
            BackendError::failed(
                "model type",
                "the state sets no model type, and the backend has no metadata to tell it from \
                 (State::with_model_type, or MemoryBackend::with_metadata)",
            )
        })
}

pub(crate) fn storage_list(
    state: &State,
    metadata: Option<&Metadata>,
    name: Option<&str>,
) -> Result<Vec<String>, BackendError> {
    if let (Some(metadata), Some(name)) = (metadata, name) {
        Declared::of(metadata).storage("storage-list", name)?;
    }
    Ok(state
        .storage
        .iter()
        .filter(|s| name.is_none_or(|n| s.name() == n))
        .map(|s| s.id.clone())
        .collect())
}

pub(crate) fn storage_add(
    state: &mut State,
    metadata: Option<&Metadata>,
    name: &str,
    count: u32,
) -> Result<(), BackendError> {
    crate::surface::check_storage_add(metadata, name, count)?;
    *state.storage_requested.entry(name.to_owned()).or_default() += count;
    Ok(())
}

pub(crate) fn network_get(
    state: &State,
    metadata: Option<&Metadata>,
    binding: &str,
    relation: Option<RelationId>,
) -> Result<Network, BackendError> {
    if let Some(metadata) = metadata {
        Declared::of(metadata).binding(binding)?;
    }
    if let Some(id) = relation
        && state.relation(id).is_none()
    {
        return Err(BackendError::NotFound {
            operation: format!("network-get {binding} -r {id} --format=json"),
            what: format!("relation {id}"),
        });
    }
    if let Some(network) = state.networks.get(binding) {
        return Ok(network.clone());
    }
    // Juju gives every declared binding a network (the default space's).
    let endpoint = metadata.is_some_and(|m| m.endpoints.contains_key(binding))
        || state.relations.iter().any(|r| r.endpoint == binding);
    if endpoint {
        return Ok(Network::new(DEFAULT_ADDRESS));
    }
    Err(BackendError::failed(
        format!("network-get {binding} --format=json"),
        format!("no network config found for binding {binding:?}"),
    ))
}

/// `goal-state` of the state: its planned units (or this unit and its peers), and per
/// endpoint the remote application and units of its relations (`joined`, `joining` for a
/// relation without units yet, `broken` for the relation of a `relation-broken` event).
pub(crate) fn goal_state(state: &State, broken: Option<RelationId>) -> GoalState {
    let app = state.app_name().to_owned();
    let mut goal = GoalState::default();
    if state.planned_units.is_empty() {
        goal.units.insert(
            state.unit_name.clone(),
            GoalStatus::new(state.unit_status.kind.as_str()),
        );
        for relation in state.relations.iter().filter(|r| r.remote_app == app) {
            for unit in relation.remote_units() {
                goal.units
                    .insert(unit.to_owned(), GoalStatus::new("active"));
            }
        }
    } else {
        goal.units = state.planned_units.clone();
    }
    for relation in &state.relations {
        let entry = goal.relations.entry(relation.endpoint.clone()).or_default();
        let is_broken = Some(relation.id) == broken;
        let app_status = if is_broken {
            "broken"
        } else if relation.remote_units_data.is_empty() {
            "joining"
        } else {
            "joined"
        };
        if relation.remote_app != app {
            entry.insert(relation.remote_app.clone(), GoalStatus::new(app_status));
        }
        for unit in relation.remote_units() {
            let status = if is_broken { "broken" } else { "joined" };
            entry.insert(unit.to_owned(), GoalStatus::new(status));
        }
    }
    goal
}

pub(crate) fn relation_model_get(
    state: &State,
    relation: RelationId,
) -> Result<RemoteModel, BackendError> {
    crate::surface::check_relation_model_get(Some(&state.juju_version))?;
    if state.relation(relation).is_none() {
        return Err(BackendError::NotFound {
            operation: format!("relation-model-get -r {relation} --format=json"),
            what: format!("relation {relation}"),
        });
    }
    let uuid = state
        .remote_models
        .get(&relation)
        .unwrap_or(&state.model_uuid);
    Ok(RemoteModel::new(uuid.clone()))
}

pub(crate) fn credential_get(state: &State) -> Result<CloudSpec, BackendError> {
    state.cloud_spec.clone().ok_or_else(|| {
        BackendError::failed(
            "credential-get --format=json",
            "cannot access cloud credentials: permission denied",
        )
    })
}

pub(crate) fn reboot(
    state: &mut State,
    model_type: ModelType,
    in_action: bool,
    now: bool,
) -> Result<(), BackendError> {
    crate::surface::check_reboot(model_type, in_action)?;
    state.reboot = Some(if now { Reboot::Now } else { Reboot::AfterHook });
    Ok(())
}

fn list<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("{n:?}")).collect();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// Whether `uuid` is a UUID: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(uuid: &str) -> bool {
    let parts: Vec<&str> = uuid.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(part, len)| part.len() == len && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The inconsistencies of the tools part of `state` (and of a storage `event`) with
/// `metadata`, read from `file`.
pub(crate) fn check(
    metadata: &Metadata,
    file: &str,
    event: &Event,
    state: &State,
    problems: &mut Vec<Inconsistency>,
) {
    check_with(
        &Declared::of(metadata),
        !metadata.containers.is_empty(),
        file,
        event,
        state,
        problems,
    );
}

/// [`check`], with what the metadata declares given as names (so the checks of names the
/// metadata does not keep yet can be tested).
fn check_with(
    declared: &Declared<'_>,
    has_containers: bool,
    file: &str,
    event: &Event,
    state: &State,
    problems: &mut Vec<Inconsistency>,
) {
    if !is_uuid(&state.model_uuid) {
        problems.push(Inconsistency::InvalidModelUuid {
            uuid: state.model_uuid.clone(),
        });
    }
    if has_containers && state.model_type == Some(ModelType::Machine) {
        problems.push(Inconsistency::ModelTypeMismatch {
            file: file.to_owned(),
        });
    }

    let mut seen = std::collections::BTreeSet::new();
    for storage in &state.storage {
        if !seen.insert(storage.id.as_str()) {
            problems.push(Inconsistency::DuplicateStorageId {
                id: storage.id.clone(),
            });
        }
        match crate::surface::parse_storage_id(&storage.id) {
            None => problems.push(Inconsistency::InvalidStorageId {
                id: storage.id.clone(),
            }),
            Some((name, _)) if !declared.storage.contains(&name) => {
                problems.push(Inconsistency::UndeclaredStorage {
                    file: file.to_owned(),
                    id: storage.id.clone(),
                    name: name.to_owned(),
                    declared: list(declared.storage.iter().copied()),
                })
            }
            Some(_) => {}
        }
    }
    for name in state.storage_requested.keys() {
        if !declared.storage.contains(&name.as_str()) {
            problems.push(Inconsistency::UndeclaredStorage {
                file: file.to_owned(),
                id: format!("{name}/<requested>"),
                name: name.clone(),
                declared: list(declared.storage.iter().copied()),
            });
        }
    }

    for binding in state.networks.keys() {
        if declared.bindings_complete && !declared.bindings.contains(&binding.as_str()) {
            problems.push(Inconsistency::UndeclaredBinding {
                file: file.to_owned(),
                binding: binding.clone(),
                declared: list(declared.bindings.iter().copied()),
            });
        }
    }

    for (name, resource) in &state.resources {
        if let Some(names) = &declared.resources
            && !names.contains(&name.as_str())
        {
            problems.push(Inconsistency::UndeclaredResource {
                file: file.to_owned(),
                resource: name.clone(),
                declared: list(names.iter().copied()),
            });
        }
        if let Resource::File(path) = resource
            && !Path::new(path).is_file()
        {
            problems.push(Inconsistency::ResourceFileMissing {
                resource: name.clone(),
                path: path.display().to_string(),
            });
        }
    }

    if !state.planned_units.is_empty() {
        let app = state.app_name();
        for unit in state.planned_units.keys() {
            if unit.split_once('/').map(|(a, _)| a) != Some(app) {
                problems.push(Inconsistency::ForeignPlannedUnit {
                    unit: unit.clone(),
                    app: app.to_owned(),
                });
            }
        }
        if !state.planned_units.contains_key(&state.unit_name) {
            problems.push(Inconsistency::OwnUnitNotPlanned {
                unit: state.unit_name.clone(),
            });
        }
    }

    for id in state.remote_models.keys() {
        if state.relation(*id).is_none() {
            problems.push(Inconsistency::RemoteModelRelationMissing { id: *id });
        }
    }

    if let Event::Storage {
        name, id: Some(id), ..
    } = event
        && declared.storage.contains(&name.as_str())
    {
        let event_name = event.to_string();
        // An id of another storage name is refused by the event checks
        // (`Inconsistency::StorageIdMismatch`); here, whether the storage is attached.
        if crate::surface::parse_storage_id(id).map(|(n, _)| n) == Some(name.as_str())
            && !state.storage.iter().any(|s| s.id == *id)
        {
            problems.push(Inconsistency::EventStorageMissing {
                event: event_name,
                id: id.clone(),
                attached: list(state.storage.iter().map(|s| s.id.as_str())),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Backend, Member};
    use crate::event::StorageEventKind;
    use crate::testing::{MemoryBackend, Relation};

    const YAML: &str = "name: app\nrequires:\n  db: {interface: pg}\npeers:\n  replicas: {interface: r}\nstorage:\n  data: {type: filesystem}\n  logs: {type: filesystem}\nresources:\n  blob: {type: file, filename: blob.txt}\n  template: {type: file, filename: template.txt}\n  missing: {type: file, filename: missing.txt}\n";

    fn metadata() -> Metadata {
        Metadata::parse(YAML, Path::new("charmcraft.yaml")).unwrap()
    }

    fn backend(state: State) -> MemoryBackend {
        MemoryBackend::new(state).with_metadata(metadata())
    }

    fn storage_event(kind: StorageEventKind, id: &str) -> Event {
        Event::Storage {
            kind,
            name: id.split('/').next().unwrap().to_owned(),
            id: Some(id.to_owned()),
        }
    }

    #[test]
    fn storage_get_reads_attached_storage_by_id_or_from_the_event() {
        let state = State::default()
            .with_storage(Storage::filesystem("data/0", "/srv/data"))
            .with_storage(Storage::block("logs/3", "/dev/sdb"));
        let mut memory = backend(state.clone());
        assert_eq!(
            memory.storage_get(Some("logs/3")).unwrap(),
            Storage::block("logs/3", "/dev/sdb")
        );
        assert_eq!(memory.storage_list(None).unwrap(), ["data/0", "logs/3"]);
        assert_eq!(memory.storage_list(Some("data")).unwrap(), ["data/0"]);

        let error = memory.storage_get(None).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "storage-get: refused: no storage id given, and the event is not a storage event"
            ),
            "{error}"
        );
        let event = storage_event(StorageEventKind::Attached, "data/0");
        let mut memory = backend(state).for_event(&event);
        assert_eq!(
            memory.storage_get(None).unwrap().location,
            Path::new("/srv/data")
        );
    }

    #[test]
    fn storage_bad_input_is_named() {
        let mut memory = backend(State::default());
        assert_eq!(
            memory.storage_get(Some("data/9")).unwrap_err().to_string(),
            "storage-get --format=json -s data/9: storage attachment data/9:app/0 not found"
        );
        assert_eq!(
            memory.storage_get(Some("data")).unwrap_err().to_string(),
            "storage-get -s data: refused: invalid storage ID \"data\": expected <storage name>/<number>, like data/0"
        );
        assert_eq!(
            memory.storage_get(Some("cache/0")).unwrap_err().to_string(),
            "storage-get -s cache/0: the charm's metadata declares no storage \"cache\" (declared: data, logs)"
        );
        assert_eq!(
            memory.storage_list(Some("cache")).unwrap_err().to_string(),
            "storage-list: the charm's metadata declares no storage \"cache\" (declared: data, logs)"
        );
        assert_eq!(
            memory.storage_add("cache", 1).unwrap_err().to_string(),
            "storage-add cache=1: the charm's metadata declares no storage \"cache\" (declared: data, logs)"
        );
        assert_eq!(
            memory.storage_add("data", 0).unwrap_err().to_string(),
            "storage-add data=0: refused: the count must be at least 1"
        );
        memory.storage_add("data", 2).unwrap();
        memory.storage_add("data", 1).unwrap();
        assert_eq!(memory.state.storage_requested["data"], 3);
    }

    #[test]
    fn network_get_answers_declared_bindings_and_names_unknown_ones() {
        let state = State::default().with_network("db", Network::new("10.0.0.7"));
        let mut memory = backend(state.with_relation(Relation::new(3, "db", "pg")));
        assert_eq!(
            memory.network_get("db", None).unwrap().bind_address(),
            Some("10.0.0.7")
        );
        assert_eq!(
            memory
                .network_get("db", Some(RelationId(3)))
                .unwrap()
                .ingress_address(),
            Some("10.0.0.7")
        );
        // A declared endpoint without a network in the state: the default space's.
        assert_eq!(
            memory.network_get("replicas", None).unwrap(),
            Network::new(DEFAULT_ADDRESS)
        );
        assert_eq!(
            memory.network_get("dbb", None).unwrap_err().to_string(),
            "network-get: the charm's metadata declares no network binding \"dbb\" (declared: db, replicas)"
        );
        assert_eq!(
            memory
                .network_get("db", Some(RelationId(9)))
                .unwrap_err()
                .to_string(),
            "network-get db -r 9 --format=json: relation 9 not found"
        );
    }

    #[test]
    fn goal_state_lists_this_unit_peers_and_relations() {
        let state = State::default()
            .with_peer_relation(1, "replicas", ["app/1", "app/2"])
            .with_relation(Relation::new(2, "db", "pg"))
            .with_relation(Relation::new(3, "db", "mysql").without_remote_units())
            .with_unit_status(crate::Status::active());
        let goal = backend(state.clone()).goal_state().unwrap();
        assert_eq!(goal.planned_units(), 3);
        assert_eq!(goal.units["app/0"].status, "active");
        assert_eq!(goal.relations["db"]["pg"].status, "joined");
        assert_eq!(goal.relations["db"]["pg/0"].status, "joined");
        assert_eq!(goal.relations["db"]["mysql"].status, "joining");
        assert_eq!(goal.relations["replicas"]["app/1"].status, "joined");
        assert!(!goal.relations["replicas"].contains_key("app"));

        // During relation-broken, its relation is broken.
        let event = Event::relation_broken(state.relation(RelationId(2)).unwrap());
        let goal = backend(state.clone())
            .for_event(&event)
            .goal_state()
            .unwrap();
        assert_eq!(goal.relations["db"]["pg"].status, "broken");
        assert_eq!(goal.relations["db"]["pg/0"].status, "broken");

        // Planned units given: exactly those.
        let goal = backend(state.with_planned_units(5)).goal_state().unwrap();
        assert_eq!(goal.planned_units(), 5);
    }

    #[test]
    fn resources_are_files_or_content_written_to_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("blob.tgz");
        std::fs::write(&file, b"tgz").unwrap();
        let state = State::default()
            .with_resource("blob", Resource::file(&file))
            .with_resource("template", Resource::content("port: {{ port }}"));
        let mut memory = backend(state);
        assert_eq!(memory.resource_get("blob").unwrap(), file);
        let path = memory.resource_get("template").unwrap();
        assert_eq!(path.file_name().unwrap(), "template");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "port: {{ port }}");
        assert_eq!(
            memory.resource_get("missing").unwrap_err().to_string(),
            "resource-get missing: could not download resource: resource \"missing\" not found"
        );
        // The file goes with the last backend holding it.
        let copy = memory.clone();
        drop(memory);
        assert!(path.exists());
        drop(copy);
        assert!(!path.exists());
    }

    #[test]
    fn model_identity_remote_models_and_credentials() {
        let state = State::default()
            .with_relation(Relation::new(4, "db", "pg"))
            .with_relation(Relation::new(5, "db", "remote-pg"))
            .with_remote_model(5, "11111111-2222-4333-8444-555555555555");
        let mut memory = backend(state.clone());
        assert_eq!(memory.model_uuid().unwrap(), DEFAULT_MODEL_UUID);
        assert_eq!(
            memory.juju_version().unwrap().to_string(),
            DEFAULT_JUJU_VERSION
        );
        assert_eq!(memory.model_type().unwrap(), ModelType::Machine);
        assert_eq!(
            memory.relation_model_get(RelationId(4)).unwrap().uuid,
            DEFAULT_MODEL_UUID
        );
        assert_eq!(
            memory.relation_model_get(RelationId(5)).unwrap().uuid,
            "11111111-2222-4333-8444-555555555555"
        );
        assert_eq!(
            memory
                .relation_model_get(RelationId(6))
                .unwrap_err()
                .to_string(),
            "relation-model-get -r 6 --format=json: relation 6 not found"
        );
        let mut old = backend(state.with_juju_version("3.5.0".parse().unwrap()));
        assert!(
            old.relation_model_get(RelationId(4))
                .unwrap_err()
                .to_string()
                .contains("Juju 3.5.0 does not have relation-model-get")
        );
        assert_eq!(
            memory.credential_get().unwrap_err().to_string(),
            "credential-get --format=json: cannot access cloud credentials: permission denied"
        );
        let spec = CloudSpec::new("lxd", "localhost").with_credential(
            crate::surface::CloudCredential::new("certificate")
                .with_attribute("client-key", "KEY-MATERIAL"),
        );
        memory.state.cloud_spec = Some(spec.clone());
        assert_eq!(memory.credential_get().unwrap(), spec);
        // A state printed (as a failing assert_eq! prints it) hides the credential.
        let shown = format!("{:?}", memory.state);
        assert!(
            shown.contains("client-key") && !shown.contains("KEY-MATERIAL"),
            "{shown}"
        );
        // Without metadata or a type in the state, the type is not known.
        let error = MemoryBackend::new(State::default())
            .model_type()
            .unwrap_err();
        assert!(
            error.to_string().contains("the state sets no model type"),
            "{error}"
        );
    }

    #[test]
    fn relation_get_key_set_ports_and_reboot() {
        let relation = Relation::new(1, "db", "pg").with_remote_app_data([("host", "h")]);
        let mut memory = backend(State::default().with_relation(relation));
        let app = Member::App("pg".into());
        assert_eq!(
            memory
                .relation_get_key(RelationId(1), &app, "host")
                .unwrap()
                .as_deref(),
            Some("h")
        );
        assert_eq!(
            memory
                .relation_get_key(RelationId(1), &app, "port")
                .unwrap(),
            None
        );
        assert!(
            memory
                .relation_get_key(RelationId(1), &app, "-")
                .unwrap_err()
                .to_string()
                .contains("\"-\" is not a key")
        );

        use crate::backend::Port;
        memory.open_port(Port::tcp(80)).unwrap();
        memory.open_port(Port::tcp(443)).unwrap();
        memory.set_ports(&[Port::tcp(443), Port::udp(53)]).unwrap();
        assert_eq!(
            memory.opened_ports().unwrap(),
            [Port::tcp(443), Port::udp(53)]
        );

        memory.reboot(false).unwrap();
        assert_eq!(memory.state.reboot, Some(Reboot::AfterHook));
        memory.reboot(true).unwrap();
        assert_eq!(memory.state.reboot, Some(Reboot::Now));
        let mut k8s = backend(State::default().with_model_type(ModelType::Kubernetes));
        assert!(
            k8s.reboot(false)
                .unwrap_err()
                .to_string()
                .contains("Kubernetes")
        );
        assert_eq!(k8s.state.reboot, None);
        let mut acting = backend(State::default());
        acting.action_params = Some(Default::default());
        assert!(
            acting
                .reboot(true)
                .unwrap_err()
                .to_string()
                .contains("running an action")
        );
    }

    #[test]
    fn consistency_of_the_tools_part() {
        let metadata = metadata();
        let problems = |state: &State, event: &Event| {
            let mut problems = Vec::new();
            check(&metadata, "charmcraft.yaml", event, state, &mut problems);
            problems.iter().map(ToString::to_string).collect::<Vec<_>>()
        };
        assert_eq!(
            problems(&State::default(), &Event::Install),
            Vec::<String>::new()
        );

        let state = State::default()
            .with_storage(Storage::filesystem("cache/0", "/c"))
            .with_storage(Storage::filesystem("data", "/d"))
            .with_storage(Storage::filesystem("data/1", "/d1"))
            .with_storage(Storage::filesystem("data/1", "/d1"))
            .with_model_uuid("not-a-uuid")
            .with_resource("blob", Resource::file("/nonexistent/blob"))
            .with_planned_unit("other/0", GoalStatus::new("active"))
            .with_remote_model(7, DEFAULT_MODEL_UUID);
        let mut state = state;
        state.storage.push(Storage::filesystem("data/1", "/again"));
        let found = problems(&state, &storage_event(StorageEventKind::Attached, "data/2"));
        let expected = [
            "the state's model uuid \"not-a-uuid\" is not a UUID (8-4-4-4-12 hexadecimal digits)",
            "charmcraft.yaml: storage \"cache/0\" in the state is an instance of \"cache\", which is not declared in storage (declared: \"data\", \"logs\")",
            "storage id \"data\" in the state is not of the form <storage name>/<number>, like data/0",
            "the state has storage \"data/1\" attached twice",
            "resource \"blob\" in the state is the file /nonexistent/blob, which does not exist",
            "planned unit \"other/0\" is not a unit of this application, \"app\"",
            "the state's planned units leave out this unit, \"app/0\"; goal-state always lists it",
            "the state sets the remote model of relation 7, which is not in the state",
            "event data-storage-attached: storage \"data/2\" is not attached in the state (attached: \"cache/0\", \"data\", \"data/1\", \"data/1\"); add it with State::with_storage",
        ];
        for line in expected {
            assert!(
                found.iter().any(|p| p == line),
                "missing {line:?} in {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");

        let found = problems(
            &State::default(),
            &Event::Storage {
                kind: StorageEventKind::Detaching,
                name: "data".into(),
                id: Some("logs/0".into()),
            },
        );
        // An id of another storage is the event checks' to report, not this part's.
        assert!(found.is_empty(), "{found:#?}");

        // A sidecar charm (it declares containers) cannot run on machines.
        let sidecar = Metadata::parse(
            "name: s\ncontainers:\n  web: {}\n",
            Path::new("charmcraft.yaml"),
        )
        .unwrap();
        let mut found = Vec::new();
        check(
            &sidecar,
            "charmcraft.yaml",
            &Event::Install,
            &State::default().with_model_type(ModelType::Machine),
            &mut found,
        );
        assert_eq!(
            found[0].to_string(),
            "charmcraft.yaml declares containers, which only a Kubernetes model runs, but the state's model type is machine"
        );
    }

    #[test]
    fn bindings_and_resources_are_checked_once_the_metadata_lists_them() {
        // What the metadata will say once it keeps extra bindings and resources.
        let declared = Declared {
            bindings: vec!["db", "cluster"],
            bindings_complete: true,
            resources: Some(vec!["blob"]),
            storage: vec![],
        };
        let state = State::default()
            .with_network("cluster", Network::new("10.0.0.1"))
            .with_network("public", Network::new("10.0.0.2"))
            .with_resource("blob", Resource::content("x"))
            .with_resource("image", Resource::content("y"));
        let mut problems = Vec::new();
        check_with(
            &declared,
            false,
            "charmcraft.yaml",
            &Event::Install,
            &state,
            &mut problems,
        );
        let found: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "charmcraft.yaml: the state has a network for binding \"public\", which is not declared as an endpoint or in extra-bindings (declared: \"db\", \"cluster\")",
                "charmcraft.yaml: the state has resource \"image\", which is not declared in resources (declared: \"blob\")",
            ]
        );
        // And the backends refuse them alike.
        assert_eq!(
            declared.binding("public").unwrap_err().to_string(),
            "network-get: the charm's metadata declares no network binding \"public\" (declared: db, cluster)"
        );
        assert_eq!(
            declared.resource("image").unwrap_err().to_string(),
            "resource-get: the charm's metadata declares no resource \"image\" (declared: blob)"
        );
        assert!(declared.binding("cluster").is_ok() && declared.resource("blob").is_ok());
    }
}
