//! [`MemoryBackend`]: the [`Backend`] over a [`State`], enforcing Juju's rules and
//! recording what the charm did.

use crate::backend::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port,
    RelationId, Scope,
};
use crate::event::{Event, RelationEventKind};
use crate::metadata::Metadata;
use crate::pebble::{
    CheckInfo, ErrorKind, Layer, Override, Pebble, PebbleError, Service, ServiceInfo,
    ServiceStatus, Startup,
};
use crate::status::Status;
use crate::testing::state::{Container, State};

/// A [`Backend`] that keeps the model in memory.
///
/// It enforces what Juju enforces (only the leader writes application data and status;
/// an empty relation value deletes the key; only settable statuses are accepted) and
/// records the hook's side effects for tests to assert on.
///
/// Given the charm's metadata ([`with_metadata`](Self::with_metadata), as the harness
/// does), it refuses names the metadata does not declare exactly as the hook-tool backend
/// does, with [`BackendError::Undeclared`]: a relation endpoint (`relation_ids`), a
/// container (`pebble`), a config option (`config_value`). Without metadata it checks no
/// names. Given the event ([`for_event`](Self::for_event)), `relation_ids` leaves out the
/// relation a `relation-broken` event is about, as under Juju.
#[derive(Clone, Debug)]
pub struct MemoryBackend {
    /// The model, updated as the charm acts on it.
    pub state: State,
    /// Every `juju-log` line, in order.
    pub logs: Vec<(LogLevel, String)>,
    /// Every `status-set`, in order.
    pub statuses_set: Vec<(Scope, Status)>,
    /// Parameters of the running action, if an action is running.
    pub action_params: Option<JsonMap>,
    /// Results the action set.
    pub action_results: JsonMap,
    /// The action's failure message, if it called `action-fail`.
    pub action_failure: Option<String>,
    /// The action's `action-log` lines.
    pub action_logs: Vec<String>,
    /// Where `juju-log` lines also go, so the harness sees them in order with the
    /// runtime's own `tracing` lines.
    pub(crate) log_sink: Option<crate::logging::Records>,
    /// The charm's declarations, when known: names are checked against them.
    metadata: Option<Metadata>,
    /// The relation a `relation-broken` event is about, left out of `relation_ids`.
    broken_relation: Option<RelationId>,
}

impl MemoryBackend {
    /// A backend over `state`, with no action running.
    pub fn new(state: State) -> MemoryBackend {
        MemoryBackend {
            state,
            logs: Vec::new(),
            statuses_set: Vec::new(),
            action_params: None,
            action_results: JsonMap::new(),
            action_failure: None,
            action_logs: Vec::new(),
            log_sink: None,
            metadata: None,
            broken_relation: None,
        }
    }

    /// This backend, checking the names the charm uses against `metadata`: a relation
    /// endpoint, container or config option it does not declare is an error.
    ///
    /// ```
    /// use reconciler_core::metadata::Metadata;
    /// use reconciler_core::testing::{MemoryBackend, State};
    /// use reconciler_core::Backend;
    ///
    /// let yaml = "name: demo\nrequires:\n  db: {interface: pgsql}\n";
    /// let metadata = Metadata::parse(yaml, "charmcraft.yaml".as_ref())?;
    /// let mut backend = MemoryBackend::new(State::default()).with_metadata(metadata);
    /// assert!(backend.relation_ids("db")?.is_empty());
    /// assert_eq!(
    ///     backend.relation_ids("dbb").unwrap_err().to_string(),
    ///     "relation-ids: the charm's metadata declares no relation endpoint \"dbb\" (declared: db)",
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_metadata(mut self, metadata: Metadata) -> MemoryBackend {
        self.metadata = Some(metadata);
        self
    }

    /// This backend, answering as it would while handling `event`: during
    /// `<endpoint>-relation-broken`, `relation_ids` leaves out the relation being broken.
    #[must_use]
    pub fn for_event(mut self, event: &Event) -> MemoryBackend {
        self.broken_relation = match event {
            Event::Relation {
                kind: RelationEventKind::Broken,
                id,
                ..
            } => Some(*id),
            _ => None,
        };
        self
    }

    fn relation(
        &self,
        operation: &str,
        id: RelationId,
    ) -> Result<&crate::testing::Relation, BackendError> {
        self.state
            .relation(id)
            .ok_or_else(|| BackendError::NotFound {
                operation: operation.to_owned(),
                what: format!("relation {id}"),
            })
    }

