//! A test backend for running the Pebble components against any [`Pebble`]: the in-memory
//! container or a client of a real `pebble` daemon. Juju's side (config, leadership, charm
//! state) is a `MemoryBackend`; every Pebble call is recorded, so tests can assert on the
//! order of pushes, layers, replans and restarts and compare two Pebbles.
//!
//! Also used by the integration tests of the `tests` crate against the real Pebble.

#![allow(dead_code)]

use std::collections::BTreeMap;

use reconciler_core::pebble::{
    CheckInfo, ExecOutput, ExecRequest, FileInfo, Layer, ListFilesOptions, MakeDirOptions,
    NoticeQuery, Pebble, PebbleError, PebbleNotice, PushOptions, Service, ServiceInfo, Startup,
};
use reconciler_core::testing::{MemoryBackend, State};
use reconciler_core::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port,
    RelationId, Scope, Status,
};
use reconciler_core::{ComponentError, Context};

/// A [`Pebble`] that records the calls that change something (and `pull`s) before passing
/// them on.
pub struct Recorder<P> {
    pub inner: P,
    pub calls: Vec<String>,
}

impl<P> Recorder<P> {
    pub fn new(inner: P) -> Recorder<P> {
        Recorder {
            inner,
            calls: Vec::new(),
        }
    }

    /// The calls whose text starts with `prefix`.
    pub fn calls_to(&self, prefix: &str) -> Vec<&str> {
        self.calls
            .iter()
            .filter(|c| c.starts_with(prefix))
            .map(String::as_str)
            .collect()
    }

    /// The calls that change something (no `pull`).
    pub fn changes(&self) -> Vec<&str> {
        self.calls
            .iter()
            .filter(|c| !c.starts_with("pull"))
            .map(String::as_str)
            .collect()
    }
}

impl<P: Pebble> Pebble for Recorder<P> {
    fn can_connect(&mut self) -> bool {
        self.inner.can_connect()
    }
    fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<(), PebbleError> {
        self.calls.push(format!("add_layer {label}"));
        self.inner.add_layer(label, layer, combine)
    }
    fn plan(&mut self) -> Result<Layer, PebbleError> {
        self.inner.plan()
    }
    fn services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>, PebbleError> {
        self.inner.services(names)
    }
    fn replan(&mut self) -> Result<(), PebbleError> {
        self.calls.push("replan".into());
        self.inner.replan()
    }
    fn start(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.calls.push(format!("start {}", names.join(",")));
        self.inner.start(names)
    }
    fn stop(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.calls.push(format!("stop {}", names.join(",")));
        self.inner.stop(names)
    }
    fn restart(&mut self, names: &[&str]) -> Result<(), PebbleError> {
        self.calls.push(format!("restart {}", names.join(",")));
        self.inner.restart(names)
    }
    fn push_with(
        &mut self,
        path: &str,
        content: &[u8],
        options: &PushOptions,
    ) -> Result<(), PebbleError> {
        self.calls.push(format!("push {path}"));
        self.inner.push_with(path, content, options)
    }
    fn pull(&mut self, path: &str) -> Result<Vec<u8>, PebbleError> {
        self.calls.push(format!("pull {path}"));
        self.inner.pull(path)
    }
    fn list_files(
        &mut self,
        path: &str,
        options: &ListFilesOptions,
    ) -> Result<Vec<FileInfo>, PebbleError> {
        self.inner.list_files(path, options)
    }
    fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<(), PebbleError> {
        self.calls.push(format!("make_dir {path}"));
        self.inner.make_dir(path, options)
    }
    fn remove_path(&mut self, path: &str, recursive: bool) -> Result<(), PebbleError> {
        self.calls.push(format!("remove_path {path}"));
        self.inner.remove_path(path, recursive)
    }
    fn checks(&mut self) -> Result<Vec<CheckInfo>, PebbleError> {
        self.inner.checks()
    }
    fn start_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.calls.push(format!("start_checks {}", names.join(",")));
        self.inner.start_checks(names)
    }
    fn stop_checks(&mut self, names: &[&str]) -> Result<Vec<String>, PebbleError> {
        self.calls.push(format!("stop_checks {}", names.join(",")));
        self.inner.stop_checks(names)
    }
    fn notices(&mut self, query: &NoticeQuery) -> Result<Vec<PebbleNotice>, PebbleError> {
        self.inner.notices(query)
    }
    fn notify(
        &mut self,
        key: &str,
        data: &BTreeMap<String, String>,
    ) -> Result<String, PebbleError> {
        self.calls.push(format!("notify {key}"));
        self.inner.notify(key, data)
    }
    fn exec(&mut self, request: &ExecRequest) -> Result<ExecOutput, PebbleError> {
        self.calls.push(format!("exec {request}"));
        self.inner.exec(request)
    }
}

