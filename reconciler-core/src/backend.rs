//! The backend trait: every interaction a charm has with Juju and its workloads passes
//! through it. The in-memory model in `testing` (feature `testing`) and the hook-tool
//! backend that runs under real Juju both implement it, so components are tested in
//! process against the same interface they use in production.
//!
//! Each method corresponds to one Juju hook tool, called with the command line Juju
//! documents for it (the one the Python `ops` library uses); the doc of each method names
//! the tool. Implementations may cache what Juju guarantees stable
//! within one hook (leadership, config), which is why methods take `&mut self`.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::BoxError;
use crate::pebble::Pebble;
use crate::status::Status;

/// A relation databag: string keys to string values, as Juju stores them.
pub type Databag = BTreeMap<String, String>;

/// A JSON object, for action parameters and results.
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// The charm's configuration as `config-get` reports it: options that are unset and have
/// no default are absent.
pub type Config = BTreeMap<String, ConfigValue>;

/// One configuration value, typed as the charm's `config.options` declares it (defined
/// in `reconciler-metadata`, which reads option defaults as this type).
pub use reconciler_metadata::ConfigValue;

// The value types of storage, network, goal state, credentials and the model (tools).
pub use crate::surface::{
    Address, BindAddress, CloudCredential, CloudSpec, GoalState, GoalStatus, JujuVersion,
    ModelType, Network, RemoteModel, Storage, StorageKind,
};

/// A relation's id: the number in Juju's `db:3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationId(pub u64);

impl fmt::Display for RelationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whose databag in a relation: a unit's or an application's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Member {
    /// A unit, by name (`app/0`).
    Unit(String),
    /// An application, by name.
    App(String),
}

/// This unit, or its whole application: whose databag a `relation-set` writes, whose
/// status a `status-set` sets. Only the leader may write the application's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// This unit: its own databag, its own status.
    Unit,
    /// The application: its databag or its status; leader only.
    App,
}

/// Log levels `juju-log` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogLevel {
    /// `TRACE`
    Trace,
    /// `DEBUG`
    Debug,
    /// `INFO`
    Info,
    /// `WARNING`
    Warning,
    /// `ERROR`
    Error,
}

impl LogLevel {
    /// The spelling `juju-log --log-level` takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "TRACE",
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
        }
    }
}

/// A transport protocol for opened ports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// `tcp`
    Tcp,
    /// `udp`
    Udp,
    /// `icmp` (no port number)
    Icmp,
}

/// An opened port, as `open-port 8080/tcp` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    /// The protocol.
    pub protocol: Protocol,
    /// The port number; `None` for ICMP.
    pub number: Option<u16>,
}

impl Port {
    /// A TCP port.
    pub const fn tcp(number: u16) -> Port {
        Port {
            protocol: Protocol::Tcp,
            number: Some(number),
        }
    }

    /// A UDP port.
    pub const fn udp(number: u16) -> Port {
        Port {
            protocol: Protocol::Udp,
            number: Some(number),
        }
    }
}

impl fmt::Display for Port {
    /// The hook-tool spelling: `8080/tcp`, `53/udp`, `icmp`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let protocol = match self.protocol {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Icmp => "icmp",
        };
        match self.number {
            Some(number) => write!(f, "{number}/{protocol}"),
            None => f.write_str(protocol),
        }
    }
}

/// What a charm can ask of Juju and its workloads.
///
/// Every method names the hook tool it stands for under Juju. Errors carry the operation
/// and why it failed; Juju's rules (only the leader writes application data or status,
/// relation values are strings, an empty value deletes a key) hold in every implementation.
// The dispatch layer wraps the backend during an action (`ActionWatch` in dispatch.rs) and
// forwards every method to it. A new method with a default body would silently skip an
// implementation's override there: forward it in `ActionWatch` too.
pub trait Backend {
    /// This unit's name, `app/0` (`JUJU_UNIT_NAME`).
    fn unit_name(&self) -> &str;

    /// This application's name: the unit name before the `/`.
    fn app_name(&self) -> &str {
        let unit = self.unit_name();
        unit.split_once('/').map_or(unit, |(app, _)| app)
    }

    /// The model's name (`JUJU_MODEL_NAME`).
    fn model_name(&self) -> &str;