    fn require_leader(&self, operation: &str, what: &str) -> Result<(), BackendError> {
        if self.state.leader {
            Ok(())
        } else {
            Err(BackendError::refused(
                operation,
                format!("this unit is not the leader; only the leader may {what}"),
            ))
        }
    }

    fn action(&self, operation: &str) -> Result<(), BackendError> {
        match self.action_params {
            Some(_) => Ok(()),
            None => Err(BackendError::refused(operation, "no action is running")),
        }
    }
}

impl Backend for MemoryBackend {
    fn unit_name(&self) -> &str {
        &self.state.unit_name
    }

    fn model_name(&self) -> &str {
        &self.state.model_name
    }

    fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        Ok(self.state.leader)
    }

    fn config(&mut self) -> Result<&Config, BackendError> {
        Ok(&self.state.config)
    }

    fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        if let Some(metadata) = &self.metadata {
            crate::declared::option(metadata, key)?;
        }
        Ok(self.state.config.get(key).cloned())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError> {
        if let Some(metadata) = &self.metadata {
            crate::declared::endpoint(metadata, endpoint)?;
        }
        Ok(self
            .state
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint && Some(r.id) != self.broken_relation)
            .map(|r| r.id)
            .collect())
    }

    fn relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError> {
        let relation = self.relation("relation-list", relation)?;
        Ok(relation.remote_units_data.keys().cloned().collect())
    }

    fn relation_remote_app(
        &mut self,
        relation: RelationId,
    ) -> Result<Option<String>, BackendError> {
        let relation = self.relation("relation-list --app", relation)?;
        Ok(Some(relation.remote_app.clone()))
    }

    fn relation_get(
        &mut self,
        relation: RelationId,
        member: &Member,
    ) -> Result<Databag, BackendError> {
        let app = self.state.app_name().to_owned();
        let unit = self.state.unit_name.clone();
        let leader = self.state.leader;
        let relation = self.relation("relation-get", relation)?;
        let bag = match member {
            Member::Unit(name) if *name == unit => Some(&relation.local_unit_data),
            Member::Unit(name) => relation.remote_units_data.get(name),
            Member::App(name) if *name == app => {
                if !leader && relation.remote_app != app {
                    // Juju lets only the leader read its own application's databag.
                    return Err(BackendError::refused(
                        "relation-get --app",
                        "this unit is not the leader; only the leader may read its own application databag",
                    ));
                }
                Some(&relation.local_app_data)
            }
            Member::App(name) if *name == relation.remote_app => Some(&relation.remote_app_data),
            Member::App(_) => None,
        };
        bag.cloned().ok_or_else(|| BackendError::NotFound {
            operation: "relation-get".into(),
            what: format!("{member:?} in relation {}", relation.id),
        })
    }

    fn relation_set(
        &mut self,
        relation: RelationId,
        scope: Scope,
        changes: &Databag,
    ) -> Result<(), BackendError> {
        if scope == Scope::App {
            self.require_leader("relation-set --app", "write application relation data")?;
        }
        self.relation("relation-set", relation)?;
        let relation = self.state.relation_mut(relation).expect("checked above");
        let bag = match scope {
            Scope::Unit => &mut relation.local_unit_data,
            Scope::App => &mut relation.local_app_data,
        };
        crate::backend::apply_databag_changes(bag, changes);
        Ok(())
    }

    fn status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError> {
        crate::backend::check_settable(status)?;
        // What Juju would be told: control characters escaped, cut to 1 KiB.
        let status = &Status::new(
            status.kind,
            crate::juju_text::status_message(&status.message),
        );
        if target == Scope::App {
            self.require_leader("status-set --application", "set the application status")?;
            self.state.app_status = status.clone();
        } else {
            self.state.unit_status = status.clone();
        }
        self.statuses_set.push((target, status.clone()));
        Ok(())
    }

    fn status_get(&mut self, target: Scope) -> Result<Status, BackendError> {
        match target {
            Scope::Unit => Ok(self.state.unit_status.clone()),
            Scope::App => {
                self.require_leader("status-get --application", "read the application status")?;
                Ok(self.state.app_status.clone())
            }
        }
    }

    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        // As `juju-log` would get it: control characters but line breaks escaped, cut.
        let message = &*crate::juju_text::tool_message(message);
        self.logs.push((level, message.to_owned()));
        if let Some(mut records) = self.log_sink.as_ref().and_then(|sink| sink.lock().ok()) {
            records.push(crate::logging::LogRecord {
                level,
                message: message.to_owned(),
            });
        }
        Ok(())
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.state.app_version = Some(version.to_owned());
        Ok(())
    }

    fn action_params(&mut self) -> Result<JsonMap, BackendError> {
        self.action("action-get")?;
        Ok(self.action_params.clone().unwrap_or_default())
    }

    fn action_set(&mut self, results: &JsonMap) -> Result<(), BackendError> {
        self.action("action-set")?;
        // Refused as the hook-tool backend refuses it: a NUL in a key or a string value.
        crate::juju_text::action_result_pairs(results)?;
        for (key, value) in results {
            self.action_results.insert(key.clone(), value.clone());
        }
        Ok(())
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.action("action-fail")?;
        self.action_failure = Some(crate::juju_text::tool_message(message).into_owned());
        Ok(())
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.action("action-log")?;
        self.action_logs.push(message.to_owned());
        Ok(())
    }

    fn open_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.state.opened_ports.insert(port);
        Ok(())
    }

    fn close_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.state.opened_ports.remove(&port);
        Ok(())
    }

    fn opened_ports(&mut self) -> Result<Vec<Port>, BackendError> {
        Ok(self.state.opened_ports.iter().copied().collect())
    }

    fn state_get(&mut self, key: &str) -> Result<Option<String>, BackendError> {
        Ok(self.state.stored.get(key).cloned())
    }

    fn state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError> {
        self.state.stored.insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn state_delete(&mut self, key: &str) -> Result<(), BackendError> {
        self.state.stored.remove(key);
        Ok(())
    }

    fn pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError> {
        if let Some(metadata) = &self.metadata {
            crate::declared::container(metadata, container)?;
        }
        match self.state.containers.get_mut(container) {
            Some(container) => Ok(container),
            None => Err(BackendError::NotFound {
                operation: "pebble".into(),
                what: format!("container {container:?}"),
            }),
        }
    }
}

