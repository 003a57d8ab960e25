//! The state file of the stand-in hook tools: what one unit sees of its Juju model.
//!
//! Shared (with `#[path]`) by the `hook-tool` binary and the end-to-end tests, so both
//! read and write the same JSON. See `tests/hook-tools/README.md`.

#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The tool names the stand-in is installed as (one binary, dispatching on `argv[0]`).
pub const TOOLS: &[&str] = &[
    "is-leader",
    "config-get",
    "relation-ids",
    "relation-list",
    "relation-get",
    "relation-set",
    "status-set",
    "status-get",
    "juju-log",
    "application-version-set",
    "action-get",
    "action-set",
    "action-fail",
    "action-log",
    "state-get",
    "state-set",
    "state-delete",
    "open-port",
    "close-port",
    "opened-ports",
    // Secrets (secret-*).
    "secret-add",
    "secret-get",
    "secret-set",
    "secret-remove",
    "secret-grant",
    "secret-revoke",
    "secret-ids",
    "secret-info-get",
    // Tools: storage, network, goal state, resources, credentials, the model, reboot.
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

/// A relation databag.
pub type Bag = BTreeMap<String, String>;

/// The model as one unit sees it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimState {
    /// This unit, `app/0`.
    pub unit: String,
    /// Whether this unit leads.
    pub leader: bool,
    /// What `config-get` prints.
    pub config: serde_json::Map<String, serde_json::Value>,
    /// The relations this unit is in.
    pub relations: Vec<SimRelation>,
    /// The unit's status.
    pub unit_status: SimStatus,
    /// The application's status.
    pub app_status: SimStatus,
    /// What `application-version-set` set.
    pub app_version: Option<String>,
    /// The running action, if any.
    pub action: Option<SimAction>,
    /// The charm's state (`state-get`/`state-set`).
    pub charm_state: Bag,
    /// Opened ports, like `8080/tcp`.
    pub ports: Vec<String>,
    /// Every `juju-log` call.
    pub juju_log: Vec<SimLog>,
    /// Faults to inject, by tool name: instead of doing its job, the tool prints this and
    /// exits with this code.
    pub faults: BTreeMap<String, Fault>,
    /// Tools that hang instead of doing their job (after printing their fault's output and
    /// their flood, if any): they sleep until killed, or until the process that ran them
    /// has gone, so a test that fails cannot leave them behind.
    pub hangs: Vec<String>,
    /// Extra output, by tool name, written after the tool's own (or its fault's).
    pub floods: BTreeMap<String, Flood>,
    // Secrets (secret-*).
    /// The secrets this unit owns (or its application owns) and those it observes.
    pub secrets: Vec<SimSecret>,
    // Tools: storage, network, goal state, resources, credentials, the model, reboot (the
    // stand-ins are in `tests/hook-tools/surface.rs`).
    /// Storage attached to the unit, in order.
    pub storage: Vec<SimStorage>,
    /// What `storage-add` asked for, by storage name: how many.
    pub storage_added: BTreeMap<String, u32>,
    /// Networks by binding, as `network-get` prints them. A binding the charm declares as
    /// an endpoint that is not here gets a network with the address `192.0.2.0`.
    pub networks: BTreeMap<String, SimNetwork>,
    /// The planned units of `goal-state`, with their status; empty: this unit (with its
    /// unit status) and its peers (active).
    pub planned_units: BTreeMap<String, String>,
    /// Uploaded resources: name to the path `resource-get` prints.
    pub resources: BTreeMap<String, String>,
    /// What `credential-get` prints (Juju's cloud spec JSON); `None`: not trusted.
    pub cloud_spec: Option<serde_json::Value>,
    /// The remote model's uuid by relation id, for cross-model relations; others answer
    /// `JUJU_MODEL_UUID`.
    pub remote_models: BTreeMap<u64, String>,
    /// The reboot asked for: `after-hook` or `now`.
    pub reboot: Option<String>,
}

/// Who owns a secret, from this unit's point of view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimOwner {
    /// This unit's application.
    #[default]
    Application,
    /// This unit.
    Unit,
    /// Another application, which this unit observes the secret of.
    Observed(String),
}

/// A grant of an owned secret on a relation, to its remote application or one unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimGrant {
    /// The relation id.
    pub relation: u64,
    /// The unit, or none for the whole remote application.
    pub unit: Option<String>,
}

/// One secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimSecret {
    /// The id (20 characters, without `secret:`).
    pub id: String,
    /// Who owns it.
    pub owner: SimOwner,
    /// Each revision's content (values as given, not encoded).
    pub revisions: BTreeMap<u64, Bag>,
    /// The owner's label.
    pub label: Option<String>,
    /// This unit's label for a secret it observes.
    pub consumer_label: Option<String>,
    /// The revision this unit tracks, for a secret it observes.
    pub tracked: Option<u64>,
    /// The description.
    pub description: Option<String>,
    /// When the latest revision expires (RFC 3339).
    pub expiry: Option<String>,
    /// The rotation policy.
    pub rotation: Option<String>,
    /// When it is next due to rotate (RFC 3339).
    pub rotates: Option<String>,
    /// Grants of an owned secret.
    pub grants: Vec<SimGrant>,
    /// Whether this unit may read a secret it observes.
    pub granted: bool,
}

