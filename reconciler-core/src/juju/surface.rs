//! The tools part of [`HookToolBackend`](crate::juju::hook_tools::HookToolBackend):
//! `storage-get`, `storage-list`, `storage-add`, `network-get`, `goal-state`,
//! `resource-get`, `relation-model-get`, `credential-get`, `relation-get` of one key and
//! `juju-reboot`, with the command lines Juju documents (the ones the Python `ops` library
//! runs), and the model's identity from the hook environment.
//!
//! Names are checked before a tool runs, as the in-memory model checks them (a malformed
//! storage id, an undeclared storage name); what Juju alone knows (whether a storage is
//! attached, whether a binding has a network, whether a resource was uploaded) is Juju's
//! answer, passed on with its text. Answers that hold for the whole hook (storage, networks,
//! goal state, resource paths, remote models) are fetched once per hook. The cloud
//! credential is not kept: it is a secret, and a charm asks for it rarely.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::backend::{BackendError, Member, RelationId};
use crate::event::Event;
use crate::juju::env::HookEnv;
use crate::juju::tools::HookTools;
use crate::metadata::Metadata;
use crate::surface::{
    CloudSpec, Declared, GoalState, JujuVersion, ModelType, Network, RemoteModel, Storage,
    StorageKind,
};

/// What the hook environment says about the model and the event, and the answers kept for
/// the rest of the hook.
#[derive(Debug)]
pub(crate) struct HookSurface {
    model_uuid: Option<String>,
    model_type: ModelType,
    juju_version: Option<String>,
    /// `JUJU_STORAGE_ID` of a storage event.
    event_storage: Option<String>,
    /// Whether the hook runs an action (`juju-reboot` is refused then).
    in_action: bool,
    storage: HashMap<String, Storage>,
    storage_lists: HashMap<Option<String>, Vec<String>>,
    networks: HashMap<(String, Option<RelationId>), Network>,
    goal_state: Option<GoalState>,
    resources: HashMap<String, PathBuf>,
    remote_models: HashMap<RelationId, RemoteModel>,
}

/// `storage-get`'s answer.
#[derive(Deserialize)]
struct StorageAnswer {
    kind: StorageKind,
    location: PathBuf,
}

impl HookSurface {
    /// What `env` says, for a charm declaring `metadata`.
    ///
    /// The model type: a non-empty `JUJU_MACHINE_ID` means a machine model; one set but
    /// empty, Kubernetes (Juju sets it empty there); unset, the metadata decides
    /// ([`ModelType::from_metadata`]).
    pub(crate) fn new(env: &HookEnv, metadata: &Metadata) -> HookSurface {
        let model_type = match env.machine_id.as_deref() {
            Some("") => ModelType::Kubernetes,
            Some(_) => ModelType::Machine,
            None => ModelType::from_metadata(metadata),
        };
        HookSurface {
            model_uuid: env.model_uuid.clone().filter(|u| !u.is_empty()),
            model_type,
            juju_version: env.juju_version.clone().filter(|v| !v.is_empty()),
            event_storage: match &env.event {
                Event::Storage { id, .. } => id.clone(),
                _ => None,
            },
            in_action: matches!(env.event, Event::Action { .. }),
            storage: HashMap::new(),
            storage_lists: HashMap::new(),
            networks: HashMap::new(),
            goal_state: None,
            resources: HashMap::new(),
            remote_models: HashMap::new(),
        }
    }

    pub(crate) fn model_uuid(&self) -> Result<&str, BackendError> {
        self.model_uuid.as_deref().ok_or_else(|| {
            BackendError::failed(
                "model uuid",
                "JUJU_MODEL_UUID is not set; Juju sets it for every hook",
            )
        })
    }

    pub(crate) fn model_type(&self) -> Result<ModelType, BackendError> {
        Ok(self.model_type)
    }

