//! The in-memory Juju model: what a unit can observe, as plain values.

use std::collections::{BTreeMap, BTreeSet};

use crate::Extensions;
use crate::backend::{Config, ConfigValue, Databag, Port, RelationId};
use crate::pebble::{CheckInfo, Layer, PebbleNotice, Service, ServiceStatus};
use crate::status::Status;
// Tools.
use crate::surface::{CloudSpec, GoalStatus, JujuVersion, ModelType, Network, Storage};

/// Everything one unit can see of its model, before or after an event.
///
/// Build one with [`State::default`] and the `with_*` methods, run an event against it
/// with the harness, and compare the state that comes out with `assert_eq!`.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// This unit's name (default `app/0`).
    pub unit_name: String,
    /// The model's name (default `test-model`).
    pub model_name: String,
    /// Whether this unit leads its application.
    pub leader: bool,
    /// Configuration as `config-get` would report it.
    pub config: Config,
    /// Relations (including peer relations), in id order.
    pub relations: Vec<Relation>,
    /// Workload containers by name.
    pub containers: BTreeMap<String, Container>,
    /// Ports this unit has opened.
    pub opened_ports: BTreeSet<Port>,
    /// The unit's status.
    pub unit_status: Status,
    /// The application's status.
    pub app_status: Status,
    /// The workload version shown by `juju status`.
    pub app_version: Option<String>,
    /// The charm's own state kept by Juju across hooks (`state-get`/`state-set`).
    pub stored: BTreeMap<String, String>,
    /// In-memory stand-ins for systems beyond Juju that components use (an in-memory
    /// Kubernetes cluster, for one): see [`Extensions`]. Components add theirs on first
    /// use; a test prepares one with [`with_extension`](Self::with_extension) and reads it
    /// back with [`extension`](Self::extension).
    pub extensions: Extensions,
    // Secrets (secret-*).
    /// The secrets this unit owns (or its application owns) and those it observes: see
    /// [`Secret`](crate::testing::Secret) and
    /// [`with_secret`](Self::with_secret).
    pub secrets: Vec<crate::testing::Secret>,

    // Tools: the model's identity, storage, networks, resources, goal state, the cloud,
    // reboot (builders and checks in `testing/surface.rs`).
    /// The model's uuid (`JUJU_MODEL_UUID`; default `00000000-0000-4000-8000-000000000000`).
    pub model_uuid: String,
    /// The model's type; `None` (the default): as the metadata says (see
    /// [`ModelType::from_metadata`]).
    pub model_type: Option<ModelType>,
    /// The Juju version (`JUJU_VERSION`; default [`DEFAULT_JUJU_VERSION`]).
    ///
    /// [`DEFAULT_JUJU_VERSION`]: crate::testing::DEFAULT_JUJU_VERSION
    pub juju_version: JujuVersion,
    /// The storage instances attached to this unit, in order.
    pub storage: Vec<Storage>,
    /// The storage instances the charm asked for with `storage-add`, by storage name: how
    /// many. Juju adds them after the hook.
    pub storage_requested: BTreeMap<String, u32>,
    /// Networks by binding name. A declared endpoint not listed here has a default network,
    /// [`DEFAULT_ADDRESS`](crate::testing::DEFAULT_ADDRESS), as under Juju every binding
    /// has one.
    pub networks: BTreeMap<String, Network>,
    /// The charm's resources by name: what `resource-get` finds.
    pub resources: BTreeMap<String, crate::testing::Resource>,
    /// The units Juju plans for this application (`goal-state`), with their status. Empty
    /// (the default): this unit, with its unit status, and the peers of its peer
    /// relations, active.
    pub planned_units: BTreeMap<String, GoalStatus>,
    /// The cloud `credential-get` reports; `None` (the default): the application is not
    /// trusted, and `credential-get` fails.
    pub cloud_spec: Option<CloudSpec>,
    /// The model of a relation's remote application, by relation id, for relations across
    /// models; others are in this model (`relation-model-get`).
    pub remote_models: BTreeMap<RelationId, String>,
    /// The reboot the charm asked for with `juju-reboot`, if it did.
    pub reboot: Option<crate::testing::Reboot>,
}