    /// The charm's metadata (`charmcraft.yaml` or `metadata.yaml`), when the backend knows
    /// it: the hook-tool backend always does, the in-memory one when given it (the harness
    /// gives it). Built-in components read endpoint declarations from it, such as the
    /// schema of a serialized-data-interface endpoint. The default is `None`.
    fn metadata(&self) -> Option<&crate::metadata::Metadata> {
        None
    }

    /// The parts of an in-memory model that belong to other crates (see [`Extensions`]):
    /// `Some` only in an in-memory model such as the test harness's, where a component
    /// that reaches beyond Juju (a Kubernetes API) finds the in-memory stand-in it must use
    /// instead. Under Juju, `None`. The default is `None`.
    ///
    /// [`Extensions`]: crate::Extensions
    fn extensions(&mut self) -> Option<&mut crate::Extensions> {
        None
    }

    /// Whether this unit is the application's leader (`is-leader`).
    fn is_leader(&mut self) -> Result<bool, BackendError>;

    /// The charm's configuration (`config-get`).
    fn config(&mut self) -> Result<&Config, BackendError>;

    /// One config option's value (from `config-get`): `Ok(None)` when the option is
    /// declared but unset with no default.
    ///
    /// A backend that knows the charm's metadata refuses a key the metadata does not
    /// declare with [`BackendError::Undeclared`], naming the key and the declared options,
    /// so a misspelt option is an error rather than a silently missing value; the
    /// hook-tool backend and the in-memory one do. This default, for backends without
    /// metadata, looks the key up in [`config`](Self::config).
    fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        Ok(self.config()?.get(key).cloned())
    }

    /// The ids of the relations on an endpoint (`relation-ids`).
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError>;

    /// The remote units in a relation (`relation-list -r`).
    fn relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError>;

    /// The remote application in a relation (`relation-list -r --app`).
    fn relation_remote_app(&mut self, relation: RelationId)
    -> Result<Option<String>, BackendError>;

    /// A databag in a relation (`relation-get -r <id> - <member>`, with `--app` for an
    /// application's bag).
    fn relation_get(
        &mut self,
        relation: RelationId,
        member: &Member,
    ) -> Result<Databag, BackendError>;

    /// Writes keys into this unit's or this application's databag (`relation-set`); an
    /// empty value deletes the key; keys not named are left alone.
    fn relation_set(
        &mut self,
        relation: RelationId,
        scope: Scope,
        changes: &Databag,
    ) -> Result<(), BackendError>;

    /// Sets the unit's or (leader only) the application's status (`status-set`). Only
    /// settable kinds are accepted (see [`StatusKind::is_settable`](crate::StatusKind)).
    fn status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError>;

    /// Reads the unit's or the application's status (`status-get`).
    fn status_get(&mut self, target: Scope) -> Result<Status, BackendError>;

    /// Sends a line to the Juju log (`juju-log`).
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError>;

    /// Sets the workload version shown by `juju status` (`application-version-set`).
    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError>;

    /// The running action's parameters (`action-get`).
    fn action_params(&mut self) -> Result<JsonMap, BackendError>;

    /// Adds to the running action's results (`action-set`).
    fn action_set(&mut self, results: &JsonMap) -> Result<(), BackendError>;

    /// Marks the running action failed (`action-fail`).
    fn action_fail(&mut self, message: &str) -> Result<(), BackendError>;

    /// Logs progress of the running action (`action-log`).
    fn action_log(&mut self, message: &str) -> Result<(), BackendError>;

    /// Opens a port (`open-port`).
    fn open_port(&mut self, port: Port) -> Result<(), BackendError>;

    /// Closes a port (`close-port`).
    fn close_port(&mut self, port: Port) -> Result<(), BackendError>;

    /// The ports this unit has opened (`opened-ports`).
    fn opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;

    /// A value of the charm's own state, kept by Juju across hooks (`state-get`).
    fn state_get(&mut self, key: &str) -> Result<Option<String>, BackendError>;

    /// Stores a value in the charm's state (`state-set`).
    fn state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError>;

    /// Deletes a value from the charm's state (`state-delete`).
    fn state_delete(&mut self, key: &str) -> Result<(), BackendError>;

    /// The Pebble client of a workload container declared in the charm's metadata.
    fn pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError>;

    // Secrets (secret-*). The types are in `crate::secrets`. Content goes to the hook tools
    // in files (`key#file=<path>`), never on a command line, and no error shows it. The
    // defaults refuse, for backends without secrets.

    /// Adds a secret owned by the application (leader only) or this unit, with `content`
    /// as its revision 1 (`secret-add`); returns its URI.
    fn secret_add(
        &mut self,
        content: &crate::secrets::SecretContent,
        owner: crate::secrets::SecretOwner,
        options: &crate::secrets::SecretOptions,
    ) -> Result<crate::secrets::SecretUri, BackendError> {
        let _ = (content, owner, options);
        Err(crate::secrets::unsupported("secret-add"))
    }

    /// A secret's content (`secret-get`): by URI or label, the revision `query.read`
    /// says. The owner reads the latest revision; a unit that observes another
    /// application's secret reads the revision it tracks, and needs a grant.
    fn secret_get(
        &mut self,
        query: &crate::secrets::SecretQuery,
    ) -> Result<crate::secrets::SecretContent, BackendError> {
        let _ = query;
        Err(crate::secrets::unsupported("secret-get"))
    }

    /// Changes a secret this unit (or, on the leader, its application) owns
    /// (`secret-set`): new content makes a new revision (unless it equals the latest);
    /// the options set are changed, the others left.
    fn secret_set(
        &mut self,
        uri: &crate::secrets::SecretUri,
        content: Option<&crate::secrets::SecretContent>,
        options: &crate::secrets::SecretOptions,
    ) -> Result<(), BackendError> {
        let _ = (uri, content, options);
        Err(crate::secrets::unsupported("secret-set"))
    }

    /// Removes a secret this unit owns, or one revision of it (`secret-remove`,
    /// `--revision`).
    fn secret_remove(
        &mut self,
        uri: &crate::secrets::SecretUri,
        revision: Option<u64>,
    ) -> Result<(), BackendError> {
        let _ = (uri, revision);
        Err(crate::secrets::unsupported("secret-remove"))
    }

    /// Lets the remote application of `relation` (or only its unit `unit`) read a secret
    /// this unit owns (`secret-grant --relation`, `--unit`).
    fn secret_grant(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        let _ = (uri, relation, unit);
        Err(crate::secrets::unsupported("secret-grant"))
    }

    /// Takes back a grant (`secret-revoke --relation`, `--unit`).
    fn secret_revoke(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        let _ = (uri, relation, unit);
        Err(crate::secrets::unsupported("secret-revoke"))
    }

    /// The secrets this unit owns, and its application's on the leader (`secret-ids`).
    fn secret_ids(&mut self) -> Result<Vec<crate::secrets::SecretUri>, BackendError> {
        Err(crate::secrets::unsupported("secret-ids"))
    }

    /// What Juju says of a secret this unit (or, on the leader, its application) owns
    /// (`secret-info-get`), by URI or label.
    fn secret_info_get(
        &mut self,
        secret: &crate::secrets::SecretRef,
    ) -> Result<crate::secrets::SecretInfo, BackendError> {
        let _ = secret;
        Err(crate::secrets::unsupported("secret-info-get"))
    }

    // Tools: the model's identity, storage, network, goal state, resources, credentials,
    // the remote model, one relation key, ports as a set, reboot (the "tools" part of the
    // Juju surface; value types in `surface.rs`). Each default refuses with "not supported
    // by this backend", but `relation_get_key` and `set_ports`, which work through the
    // methods above.

    /// The model's uuid (`JUJU_MODEL_UUID`).
    fn model_uuid(&self) -> Result<&str, BackendError> {
        Err(crate::surface::unsupported("model uuid"))
    }

    /// Whether the model is a Kubernetes or a machine model (see [`ModelType`] for how it
    /// is known).
    fn model_type(&self) -> Result<ModelType, BackendError> {
        Err(crate::surface::unsupported("model type"))
    }

    /// The version of Juju running the charm (`JUJU_VERSION`).
    fn juju_version(&self) -> Result<JujuVersion, BackendError> {
        Err(crate::surface::unsupported("Juju version"))
    }

    /// A storage instance attached to this unit (`storage-get -s <id>`): `id` like
    /// `data/0`, or `None` for the storage of the current `<name>-storage-attached` or
    /// `-storage-detaching` event (`JUJU_STORAGE_ID`).
    ///
    /// A malformed id, a storage name the metadata does not declare, `None` outside a
    /// storage event, and a storage not attached to this unit are errors naming the id.
    fn storage_get(&mut self, id: Option<&str>) -> Result<Storage, BackendError> {
        let _ = id;
        Err(crate::surface::unsupported("storage-get"))
    }

    /// The ids of the storage instances attached to this unit (`storage-list [<name>]`),
    /// of one storage name (which the metadata must declare) or of all.
    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, BackendError> {
        let _ = name;
        Err(crate::surface::unsupported("storage-list"))
    }

    /// Asks Juju for `count` more instances of the storage `name` (`storage-add
    /// <name>=<count>`). Juju adds them after the hook; each then comes with a
    /// `<name>-storage-attached` event.
    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), BackendError> {
        let _ = (name, count);
        Err(crate::surface::unsupported("storage-add"))
    }

    /// The network of a binding, an endpoint or extra binding (`network-get <binding>`,
    /// with `-r <id>` for the binding of one relation). A binding the charm does not
    /// declare is an error naming it.
    fn network_get(
        &mut self,
        binding: &str,
        relation: Option<RelationId>,
    ) -> Result<Network, BackendError> {
        let _ = (binding, relation);
        Err(crate::surface::unsupported("network-get"))
    }

    /// The units Juju plans for this application and the planned relations
    /// (`goal-state`); [`GoalState::planned_units`] counts the units.
    fn goal_state(&mut self) -> Result<GoalState, BackendError> {
        Err(crate::surface::unsupported("goal-state"))
    }

    /// The path of the file of the charm resource `name` (`resource-get <name>`). A
    /// resource that was not uploaded is an error naming it.
    fn resource_get(&mut self, name: &str) -> Result<std::path::PathBuf, BackendError> {
        let _ = name;
        Err(crate::surface::unsupported("resource-get"))
    }

    /// The model the remote application of a relation is in (`relation-model-get -r
    /// <id>`; Juju 3.6.2 and later).
    fn relation_model_get(&mut self, relation: RelationId) -> Result<RemoteModel, BackendError> {
        let _ = relation;
        Err(crate::surface::unsupported("relation-model-get"))
    }

    /// The cloud and its credential (`credential-get`), for a trusted application. The
    /// credential's values are secrets: they are never logged or shown in errors.
    fn credential_get(&mut self) -> Result<CloudSpec, BackendError> {
        Err(crate::surface::unsupported("credential-get"))
    }

    /// One key of a databag (`relation-get -r <id> <key> <member>`, with `--app` for an
    /// application's bag): `None` when the key is not set. The default reads the whole
    /// bag with [`relation_get`](Self::relation_get).
    fn relation_get_key(
        &mut self,
        relation: RelationId,
        member: &Member,
        key: &str,
    ) -> Result<Option<String>, BackendError> {
        Ok(self.relation_get(relation, member)?.remove(key))
    }

    /// Makes `ports` the ports this unit has open: opens those not open yet and closes
    /// the others (`opened-ports`, then `open-port` and `close-port` for the difference
    /// only), so a charm states the ports it wants in one call.
    fn set_ports(&mut self, ports: &[Port]) -> Result<(), BackendError> {
        let wanted: std::collections::BTreeSet<Port> = ports.iter().copied().collect();
        let open: std::collections::BTreeSet<Port> = self.opened_ports()?.into_iter().collect();
        for port in open.difference(&wanted) {
            self.close_port(*port)?;
        }
        for port in wanted.difference(&open) {
            self.open_port(*port)?;
        }
        Ok(())
    }

    /// Reboots the machine (`juju-reboot`, `--now` with `now`): after the hook succeeds,
    /// or at once, when Juju kills the hook and runs it again after the reboot. Refused on
    /// Kubernetes and during an action, as Juju refuses it.
    fn reboot(&mut self, now: bool) -> Result<(), BackendError> {
        let _ = now;
        Err(crate::surface::unsupported("juju-reboot"))
    }
}

