//! [`MemoryBackend`]: the [`Backend`] over a [`State`], enforcing Juju's rules and
//! recording what the charm did.

use crate::backend::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port,
    RelationId, Scope,
};
use crate::event::{Event, RelationEventKind};
use crate::metadata::Metadata;
use std::collections::{BTreeMap, BTreeSet};

use crate::pebble::{
    Check, CheckInfo, CheckStatus, ErrorKind, ExecOutput, ExecRequest, FileInfo, FileType, Layer,
    ListFilesOptions, MakeDirOptions, NoticeQuery, NoticeType, Override, Pebble, PebbleError,
    PebbleNotice, PushOptions, Service, ServiceInfo, ServiceStatus, Startup,
};
use crate::status::Status;
use crate::testing::state::{ChangeRecord, Container, FileMeta, State};

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
    /// Tools: the event's storage, the directory of resource files.
    surface: crate::testing::surface::MemorySurface,
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
            surface: Default::default(),
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
        self.surface.for_event(event);
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

    fn extensions(&mut self) -> Option<&mut crate::Extensions> {
        Some(&mut self.state.extensions)
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

    // Secrets (secret-*): the rules are in `testing/secrets.rs`.
    fn secret_add(
        &mut self,
        content: &crate::secrets::SecretContent,
        owner: crate::secrets::SecretOwner,
        options: &crate::secrets::SecretOptions,
    ) -> Result<crate::secrets::SecretUri, BackendError> {
        crate::testing::secrets::add(&mut self.state, content, owner, options)
    }

    fn secret_get(
        &mut self,
        query: &crate::secrets::SecretQuery,
    ) -> Result<crate::secrets::SecretContent, BackendError> {
        crate::testing::secrets::get(&mut self.state, query)
    }

    fn secret_set(
        &mut self,
        uri: &crate::secrets::SecretUri,
        content: Option<&crate::secrets::SecretContent>,
        options: &crate::secrets::SecretOptions,
    ) -> Result<(), BackendError> {
        crate::testing::secrets::set(&mut self.state, uri, content, options)
    }

    fn secret_remove(
        &mut self,
        uri: &crate::secrets::SecretUri,
        revision: Option<u64>,
    ) -> Result<(), BackendError> {
        crate::testing::secrets::remove(&mut self.state, uri, revision)
    }

    fn secret_grant(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        crate::testing::secrets::grant(&mut self.state, uri, relation, unit)
    }

    fn secret_revoke(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        crate::testing::secrets::revoke(&mut self.state, uri, relation, unit)
    }

    fn secret_ids(&mut self) -> Result<Vec<crate::secrets::SecretUri>, BackendError> {
        Ok(crate::testing::secrets::ids(&self.state))
    }

    fn secret_info_get(
        &mut self,
        secret: &crate::secrets::SecretRef,
    ) -> Result<crate::secrets::SecretInfo, BackendError> {
        crate::testing::secrets::info_get(&self.state, secret)
    }

    // Tools (storage, network, goal state, resources, credentials, the model, reboot):
    // the work is in `testing/surface.rs`.
    fn model_uuid(&self) -> Result<&str, BackendError> {
        Ok(&self.state.model_uuid)
    }

    fn model_type(&self) -> Result<crate::surface::ModelType, BackendError> {
        crate::testing::surface::model_type(&self.state, self.metadata.as_ref())
    }

    fn juju_version(&self) -> Result<crate::surface::JujuVersion, BackendError> {
        Ok(self.state.juju_version.clone())
    }

    fn storage_get(&mut self, id: Option<&str>) -> Result<crate::surface::Storage, BackendError> {
        self.surface
            .storage_get(&self.state, self.metadata.as_ref(), id)
    }

    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, BackendError> {
        crate::testing::surface::storage_list(&self.state, self.metadata.as_ref(), name)
    }

    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), BackendError> {
        crate::testing::surface::storage_add(&mut self.state, self.metadata.as_ref(), name, count)
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation: Option<RelationId>,
    ) -> Result<crate::surface::Network, BackendError> {
        crate::testing::surface::network_get(&self.state, self.metadata.as_ref(), binding, relation)
    }

    fn goal_state(&mut self) -> Result<crate::surface::GoalState, BackendError> {
        Ok(crate::testing::surface::goal_state(
            &self.state,
            self.broken_relation,
        ))
    }

    fn resource_get(&mut self, name: &str) -> Result<std::path::PathBuf, BackendError> {
        self.surface
            .resource_get(&self.state, self.metadata.as_ref(), name)
    }

    fn relation_model_get(
        &mut self,
        relation: RelationId,
    ) -> Result<crate::surface::RemoteModel, BackendError> {
        crate::testing::surface::relation_model_get(&self.state, relation)
    }

    fn credential_get(&mut self) -> Result<crate::surface::CloudSpec, BackendError> {
        crate::testing::surface::credential_get(&self.state)
    }

    fn relation_get_key(
        &mut self,
        relation: RelationId,
        member: &Member,
        key: &str,
    ) -> Result<Option<String>, BackendError> {
        crate::juju::surface::check_key(key)?;
        Ok(self.relation_get(relation, member)?.remove(key))
    }

    fn reboot(&mut self, now: bool) -> Result<(), BackendError> {
        let model_type = self.model_type()?;
        crate::testing::surface::reboot(
            &mut self.state,
            model_type,
            self.action_params.is_some(),
            now,
        )
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

    /// Pebble's per-file error.
    fn path_error(
        &self,
        request: &str,
        path: &str,
        kind: ErrorKind,
        message: String,
    ) -> PebbleError {
        PebbleError::Path {
            container: self.name.clone(),
            request: request.to_owned(),
            path: path.to_owned(),
            kind,
            message,
        }
    }

    /// Fails as the HTTP client does when Pebble is not up: a connection error naming the
    /// container's socket.
    pub(super) fn reachable(&self, request: &str) -> Result<(), PebbleError> {
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

    /// Records a change as Pebble summarises it: `Replan service "a" and 2 more`, for
    /// `first` of `count` services.
    fn record(&mut self, kind: &str, verb: &str, first: Option<&String>, count: usize) {
        let summary = match (first, count) {
            (None, _) | (_, 0) => format!("{verb} - no services"),
            (Some(first), 1) => format!("{verb} service {first:?}"),
            (Some(first), n) => format!("{verb} service {first:?} and {} more", n - 1),
        };
        self.change_log.push(ChangeRecord {
            kind: kind.to_owned(),
            summary,
        });
    }

    /// Marks a service running with its current definition.
    fn run_service(&mut self, name: &str, plan: &Layer) {
        self.services.insert(name.to_owned(), ServiceStatus::Active);
        if let Some(service) = plan.services.get(name) {
            self.started.insert(name.to_owned(), service.clone());
        }
        *self.starts.entry(name.to_owned()).or_default() += 1;
    }

    fn set_services(&mut self, action: &str, names: &[&str]) -> Result<(), PebbleError> {
        let request = "POST /v1/services";
        self.reachable(request)?;
        if names.is_empty() {
            return Err(self.api_error(
                request,
                400,
                format!("must specify services for {action} action"),
            ));
        }
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
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        // As Pebble orders them: starting a service starts what it requires, stopping
        // one stops what requires it.
        let touched = match action {
            "stop" => {
                let stopped = dependents(&plan, &names);
                for name in &stopped {
                    self.services.insert(name.clone(), ServiceStatus::Inactive);
                    self.started.remove(name);
                }
                stopped
            }
            _ => {
                let started = requirements(&plan, &names);
                for name in &started {
                    let running = self.services.get(name) == Some(&ServiceStatus::Active);
                    let restart = action == "restart" && names.contains(name);
                    if !running || restart {
                        self.run_service(name, &plan);
                    }
                }
                started
            }
        };
        let verb = format!("{}{}", action[..1].to_uppercase(), &action[1..]);
        self.record(action, &verb, names.first(), touched.len());
        Ok(())
    }

    /// Whether `path` is a directory: listed, implied by a file or directory under it,
    /// or `/`.
    fn is_dir(&self, path: &str) -> bool {
        if path == "/" || self.dirs.contains(path) {
            return true;
        }
        let prefix = format!("{path}/");
        self.files
            .keys()
            .chain(self.dirs.iter())
            .any(|p| p.starts_with(&prefix))
    }

    fn file_type(&self, path: &str) -> Option<FileType> {
        if self.files.contains_key(path) {
            Some(FileType::File)
        } else if self.is_dir(path) {
            Some(FileType::Directory)
        } else {
            None
        }
    }

    fn info(&self, path: &str, type_: FileType) -> FileInfo {
        let default = if type_ == FileType::Directory {
            0o755
        } else {
            0o644
        };
        let meta = self.file_meta.get(path).cloned().unwrap_or(FileMeta {
            permissions: default,
            user_id: 0,
            group_id: 0,
        });
        let mut info = FileInfo::new(path, type_, meta.permissions);
        if path == "/" {
            info.name = "/".into();
        }
        info.size = self.files.get(path).map(|c| c.len() as u64);
        info.user_id = Some(meta.user_id);
        info.group_id = Some(meta.group_id);
        info.user = self.user_name(meta.user_id);
        info.group = self.group_name(meta.group_id);
        info
    }

    fn user_name(&self, id: u32) -> Option<String> {
        if id == 0 {
            return Some("root".into());
        }
        self.users
            .iter()
            .find(|(_, i)| **i == id)
            .map(|(n, _)| n.clone())
    }

    fn group_name(&self, id: u32) -> Option<String> {
        if id == 0 {
            return Some("root".into());
        }
        self.groups
            .iter()
            .find(|(_, i)| **i == id)
            .map(|(n, _)| n.clone())
    }

    /// The owner's ids, as Pebble resolves the user and group fields of a files request;
    /// `None` when none is given. Pebble's messages for what it cannot resolve.
    fn owner(
        &self,
        user: &Option<String>,
        user_id: Option<u32>,
        group: &Option<String>,
        group_id: Option<u32>,
    ) -> Result<Option<(u32, u32)>, String> {
        if user.is_none() && user_id.is_none() && group.is_none() && group_id.is_none() {
            return Ok(None);
        }
        let fail = |why: String| format!("cannot look up user and group: {why}");
        let uid = resolve_id("user", "UID", user, user_id, &self.users).map_err(fail)?;
        let gid = resolve_id("group", "GID", group, group_id, &self.groups).map_err(fail)?;
        match (uid, gid) {
            (Some(uid), Some(gid)) => Ok(Some((uid, gid))),
            (Some(uid), None) => {
                if uid == 0 || self.users.values().any(|i| *i == uid) {
                    Ok(Some((uid, uid)))
                } else {
                    Err(fail(format!("user: unknown userid {uid}")))
                }
            }
            _ => Err(fail("must specify user, not just group".into())),
        }
    }

    /// Creates `path` and its missing parents as directories.
    fn make_dirs(&mut self, path: &str, meta: &FileMeta) -> Result<(), (ErrorKind, String)> {
        let mut missing = Vec::new();
        let mut at = path.to_owned();
        while !self.is_dir(&at) {
            if self.files.contains_key(&at) {
                return Err((
                    ErrorKind::GenericFileError,
                    format!("mkdir {at}: not a directory"),
                ));
            }
            missing.push(at.clone());
            at = parent(&at).to_owned();
        }
        for dir in missing {
            self.dirs.insert(dir.clone());
            self.file_meta.insert(dir, meta.clone());
        }
        Ok(())
    }
}

/// `names` and every service they require, directly or not.
fn requirements(plan: &Layer, names: &[String]) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(name) = todo.pop() {
        if all.insert(name.clone())
            && let Some(service) = plan.services.get(&name)
        {
            todo.extend(service.requires.iter().cloned());
        }
    }
    all
}

