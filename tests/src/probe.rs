//! The test charm `probe`: one component that calls the tools part of the Juju surface
//! (storage, network, goal state, resources, credentials, the model, one relation key,
//! ports, reboot) as its `probe` config option lists them, and keeps each answer in the
//! charm's state (`state-set probe:<probe> <JSON>`) for the test to read. The `probe`
//! action does the same with its `probes` parameter.
//!
//! Run as a binary through `tests/charms/probe/dispatch` (`src/bin/probe-charm.rs`, with
//! the metadata `tests/charms/probe/charmcraft.yaml`) by `tests/tests/e2e_tools.rs`, which
//! also runs the same probes in memory with the harness and compares the answers.
//!
//! Probes, separated by `;`:
//! - `model`: the model's uuid, type and Juju version;
//! - `storage` (the event's storage) or `storage:<id>`; `storage-list` or
//!   `storage-list:<name>`; `storage-add:<name>=<count>`;
//! - `network:<binding>` or `network:<binding>@<relation id>`;
//! - `goal-state`;
//! - `resource:<name>`: the file's name and content;
//! - `remote-model:<relation id>`;
//! - `credential`: the cloud, the auth type and the names of the credential's attributes,
//!   never their values (the whole spec is logged with `{:?}`, which hides them);
//! - `relation-key:<relation id>:<member>:<key>`, the member a unit (`pg/0`) or an
//!   application (`app:pg`);
//! - `ports:<port>+<port>...` (`80/tcp+53/udp`, or nothing after the `:` for none): set
//!   as the open ports, then the ports open;
//! - `reboot`, `reboot-now`.
//!
//! Each answer is `{"ok": <value>}` or `{"error": "<the error's text>"}`.

use reconciler_core::backend::{LogLevel, Member, Port, Protocol, RelationId};
use reconciler_core::prelude::*;
use reconciler_core::{Backend, BackendError};
use serde_json::{Value, json};

/// The charm-state key of a probe's answer.
pub fn key(probe: &str) -> String {
    format!("probe:{probe}")
}

/// Runs `probes` (separated by `;`) against `backend`; returns each probe with its answer.
pub fn run_probes(backend: &mut dyn Backend, probes: &str) -> Vec<(String, Value)> {
    probes
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|probe| {
            let answer = match run_probe(backend, probe) {
                Ok(value) => json!({ "ok": value }),
                Err(error) => json!({ "error": error.to_string() }),
            };
            (probe.to_owned(), answer)
        })
        .collect()
}

fn bad(probe: &str) -> BackendError {
    BackendError::failed("probe", format!("unknown probe {probe:?}"))
}

fn relation(text: &str, probe: &str) -> Result<RelationId, BackendError> {
    text.parse().map(RelationId).map_err(|_| bad(probe))
}

fn port(text: &str, probe: &str) -> Result<Port, BackendError> {
    let (number, protocol) = text.split_once('/').ok_or_else(|| bad(probe))?;
    let number: u16 = number.parse().map_err(|_| bad(probe))?;
    Ok(match protocol {
        "tcp" => Port::tcp(number),
        "udp" => Port::udp(number),
        _ => return Err(bad(probe)),
    })
}