impl Default for State {
    fn default() -> State {
        State {
            unit_name: "app/0".into(),
            model_name: "test-model".into(),
            leader: false,
            config: Config::new(),
            relations: Vec::new(),
            containers: BTreeMap::new(),
            opened_ports: BTreeSet::new(),
            unit_status: Status::unknown(""),
            app_status: Status::unknown(""),
            app_version: None,
            stored: BTreeMap::new(),
            extensions: Extensions::default(),
            secrets: Vec::new(),
            // Tools.
            model_uuid: crate::testing::DEFAULT_MODEL_UUID.to_owned(),
            model_type: None,
            juju_version: crate::testing::DEFAULT_JUJU_VERSION
                .parse()
                .expect("the default Juju version parses"),
            storage: Vec::new(),
            storage_requested: BTreeMap::new(),
            networks: BTreeMap::new(),
            resources: BTreeMap::new(),
            planned_units: BTreeMap::new(),
            cloud_spec: None,
            remote_models: BTreeMap::new(),
            reboot: None,
        }
    }
}

impl State {
    /// This state with `value` among its [`extensions`](Self::extensions), replacing any
    /// value of its type.
    #[must_use]
    pub fn with_extension<T>(mut self, value: T) -> State
    where
        T: std::any::Any + Send + Clone + PartialEq + std::fmt::Debug,
    {
        self.extensions.insert(value);
        self
    }

    /// The extension value of type `T`, if the state has one.
    pub fn extension<T: std::any::Any>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// This state with leadership set.
    #[must_use]
    pub fn with_leader(mut self, leader: bool) -> State {
        self.leader = leader;
        self
    }

    /// This state with a config value set.
    #[must_use]
    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<ConfigValue>) -> State {
        self.config.insert(key.into(), value.into());
        self
    }

    /// This state with a relation added.
    #[must_use]
    pub fn with_relation(mut self, relation: Relation) -> State {
        self.relations.push(relation);
        self
    }

    /// This state with a peer relation added: its remote application is this unit's own
    /// application, and `peers` are the other units of it (for example `["app/1"]`).
    ///
    /// ```
    /// use reconciler_core::testing::State;
    ///
    /// let state = State::default().with_peer_relation(5, "replicas", ["app/1"]);
    /// let peers = &state.relations[0];
    /// assert_eq!(peers.remote_app, "app");
    /// assert!(peers.remote_units_data.contains_key("app/1"));
    /// ```
    #[must_use]
    pub fn with_peer_relation<U: Into<String>>(
        mut self,
        id: u64,
        endpoint: impl Into<String>,
        peers: impl IntoIterator<Item = U>,
    ) -> State {
        let mut relation = Relation::new(id, endpoint, self.app_name()).without_remote_units();
        for unit in peers {
            relation
                .remote_units_data
                .insert(unit.into(), Databag::new());
        }
        self.relations.push(relation);
        self
    }

    /// This state with a container added (replacing one of the same name).
    #[must_use]
    pub fn with_container(mut self, container: Container) -> State {
        self.containers.insert(container.name.clone(), container);
        self
    }

    /// This state with a different unit name (`app/0` by default); the application name is
    /// the part before the `/`.
    #[must_use]
    pub fn with_unit_name(mut self, unit_name: impl Into<String>) -> State {
        self.unit_name = unit_name.into();
        self
    }

    /// This state with a different model name (`test-model` by default).
    #[must_use]
    pub fn with_model_name(mut self, model_name: impl Into<String>) -> State {
        self.model_name = model_name.into();
        self
    }

    /// This state with a port already opened.
    #[must_use]
    pub fn with_opened_port(mut self, port: Port) -> State {
        self.opened_ports.insert(port);
        self
    }

    /// This state with a value in the charm's stored state (`state-get`).
    #[must_use]
    pub fn with_stored(mut self, key: impl Into<String>, value: impl Into<String>) -> State {
        self.stored.insert(key.into(), value.into());
        self
    }

    /// This state with the unit status the previous hook left.
    #[must_use]
    pub fn with_unit_status(mut self, status: Status) -> State {
        self.unit_status = status;
        self
    }

    /// This state with the application status the previous hook left.
    #[must_use]
    pub fn with_app_status(mut self, status: Status) -> State {
        self.app_status = status;
        self
    }

    /// This state with the workload version set.
    #[must_use]
    pub fn with_app_version(mut self, version: impl Into<String>) -> State {
        self.app_version = Some(version.into());
        self
    }

    /// This state without the relation with this id (for the event after
    /// `relation-broken`).
    #[must_use]
    pub fn without_relation(mut self, id: RelationId) -> State {
        self.relations.retain(|r| r.id != id);
        self
    }

    /// The container with this name.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.get(name)
    }

    /// The relations on an endpoint, in the order they were added.
    pub fn relations_on<'s>(&'s self, endpoint: &'s str) -> impl Iterator<Item = &'s Relation> {
        self.relations
            .iter()
            .filter(move |r| r.endpoint == endpoint)
    }

    /// The relation with this id.
    pub fn relation(&self, id: RelationId) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relation with this id, mutably.
    pub fn relation_mut(&mut self, id: RelationId) -> Option<&mut Relation> {
        self.relations.iter_mut().find(|r| r.id == id)
    }

    /// The application name: the unit name before the `/`.
    pub fn app_name(&self) -> &str {
        self.unit_name
            .split_once('/')
            .map_or(&self.unit_name, |(app, _)| app)
    }
}

