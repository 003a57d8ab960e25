//! [`HookToolBackend`]: the [`Backend`] under real Juju, one hook-tool call per operation,
//! with the command lines Juju documents for its hook tools (the ones the Python `ops`
//! library uses; `docs/running-under-juju.md` lists them).
//!
//! Juju gives a hook a consistent view of its inputs: configuration, relation membership
//! and relation data do not change while the hook runs, and leadership, once confirmed,
//! holds for the lease period (30 s). So each is fetched at most once per hook and then
//! served from memory; this unit's own writes update the cached copy.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::backend::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port, Protocol,
    RelationId, Scope,
};
use crate::event::{Event, RelationEventKind};
use crate::juju::env::{HookEnv, parse_relation_id};
use crate::juju::pebble_client::PebbleClient;
use crate::juju::tools::{HookTools, parse_json};
use crate::metadata::Metadata;
use crate::pebble::Pebble;
use crate::status::{Status, StatusKind};

/// How long a confirmed leadership answer is trusted: Juju guarantees a leader keeps
/// leadership for at least this long after `is-leader` said so.
pub const LEADERSHIP_VALIDITY: Duration = Duration::from_secs(30);

/// The environment variable that overrides where Pebble sockets are: a path in which
/// `{container}` is replaced by the container name. Default:
/// `/charm/containers/{container}/pebble.socket`.
pub const PEBBLE_SOCKET_VAR: &str = "RECONCILER_PEBBLE_SOCKET";

/// The default Pebble socket path, `{container}` replaced by the container name.
pub const DEFAULT_PEBBLE_SOCKET: &str = "/charm/containers/{container}/pebble.socket";

/// The [`Backend`] that runs Juju's hook tools.
///
/// Names the charm's metadata does not declare are refused before any tool runs, with
/// [`BackendError::Undeclared`]: a relation endpoint (`relation_ids`), a container
/// (`pebble`), a config option (`config_value`).
///
/// During `<endpoint>-relation-broken`, `relation_ids` leaves out the relation being
/// broken, as the Python `ops` library does: it is going away, and a charm that configures
/// "every relation on the endpoint" must not configure it.
pub struct HookToolBackend {
    tools: HookTools,
    unit_name: String,
    model_name: String,
    /// What the charm declares: endpoints, containers and config options are checked
    /// against it.
    metadata: Metadata,
    pebble_socket: String,
    /// The relation of the current event and its remote app, known without a tool call.
    event_relation: Option<(RelationId, String)>,
    /// The relation a `relation-broken` event is about, left out of `relation_ids`.
    broken_relation: Option<RelationId>,
    leader: Option<(bool, Instant)>,
    /// How long a leadership answer is reused: [`LEADERSHIP_VALIDITY`] (tests shorten it).
    leadership_validity: Duration,
    config: Option<Config>,
    relation_ids: HashMap<String, Vec<RelationId>>,
    relation_units: HashMap<RelationId, Vec<String>>,
    remote_apps: HashMap<RelationId, Option<String>>,
    databags: HashMap<(RelationId, Member), Databag>,
    pebbles: HashMap<String, PebbleClient>,
    /// Tools: the model's identity, the event's storage, and the answers of the storage,
    /// network, goal-state, resource and remote-model tools kept for the hook.
    surface: crate::juju::surface::HookSurface,
}

impl HookToolBackend {
    /// A backend for the hook described by `env`, for a charm declaring `metadata`.
    /// Pebble sockets are found as [`PEBBLE_SOCKET_VAR`] says.
    pub fn new(tools: HookTools, env: &HookEnv, metadata: &Metadata) -> HookToolBackend {
        let event_relation = match &env.event {
            Event::Relation {
                id,
                remote_app: Some(app),
                ..
            } => Some((*id, app.clone())),
            _ => None,
        };
        let broken_relation = match &env.event {
            Event::Relation {
                kind: RelationEventKind::Broken,
                id,
                ..
            } => Some(*id),
            _ => None,
        };
        HookToolBackend {
            tools,
            unit_name: env.unit_name.clone(),
            model_name: env.model_name.clone(),
            metadata: metadata.clone(),
            pebble_socket: std::env::var(PEBBLE_SOCKET_VAR)
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| DEFAULT_PEBBLE_SOCKET.to_owned()),
            event_relation,
            broken_relation,
            leader: None,
            leadership_validity: LEADERSHIP_VALIDITY,
            config: None,
            relation_ids: HashMap::new(),
            relation_units: HashMap::new(),
            remote_apps: HashMap::new(),
            databags: HashMap::new(),
            pebbles: HashMap::new(),
            surface: crate::juju::surface::HookSurface::new(env, metadata),
        }
    }

    /// Reuses a leadership answer for `validity` instead of [`LEADERSHIP_VALIDITY`], so
    /// tests can see an answer expire without waiting for it.
    #[cfg(test)]
    pub(crate) fn with_leadership_validity(mut self, validity: Duration) -> HookToolBackend {
        self.leadership_validity = validity;
        self
    }

    /// The tool runner, with its call counts.
    pub fn tools(&self) -> &HookTools {
        &self.tools
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<Vec<u8>, BackendError> {
        self.tools.run(tool, args, None)
    }
}