    pub(crate) fn juju_version(&self) -> Result<JujuVersion, BackendError> {
        let text = self.juju_version.as_deref().ok_or_else(|| {
            BackendError::failed(
                "Juju version",
                "JUJU_VERSION is not set; Juju sets it for every hook",
            )
        })?;
        text.parse().map_err(|problem: String| {
            BackendError::failed("Juju version", format!("JUJU_VERSION: {problem}"))
        })
    }

    pub(crate) fn storage_get(
        &mut self,
        tools: &HookTools,
        metadata: &Metadata,
        id: Option<&str>,
    ) -> Result<Storage, BackendError> {
        let id = match id {
            Some(id) => id.to_owned(),
            None => self.event_storage.clone().ok_or_else(|| {
                BackendError::refused(
                    "storage-get",
                    "no storage id given, and the event is not a storage event (only \
                     <name>-storage-attached and <name>-storage-detaching have a storage)",
                )
            })?,
        };
        crate::surface::check_storage_id(Some(metadata), &id)?;
        if let Some(storage) = self.storage.get(&id) {
            return Ok(storage.clone());
        }
        let answer: StorageAnswer = tools.run_json("storage-get", &["--format=json", "-s", &id])?;
        let storage = Storage::new(id.clone(), answer.kind, answer.location);
        self.storage.insert(id, storage.clone());
        Ok(storage)
    }

    pub(crate) fn storage_list(
        &mut self,
        tools: &HookTools,
        metadata: &Metadata,
        name: Option<&str>,
    ) -> Result<Vec<String>, BackendError> {
        if let Some(name) = name {
            Declared::of(metadata).storage("storage-list", name)?;
        }
        let key = name.map(str::to_owned);
        if let Some(ids) = self.storage_lists.get(&key) {
            return Ok(ids.clone());
        }
        let mut args = vec!["--format=json"];
        args.extend(name);
        let ids: Option<Vec<String>> = tools.run_json("storage-list", &args)?;
        let ids = ids.unwrap_or_default();
        self.storage_lists.insert(key, ids.clone());
        Ok(ids)
    }

    pub(crate) fn storage_add(
        &mut self,
        tools: &HookTools,
        metadata: &Metadata,
        name: &str,
        count: u32,
    ) -> Result<(), BackendError> {
        crate::surface::check_storage_add(Some(metadata), name, count)?;
        tools
            .run("storage-add", &[&format!("{name}={count}")], None)
            .map(drop)
    }

    pub(crate) fn network_get(
        &mut self,
        tools: &HookTools,
        metadata: &Metadata,
        binding: &str,
        relation: Option<RelationId>,
    ) -> Result<Network, BackendError> {
        Declared::of(metadata).binding(binding)?;
        let key = (binding.to_owned(), relation);
        if let Some(network) = self.networks.get(&key) {
            return Ok(network.clone());
        }
        let id = relation.map(|r| r.to_string());
        let mut args = vec![binding];
        if let Some(id) = &id {
            args.extend(["-r", id.as_str()]);
        }
        args.push("--format=json");
        let network: Network = tools.run_json("network-get", &args)?;
        self.networks.insert(key, network.clone());
        Ok(network)
    }

    pub(crate) fn goal_state(&mut self, tools: &HookTools) -> Result<GoalState, BackendError> {
        if let Some(goal) = &self.goal_state {
            return Ok(goal.clone());
        }
        let goal: GoalState = tools.run_json("goal-state", &["--format=json"])?;
        self.goal_state = Some(goal.clone());
        Ok(goal)
    }

    pub(crate) fn resource_get(
        &mut self,
        tools: &HookTools,
        metadata: &Metadata,
        name: &str,
    ) -> Result<PathBuf, BackendError> {
        Declared::of(metadata).resource(name)?;
        if let Some(path) = self.resources.get(name) {
            return Ok(path.clone());
        }
        let stdout = tools.run("resource-get", &[name], None)?;
        let text = String::from_utf8(stdout).map_err(|_| {
            BackendError::failed(
                HookTools::display("resource-get", &[name]),
                "the path it printed is not valid UTF-8",
            )
        })?;
        let path = text.trim_end_matches(['\n', '\r']);
        if path.is_empty() {
            return Err(BackendError::failed(
                HookTools::display("resource-get", &[name]),
                "printed no path",
            ));
        }
        let path = PathBuf::from(path);
        self.resources.insert(name.to_owned(), path.clone());
        Ok(path)
    }