/// A string config option's value, empty when unset.
pub fn config_string(ctx: &mut Context<'_>, key: &str) -> Result<String, ComponentError> {
    Ok(ctx
        .config_value(key)?
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default())
}

/// A service running `command`, started on replan.
pub fn enabled_service(command: &str) -> Service {
    Service {
        command: Some(command.to_owned()),
        startup: Some(Startup::Enabled),
        ..Service::default()
    }
}

/// Juju in memory, with one container served by `pebble`.
pub struct TestBackend<P> {
    pub juju: MemoryBackend,
    pub container: String,
    pub pebble: Recorder<P>,
}

impl<P: Pebble> TestBackend<P> {
    pub fn new(state: State, container: &str, pebble: P) -> TestBackend<P> {
        TestBackend {
            juju: MemoryBackend::new(state),
            container: container.to_owned(),
            pebble: Recorder::new(pebble),
        }
    }
}

impl<P: Pebble> Backend for TestBackend<P> {
    fn unit_name(&self) -> &str {
        self.juju.unit_name()
    }
    fn model_name(&self) -> &str {
        self.juju.model_name()
    }
    fn is_leader(&mut self) -> Result<bool, BackendError> {
        self.juju.is_leader()
    }
    fn config(&mut self) -> Result<&Config, BackendError> {
        self.juju.config()
    }
    fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        self.juju.config_value(key)
    }
    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError> {
        self.juju.relation_ids(endpoint)
    }
    fn relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError> {
        self.juju.relation_units(relation)
    }
    fn relation_remote_app(
        &mut self,
        relation: RelationId,
    ) -> Result<Option<String>, BackendError> {
        self.juju.relation_remote_app(relation)
    }
    fn relation_get(
        &mut self,
        relation: RelationId,
        member: &Member,
    ) -> Result<Databag, BackendError> {
        self.juju.relation_get(relation, member)
    }
    fn relation_set(
        &mut self,
        relation: RelationId,
        scope: Scope,
        changes: &Databag,
    ) -> Result<(), BackendError> {
        self.juju.relation_set(relation, scope, changes)
    }
    fn status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError> {
        self.juju.status_set(target, status)
    }
    fn status_get(&mut self, target: Scope) -> Result<Status, BackendError> {
        self.juju.status_get(target)
    }
    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        self.juju.log(level, message)
    }
    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        self.juju.application_version_set(version)
    }
    fn action_params(&mut self) -> Result<JsonMap, BackendError> {
        self.juju.action_params()
    }
    fn action_set(&mut self, results: &JsonMap) -> Result<(), BackendError> {
        self.juju.action_set(results)
    }
    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.juju.action_fail(message)
    }
    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        self.juju.action_log(message)
    }
    fn open_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.juju.open_port(port)
    }
    fn close_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.juju.close_port(port)
    }
    fn opened_ports(&mut self) -> Result<Vec<Port>, BackendError> {
        self.juju.opened_ports()
    }
    fn state_get(&mut self, key: &str) -> Result<Option<String>, BackendError> {
        self.juju.state_get(key)
    }
    fn state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError> {
        self.juju.state_set(key, value)
    }
    fn state_delete(&mut self, key: &str) -> Result<(), BackendError> {
        self.juju.state_delete(key)
    }
    fn pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError> {
        if container == self.container {
            Ok(&mut self.pebble)
        } else {
            Err(BackendError::NotFound {
                operation: "pebble".into(),
                what: format!("container {container:?}"),
            })
        }
    }
}