impl Default for SimSecret {
    fn default() -> SimSecret {
        SimSecret {
            id: String::new(),
            owner: SimOwner::default(),
            revisions: BTreeMap::new(),
            label: None,
            consumer_label: None,
            tracked: None,
            description: None,
            expiry: None,
            rotation: None,
            rotates: None,
            grants: Vec::new(),
            granted: true,
        }
    }
}

impl SimSecret {
    /// The latest revision (0 if none).
    pub fn latest(&self) -> u64 {
        self.revisions.keys().next_back().copied().unwrap_or(0)
    }

    /// Whether this unit or its application owns it.
    pub fn owned(&self) -> bool {
        !matches!(self.owner, SimOwner::Observed(_))
    }
}

/// One storage instance attached to the unit.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimStorage {
    /// `data/0`.
    pub id: String,
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is.
    pub location: String,
}

/// A network as `network-get` prints it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimNetwork {
    /// The interfaces and their addresses.
    #[serde(rename = "bind-addresses")]
    pub bind_addresses: Vec<SimInterface>,
    /// The ingress addresses.
    #[serde(rename = "ingress-addresses")]
    pub ingress_addresses: Vec<String>,
    /// The egress subnets.
    #[serde(rename = "egress-subnets")]
    pub egress_subnets: Vec<String>,
}

/// One interface of a [`SimNetwork`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimInterface {
    /// `aa:bb:...`.
    #[serde(rename = "mac-address")]
    pub mac_address: String,
    /// `eth0`.
    #[serde(rename = "interface-name")]
    pub interface_name: String,
    /// Its addresses.
    pub addresses: Vec<SimAddress>,
}

/// One address of a [`SimInterface`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimAddress {
    /// The host name it was resolved from, or empty.
    pub hostname: String,
    /// The address.
    pub value: String,
    /// Its subnet.
    pub cidr: String,
}

impl SimNetwork {
    /// One interface, `eth0`, with `address` in `cidr`: the ingress address too, and
    /// `<address>/32` the egress subnet.
    pub fn new(address: &str, cidr: &str) -> SimNetwork {
        SimNetwork {
            bind_addresses: vec![SimInterface {
                mac_address: String::new(),
                interface_name: "eth0".into(),
                addresses: vec![SimAddress {
                    hostname: String::new(),
                    value: address.into(),
                    cidr: cidr.into(),
                }],
            }],
            ingress_addresses: vec![address.into()],
            egress_subnets: vec![format!("{address}/32")],
        }
    }
}

/// One relation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimRelation {
    /// The id (the `3` of `db:3`).
    pub id: u64,
    /// This charm's endpoint.
    pub endpoint: String,
    /// The remote application.
    pub remote_app: String,
    /// Remote units and their databags.
    pub remote_units: BTreeMap<String, Bag>,
    /// The remote application's databag.
    pub remote_app_data: Bag,
    /// This unit's databag.
    pub local_unit_data: Bag,
    /// This application's databag.
    pub local_app_data: Bag,
}

/// A status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimStatus {
    /// `active`, `blocked`, `waiting`, `maintenance`, `unknown`.
    pub status: String,
    /// The message.
    pub message: String,
}

impl Default for SimStatus {
    fn default() -> SimStatus {
        SimStatus {
            status: "unknown".into(),
            message: String::new(),
        }
    }
}

impl SimStatus {
    /// `status: message` (or just the status).
    pub fn text(&self) -> String {
        if self.message.is_empty() {
            self.status.clone()
        } else {
            format!("{}: {}", self.status, self.message)
        }
    }
}

/// A running action.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimAction {
    /// What `action-get` prints.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// What `action-set` set (dotted keys nested).
    pub results: serde_json::Map<String, serde_json::Value>,
    /// The `action-fail` message.
    pub failed: Option<String>,
    /// `action-log` lines.
    pub logs: Vec<String>,
}

/// One `juju-log` call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SimLog {
    /// The level.
    pub level: String,
    /// The message.
    pub message: String,
}

/// A fault to inject into one tool.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    /// The exit code.
    pub exit_code: i32,
    /// Bytes printed on stdout.
    pub stdout: Vec<u8>,
    /// Text printed on stderr.
    pub stderr: String,
}

/// Filler output a tool writes besides its own: to test what a caller does with a tool
/// that prints far too much.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Flood {
    /// Bytes of filler (`x`) on stdout.
    pub stdout: u64,
    /// Bytes of filler (`E`) on stderr.
    pub stderr: u64,
}

impl SimState {
    /// The relation with this id.
    pub fn relation(&self, id: u64) -> Option<&SimRelation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The application name.
    pub fn app(&self) -> &str {
        self.unit.split('/').next().unwrap_or_default()
    }
}