/// Applies `relation-set` changes to a databag as Juju does: an empty value deletes the
/// key, any other value sets it, keys not named are left alone.
pub(crate) fn apply_databag_changes(bag: &mut Databag, changes: &Databag) {
    for (key, value) in changes {
        if value.is_empty() {
            bag.remove(key);
        } else {
            bag.insert(key.clone(), value.clone());
        }
    }
}

/// Refuses a status `status-set` would reject (only active, blocked, waiting and
/// maintenance are settable).
pub(crate) fn check_settable(status: &Status) -> Result<(), BackendError> {
    if status.kind.is_settable() {
        Ok(())
    } else {
        Err(BackendError::refused(
            "status-set",
            format!(
                "invalid status {:?}; expected one of active, blocked, waiting, maintenance",
                status.kind.as_str()
            ),
        ))
    }
}

/// A failed backend operation: which operation, and why.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// Juju refused the operation (for example a non-leader writing application data).
    #[error("{operation}: refused: {reason}")]
    Refused {
        /// What was attempted, as a command line or a short description.
        operation: String,
        /// Why it was refused.
        reason: String,
    },
    /// The operation names something that does not exist (a relation id, a container).
    #[error("{operation}: {what} not found")]
    NotFound {
        /// What was attempted.
        operation: String,
        /// What is missing, for example `relation 7` or `container "workload"`.
        what: String,
    },
    /// The operation names a relation endpoint, container or config option that the
    /// charm's metadata does not declare: a mistake in the charm (a misspelt name), which
    /// an empty answer would hide.
    #[error("{operation}: the charm's metadata declares no {kind} {name:?} (declared: {declared})")]
    Undeclared {
        /// What was attempted.
        operation: String,
        /// What the name was meant to be: `relation endpoint`, `container`, `config
        /// option`, `storage`, `network binding` or `resource`.
        kind: &'static str,
        /// The name the charm used.
        name: String,
        /// The names the metadata declares of that kind, comma-separated, or `none`.
        declared: String,
    },
    /// The operation could not be carried out (a tool failed, an answer was malformed, a
    /// workload could not be reached).
    #[error("{operation}: {message}")]
    Failed {
        /// What was attempted, as a command line or a short description.
        operation: String,
        /// What went wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<BoxError>,
    },
}