fn run_probe(backend: &mut dyn Backend, probe: &str) -> Result<Value, BackendError> {
    let (name, argument) = probe.split_once(':').unwrap_or((probe, ""));
    Ok(match name {
        "model" => json!({
            "uuid": backend.model_uuid()?,
            "type": backend.model_type()?.as_str(),
            "juju-version": backend.juju_version()?.to_string(),
        }),
        "storage" => {
            let id = (!argument.is_empty()).then_some(argument);
            let storage = backend.storage_get(id)?;
            json!({
                "id": storage.id,
                "kind": storage.kind.as_str(),
                "location": storage.location,
            })
        }
        "storage-list" => json!(backend.storage_list((!argument.is_empty()).then_some(argument))?),
        "storage-add" => {
            let (storage, count) = argument.split_once('=').ok_or_else(|| bad(probe))?;
            backend.storage_add(storage, count.parse().map_err(|_| bad(probe))?)?;
            Value::Null
        }
        "network" => {
            let (binding, relation_id) = match argument.split_once('@') {
                Some((binding, id)) => (binding, Some(relation(id, probe)?)),
                None => (argument, None),
            };
            let network = backend.network_get(binding, relation_id)?;
            let interfaces: Vec<Value> = network
                .bind_addresses
                .iter()
                .map(|b| {
                    let addresses: Vec<&str> =
                        b.addresses.iter().map(|a| a.value.as_str()).collect();
                    json!([b.interface_name, addresses])
                })
                .collect();
            json!({
                "bind-address": network.bind_address(),
                "ingress-address": network.ingress_address(),
                "ingress-addresses": network.ingress_addresses,
                "egress-subnets": network.egress_subnets,
                "interfaces": interfaces,
            })
        }
        "goal-state" => {
            let goal = backend.goal_state()?;
            let units: serde_json::Map<String, Value> = goal
                .units
                .iter()
                .map(|(unit, s)| (unit.clone(), json!(s.status)))
                .collect();
            let relations: serde_json::Map<String, Value> = goal
                .relations
                .iter()
                .map(|(endpoint, members)| {
                    let members: serde_json::Map<String, Value> = members
                        .iter()
                        .map(|(m, s)| (m.clone(), json!(s.status)))
                        .collect();
                    (endpoint.clone(), Value::Object(members))
                })
                .collect();
            json!({"planned-units": goal.planned_units(), "units": units, "relations": relations})
        }
        "resource" => {
            let path = backend.resource_get(argument)?;
            let content = std::fs::read_to_string(&path).map_err(|e| {
                BackendError::failed("probe", format!("cannot read {}: {e}", path.display()))
            })?;
            json!({
                "file-name": path.file_name().map(|n| n.to_string_lossy().into_owned()),
                "content": content,
            })
        }
        "remote-model" => json!(backend.relation_model_get(relation(argument, probe)?)?.uuid),
        "credential" => {
            let spec = backend.credential_get()?;
            // `{:?}` hides the credential's values: the log shows that it does.
            backend.log(LogLevel::Info, &format!("cloud spec: {spec:?}"))?;
            let credential = spec.credential.as_ref();
            json!({
                "type": spec.cloud_type,
                "name": spec.name,
                "region": spec.region,
                "endpoint": spec.endpoint,
                "auth-type": credential.map(|c| c.auth_type.clone()),
                "attributes": credential.map(|c| c.attributes.keys().cloned().collect::<Vec<_>>()),
            })
        }
        "relation-key" => {
            let mut parts = argument.splitn(3, ':');
            let (Some(id), Some(member), Some(rest)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(probe));
            };
            // `app:<name>:<key>` or `<unit>:<key>`.
            let (member, key) = if member == "app" {
                let (app, key) = rest.split_once(':').ok_or_else(|| bad(probe))?;
                (Member::App(app.to_owned()), key)
            } else {
                (Member::Unit(member.to_owned()), rest)
            };
            json!(backend.relation_get_key(relation(id, probe)?, &member, key)?)
        }
        "ports" => {
            let wanted = argument
                .split('+')
                .filter(|p| !p.is_empty())
                .map(|p| port(p, probe))
                .collect::<Result<Vec<_>, _>>()?;
            backend.set_ports(&wanted)?;
            let open: Vec<String> = backend
                .opened_ports()?
                .iter()
                .filter(|p| p.protocol != Protocol::Icmp)
                .map(ToString::to_string)
                .collect();
            json!(open)
        }
        "reboot" => {
            backend.reboot(false)?;
            Value::Null
        }
        "reboot-now" => {
            backend.reboot(true)?;
            Value::Null
        }
        _ => return Err(bad(probe)),
    })
}

/// Runs the probes of the `probe` config option and keeps the answers; always Active.
#[derive(Default)]
pub struct Probe;

fn keep(backend: &mut dyn Backend, probes: &str) -> Result<(), BackendError> {
    for (probe, answer) in run_probes(backend, probes) {
        backend.state_set(&key(&probe), &answer.to_string())?;
    }
    Ok(())
}

impl Component for Probe {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let probes = ctx
            .backend()
            .config_value("probe")?
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        keep(ctx.backend(), &probes)?;
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }

    fn observes(&self) -> Vec<Observe> {
        vec![
            Observe::storage("data"),
            Observe::storage("logs"),
            Observe::relation("db"),
        ]
    }
}

/// The charm: the [`Probe`] component, and the `probe` action.
#[derive(CharmReconciler, Default)]
pub struct ProbeCharm {
    #[component]
    probe: Probe,
}

impl Charm for ProbeCharm {
    fn new() -> ProbeCharm {
        ProbeCharm::default()
    }

    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match ctx.event() {
            Event::Action { name, .. } if name == "probe" => {
                let params = ctx.backend().action_params()?;
                let probes = params
                    .get("probes")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                keep(ctx.backend(), &probes)?;
                Ok(Handled::Yes)
            }
            _ => Ok(Handled::Ignored),
        }
    }
}
