//! The stand-ins of the tools part of the Juju surface: `storage-get`, `storage-list`,
//! `storage-add`, `network-get`, `goal-state`, `resource-get`, `relation-model-get`,
//! `credential-get` and `juju-reboot`, with Juju's argument rules and error texts (see
//! `tests/hook-tools/README.md`). Included by `tests/src/bin/hook-tool.rs`, whose flag
//! parser and failures they use.

use serde_json::{Map, Value};

use super::state::SimState;
use super::{Fail, Flags, Outcome, json, refuse, relation_id, usage};

/// The tools handled here.
pub const TOOLS: &[&str] = &[
    "storage-get",
    "storage-list",
    "storage-add",
    "network-get",
    "goal-state",
    "resource-get",
    "relation-model-get",
    "credential-get",
    "juju-reboot",
];

/// The charm's metadata, from `JUJU_CHARM_DIR` (`None` outside a hook).
fn metadata() -> Result<Option<reconciler_core::metadata::Metadata>, Fail> {
    match std::env::var_os("JUJU_CHARM_DIR") {
        None => Ok(None),
        Some(dir) => reconciler_core::metadata::Metadata::load(std::path::Path::new(&dir))
            .map(Some)
            .map_err(|e| Fail(1, format!("cannot read the charm's metadata: {e}"))),
    }
}

/// Whether `id` is a storage id as Juju's `names.IsValidStorage` accepts it.
fn valid_storage_id(id: &str) -> bool {
    let Some((name, number)) = id.split_once('/') else {
        return false;
    };
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Handles one of [`TOOLS`].
pub fn handle(tool: &str, args: &[String], state: &mut SimState) -> Outcome {
    match tool {
        "storage-get" => {
            let flags = Flags::parse(args, &["--format", "-s"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=1)?;
            // `-s` is checked as Juju's flag parser does: the form, then the attachment.
            let id = match flags.value("-s") {
                Some(id) => {
                    if !valid_storage_id(id) {
                        return Err(usage(format!(
                            "invalid value {id:?} for option -s: invalid storage ID {id:?}"
                        )));
                    }
                    id.to_owned()
                }
                None => std::env::var("JUJU_STORAGE_ID")
                    .ok()
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| usage("no storage instance specified"))?,
            };
            let Some(storage) = state.storage.iter().find(|s| s.id == id) else {
                return Err(usage(format!(
                    "invalid value {id:?} for option -s: storage attachment {id}:{} not found",
                    state.unit
                )));
            };
            let mut values = Map::new();
            values.insert("kind".into(), storage.kind.clone().into());
            values.insert("location".into(), storage.location.clone().into());
            match flags.positional.first() {
                None => json(&values),
                Some(key) => match values.get(key) {
                    Some(value) => json(value),
                    None => Err(refuse(format!("invalid storage attribute {key:?}"))),
                },
            }
        }
        "storage-list" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=1)?;
            let name = flags.positional.first();
            let ids: Vec<&str> = state
                .storage
                .iter()
                .map(|s| s.id.as_str())
                .filter(|id| name.is_none_or(|n| id.split('/').next() == Some(n.as_str())))
                .collect();
            json(&ids)
        }
        "storage-add" => {
            let flags = Flags::parse(args, &[], &[])?;
            if flags.positional.is_empty() {
                return Err(usage("storage add requires a storage directive"));
            }
            let declared: Vec<String> = metadata()?
                .map(|m| m.storage.into_keys().collect())
                .unwrap_or_default();
            let mut added = Vec::new();
            for directive in &flags.positional {
                let (name, count) = match directive.split_once('=') {
                    None => (directive.as_str(), 1),
                    Some((name, count)) => {
                        let count: u32 = count.parse().ok().filter(|c| *c > 0).ok_or_else(|| {
                            usage(format!(
                                "cannot parse storage directive {directive:?}: the count must be a positive integer"
                            ))
                        })?;
                        (name, count)
                    }
                };
                if !declared.iter().any(|d| d == name) {
                    return Err(refuse(format!(
                        "cannot add storage: charm storage {name:?} not found"
                    )));
                }
                added.push((name.to_owned(), count));
            }
            for (name, count) in added {
                *state.storage_added.entry(name).or_default() += count;
            }
            Ok(Vec::new())
        }
        "network-get" => {
            let flags = Flags::parse(
                args,
                &["--format", "-r", "--relation"],
                &[
                    "--bind-address",
                    "--ingress-address",
                    "--egress-subnets",
                    "--primary-address",
                ],
            )?;
            flags.json_format()?;
            let Some(binding) = flags.positional.first() else {
                return Err(usage("no arguments specified"));
            };
            if flags.positional.len() > 1 {
                return Err(usage(format!(
                    "unrecognized args: {:?}",
                    &flags.positional[1..]
                )));
            }
            if flags.value("-r").is_some() {
                relation_id(&flags, state)?;
            }
            let endpoint = metadata()?.is_some_and(|m| m.endpoints.contains_key(binding));
            let network = match state.networks.get(binding) {
                Some(network) => network.clone(),
                None if endpoint => super::state::SimNetwork::new("192.0.2.0", "192.0.2.0/24"),
                None => {
                    return Err(refuse(format!(
                        "no network config found for binding {binding:?}"
                    )));
                }
            };
            let first = network
                .bind_addresses
                .first()
                .and_then(|i| i.addresses.first())
                .map(|a| a.value.clone());
            let no_addresses = || {
                refuse(format!(
                    "no addresses attached to space for binding {binding:?}"
                ))
            };
            if flags.has("--primary-address") {
                if flags.bare.len() > 1 {
                    return Err(refuse("--primary-address must be the only flag specified"));
                }
                return json(&first.ok_or_else(no_addresses)?);
            }
            let mut keys = Map::new();
            for flag in &flags.bare {
                let (key, value) = match flag.as_str() {
                    "--bind-address" => (
                        "bind-address",
                        Value::from(first.clone().ok_or_else(no_addresses)?),
                    ),
                    "--ingress-address" => (
                        "ingress-address",
                        Value::from(
                            network
                                .ingress_addresses
                                .first()
                                .cloned()
                                .or(first.clone())
                                .ok_or_else(no_addresses)?,
                        ),
                    ),
                    _ => (
                        "egress-subnets",
                        Value::from(network.egress_subnets.clone()),
                    ),
                };
                keys.insert(key.into(), value);
            }
            match keys.len() {
                0 => json(&network),
                1 => json(keys.values().next().expect("one")),
                _ => json(&keys),
            }
        }
        "goal-state" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            json(&goal_state(state))
        }
        "resource-get" => {
            let flags = Flags::parse(args, &[], &[])?;
            let [name] = flags.positional.as_slice() else {
                return Err(usage(if flags.positional.is_empty() {
                    "missing required resource name".to_owned()
                } else {
                    format!("unrecognized args: {:?}", &flags.positional[1..])
                }));
            };
            match state.resources.get(name) {
                Some(path) => Ok(format!("{path}\n").into_bytes()),
                None => Err(refuse(format!(
                    "could not download resource: resource {name:?} not found"
                ))),
            }
        }
        "relation-model-get" => {
            let flags = Flags::parse(args, &["--format", "-r"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            let id = relation_id(&flags, state)?;
            let uuid = match state.remote_models.get(&id) {
                Some(uuid) => uuid.clone(),
                None => std::env::var("JUJU_MODEL_UUID").unwrap_or_default(),
            };
            json(&serde_json::json!({ "uuid": uuid }))
        }
        "credential-get" => {
            let flags = Flags::parse(args, &["--format"], &[])?;
            flags.json_format()?;
            flags.positional_count(tool, 0..=0)?;
            match &state.cloud_spec {
                Some(spec) => json(spec),
                None => Err(refuse("cannot access cloud credentials: permission denied")),
            }
        }
        "juju-reboot" => {
            let flags = Flags::parse(args, &[], &["--now"])?;
            flags.positional_count(tool, 0..=0)?;
            if state.action.is_some() {
                return Err(refuse(
                    "juju-reboot is not supported when running an action.",
                ));
            }
            if std::env::var("JUJU_MACHINE_ID").is_ok_and(|m| m.is_empty()) {
                return Err(refuse(
                    "juju-reboot is not supported on Kubernetes: there is no machine to reboot",
                ));
            }
            state.reboot = Some(
                if flags.has("--now") {
                    "now"
                } else {
                    "after-hook"
                }
                .to_owned(),
            );
            Ok(Vec::new())
        }
        _ => Err(usage(format!("unknown tool {tool:?}"))),
    }
}