/// A relation as this unit sees it: the remote side's units and every databag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// The relation id.
    pub id: RelationId,
    /// This charm's endpoint name.
    pub endpoint: String,
    /// The remote application (this application for a peer relation).
    pub remote_app: String,
    /// This unit's databag.
    pub local_unit_data: Databag,
    /// This application's databag.
    pub local_app_data: Databag,
    /// The remote application's databag.
    pub remote_app_data: Databag,
    /// Each remote unit's databag, by unit name; the keys are the remote units.
    pub remote_units_data: BTreeMap<String, Databag>,
}

impl Relation {
    /// A relation on `endpoint` with id `id` to `remote_app`, with one remote unit
    /// (`<remote_app>/0`) and empty databags.
    pub fn new(id: u64, endpoint: impl Into<String>, remote_app: impl Into<String>) -> Relation {
        let remote_app = remote_app.into();
        Relation {
            id: RelationId(id),
            endpoint: endpoint.into(),
            remote_units_data: BTreeMap::from([(format!("{remote_app}/0"), Databag::new())]),
            remote_app,
            local_unit_data: Databag::new(),
            local_app_data: Databag::new(),
            remote_app_data: Databag::new(),
        }
    }

    /// A container-scoped relation on `endpoint` with id `id` between a subordinate and
    /// its principal: the one remote unit is `remote_unit` (`mysql/0`), of the remote
    /// application its name gives. Use it on either side: a subordinate charm's relation
    /// to its principal unit, or a principal's relation to the subordinate unit beside it.
    ///
    /// ```
    /// use reconciler_core::testing::Relation;
    ///
    /// let relation = Relation::subordinate(4, "juju-info", "mysql/2");
    /// assert_eq!(relation.remote_app, "mysql");
    /// assert_eq!(relation.remote_units().collect::<Vec<_>>(), ["mysql/2"]);
    /// ```
    pub fn subordinate(id: u64, endpoint: impl Into<String>, remote_unit: &str) -> Relation {
        let remote_app = remote_unit
            .split_once('/')
            .map_or(remote_unit, |(app, _)| app)
            .to_owned();
        Relation {
            id: RelationId(id),
            endpoint: endpoint.into(),
            remote_units_data: BTreeMap::from([(remote_unit.to_owned(), Databag::new())]),
            remote_app,
            local_unit_data: Databag::new(),
            local_app_data: Databag::new(),
            remote_app_data: Databag::new(),
        }
    }