    pub(crate) fn relation_model_get(
        &mut self,
        tools: &HookTools,
        relation: RelationId,
    ) -> Result<RemoteModel, BackendError> {
        crate::surface::check_relation_model_get(self.juju_version().ok().as_ref())?;
        if let Some(model) = self.remote_models.get(&relation) {
            return Ok(model.clone());
        }
        let id = relation.to_string();
        let model: RemoteModel =
            tools.run_json("relation-model-get", &["-r", &id, "--format=json"])?;
        self.remote_models.insert(relation, model.clone());
        Ok(model)
    }

    pub(crate) fn reboot(&mut self, tools: &HookTools, now: bool) -> Result<(), BackendError> {
        crate::surface::check_reboot(self.model_type()?, self.in_action)?;
        let args: &[&str] = if now { &["--now"] } else { &[] };
        tools.run("juju-reboot", args, None).map(drop)
    }
}

/// `credential-get --format=json`. The answer holds secrets: a malformed one is reported
/// by position and length only (as every JSON answer is), and it is not kept.
pub(crate) fn credential_get(tools: &HookTools) -> Result<CloudSpec, BackendError> {
    tools.run_json("credential-get", &["--format=json"])
}

/// `relation-get --format=json -r <id> [--app] -- <key> <member>`: one key of a databag,
/// `None` when unset. The key goes after `--` so that one starting with `-` is not taken
/// for a flag.
pub(crate) fn relation_get_key(
    tools: &HookTools,
    relation: RelationId,
    member: &Member,
    key: &str,
) -> Result<Option<String>, BackendError> {
    check_key(key)?;
    let id = relation.to_string();
    let (name, app) = match member {
        Member::Unit(name) => (name.as_str(), false),
        Member::App(name) => (name.as_str(), true),
    };
    let mut args = vec!["--format=json", "-r", id.as_str()];
    if app {
        args.push("--app");
    }
    args.extend(["--", key, name]);
    tools.run_json("relation-get", &args)
}