/// `names` and every service that requires them, directly or not.
fn dependents(plan: &Layer, names: &[String]) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    let mut todo: Vec<String> = names.to_vec();
    while let Some(name) = todo.pop() {
        if all.insert(name.clone()) {
            todo.extend(
                plan.services
                    .iter()
                    .filter(|(_, s)| s.requires.contains(&name))
                    .map(|(n, _)| n.clone()),
            );
        }
    }
    all
}

/// The directory `path` is in (`/` for a top-level path).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Whether `name` matches a glob of `*` and `?` (other characters literal).
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            glob(&pattern[1..], name) || (!name.is_empty() && glob(pattern, &name[1..]))
        }
        (Some(b'?'), Some(_)) => glob(&pattern[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob(&pattern[1..], &name[1..]),
        _ => false,
    }
}

/// Combines layers in order, as Pebble builds its plan (which has no summary or
/// description). A merged entry keeps the `override` it had, as in Pebble.
fn combine(layers: &[(String, Layer)]) -> Layer {
    let mut plan = Layer::default();
    for (_, layer) in layers {
        for (name, service) in &layer.services {
            match (&service.override_, plan.services.get_mut(name)) {
                (Override::Merge, Some(existing)) => merge_service(existing, service),
                _ => {
                    plan.services.insert(name.clone(), service.clone());
                }
            }
        }
        for (name, check) in &layer.checks {
            match (&check.override_, plan.checks.get_mut(name)) {
                (Override::Merge, Some(existing)) => merge_check(existing, check),
                _ => {
                    plan.checks.insert(name.clone(), check.clone());
                }
            }
        }
        for (name, target) in &layer.log_targets {
            match (&target.override_, plan.log_targets.get_mut(name)) {
                (Override::Merge, Some(existing)) => {
                    take!(existing, target; type_, location);
                    existing.services.extend(target.services.iter().cloned());
                    existing.labels.extend(target.labels.clone());
                }
                _ => {
                    plan.log_targets.insert(name.clone(), target.clone());
                }
            }
        }
    }
    plan
}