    /// This relation with the remote application's databag set.
    #[must_use]
    pub fn with_remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_app_data = bag(data);
        self
    }

    /// This relation with a remote unit's databag set (adding the unit if new).
    #[must_use]
    pub fn with_remote_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        unit: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_units_data.insert(unit.into(), bag(data));
        self
    }

    /// This relation with this unit's own databag set.
    #[must_use]
    pub fn with_local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_unit_data = bag(data);
        self
    }

    /// This relation with this application's databag set.
    #[must_use]
    pub fn with_local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.local_app_data = bag(data);
        self
    }

    /// The remote units' names.
    pub fn remote_units(&self) -> impl Iterator<Item = &str> {
        self.remote_units_data.keys().map(String::as_str)
    }

    /// This relation with no remote units (for example after they all departed).
    #[must_use]
    pub fn without_remote_units(mut self) -> Relation {
        self.remote_units_data.clear();
        self
    }
}

fn bag<K: Into<String>, V: Into<String>>(data: impl IntoIterator<Item = (K, V)>) -> Databag {
    data.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

/// A workload container and the Pebble inside it.
///
/// Its [`Pebble`](crate::pebble::Pebble) implementation behaves as Pebble does where a
/// charm can tell: layers combine as Pebble combines them; `replan` starts enabled
/// services that are not running and restarts running ones whose definition changed
/// since they were started; files and directories keep their mode and owner, and the
/// files API fails with Pebble's error variant and kind for the same cases (a relative
/// path, a missing parent, a directory where a file is expected, a user that does not
/// exist). Every service or check operation is recorded in [`changes`](Self::changes),
/// as Pebble's `/v1/changes` lists them.
///
/// Two containers are equal when they hold the same things (layers, services' state and
/// definitions, files, checks, notices); their history ([`changes`](Self::changes) and
/// [`start_count`](Self::start_count)) is not compared, so a state after a hook can be
/// compared with the state before it. Assert on the history directly.
///
/// ```
/// use reconciler_core::pebble::{Layer, Pebble, Service, Startup};
/// use reconciler_core::testing::Container;
///
/// let mut container = Container::new("workload");
/// let mut layer = Layer::default();
/// layer.services.insert(
///     "web".into(),
///     Service { command: Some("/bin/web".into()), startup: Some(Startup::Enabled), ..Service::default() },
/// );
/// container.add_layer("base", &layer, true)?;
/// container.replan()?;
/// container.replan()?;
/// assert_eq!(container.start_count("web"), 1);
/// let kinds: Vec<&str> = container.changes().iter().map(|c| c.kind.as_str()).collect();
/// assert_eq!(kinds, ["replan", "replan"]);
/// assert_eq!(container.changes()[0].summary, "Replan service \"web\"");
/// # Ok::<(), reconciler_core::pebble::PebbleError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct Container {
    /// The container's name from the charm's metadata.
    pub name: String,
    /// Whether Pebble answers.
    pub can_connect: bool,
    /// Layers by label, in the order added.
    pub layers: Vec<(String, Layer)>,
    /// Each service's state.
    pub services: BTreeMap<String, ServiceStatus>,
    /// Regular files' content, by absolute path. Their parent directories exist
    /// implicitly.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Directories, by absolute path (besides those implied by files and other
    /// directories).
    pub dirs: BTreeSet<String>,
    /// The mode and owner of files and directories that have them set; others are
    /// `0644` (a file) or `0755` (a directory), owned by root.
    pub file_meta: BTreeMap<String, FileMeta>,
    /// Users the container knows besides `root` (id 0), by name: their id, which is also
    /// their primary group's id.
    pub users: BTreeMap<String, u32>,
    /// Groups the container knows besides `root` (id 0), by name: their id.
    pub groups: BTreeMap<String, u32>,
    /// Health checks' state. A check in the plan and not here has its default state (up,
    /// or inactive when its startup is disabled).
    pub checks: Vec<CheckInfo>,
    /// The commands `exec` can run ([`Container::on_exec`]).
    pub exec_handlers: crate::testing::ExecHandlers,
    /// The commands `exec` ran, in order ([`Container::execs`]): history, which
    /// equality leaves out.
    pub executed: Vec<crate::pebble::ExecRequest>,
    /// Notices, oldest first.
    pub notices: Vec<PebbleNotice>,
    /// The changes Pebble would list, oldest first.
    pub change_log: Vec<ChangeRecord>,
    /// Each running service's definition when it was (re)started.
    pub(crate) started: BTreeMap<String, Service>,
    /// How many times each service was started or restarted.
    pub(crate) starts: BTreeMap<String, u32>,
}