/// Refuses a key `relation-get` would not read as one key: empty, or `-` (which asks for
/// the whole bag).
pub(crate) fn check_key(key: &str) -> Result<(), BackendError> {
    if key.is_empty() || key == "-" {
        return Err(BackendError::refused(
            "relation-get",
            format!(
                "{key:?} is not a key; relation_get_key reads one key (relation_get reads the whole databag)"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::*;
    use crate::backend::Backend;
    use crate::juju::hook_tools::HookToolBackend;

    /// A charm directory and stand-in tools that print `<tool>.out` and append their
    /// command line to `calls.log`, removed on drop. The tools are links to one script
    /// written once per test process (writing an executable while other test threads fork
    /// can make running it fail with ETXTBSY).
    struct Sandbox(tempfile::TempDir);

    const METADATA: &str = "name: c\nrequires:\n  db: {interface: pg}\nstorage:\n  data: {type: filesystem}\nresources:\n  blob: {type: file, filename: blob.txt}\n";

    fn script() -> &'static Path {
        static SCRIPT: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
            std::sync::OnceLock::new();
        &SCRIPT
            .get_or_init(|| {
                use std::os::unix::fs::PermissionsExt;
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("answer");
                std::fs::write(
                    &path,
                    "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$(dirname \"$0\")/calls.log\"\n\
                     [ -f \"$0.err\" ] && { cat -- \"$0.err\" >&2; exit 1; }\nexec cat -- \"$0.out\"\n",
                )
                .unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
                (dir, path)
            })
            .1
    }

    impl Sandbox {
        fn new(metadata: &str) -> Sandbox {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("tools")).unwrap();
            std::fs::write(dir.path().join("charmcraft.yaml"), metadata).unwrap();
            Sandbox(dir)
        }

        fn tool(&self, name: &str, stdout: &str) {
            let link = self.0.path().join("tools").join(name);
            std::fs::write(link.with_extension("out"), stdout).unwrap();
            if !link.exists() {
                std::os::unix::fs::symlink(script(), &link).unwrap();
            }
        }

        fn failing_tool(&self, name: &str, stderr: &str) {
            self.tool(name, "");
            std::fs::write(
                self.0.path().join("tools").join(format!("{name}.err")),
                stderr,
            )
            .unwrap();
        }

        fn calls(&self) -> Vec<String> {
            std::fs::read_to_string(self.0.path().join("tools/calls.log"))
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect()
        }

        fn backend(&self, dispatch_path: &str, vars: &[(&str, &str)]) -> HookToolBackend {
            let mut map: BTreeMap<String, String> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            map.insert("JUJU_DISPATCH_PATH".into(), dispatch_path.into());
            map.insert("JUJU_UNIT_NAME".into(), "c/0".into());
            map.insert("JUJU_CHARM_DIR".into(), self.0.path().display().to_string());
            let (env, metadata) = HookEnv::from_vars(&map, "c", self.0.path()).unwrap();
            HookToolBackend::new(
                HookTools::in_dir(self.0.path().join("tools")),
                &env,
                &metadata,
            )
        }
    }

    #[test]
    fn storage_tools_run_juju_command_lines_once_per_hook() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.tool(
            "storage-get",
            r#"{"kind": "filesystem", "location": "/srv/data"}"#,
        );
        sandbox.tool("storage-list", r#"["data/0", "data/1"]"#);
        sandbox.tool("storage-add", "");
        let mut backend = sandbox.backend(
            "hooks/data-storage-attached",
            &[("JUJU_STORAGE_ID", "data/1")],
        );
        let storage = backend.storage_get(None).unwrap();
        assert_eq!(storage, Storage::filesystem("data/1", "/srv/data"));
        assert_eq!(backend.storage_get(Some("data/1")).unwrap(), storage);
        assert_eq!(
            backend.storage_list(Some("data")).unwrap(),
            ["data/0", "data/1"]
        );
        assert_eq!(
            backend.storage_list(Some("data")).unwrap(),
            ["data/0", "data/1"]
        );
        backend.storage_add("data", 2).unwrap();
        assert_eq!(
            sandbox.calls(),
            [
                "storage-get --format=json -s data/1",
                "storage-list --format=json data",
                "storage-add data=2"
            ]
        );
        // Refused before any tool runs, as in memory.
        for (result, text) in [
            (
                backend.storage_get(Some("data")).map(drop),
                "storage-get -s data: refused: invalid storage ID \"data\"",
            ),
            (
                backend.storage_get(Some("cache/0")).map(drop),
                "storage-get -s cache/0: the charm's metadata declares no storage \"cache\"",
            ),
            (
                backend.storage_add("data", 0),
                "storage-add data=0: refused: the count must be at least 1",
            ),
        ] {
            let error = result.unwrap_err().to_string();
            assert!(error.starts_with(text), "{error}");
        }
        assert_eq!(sandbox.calls().len(), 3);
        // Outside a storage event there is no storage to default to.
        let mut backend = sandbox.backend("hooks/install", &[]);
        assert!(backend.storage_get(None).is_err());
    }

    #[test]
    fn a_storage_not_attached_is_juju_s_error_with_its_text() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.failing_tool(
            "storage-get",
            "ERROR invalid value \"data/9\" for option -s: storage attachment data/9:c/0 not found\n",
        );
        let mut backend = sandbox.backend("hooks/install", &[]);
        assert_eq!(
            backend.storage_get(Some("data/9")).unwrap_err().to_string(),
            "storage-get --format=json -s data/9: exited with code 1: ERROR invalid value \"data/9\" for option -s: storage attachment data/9:c/0 not found"
        );
    }

    #[test]
    fn network_goal_state_resources_and_remote_models() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.tool(
            "network-get",
            r#"{"bind-addresses": [{"interface-name": "eth0", "addresses": [{"value": "10.1.1.1", "cidr": "10.1.1.0/24"}]}],
                "ingress-addresses": ["10.1.1.1"], "egress-subnets": ["10.1.1.1/32"]}"#,
        );
        sandbox.tool(
            "goal-state",
            r#"{"units": {"c/0": {"status": "active"}}, "relations": {}}"#,
        );
        sandbox.tool("resource-get", "/var/lib/juju/resources/blob/blob.tgz\n");
        sandbox.tool("relation-model-get", r#"{"uuid": "a-uuid"}"#);
        let mut backend = sandbox.backend("hooks/install", &[("JUJU_VERSION", "3.6.4")]);
        for _ in 0..2 {
            assert_eq!(
                backend.network_get("db", None).unwrap().bind_address(),
                Some("10.1.1.1")
            );
            assert_eq!(
                backend
                    .network_get("db", Some(RelationId(3)))
                    .unwrap()
                    .ingress_address(),
                Some("10.1.1.1")
            );
            assert_eq!(backend.goal_state().unwrap().planned_units(), 1);
            assert_eq!(
                backend.resource_get("blob").unwrap(),
                Path::new("/var/lib/juju/resources/blob/blob.tgz")
            );
            assert_eq!(
                backend.relation_model_get(RelationId(3)).unwrap().uuid,
                "a-uuid"
            );
        }
        assert_eq!(
            sandbox.calls(),
            [
                "network-get db --format=json",
                "network-get db -r 3 --format=json",
                "goal-state --format=json",
                "resource-get blob",
                "relation-model-get -r 3 --format=json",
            ]
        );
        // An older Juju lacks relation-model-get: refused without a call.
        let mut old = sandbox.backend("hooks/install", &[("JUJU_VERSION", "3.5.1")]);
        assert!(
            old.relation_model_get(RelationId(3))
                .unwrap_err()
                .to_string()
                .contains("Juju 3.5.1 does not have relation-model-get")
        );
        assert_eq!(sandbox.calls().len(), 5);
    }

    #[test]
    fn credentials_are_parsed_and_never_kept_or_shown() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.tool(
            "credential-get",
            r#"{"type": "lxd", "name": "localhost", "credential": {"auth-type": "certificate", "attrs": {"client-key": "PRIVATE-KEY-BYTES"}}}"#,
        );
        let mut backend = sandbox.backend("hooks/install", &[]);
        let spec = backend.credential_get().unwrap();
        assert_eq!(
            spec.credential.as_ref().unwrap().attributes["client-key"],
            "PRIVATE-KEY-BYTES"
        );
        assert!(!format!("{spec:?}").contains("PRIVATE-KEY-BYTES"));
        backend.credential_get().unwrap();
        assert_eq!(sandbox.calls().len(), 2, "not kept");
        // A malformed answer is reported without quoting it.
        sandbox.tool(
            "credential-get",
            r#"{"type": "lxd", "name": PRIVATE-KEY-BYTES}"#,
        );
        let error = backend.credential_get().unwrap_err().to_string();
        assert!(!error.contains("PRIVATE-KEY-BYTES"), "{error}");
        assert!(
            error.starts_with("credential-get --format=json: malformed JSON output"),
            "{error}"
        );
    }

    #[test]
    fn relation_get_of_one_key_uses_a_bag_already_read() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.tool("relation-get", r#""v1""#);
        let mut backend = sandbox.backend("hooks/install", &[]);
        let unit = Member::Unit("pg/0".into());
        assert_eq!(
            backend
                .relation_get_key(RelationId(1), &unit, "k")
                .unwrap()
                .as_deref(),
            Some("v1")
        );
        sandbox.tool("relation-get", "null");
        assert_eq!(
            backend
                .relation_get_key(RelationId(1), &Member::App("pg".into()), "-k")
                .unwrap(),
            None
        );
        assert_eq!(
            sandbox.calls(),
            [
                "relation-get --format=json -r 1 -- k pg/0",
                "relation-get --format=json -r 1 --app -- -k pg"
            ]
        );
        sandbox.tool("relation-get", r#"{"k": "from-bag"}"#);
        backend.relation_get(RelationId(1), &unit).unwrap();
        assert_eq!(
            backend
                .relation_get_key(RelationId(1), &unit, "k")
                .unwrap()
                .as_deref(),
            Some("from-bag")
        );
        assert_eq!(
            backend.relation_get_key(RelationId(1), &unit, "x").unwrap(),
            None
        );
        assert_eq!(sandbox.calls().len(), 3, "served from the bag");
        assert!(backend.relation_get_key(RelationId(1), &unit, "").is_err());
        assert!(backend.relation_get_key(RelationId(1), &unit, "-").is_err());
    }

    #[test]
    fn the_model_comes_from_the_environment_or_the_metadata() {
        let sandbox = Sandbox::new(METADATA);
        let backend = sandbox.backend(
            "hooks/install",
            &[
                ("JUJU_MODEL_UUID", "u-1"),
                ("JUJU_VERSION", "3.6.2"),
                ("JUJU_MACHINE_ID", "4"),
            ],
        );
        assert_eq!(backend.model_uuid().unwrap(), "u-1");
        assert_eq!(backend.juju_version().unwrap().to_string(), "3.6.2");
        assert_eq!(backend.model_type().unwrap(), ModelType::Machine);
        let backend = sandbox.backend("hooks/install", &[("JUJU_MACHINE_ID", "")]);
        assert_eq!(backend.model_type().unwrap(), ModelType::Kubernetes);
        // Unset: the metadata decides (no containers: machines).
        let backend = sandbox.backend("hooks/install", &[("JUJU_VERSION", "three")]);
        assert_eq!(backend.model_type().unwrap(), ModelType::Machine);
        assert_eq!(
            backend.model_uuid().unwrap_err().to_string(),
            "model uuid: JUJU_MODEL_UUID is not set; Juju sets it for every hook"
        );
        assert!(
            backend
                .juju_version()
                .unwrap_err()
                .to_string()
                .starts_with("Juju version: JUJU_VERSION: \"three\" is not a Juju version"),
        );
        let sidecar = Sandbox::new("name: s\ncontainers:\n  web: {}\n");
        assert_eq!(
            sidecar.backend("hooks/install", &[]).model_type().unwrap(),
            ModelType::Kubernetes
        );
    }

    #[test]
    fn reboot_runs_juju_reboot_on_machines_only_and_not_in_actions() {
        let sandbox = Sandbox::new(METADATA);
        sandbox.tool("juju-reboot", "");
        let mut backend = sandbox.backend("hooks/install", &[("JUJU_MACHINE_ID", "0")]);
        backend.reboot(false).unwrap();
        backend.reboot(true).unwrap();
        assert_eq!(sandbox.calls(), ["juju-reboot ", "juju-reboot --now"]);
        let mut k8s = sandbox.backend("hooks/install", &[("JUJU_MACHINE_ID", "")]);
        assert!(
            k8s.reboot(true)
                .unwrap_err()
                .to_string()
                .contains("Kubernetes")
        );
        let mut action = sandbox.backend("actions/x", &[("JUJU_MACHINE_ID", "0")]);
        assert!(
            action
                .reboot(false)
                .unwrap_err()
                .to_string()
                .contains("running an action")
        );
        assert_eq!(sandbox.calls().len(), 2);
    }
}