impl Container {
    /// The plan Pebble builds from this container's layers, combined in order.
    pub fn plan(&self) -> Layer {
        combine(&self.layers)
    }

    /// The socket a real container's Pebble listens on, as errors name it.
    fn socket(&self) -> String {
        crate::juju::hook_tools::DEFAULT_PEBBLE_SOCKET.replace("{container}", &self.name)
    }

    /// An error as the HTTP client would return it for `request`.
    fn api_error(&self, request: &str, status: u16, message: String) -> PebbleError {
        PebbleError::Api {
            container: self.name.clone(),
            request: request.to_owned(),
            status,
            kind: None,
            message,
        }
    }

    /// Fails as the HTTP client does when Pebble is not up: a connection error naming the
    /// container's socket.
    fn reachable(&self, request: &str) -> Result<(), PebbleError> {
        if self.can_connect {
            Ok(())
        } else {
            Err(PebbleError::Connection {
                container: self.name.clone(),
                request: request.to_owned(),
                socket: self.socket().into(),
                source: std::io::ErrorKind::ConnectionRefused.into(),
            })
        }
    }

    fn set_services(
        &mut self,
        action: &str,
        names: &[&str],
        status: ServiceStatus,
    ) -> Result<(), PebbleError> {
        let request = "POST /v1/services";
        self.reachable(request)?;
        let plan = combine(&self.layers);
        for name in names {
            if !plan.services.contains_key(*name) {
                // Pebble's own answer.
                return Err(self.api_error(
                    request,
                    400,
                    format!("cannot {action} services: service {name:?} does not exist"),
                ));
            }
        }
        for name in names {
            self.services.insert((*name).to_owned(), status);
        }
        Ok(())
    }
}

/// Combines layers in order, as Pebble builds its plan.
fn combine(layers: &[(String, Layer)]) -> Layer {
    let mut plan = Layer::default();
    for (_, layer) in layers {
        for (name, service) in &layer.services {
            match (service.override_, plan.services.get_mut(name)) {
                (Override::Merge, Some(existing)) => merge_service(existing, service),
                _ => {
                    plan.services.insert(name.clone(), service.clone());
                }
            }
        }
        for (name, check) in &layer.checks {
            plan.checks.insert(name.clone(), check.clone());
        }
    }
    plan
}

fn merge_service(existing: &mut Service, new: &Service) {
    macro_rules! take {
        ($($field:ident),*) => { $( if new.$field.is_some() { existing.$field = new.$field.clone(); } )* };
    }
    take!(summary, command, startup, user, group, working_dir);
    existing.environment.extend(new.environment.clone());
    existing.after.extend(new.after.iter().cloned());
    existing.requires.extend(new.requires.iter().cloned());
}