fn json_bytes(operation: &str, value: &impl serde::Serialize) -> Result<Vec<u8>, BackendError> {
    serde_json::to_vec(value).map_err(|e| BackendError::failed(operation, e.to_string()))
}

fn parse_port(operation: &str, text: &str) -> Result<Vec<Port>, BackendError> {
    let bad = || BackendError::failed(operation, format!("unexpected port {text:?}"));
    if text == "icmp" {
        return Ok(vec![Port {
            protocol: Protocol::Icmp,
            number: None,
        }]);
    }
    let (range, protocol) = text.split_once('/').ok_or_else(bad)?;
    let protocol = match protocol {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        _ => return Err(bad()),
    };
    let (from, to) = range.split_once('-').unwrap_or((range, range));
    let from: u16 = from.parse().map_err(|_| bad())?;
    let to: u16 = to.parse().map_err(|_| bad())?;
    Ok((from..=to)
        .map(|number| Port {
            protocol,
            number: Some(number),
        })
        .collect())
}

impl Backend for HookToolBackend {
    fn unit_name(&self) -> &str {
        &self.unit_name
    }

    fn model_name(&self) -> &str {
        &self.model_name
    }

    fn metadata(&self) -> Option<&Metadata> {
        Some(&self.metadata)
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        if let Some((leader, at)) = self.leader {
            // As ops does: an answer is trusted for the lease period, after which a long
            // hook asks again.
            if at.elapsed() < self.leadership_validity {
                return Ok(leader);
            }
        }
        let args = ["--format=json"];
        let leader: bool = self.tools.run_json("is-leader", &args)?;
        self.leader = Some((leader, Instant::now()));
        Ok(leader)
    }

    fn config(&mut self) -> Result<&Config, BackendError> {
        if self.config.is_none() {
            let config: Config = self.tools.run_json("config-get", &["--format=json"])?;
            self.config = Some(config);
        }
        Ok(self.config.get_or_insert_with(Config::new))
    }

    fn config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError> {
        crate::declared::option(&self.metadata, key)?;
        Ok(self.config()?.get(key).cloned())
    }