/// Fields set in `new` replace those of `existing`.
macro_rules! take {
    ($existing:expr, $new:expr; $($field:ident),*) => {
        $( if $new.$field.is_some() { $existing.$field = $new.$field.clone(); } )*
    };
}
use take;

fn merge_service(existing: &mut Service, new: &Service) {
    take!(existing, new; summary, description, startup, command, user, user_id, group,
        group_id, working_dir, on_success, on_failure, backoff_delay, backoff_factor,
        backoff_limit, kill_delay);
    existing.environment.extend(new.environment.clone());
    existing
        .on_check_failure
        .extend(new.on_check_failure.clone());
    existing.after.extend(new.after.iter().cloned());
    existing.before.extend(new.before.iter().cloned());
    existing.requires.extend(new.requires.iter().cloned());
}

fn merge_check(existing: &mut Check, new: &Check) {
    take!(existing, new; level, startup, period, timeout, threshold);
    if let Some(http) = &new.http {
        let old = existing.http.get_or_insert_with(Default::default);
        take!(old, http; url);
        old.headers.extend(http.headers.clone());
    }
    if let Some(tcp) = &new.tcp {
        let old = existing.tcp.get_or_insert_with(Default::default);
        take!(old, tcp; port, host);
    }
    if let Some(exec) = &new.exec {
        let old = existing.exec.get_or_insert_with(Default::default);
        take!(old, exec; command, service_context, user, user_id, group, group_id, working_dir);
        old.environment.extend(exec.environment.clone());
    }
}