impl Pebble for Container {
    fn can_connect(&mut self) -> bool {
        self.can_connect
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        let request = "POST /v1/layers";
        self.reachable(request)?;
        match self.layers.iter().position(|(l, _)| l == label) {
            Some(i) if combine => {
                let existing = &self.layers[i].1;
                let merged = self::combine(&[
                    (label.to_owned(), existing.clone()),
                    (label.to_owned(), layer.clone()),
                ]);
                let existing = &mut self.layers[i].1;
                existing.services = merged.services;
                existing.checks = merged.checks;
            }
            Some(_) => {
                // Pebble's own answer.
                return Err(self.api_error(
                    request,
                    400,
                    format!("layer {label:?} already exists"),
                ));
            }
            None => self.layers.push((label.to_owned(), layer.clone())),
        }
        Ok(())
    }

    fn plan(&mut self) -> Result<Layer, PebbleError> {
        self.reachable("GET /v1/plan")?;
        Ok(combine(&self.layers))
    }

    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        self.reachable("GET /v1/services")?;
        let plan = combine(&self.layers);
        Ok(plan
            .services
            .iter()
            .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
            .map(|(name, service)| ServiceInfo {
                name: name.clone(),
                startup: service.startup.unwrap_or_default(),
                current: self
                    .services
                    .get(name)
                    .copied()
                    .unwrap_or(ServiceStatus::Inactive),
            })
            .collect())
    }

    fn replan(&mut self) -> Result<(), PebbleError> {
        self.reachable("POST /v1/services")?;
        let plan = combine(&self.layers);
        for (name, service) in plan.services {
            if service.startup == Some(Startup::Enabled) {
                self.services.insert(name, ServiceStatus::Active);
            }
        }
        Ok(())
    }

    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("start", names, ServiceStatus::Active)
    }

    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("stop", names, ServiceStatus::Inactive)
    }

    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("restart", names, ServiceStatus::Active)
    }

    fn push(&mut self, path: &str, content: &[u8]) -> Result<(), PebbleError> {
        let request = "POST /v1/files";
        self.reachable(request)?;
        if !path.starts_with('/') {
            // Pebble's own per-file error.
            return Err(PebbleError::Path {
                container: self.name.clone(),
                request: request.to_owned(),
                path: path.to_owned(),
                kind: ErrorKind::GenericFileError,
                message: format!("paths must be absolute, got {path:?}"),
            });
        }
        self.files.insert(path.to_owned(), content.to_vec());
        Ok(())
    }

    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError> {
        let request = "GET /v1/files";
        self.reachable(request)?;
        let error = |kind, message| PebbleError::Path {
            container: self.name.clone(),
            request: request.to_owned(),
            path: path.to_owned(),
            kind,
            message,
        };
        // Pebble's own per-file errors.
        if !path.starts_with('/') {
            return Err(error(
                ErrorKind::GenericFileError,
                format!("paths must be absolute, got {path:?}"),
            ));
        }
        self.files.get(path).cloned().ok_or_else(|| {
            error(
                ErrorKind::NotFound,
                format!("stat {path}: no such file or directory"),
            )
        })
    }

    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError> {
        self.reachable("GET /v1/checks")?;
        Ok(self.checks.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_pull_of_a_missing_file_is_a_not_found_path_error() {
        let mut container = Container::new("workload");
        let e = container.pull("/etc/missing.conf").unwrap_err();
        match &e {
            PebbleError::Path {
                container,
                request,
                path,
                kind: ErrorKind::NotFound,
                message,
            } => {
                assert_eq!(container, "workload");
                assert_eq!(request, "GET /v1/files");
                assert_eq!(path, "/etc/missing.conf");
                assert_eq!(message, "stat /etc/missing.conf: no such file or directory");
            }
            other => panic!("{other:?}"),
        }
        assert!(e.is_not_found());
        container.push("/etc/missing.conf", b"now here").unwrap();
        assert_eq!(container.pull("/etc/missing.conf").unwrap(), b"now here");
    }

    #[test]
    fn an_unreachable_container_fails_as_a_refused_connection() {
        let mut container = Container::new("workload").unreachable();
        let e = container.pull("/etc/x").unwrap_err();
        match &e {
            PebbleError::Connection { socket, source, .. } => {
                assert_eq!(
                    socket,
                    std::path::Path::new("/charm/containers/workload/pebble.socket")
                );
                assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
            }
            other => panic!("{other:?}"),
        }
        assert!(e.is_unavailable() && !e.is_timeout() && !e.is_not_found());
        assert!(!container.can_connect());
    }
}
