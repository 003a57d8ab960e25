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

    /// This state with a container added.
    #[must_use]
    pub fn with_container(mut self, container: Container) -> State {
        self.containers.insert(container.name.clone(), container);
        self
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

impl From<&str> for ConfigValue {
    fn from(value: &str) -> ConfigValue {
        ConfigValue::String(value.to_owned())
    }
}

impl From<String> for ConfigValue {
    fn from(value: String) -> ConfigValue {
        ConfigValue::String(value)
    }
}

impl From<i64> for ConfigValue {
    fn from(value: i64) -> ConfigValue {
        ConfigValue::Int(value)
    }
}

impl From<f64> for ConfigValue {
    fn from(value: f64) -> ConfigValue {
        ConfigValue::Float(value)
    }
}

impl From<bool> for ConfigValue {
    fn from(value: bool) -> ConfigValue {
        ConfigValue::Bool(value)
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
        self.remote_app_data = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// This relation with a remote unit's databag set (adding the unit if new).
    #[must_use]
    pub fn with_remote_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        unit: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Relation {
        self.remote_units_data.insert(
            unit.into(),
            data.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// This relation with no remote units (for example after they all departed).
    #[must_use]
    pub fn without_remote_units(mut self) -> Relation {
        self.remote_units_data.clear();
        self
    }
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
}