impl BackendError {
    /// A [`BackendError::Failed`] without a source.
    pub fn failed(operation: impl Into<String>, message: impl Into<String>) -> BackendError {
        BackendError::Failed {
            operation: operation.into(),
            message: message.into(),
            source: None,
        }
    }

    /// A [`BackendError::Undeclared`]: `operation` used `name` as a `kind` (`relation
    /// endpoint`, `container`, `config option`), but the metadata declares only
    /// `declared`.
    ///
    /// ```
    /// use reconciler_core::BackendError;
    ///
    /// let error = BackendError::undeclared("relation-ids", "relation endpoint", "dbb", ["db", "website"]);
    /// assert_eq!(
    ///     error.to_string(),
    ///     "relation-ids: the charm's metadata declares no relation endpoint \"dbb\" (declared: db, website)",
    /// );
    /// ```
    pub fn undeclared<'n>(
        operation: impl Into<String>,
        kind: &'static str,
        name: &str,
        declared: impl IntoIterator<Item = &'n str>,
    ) -> BackendError {
        let declared: Vec<&str> = declared.into_iter().collect();
        BackendError::Undeclared {
            operation: operation.into(),
            kind,
            name: name.to_owned(),
            declared: if declared.is_empty() {
                "none".to_owned()
            } else {
                declared.join(", ")
            },
        }
    }

    /// A [`BackendError::Refused`].
    pub fn refused(operation: impl Into<String>, reason: impl Into<String>) -> BackendError {
        BackendError::Refused {
            operation: operation.into(),
            reason: reason.into(),
        }
    }
}

impl From<BackendError> for crate::ComponentError {
    /// The error's own text becomes the component's message; with no explicit status the
    /// component shows Blocked with it.
    fn from(error: BackendError) -> crate::ComponentError {
        let chain: &(dyn std::error::Error + 'static) = &error;
        crate::ComponentError::new(crate::error::join_chain(std::iter::successors(
            Some(chain),
            |&e| e.source(),
        )))
    }
}