/// `2000-01-01T00:00:00Z` plus `seconds`, in RFC 3339: the in-memory Pebble's clock,
/// one second per notice, so times order as the notices do.
fn timestamp(seconds: u64) -> String {
    let days = seconds / 86_400 + 10_957; // days from 1970-01-01 to 2000-01-01
    let rest = seconds % 86_400;
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

impl Pebble for Container {
    fn can_connect(&mut self) -> bool {
        self.can_connect
    }

    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        let request = "POST /v1/layers";
        self.reachable(request)?;
        let before = self.layers.clone();
        self.add_layer_unchecked(request, label, layer, combine)?;
        // Pebble refuses a layer that leaves the plan invalid, and keeps the old plan.
        if let Err(message) = validate(&self::combine(&self.layers)) {
            self.layers = before;
            return Err(self.api_error(request, 400, message));
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
                startup: service.startup.clone().unwrap_or_default(),
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
        let mut affected = Vec::new();
        // Running services whose definition changed are restarted; those no longer in
        // the plan are stopped.
        let running: Vec<String> = self
            .services
            .iter()
            .filter(|(_, status)| **status == ServiceStatus::Active)
            .map(|(name, _)| name.clone())
            .collect();
        for name in running {
            match (plan.services.get(&name), self.started.get(&name)) {
                (None, _) => {
                    self.services.insert(name.clone(), ServiceStatus::Inactive);
                    self.started.remove(&name);
                    affected.push(name);
                }
                (Some(now), Some(then)) if now != then => {
                    self.run_service(&name, &plan);
                    affected.push(name);
                }
                (Some(now), None) => {
                    // Set running by the test: taken to run the current definition.
                    self.started.insert(name.clone(), now.clone());
                }
                _ => {}
            }
        }
        // Enabled services and those restarted are started, with what they require.
        let mut to_start: Vec<String> = plan
            .services
            .iter()
            .filter(|(_, service)| service.startup == Some(Startup::Enabled))
            .map(|(name, _)| name.clone())
            .collect();
        to_start.extend(
            affected
                .iter()
                .filter(|n| plan.services.contains_key(*n))
                .cloned(),
        );
        for name in requirements(&plan, &to_start) {
            if self.services.get(&name) != Some(&ServiceStatus::Active) {
                self.run_service(&name, &plan);
            }
            if !affected.contains(&name) {
                affected.push(name);
            }
        }
        affected.sort();
        self.record("replan", "Replan", affected.first(), affected.len());
        Ok(())
    }

    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("start", names)
    }

    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("stop", names)
    }

    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.set_services("restart", names)
    }

    fn push_with(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<(), PebbleError> {
        let request = "POST /v1/files";
        self.reachable(request)?;
        let fail = |kind, message| self.path_error(request, path, kind, message);
        // Pebble's own per-file errors, in the order Pebble checks.
        if !path.starts_with('/') {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("paths must be absolute, got {path:?}"),
            ));
        }
        let owner = self
            .owner(
                &options.user,
                options.user_id,
                &options.group,
                options.group_id,
            )
            .map_err(|m| fail(ErrorKind::GenericFileError, m))?;
        let (uid, gid) = owner.unwrap_or((0, 0));
        let dir = parent(path).to_owned();
        if options.make_dirs {
            let meta = FileMeta {
                permissions: 0o755,
                user_id: uid,
                group_id: gid,
            };
            self.make_dirs(&dir, &meta).map_err(|(kind, m)| {
                self.path_error(request, path, kind, format!("cannot create directory: {m}"))
            })?;
        }
        let permissions = crate::pebble::permissions_text(options.permissions)
            .map_err(|m| self.path_error(request, path, ErrorKind::GenericFileError, m))?;
        let fail = |kind, message| self.path_error(request, path, kind, message);
        if self.files.contains_key(&dir) {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("open {path}: not a directory"),
            ));
        }
        if !self.is_dir(&dir) {
            return Err(fail(
                ErrorKind::NotFound,
                format!("open {path}: no such file or directory"),
            ));
        }
        if self.is_dir(path) {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("rename {path}: file exists"),
            ));
        }
        self.files.insert(path.to_owned(), content.to_vec());
        let permissions =
            permissions.map_or(0o644, |p| u32::from_str_radix(&p, 8).unwrap_or(0o644));
        self.file_meta.insert(
            path.to_owned(),
            FileMeta {
                permissions,
                user_id: uid,
                group_id: gid,
            },
        );
        Ok(())
    }

    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError> {
        let request = "GET /v1/files";
        self.reachable(request)?;
        let error = |kind, message| self.path_error(request, path, kind, message);
        // Pebble's own per-file errors.
        if !path.starts_with('/') {
            return Err(error(
                ErrorKind::GenericFileError,
                format!("paths must be absolute, got {path:?}"),
            ));
        }
        if self.is_dir(path) {
            return Err(error(
                ErrorKind::GenericFileError,
                format!("can only read a regular file: {path:?}"),
            ));
        }
        self.files.get(path).cloned().ok_or_else(|| {
            error(
                ErrorKind::NotFound,
                format!("stat {path}: no such file or directory"),
            )
        })
    }

    fn list_files(
        &mut self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, PebbleError> {
        let request = "GET /v1/files";
        self.reachable(request)?;
        if !path.starts_with('/') {
            return Err(self.api_error(
                request,
                400,
                format!("path must be absolute, got {path:?}"),
            ));
        }
        let Some(type_) = self.file_type(path) else {
            return Err(PebbleError::Api {
                container: self.name.clone(),
                request: request.to_owned(),
                status: 404,
                kind: Some(ErrorKind::NotFound),
                message: format!("stat {path}: no such file or directory"),
            });
        };
        let mut entries = Vec::new();
        if type_ != FileType::Directory || options.itself {
            entries.push((path.to_owned(), type_));
        } else {
            let prefix = if path == "/" {
                "/".to_owned()
            } else {
                format!("{path}/")
            };
            let mut names = BTreeSet::new();
            for p in self.files.keys().chain(self.dirs.iter()) {
                if let Some(rest) = p.strip_prefix(&prefix) {
                    names.insert(rest.split('/').next().unwrap_or(rest).to_owned());
                }
            }
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                let child = format!("{prefix}{name}");
                if let Some(t) = self.file_type(&child) {
                    entries.push((child, t));
                }
            }
        }
        Ok(entries
            .into_iter()
            .filter(|(p, _)| {
                options.pattern.as_ref().is_none_or(|pattern| {
                    glob(
                        pattern.as_bytes(),
                        p.rsplit('/').next().unwrap_or(p).as_bytes(),
                    )
                })
            })
            .map(|(p, t)| self.info(&p, t))
            .collect())
    }

    fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        let request = "POST /v1/files";
        self.reachable(request)?;
        let fail = |kind, message| self.path_error(request, path, kind, message);
        if !path.starts_with('/') {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("paths must be absolute, got {path:?}"),
            ));
        }
        let permissions = crate::pebble::permissions_text(options.permissions)
            .map_err(|m| fail(ErrorKind::GenericFileError, m))?
            .map_or(0o755, |p| u32::from_str_radix(&p, 8).unwrap_or(0o755));
        let (uid, gid) = self
            .owner(
                &options.user,
                options.user_id,
                &options.group,
                options.group_id,
            )
            .map_err(|m| fail(ErrorKind::GenericFileError, m))?
            .unwrap_or((0, 0));
        let path = path.trim_end_matches('/');
        let path = if path.is_empty() { "/" } else { path };
        let fail = |kind, message| self.path_error(request, path, kind, message);
        if self.files.contains_key(path) {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("mkdir {path}: not a directory"),
            ));
        }
        if self.is_dir(path) {
            if options.make_parents {
                return Ok(());
            }
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("mkdir {path}: file exists"),
            ));
        }
        let dir = parent(path);
        if !options.make_parents && !self.is_dir(dir) {
            let (kind, why) = if self.files.contains_key(dir) {
                (ErrorKind::GenericFileError, "not a directory")
            } else {
                (ErrorKind::NotFound, "no such file or directory")
            };
            return Err(fail(kind, format!("mkdir {path}: {why}")));
        }
        let meta = FileMeta {
            permissions,
            user_id: uid,
            group_id: gid,
        };
        self.make_dirs(path, &meta)
            .map_err(|(kind, m)| self.path_error(request, path, kind, m))
    }

    fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        let request = "POST /v1/files";
        self.reachable(request)?;
        let fail = |kind, message| self.path_error(request, path, kind, message);
        if !path.starts_with('/') {
            return Err(fail(
                ErrorKind::GenericFileError,
                format!("paths must be absolute, got {path:?}"),
            ));
        }
        let prefix = format!("{path}/");
        let has_children = self
            .files
            .keys()
            .chain(self.dirs.iter())
            .any(|p| p.starts_with(&prefix));
        match self.file_type(path) {
            None if recursive => return Ok(()),
            None => {
                return Err(fail(
                    ErrorKind::NotFound,
                    format!("remove {path}: no such file or directory"),
                ));
            }
            Some(FileType::Directory) if has_children && !recursive => {
                return Err(fail(
                    ErrorKind::GenericFileError,
                    format!("remove {path}: directory not empty"),
                ));
            }
            _ => {}
        }
        let gone = |p: &String| p == path || p.starts_with(&prefix);
        self.files.retain(|p, _| !gone(p));
        self.dirs.retain(|p| !gone(p));
        self.file_meta.retain(|p, _| !gone(p));
        // A removed file's directory stays.
        let dir = parent(path);
        if dir != "/" && !self.is_dir(dir) {
            self.dirs.insert(dir.to_owned());
        }
        Ok(())
    }

    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError> {
        self.reachable("GET /v1/checks")?;
        let plan = combine(&self.layers);
        let mut checks: Vec<CheckInfo> = self
            .checks
            .iter()
            .filter(|c| !plan.checks.contains_key(&c.name))
            .cloned()
            .collect();
        for (name, check) in &plan.checks {
            let info = match self.checks.iter().find(|c| &c.name == name) {
                Some(info) => info.clone(),
                None => {
                    let status = if check.startup == Some(Startup::Disabled) {
                        CheckStatus::Inactive
                    } else {
                        CheckStatus::Up
                    };
                    let mut info = CheckInfo::new(name.clone(), status);
                    info.level = check.level.clone();
                    info.startup = Some(check.startup.clone().unwrap_or(Startup::Enabled));
                    info.threshold = check.threshold.unwrap_or(3);
                    info
                }
            };
            checks.push(info);
        }
        checks.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(checks)
    }

    fn start_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("start", names)
    }

    fn stop_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.checks_action("stop", names)
    }

    fn notices(&mut self, query: &NoticeQuery) -> Result<Vec<PebbleNotice>, PebbleError> {
        self.reachable("GET /v1/notices")?;
        Ok(self
            .notices
            .iter()
            .filter(|n| query.types.is_empty() || query.types.contains(&n.type_))
            .filter(|n| query.keys.is_empty() || query.keys.contains(&n.key))
            .filter(|n| {
                query
                    .after
                    .as_ref()
                    .is_none_or(|after| n.last_repeated.as_str() > after.as_str())
            })
            .cloned()
            .collect())
    }

    fn notify(
        &mut self,
        key: &str,
        data: &BTreeMap<String, String>,
    ) -> Result<String, PebbleError> {
        let request = "POST /v1/notices";
        self.reachable(request)?;
        // Pebble's own answers.
        if !crate::pebble::valid_custom_key(key) {
            return Err(self.api_error(
                request,
                400,
                format!("invalid key {key:?} (must be in \"example.com/path\" format)"),
            ));
        }
        if key.len() > 256 {
            return Err(self.api_error(request, 400, "key must be 256 bytes or less".into()));
        }
        if serde_json::to_string(data).map_or(0, |d| d.len()) > 4096 {
            return Err(self.api_error(
                request,
                400,
                "total size of data must be 4096 bytes or less".into(),
            ));
        }
        // One tick of the clock per occurrence, so times order as occurrences do.
        let tick: u64 = self.notices.iter().map(|n| n.occurrences).sum();
        let now = timestamp(tick + 1);
        if let Some(notice) = self
            .notices
            .iter_mut()
            .find(|n| n.type_ == NoticeType::Custom && n.key == key)
        {
            notice.occurrences += 1;
            notice.last_occurred = now.clone();
            notice.last_repeated = now;
            notice.last_data = data.clone();
            return Ok(notice.id.clone());
        }
        let id = (self.notices.len() + 1).to_string();
        self.notices.push(PebbleNotice::new(
            id.clone(),
            NoticeType::Custom,
            key,
            now,
            1,
            data.clone(),
        ));
        Ok(id)
    }

    fn exec(&mut self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        self.run_exec(request)
    }
}

