//! The in-memory Juju model: what a unit can observe, as plain values.

use std::collections::{BTreeMap, BTreeSet};

use crate::backend::{Config, ConfigValue, Databag, Port, RelationId};
use crate::pebble::{CheckInfo, Layer, ServiceStatus};
use crate::status::Status;

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
        }
    }
}

impl State {
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Container {
    /// The container's name from the charm's metadata.
    pub name: String,
    /// Whether Pebble answers.
    pub can_connect: bool,
    /// Layers by label, in the order added.
    pub layers: Vec<(String, Layer)>,
    /// Each service's state.
    pub services: BTreeMap<String, ServiceStatus>,
    /// Files by absolute path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Health checks' state.
    pub checks: Vec<CheckInfo>,
    /// The commands `exec` can run ([`Container::on_exec`]).
    pub exec_handlers: crate::testing::ExecHandlers,
    /// The commands `exec` ran, in order ([`Container::execs`]).
    pub executed: Vec<crate::pebble::ExecRequest>,
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

    /// This container with a service in the given state.
    #[must_use]
    pub fn with_service_status(
        mut self,
        service: impl Into<String>,
        status: ServiceStatus,
    ) -> Container {
        self.services.insert(service.into(), status);
        self
    }

    /// This container with a file.
    #[must_use]
    pub fn with_file(mut self, path: impl Into<String>, content: impl Into<Vec<u8>>) -> Container {
        self.files.insert(path.into(), content.into());
        self
    }

    /// The state of a service (Inactive for a service never started).
    pub fn service_status(&self, service: &str) -> Option<ServiceStatus> {
        self.services.get(service).copied()
    }
}