/// `goal-state` of the model: the planned units (or this unit, with its unit status, and
/// its peers, active), and per endpoint the remote application (`joined`, or `joining`
/// without units) and units (`joined`) of its relations (`broken` for the relation of a
/// `relation-broken` hook).
fn goal_state(state: &SimState) -> Value {
    let app = state.app().to_owned();
    let status = |s: &str| serde_json::json!({ "status": s });
    let mut units = Map::new();
    if state.planned_units.is_empty() {
        units.insert(state.unit.clone(), status(&state.unit_status.status));
        for relation in state.relations.iter().filter(|r| r.remote_app == app) {
            for unit in relation.remote_units.keys() {
                units.insert(unit.clone(), status("active"));
            }
        }
    } else {
        for (unit, s) in &state.planned_units {
            units.insert(unit.clone(), status(s));
        }
    }
    // During <endpoint>-relation-broken, that relation is broken.
    let broken = std::env::var("JUJU_HOOK_NAME")
        .is_ok_and(|h| h.ends_with("-relation-broken"))
        .then(|| std::env::var("JUJU_RELATION_ID").ok())
        .flatten()
        .and_then(|id| id.rsplit(':').next().and_then(|n| n.parse::<u64>().ok()));
    let mut relations = Map::new();
    for relation in &state.relations {
        let is_broken = broken == Some(relation.id);
        let entry = relations
            .entry(relation.endpoint.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("an object");
        if relation.remote_app != app {
            let app_status = if is_broken {
                "broken"
            } else if relation.remote_units.is_empty() {
                "joining"
            } else {
                "joined"
            };
            entry.insert(relation.remote_app.clone(), status(app_status));
        }
        for unit in relation.remote_units.keys() {
            entry.insert(
                unit.clone(),
                status(if is_broken { "broken" } else { "joined" }),
            );
        }
    }
    serde_json::json!({ "units": units, "relations": relations })
}