    fn relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError> {
        if let Some(ids) = self.relation_ids.get(endpoint) {
            return Ok(ids.clone());
        }
        crate::declared::endpoint(&self.metadata, endpoint)?;
        let args = [endpoint, "--format=json"];
        let raw: Option<Vec<String>> = self.tools.run_json("relation-ids", &args)?;
        let ids = raw
            .unwrap_or_default()
            .iter()
            .map(|text| {
                parse_relation_id(text).map(RelationId).ok_or_else(|| {
                    BackendError::failed(
                        HookTools::display("relation-ids", &args),
                        format!("unexpected relation id {text:?}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        // The relation being broken is going away: leave it out, as ops does.
        let ids: Vec<RelationId> = ids
            .into_iter()
            .filter(|id| Some(*id) != self.broken_relation)
            .collect();
        self.relation_ids.insert(endpoint.to_owned(), ids.clone());
        Ok(ids)
    }

    fn relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError> {
        if let Some(units) = self.relation_units.get(&relation) {
            return Ok(units.clone());
        }
        let id = relation.to_string();
        let units: Option<Vec<String>> = self
            .tools
            .run_json("relation-list", &["-r", &id, "--format=json"])?;
        let units = units.unwrap_or_default();
        self.relation_units.insert(relation, units.clone());
        Ok(units)
    }

    fn relation_remote_app(
        &mut self,
        relation: RelationId,
    ) -> Result<Option<String>, BackendError> {
        if let Some((id, app)) = &self.event_relation
            && *id == relation
        {
            return Ok(Some(app.clone()));
        }
        if let Some(app) = self.remote_apps.get(&relation) {
            return Ok(app.clone());
        }
        let id = relation.to_string();
        let app: Option<String> = self
            .tools
            .run_json("relation-list", &["-r", &id, "--app", "--format=json"])?;
        let app = app.filter(|a| !a.is_empty());
        self.remote_apps.insert(relation, app.clone());
        Ok(app)
    }

    fn relation_get(
        &mut self,
        relation: RelationId,
        member: &Member,
    ) -> Result<Databag, BackendError> {
        let key = (relation, member.clone());
        if let Some(bag) = self.databags.get(&key) {
            return Ok(bag.clone());
        }
        let id = relation.to_string();
        let (name, app) = match member {
            Member::Unit(name) => (name.as_str(), false),
            Member::App(name) => (name.as_str(), true),
        };
        let mut args = vec!["--format=json", "-r", id.as_str()];
        if app {
            args.push("--app");
        }
        args.extend(["-", name]);
        let bag: Option<Databag> = self.tools.run_json("relation-get", &args)?;
        let bag = bag.unwrap_or_default();
        self.databags.insert(key, bag.clone());
        Ok(bag)
    }

    fn relation_set(
        &mut self,
        relation: RelationId,
        scope: Scope,
        changes: &Databag,
    ) -> Result<(), BackendError> {
        let id = relation.to_string();
        let mut args = vec!["-r", id.as_str()];
        if scope == Scope::App {
            args.push("--app");
        }
        args.extend(["--file", "-"]);
        let input = json_bytes("relation-set", changes)?;
        self.tools.run("relation-set", &args, Some(&input))?;
        // Keep the cached copy of our own bag in step with what we wrote.
        let member = match scope {
            Scope::Unit => Member::Unit(self.unit_name.clone()),
            Scope::App => Member::App(self.app_name().to_owned()),
        };
        if let Some(bag) = self.databags.get_mut(&(relation, member)) {
            crate::backend::apply_databag_changes(bag, changes);
        }
        Ok(())
    }

    fn status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError> {
        crate::backend::check_settable(status)?;
        let application = match target {
            Scope::Unit => "--application=False",
            Scope::App => "--application=True",
        };
        // Escaped and cut as Juju can show it: a NUL would make the call fail and the hook
        // exit 1, a long text would fill `juju status`.
        let message = crate::juju_text::status_message(&status.message);
        self.run(
            "status-set",
            &[application, status.kind.as_str(), "--", &message],
        )?;
        Ok(())
    }

    fn status_get(&mut self, target: Scope) -> Result<Status, BackendError> {
        let application = match target {
            Scope::Unit => "--application=false",
            Scope::App => "--application=true",
        };
        let args = ["--include-data", "--format=json", application];
        let value: serde_json::Value = self.tools.run_json("status-get", &args)?;
        // The application form nests the status under "application-status".
        let body = value.get("application-status").unwrap_or(&value);
        let kind = body.get("status").and_then(|s| s.as_str()).unwrap_or("");
        let message = body.get("message").and_then(|s| s.as_str()).unwrap_or("");
        let kind = StatusKind::parse(kind).ok_or_else(|| {
            BackendError::failed(
                HookTools::display("status-get", &args),
                format!("unexpected status {kind:?}"),
            )
        })?;
        Ok(Status::new(kind, message))
    }

    fn log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError> {
        let message = crate::juju_text::tool_message(message);
        self.run("juju-log", &["--log-level", level.as_str(), "--", &message])
            .map(drop)
    }

    fn application_version_set(&mut self, version: &str) -> Result<(), BackendError> {
        let version = crate::juju_text::status_message(version);
        self.run("application-version-set", &["--", &version])
            .map(drop)
    }

    fn action_params(&mut self) -> Result<JsonMap, BackendError> {
        let params: Option<JsonMap> = self.tools.run_json("action-get", &["--format=json"])?;
        Ok(params.unwrap_or_default())
    }

    fn action_set(&mut self, results: &JsonMap) -> Result<(), BackendError> {
        // Nested keys flattened with dots; a NUL refused, naming the key. The values may be
        // secrets: errors show their length only, and blank them out of the tool's stderr.
        let pairs = crate::juju_text::action_result_pairs(results)?;
        if pairs.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let values: Vec<&str> = pairs.iter().map(|(_, v)| v.as_str()).collect();
        self.tools
            .run_hiding("action-set", &args, None, &values)
            .map(drop)
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        let message = crate::juju_text::tool_message(message);
        self.run("action-fail", &["--", &message]).map(drop)
    }

    fn action_log(&mut self, message: &str) -> Result<(), BackendError> {
        let message = crate::juju_text::tool_message(message);
        self.run("action-log", &["--", &message]).map(drop)
    }

    fn open_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.run("open-port", &[&port.to_string()]).map(drop)
    }

    fn close_port(&mut self, port: Port) -> Result<(), BackendError> {
        self.run("close-port", &[&port.to_string()]).map(drop)
    }

    fn opened_ports(&mut self) -> Result<Vec<Port>, BackendError> {
        let raw: Option<Vec<String>> = self.tools.run_json("opened-ports", &["--format=json"])?;
        let mut ports = Vec::new();
        for text in raw.unwrap_or_default() {
            ports.extend(parse_port("opened-ports --format=json", &text)?);
        }
        Ok(ports)
    }

    fn state_get(&mut self, key: &str) -> Result<Option<String>, BackendError> {
        let args = ["--format=json", key];
        let stdout = self.run("state-get", &args)?;
        if stdout.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        parse_json(&HookTools::display("state-get", &args), &stdout)
    }

    fn state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError> {
        let input = json_bytes("state-set", &serde_json::json!({ key: value }))?;
        self.tools
            .run("state-set", &["--file", "-"], Some(&input))
            .map(drop)
    }

    fn state_delete(&mut self, key: &str) -> Result<(), BackendError> {
        self.run("state-delete", &[key]).map(drop)
    }

    fn pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError> {
        crate::declared::container(&self.metadata, container)?;
        let socket = self.pebble_socket.replace("{container}", container);
        Ok(self
            .pebbles
            .entry(container.to_owned())
            .or_insert_with(|| PebbleClient::new(container, socket)))
    }

    // Secrets (secret-*): see `juju/secrets.rs`. Nothing is cached: which revision a
    // unit reads is Juju's to track.
    fn secret_add(
        &mut self,
        content: &crate::secrets::SecretContent,
        owner: crate::secrets::SecretOwner,
        options: &crate::secrets::SecretOptions,
    ) -> Result<crate::secrets::SecretUri, BackendError> {
        crate::juju::secrets::add(&self.tools, content, owner, options)
    }

    fn secret_get(
        &mut self,
        query: &crate::secrets::SecretQuery,
    ) -> Result<crate::secrets::SecretContent, BackendError> {
        crate::juju::secrets::get(&self.tools, query)
    }

    fn secret_set(
        &mut self,
        uri: &crate::secrets::SecretUri,
        content: Option<&crate::secrets::SecretContent>,
        options: &crate::secrets::SecretOptions,
    ) -> Result<(), BackendError> {
        crate::juju::secrets::set(&self.tools, uri, content, options)
    }

    fn secret_remove(
        &mut self,
        uri: &crate::secrets::SecretUri,
        revision: Option<u64>,
    ) -> Result<(), BackendError> {
        crate::juju::secrets::remove(&self.tools, uri, revision)
    }

    fn secret_grant(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        crate::juju::secrets::grant_or_revoke(&self.tools, "secret-grant", uri, relation, unit)
    }

    fn secret_revoke(
        &mut self,
        uri: &crate::secrets::SecretUri,
        relation: RelationId,
        unit: Option<&str>,
    ) -> Result<(), BackendError> {
        crate::juju::secrets::grant_or_revoke(&self.tools, "secret-revoke", uri, relation, unit)
    }

    fn secret_ids(&mut self) -> Result<Vec<crate::secrets::SecretUri>, BackendError> {
        crate::juju::secrets::ids(&self.tools)
    }

    fn secret_info_get(
        &mut self,
        secret: &crate::secrets::SecretRef,
    ) -> Result<crate::secrets::SecretInfo, BackendError> {
        crate::juju::secrets::info_get(&self.tools, secret)
    }

    // Tools (storage, network, goal state, resources, credentials, the model, reboot):
    // the work is in `juju/surface.rs`.
    fn model_uuid(&self) -> Result<&str, BackendError> {
        self.surface.model_uuid()
    }

    fn model_type(&self) -> Result<crate::surface::ModelType, BackendError> {
        self.surface.model_type()
    }

    fn juju_version(&self) -> Result<crate::surface::JujuVersion, BackendError> {
        self.surface.juju_version()
    }

    fn storage_get(&mut self, id: Option<&str>) -> Result<crate::surface::Storage, BackendError> {
        self.surface.storage_get(&self.tools, &self.metadata, id)
    }

    fn storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, BackendError> {
        self.surface.storage_list(&self.tools, &self.metadata, name)
    }

    fn storage_add(&mut self, name: &str, count: u32) -> Result<(), BackendError> {
        self.surface
            .storage_add(&self.tools, &self.metadata, name, count)
    }

    fn network_get(
        &mut self,
        binding: &str,
        relation: Option<RelationId>,
    ) -> Result<crate::surface::Network, BackendError> {
        self.surface
            .network_get(&self.tools, &self.metadata, binding, relation)
    }

    fn goal_state(&mut self) -> Result<crate::surface::GoalState, BackendError> {
        self.surface.goal_state(&self.tools)
    }

    fn resource_get(&mut self, name: &str) -> Result<std::path::PathBuf, BackendError> {
        self.surface.resource_get(&self.tools, &self.metadata, name)
    }

    fn relation_model_get(
        &mut self,
        relation: RelationId,
    ) -> Result<crate::surface::RemoteModel, BackendError> {
        self.surface.relation_model_get(&self.tools, relation)
    }

    fn credential_get(&mut self) -> Result<crate::surface::CloudSpec, BackendError> {
        crate::juju::surface::credential_get(&self.tools)
    }

    fn relation_get_key(
        &mut self,
        relation: RelationId,
        member: &Member,
        key: &str,
    ) -> Result<Option<String>, BackendError> {
        crate::juju::surface::check_key(key)?;
        // A bag read already answers without a call.
        if let Some(bag) = self.databags.get(&(relation, member.clone())) {
            return Ok(bag.get(key).cloned());
        }
        crate::juju::surface::relation_get_key(&self.tools, relation, member, key)
    }

    fn reboot(&mut self, now: bool) -> Result<(), BackendError> {
        self.surface.reboot(&self.tools, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_parse_like_opened_ports_prints_them() {
        assert_eq!(parse_port("x", "8080/tcp").unwrap(), [Port::tcp(8080)]);
        assert_eq!(
            parse_port("x", "53-54/udp").unwrap(),
            [Port::udp(53), Port::udp(54)]
        );
        assert_eq!(parse_port("x", "icmp").unwrap()[0].protocol, Protocol::Icmp);
        assert!(parse_port("x", "80/sctp").is_err());
    }

    /// A charm directory and a directory of stand-in hook tools that print a fixed answer,
    /// removed on drop.
    ///
    /// Each tool is a symlink to one shared script, written once per test process, that
    /// prints the file `<tool>.out` beside the link. Tests write only those data files,
    /// never an executable: writing an executable while other test threads fork can make
    /// running it fail with "text file busy" (ETXTBSY).
    struct Sandbox(tempfile::TempDir);

    const METADATA: &str = "name: c\nrequires:\n  db: {interface: pg}\nprovides:\n  website: {interface: http}\ncontainers:\n  workload: {}\nconfig:\n  options:\n    port: {type: int, default: 8080}\n    name: {type: string}\n";

    /// The shared tool script: prints `$0.out`.
    fn answer_script() -> &'static std::path::Path {
        static SCRIPT: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
            std::sync::OnceLock::new();
        &SCRIPT
            .get_or_init(|| {
                use std::os::unix::fs::PermissionsExt;
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("answer");
                std::fs::write(&path, "#!/bin/sh\nexec cat -- \"$0.out\"\n").unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
                (dir, path)
            })
            .1
    }

    impl Sandbox {
        fn new() -> Sandbox {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("tools")).unwrap();
            std::fs::write(dir.path().join("charmcraft.yaml"), METADATA).unwrap();
            let sandbox = Sandbox(dir);
            sandbox.tool("is-leader", "true");
            sandbox.tool("relation-ids", r#"["db:1","db:2"]"#);
            sandbox.tool("config-get", r#"{"port":8080}"#);
            sandbox
        }

        fn path(&self) -> &std::path::Path {
            self.0.path()
        }

        /// A tool that prints `stdout` and succeeds.
        fn tool(&self, name: &str, stdout: &str) {
            let link = self.path().join("tools").join(name);
            std::fs::write(link.with_extension("out"), stdout).unwrap();
            if !link.exists() {
                std::os::unix::fs::symlink(answer_script(), &link).unwrap();
            }
        }

        /// A backend for the hook `dispatch_path`, with the event's extra variables.
        fn backend(&self, dispatch_path: &str, vars: &[(&str, &str)]) -> HookToolBackend {
            let mut map: std::collections::BTreeMap<String, String> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            map.insert("JUJU_DISPATCH_PATH".into(), dispatch_path.into());
            map.insert("JUJU_UNIT_NAME".into(), "c/0".into());
            map.insert("JUJU_CHARM_DIR".into(), self.path().display().to_string());
            let (env, metadata) = HookEnv::from_vars(&map, "c", self.path()).unwrap();
            HookToolBackend::new(
                HookTools::in_dir(self.path().join("tools")),
                &env,
                &metadata,
            )
        }
    }

    fn calls(backend: &HookToolBackend, tool: &str) -> usize {
        backend.tools().calls().get(tool).copied().unwrap_or(0)
    }

    #[test]
    fn leadership_is_reused_for_its_validity_and_asked_again_after() {
        let sandbox = Sandbox::new();
        let event = Event::ConfigChanged;

        let mut backend = sandbox.backend("hooks/config-changed", &[]);
        let mut ctx = crate::Context::new(&mut backend, &event);
        assert!(ctx.is_leader().unwrap());
        assert!(ctx.is_leader().unwrap());
        assert_eq!(calls(&backend, "is-leader"), 1, "within the 30 s validity");

        // An answer that has expired is asked for again, even within one context: the
        // backend's lease is the only leadership cache.
        let mut backend = sandbox
            .backend("hooks/config-changed", &[])
            .with_leadership_validity(Duration::ZERO);
        let mut ctx = crate::Context::new(&mut backend, &event);
        assert!(ctx.is_leader().unwrap());
        assert!(ctx.is_leader().unwrap());
        assert_eq!(calls(&backend, "is-leader"), 2, "expired, so asked again");
    }

    #[test]
    fn relation_ids_leave_out_the_relation_being_broken() {
        let sandbox = Sandbox::new();
        let mut backend = sandbox.backend(
            "hooks/db-relation-broken",
            &[("JUJU_RELATION_ID", "db:2"), ("JUJU_REMOTE_APP", "pg")],
        );
        assert_eq!(backend.relation_ids("db").unwrap(), [RelationId(1)]);
        // From the cache too.
        assert_eq!(backend.relation_ids("db").unwrap(), [RelationId(1)]);
        assert_eq!(calls(&backend, "relation-ids"), 1);

        // Any other event lists every relation.
        let mut backend = sandbox.backend(
            "hooks/db-relation-changed",
            &[("JUJU_RELATION_ID", "db:2"), ("JUJU_REMOTE_APP", "pg")],
        );
        assert_eq!(
            backend.relation_ids("db").unwrap(),
            [RelationId(1), RelationId(2)]
        );
    }

    #[test]
    fn names_the_metadata_does_not_declare_are_refused_without_a_tool_call() {
        let sandbox = Sandbox::new();
        let mut backend = sandbox.backend("hooks/config-changed", &[]);

        let error = backend.relation_ids("dbb").unwrap_err();
        assert_eq!(
            error.to_string(),
            "relation-ids: the charm's metadata declares no relation endpoint \"dbb\" (declared: db, website)"
        );
        assert!(matches!(error, BackendError::Undeclared { .. }));

        let error = backend.pebble("sidecar").err().unwrap();
        assert_eq!(
            error.to_string(),
            "pebble: the charm's metadata declares no container \"sidecar\" (declared: workload)"
        );

        let error = backend.config_value("prot").unwrap_err();
        assert_eq!(
            error.to_string(),
            "config-get: the charm's metadata declares no config option \"prot\" (declared: name, port)"
        );
        assert_eq!(backend.tools().total_calls(), 0);

        // Declared names work: a set option, an unset one, the whole map.
        assert_eq!(
            backend.config_value("port").unwrap(),
            Some(ConfigValue::Int(8080))
        );
        assert_eq!(backend.config_value("name").unwrap(), None);
        assert_eq!(backend.config().unwrap().len(), 1);
        assert_eq!(calls(&backend, "config-get"), 1);
    }
}