impl Container {
    /// Adds or combines a layer without validating the plan.
    fn add_layer_unchecked(
        &mut self,
        request: &str,
        label: &str,
        layer: &Layer,
        combine: bool,
    ) -> Result<(), PebbleError> {
        match self.layers.iter().position(|(l, _)| l == label) {
            Some(i) if combine => {
                let existing = &self.layers[i].1;
                let merged = self::combine(&[
                    (label.to_owned(), existing.clone()),
                    (label.to_owned(), layer.clone()),
                ]);
                let existing = &mut self.layers[i].1;
                // As Pebble: the newer summary and description, the entries combined.
                existing.summary = layer.summary.clone();
                existing.description = layer.description.clone();
                existing.services = merged.services;
                existing.checks = merged.checks;
                existing.log_targets = merged.log_targets;
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
}

/// Pebble's checks of a combined plan, with its messages (the first problem found, in
/// name order).
fn validate(plan: &Layer) -> Result<(), String> {
    for (name, service) in &plan.services {
        if service.command.as_deref().unwrap_or_default().is_empty() {
            return Err(format!("plan must define \"command\" for service {name:?}"));
        }
    }
    for (name, check) in &plan.checks {
        let mut kinds = 0;
        if let Some(http) = &check.http {
            if http.url.as_deref().unwrap_or_default().is_empty() {
                return Err(format!("plan must set \"url\" for http check {name:?}"));
            }
            kinds += 1;
        }
        if let Some(tcp) = &check.tcp {
            if tcp.port.unwrap_or(0) == 0 {
                return Err(format!("plan must set \"port\" for tcp check {name:?}"));
            }
            kinds += 1;
        }
        if let Some(exec) = &check.exec {
            if exec.command.as_deref().unwrap_or_default().is_empty() {
                return Err(format!("plan must set \"command\" for exec check {name:?}"));
            }
            if let Some(context) = exec.service_context.as_deref().filter(|c| !c.is_empty())
                && !plan.services.contains_key(context)
            {
                return Err(format!(
                    "plan check {name:?} service context specifies non-existent service {context:?}"
                ));
            }
            kinds += 1;
        }
        if kinds != 1 {
            return Err(format!(
                "plan must specify one of \"http\", \"tcp\", or \"exec\" for check {name:?}"
            ));
        }
    }
    for (name, target) in &plan.log_targets {
        if target.type_.is_none() {
            return Err(format!(
                "plan must define \"type\" (\"loki\" or \"syslog\") for log target {name:?}"
            ));
        }
        for service in &target.services {
            let service = service.strip_prefix('-').unwrap_or(service);
            if service != "all" && !plan.services.contains_key(service) {
                return Err(format!(
                    "log target {name:?} specifies unknown service {service:?}"
                ));
            }
        }
        if target.location.as_deref().unwrap_or_default().is_empty() {
            return Err(format!(
                "plan must define \"location\" for log target {name:?}"
            ));
        }
    }
    for service in plan.services.values() {
        for other in service
            .after
            .iter()
            .chain(&service.before)
            .chain(&service.requires)
        {
            if !plan.services.contains_key(other) {
                return Err(format!("service {other:?} does not exist"));
            }
        }
    }
    Ok(())
}

impl Container {
    fn checks_action(&mut self, action: &str, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        let request = "POST /v1/checks";
        self.reachable(request)?;
        if names.is_empty() {
            return Err(self.api_error(
                request,
                400,
                format!("must specify checks for {action} action"),
            ));
        }
        let plan = combine(&self.layers);
        let mut missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| !plan.checks.contains_key(*n))
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(self.api_error(
                request,
                400,
                format!(
                    "cannot {action} checks: cannot find checks in plan: {}",
                    missing.join(", ")
                ),
            ));
        }
        let current = self.checks()?;
        let mut changed = Vec::new();
        for name in names {
            let mut info = current
                .iter()
                .find(|c| c.name == *name)
                .cloned()
                .unwrap_or_else(|| CheckInfo::new(*name, CheckStatus::Up));
            let running = info.status != CheckStatus::Inactive;
            if running == (action == "start") {
                continue;
            }
            info.status = if action == "start" {
                CheckStatus::Up
            } else {
                CheckStatus::Inactive
            };
            info.failures = 0;
            self.checks.retain(|c| c.name != *name);
            self.checks.push(info);
            changed.push((*name).to_owned());
        }
        changed.sort();
        changed.dedup();
        Ok(changed)
    }
}

/// The id of a user (or group) as Pebble resolves a files request's `user` and `user-id`
/// (or `group` and `group-id`): the name looked up in `known` (`root` is 0), checked against
/// the id when both are given; the id alone when only it is given.
fn resolve_id(
    kind: &str,
    id_kind: &str,
    name: &Option<String>,
    id: Option<u32>,
    known: &std::collections::BTreeMap<String, u32>,
) -> Result<Option<u32>, String> {
    let Some(name) = name else {
        return Ok(id);
    };
    let found = if name == "root" {
        Some(0)
    } else {
        known.get(name).copied()
    };
    let n = found.ok_or_else(|| format!("{kind}: unknown {kind} {name}"))?;
    match id.filter(|id| *id != n) {
        Some(id) => Err(format!(
            "{kind} {name:?} {id_kind} ({n}) does not match {kind}-id ({id})"
        )),
        None => Ok(Some(n)),
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

    fn service_layer(command: &str, startup: Startup) -> Layer {
        let mut layer = Layer::default();
        layer.services.insert(
            "svc".into(),
            Service {
                command: Some(command.into()),
                startup: Some(startup),
                ..Service::default()
            },
        );
        layer
    }

    fn changes(container: &Container) -> Vec<(&str, &str)> {
        container
            .changes()
            .iter()
            .map(|c| (c.kind.as_str(), c.summary.as_str()))
            .collect()
    }

    #[test]
    fn replan_restarts_a_running_service_whose_definition_changed() {
        let mut container = Container::new("workload");
        container
            .add_layer("base", &service_layer("sleep 1", Startup::Enabled), true)
            .unwrap();
        container.replan().unwrap();
        assert_eq!(container.start_count("svc"), 1);
        container
            .add_layer("base", &service_layer("sleep 2", Startup::Enabled), true)
            .unwrap();
        container.replan().unwrap();
        // Restarted with the new command, as Pebble does.
        assert_eq!(container.start_count("svc"), 2);
        assert_eq!(container.started["svc"].command.as_deref(), Some("sleep 2"));
        assert_eq!(container.service_status("svc"), Some(ServiceStatus::Active));
    }

    #[test]
    fn replan_of_a_changed_disabled_service_restarts_it_only_if_running() {
        let mut container = Container::new("workload");
        container
            .add_layer("base", &service_layer("sleep 1", Startup::Disabled), true)
            .unwrap();
        container.replan().unwrap();
        assert_eq!(container.start_count("svc"), 0);
        container.start(&["svc"]).unwrap();
        container
            .add_layer("base", &service_layer("sleep 2", Startup::Disabled), true)
            .unwrap();
        container.replan().unwrap();
        assert_eq!(container.start_count("svc"), 2);
        assert_eq!(
            changes(&container),
            [
                ("replan", "Replan - no services"),
                ("start", "Start service \"svc\""),
                ("replan", "Replan service \"svc\""),
            ]
        );
    }

    #[test]
    fn an_unchanged_layer_restarts_nothing() {
        let mut container = Container::new("workload");
        let layer = service_layer("sleep 1", Startup::Enabled);
        container.add_layer("base", &layer, true).unwrap();
        container.replan().unwrap();
        container.add_layer("base", &layer, true).unwrap();
        container.replan().unwrap();
        assert_eq!(container.start_count("svc"), 1);
        // Both replans are recorded, as Pebble records them.
        assert_eq!(changes(&container).len(), 2);
    }

    #[test]
    fn replan_stops_a_running_service_no_longer_in_the_plan() {
        let mut container =
            Container::new("workload").with_service_status("gone", ServiceStatus::Active);
        container.replan().unwrap();
        assert_eq!(
            container.service_status("gone"),
            Some(ServiceStatus::Inactive)
        );
        assert_eq!(changes(&container), [("replan", "Replan service \"gone\"")]);
    }

    #[test]
    fn a_service_set_running_by_the_test_is_not_restarted_by_an_unchanged_plan() {
        let mut container = Container::new("workload")
            .with_layer("base", service_layer("sleep 1", Startup::Enabled))
            .with_service_status("svc", ServiceStatus::Active);
        container.replan().unwrap();
        assert_eq!(container.start_count("svc"), 0);
    }

    #[test]
    fn service_actions_are_recorded_with_pebbles_summaries() {
        let mut container = Container::new("workload");
        let mut layer = service_layer("sleep 1", Startup::Disabled);
        layer
            .services
            .insert("b".into(), layer.services["svc"].clone());
        layer
            .services
            .insert("c".into(), layer.services["svc"].clone());
        container.add_layer("base", &layer, false).unwrap();
        container.start(&["svc", "b", "c"]).unwrap();
        container.stop(&["b"]).unwrap();
        container.restart(&["c", "svc"]).unwrap();
        assert!(container.stop(&[]).is_err());
        assert_eq!(
            changes(&container),
            [
                ("start", "Start service \"svc\" and 2 more"),
                ("stop", "Stop service \"b\""),
                ("restart", "Restart service \"c\" and 1 more"),
            ]
        );
        assert_eq!(container.start_count("c"), 2);
    }

    #[test]
    fn removing_and_listing_behave_like_pebble() {
        let mut container = Container::new("workload")
            .with_file("/etc/app/a.conf", "a")
            .with_file("/etc/app/b.txt", "b");
        let list = |c: &mut Container, path: &str, pattern: Option<&str>| -> Vec<String> {
            c.list_files(
                path,
                &ListFilesOptions {
                    pattern: pattern.map(str::to_owned),
                    itself: false,
                },
            )
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect()
        };
        assert_eq!(list(&mut container, "/etc/app", None), ["a.conf", "b.txt"]);
        assert_eq!(list(&mut container, "/etc/app", Some("*.conf")), ["a.conf"]);
        assert_eq!(list(&mut container, "/etc", None), ["app"]);
        assert_eq!(list(&mut container, "/etc/app/a.conf", None), ["a.conf"]);

        let e = container.remove_path("/etc/app", false).unwrap_err();
        assert_eq!(e.kind(), Some(&ErrorKind::GenericFileError));
        assert_eq!(
            e.to_string(),
            "pebble workload: POST /v1/files: /etc/app: generic-file-error: \
             remove /etc/app: directory not empty"
        );
        container.remove_path("/etc/app/a.conf", false).unwrap();
        container.remove_path("/etc/app/b.txt", false).unwrap();
        // The directory stays, empty, and can now be removed.
        assert!(container.exists("/etc/app").unwrap());
        assert!(list(&mut container, "/etc/app", None).is_empty());
        container.remove_path("/etc/app", false).unwrap();
        assert!(!container.exists("/etc/app").unwrap());
        // An error other than not-found is returned, not taken for "missing".
        let e = container.exists("relative").unwrap_err();
        assert!(matches!(e, PebbleError::Api { status: 400, .. }), "{e:?}");
    }

    #[test]
    fn a_file_keeps_its_mode_and_owner() {
        let mut container = Container::new("workload").with_user("app", 1000);
        container
            .push_with(
                "/srv/secret",
                b"x",
                &PushOptions {
                    permissions: Some(0o640),
                    user: Some("app".into()),
                    ..PushOptions::default()
                },
            )
            .unwrap();
        let info = container
            .list_files("/srv/secret", &ListFilesOptions::default())
            .unwrap()
            .remove(0);
        assert_eq!(info.permissions, 0o640);
        assert_eq!((info.user_id, info.group_id), (Some(1000), Some(1000)));
        assert_eq!(info.user.as_deref(), Some("app"));
        assert_eq!(info.size, Some(1));
        // The parent was created for the owner too.
        assert_eq!(
            container.file_meta["/srv"],
            FileMeta {
                permissions: 0o755,
                user_id: 1000,
                group_id: 1000
            }
        );
        let e = container
            .push_with(
                "/srv/other",
                b"x",
                &PushOptions {
                    group: Some("app".into()),
                    ..PushOptions::default()
                },
            )
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "pebble workload: POST /v1/files: /srv/other: generic-file-error: \
             cannot look up user and group: group: unknown group app"
        );
    }
}