/// The mode and owner of a file or directory in the in-memory container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    /// The permission bits, like `0o644`.
    pub permissions: u32,
    /// The owner's id.
    pub user_id: u32,
    /// The group's id.
    pub group_id: u32,
}

/// One change, as Pebble's `/v1/changes` lists it: its kind (`replan`, `start`, `stop`,
/// `restart`, `start-checks`, `stop-checks`) and summary (`Replan service "web"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangeRecord {
    /// What kind of change.
    pub kind: String,
    /// Pebble's summary of it.
    pub summary: String,
}

impl PartialEq for Container {
    fn eq(&self, other: &Container) -> bool {
        // Everything but the history.
        let Container {
            name,
            can_connect,
            layers,
            services,
            files,
            dirs,
            file_meta,
            users,
            groups,
            checks,
            notices,
            change_log: _,
            started,
            starts: _,
            exec_handlers,
            executed: _,
        } = self;
        *name == other.name
            && *can_connect == other.can_connect
            && *layers == other.layers
            && *services == other.services
            && *files == other.files
            && *dirs == other.dirs
            && *file_meta == other.file_meta
            && *users == other.users
            && *groups == other.groups
            && *checks == other.checks
            && *notices == other.notices
            && *started == other.started
            && *exec_handlers == other.exec_handlers
    }
}

impl Container {
    /// A container whose Pebble answers, with no layers, services or files.
    pub fn new(name: impl Into<String>) -> Container {
        Container {
            name: name.into(),
            can_connect: true,
            ..Container::default()
        }
    }

    /// This container with Pebble not answering (not started yet).
    #[must_use]
    pub fn unreachable(mut self) -> Container {
        self.can_connect = false;
        self
    }

    /// This container with a layer already added under `label`.
    #[must_use]
    pub fn with_layer(mut self, label: impl Into<String>, layer: Layer) -> Container {
        self.layers.push((label.into(), layer));
        self
    }

    /// This container with a service in the given state. A running service set so is
    /// taken to run the definition the plan has when it is next compared (by `replan`).
    #[must_use]
    pub fn with_service_status(
        mut self,
        service: impl Into<String>,
        status: ServiceStatus,
    ) -> Container {
        self.services.insert(service.into(), status);
        self
    }

    /// This container with a file (mode `0644`, owned by root).
    #[must_use]
    pub fn with_file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Container {
        self.files.insert(path.into(), content.into());
        self
    }

    /// This container knowing a user, whose primary group's id is `id` too. Its group's
    /// name, if it has one, is added with [`with_group`](Self::with_group).
    #[must_use]
    pub fn with_user(mut self, name: impl Into<String>, id: u32) -> Container {
        self.users.insert(name.into(), id);
        self
    }

    /// This container knowing a group.
    #[must_use]
    pub fn with_group(mut self, name: impl Into<String>, id: u32) -> Container {
        self.groups.insert(name.into(), id);
        self
    }

    /// The state of a service (Inactive for a service never started).
    pub fn service_status(&self, service: &str) -> Option<ServiceStatus> {
        self.services.get(service).copied()
    }

    /// The changes Pebble would list, oldest first: one per `replan`, `start`, `stop`,
    /// `restart`, `start_checks` and `stop_checks` call that Pebble accepted, so a test
    /// can assert that an unchanged layer was not replanned.
    pub fn changes(&self) -> &[ChangeRecord] {
        &self.change_log
    }

    /// How many times `service` was started or restarted (by `start`, `restart`, or
    /// `replan`).
    pub fn start_count(&self, service: &str) -> u32 {
        self.starts.get(service).copied().unwrap_or(0)
    }
}
