//! The value types of Juju's surface beyond relations and config: the model's identity
//! (uuid, type, Juju version), storage, networks, goal state, resources, cloud credentials
//! and the model on the other side of a relation.
//!
//! The [`Backend`](crate::Backend) methods that return them (`storage_get`, `network_get`,
//! `goal_state`, `credential_get`, ...) behave alike under Juju (hook tools) and in the
//! in-memory model of `testing`; these types are what both give back. They parse Juju's
//! JSON output (`--format=json`) with serde.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use crate::backend::BackendError;
use crate::metadata::Metadata;

/// What kind of model the unit runs in: Kubernetes (a sidecar charm, whose workloads run
/// in containers with Pebble) or machines (VMs, LXD containers, bare metal).
///
/// Under Juju it comes from the environment (`JUJU_MACHINE_ID` is set and non-empty only on
/// machines, and set empty on Kubernetes), and, where the environment does not say, from
/// the charm's metadata: a charm that declares `containers` runs on Kubernetes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelType {
    /// A Kubernetes model (Juju's "caas").
    Kubernetes,
    /// A machine model (Juju's "iaas").
    Machine,
}

impl ModelType {
    /// `kubernetes` or `machine`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ModelType::Kubernetes => "kubernetes",
            ModelType::Machine => "machine",
        }
    }

    /// The model type a charm with `metadata` runs in when nothing else says: Kubernetes
    /// when it declares workload containers (only sidecar charms on Kubernetes can), else
    /// machines.
    ///
    /// ```
    /// use reconciler_core::backend::ModelType;
    /// use reconciler_core::metadata::Metadata;
    ///
    /// let sidecar = Metadata::parse("name: a\ncontainers:\n  web: {}\n", "charmcraft.yaml".as_ref())?;
    /// assert_eq!(ModelType::from_metadata(&sidecar), ModelType::Kubernetes);
    /// let machine = Metadata::parse("name: b\n", "charmcraft.yaml".as_ref())?;
    /// assert_eq!(ModelType::from_metadata(&machine), ModelType::Machine);
    /// # Ok::<(), reconciler_core::metadata::MetadataError>(())
    /// ```
    pub fn from_metadata(metadata: &Metadata) -> ModelType {
        if metadata.containers.is_empty() {
            ModelType::Machine
        } else {
            ModelType::Kubernetes
        }
    }
}

impl fmt::Display for ModelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Juju version, as `JUJU_VERSION` gives it: `3.6.2`, `3.6.2.1` (with a build number),
/// or `3.7-beta1` (a pre-release: the tag and its number replace the patch).
///
/// Versions compare as Juju's own do: by major and minor, then a pre-release before the
/// release of the same major and minor (`3.7-beta1 < 3.7.0`), then by patch and build.
///
/// ```
/// use reconciler_core::backend::JujuVersion;
///
/// let version: JujuVersion = "3.6.2".parse()?;
/// assert!(version.at_least(3, 6, 2));
/// assert!(!version.at_least(3, 6, 3));
/// assert!("3.7-beta1".parse::<JujuVersion>()? < "3.7.0".parse::<JujuVersion>()?);
/// assert_eq!("3.6.2.1".parse::<JujuVersion>()?.to_string(), "3.6.2.1");
/// assert!("3.six".parse::<JujuVersion>().is_err());
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JujuVersion {
    /// The major version: `3` of `3.6.2`.
    pub major: u32,
    /// The minor version: `6` of `3.6.2`.
    pub minor: u32,
    /// The patch: `2` of `3.6.2`; of a pre-release, the tag's number (`1` of `3.7-beta1`).
    pub patch: u32,
    /// The pre-release tag, `beta` of `3.7-beta1`; `None` for a release.
    pub tag: Option<String>,
    /// The build number, `1` of `3.6.2.1` (`0` when not given).
    pub build: u32,
}

impl JujuVersion {
    /// Whether this version is `major.minor.patch` or later (a pre-release of that
    /// `major.minor` is earlier than any of its releases).
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        *self
            >= (JujuVersion {
                major,
                minor,
                patch,
                tag: None,
                build: 0,
            })
    }
}

impl std::str::FromStr for JujuVersion {
    type Err = String;

    /// `major.minor.patch[.build]` or `major.minor-<tag><number>[.build]`.
    fn from_str(text: &str) -> Result<JujuVersion, String> {
        let bad = || {
            format!(
                "{text:?} is not a Juju version; expected <major>.<minor>.<patch>[.<build>] or \
                 <major>.<minor>-<tag><number>[.<build>], like 3.6.2 or 3.7-beta1"
            )
        };
        let number = |part: &str| -> Result<u32, String> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let (major, rest) = text.split_once('.').ok_or_else(bad)?;
        let major = number(major)?;
        // The minor ends at the first `.` or `-`.
        let end = rest.find(['.', '-']).ok_or_else(bad)?;
        let minor = number(&rest[..end])?;
        let after = &rest[end + 1..];
        let (patch_part, build) = match after.split_once('.') {
            Some((patch, build)) => (patch, number(build)?),
            None => (after, 0),
        };
        let (tag, patch) = if rest.as_bytes()[end] == b'-' {
            let digits = patch_part
                .find(|c: char| c.is_ascii_digit())
                .ok_or_else(bad)?;
            let tag = &patch_part[..digits];
            if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_lowercase()) {
                return Err(bad());
            }
            (Some(tag.to_owned()), number(&patch_part[digits..])?)
        } else {
            (None, number(patch_part)?)
        };
        Ok(JujuVersion {
            major,
            minor,
            patch,
            tag,
            build,
        })
    }
}

impl fmt::Display for JujuVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.tag {
            Some(tag) => write!(f, "{}.{}-{}{}", self.major, self.minor, tag, self.patch)?,
            None => write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?,
        }
        if self.build != 0 {
            write!(f, ".{}", self.build)?;
        }
        Ok(())
    }
}

impl PartialOrd for JujuVersion {
    fn partial_cmp(&self, other: &JujuVersion) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JujuVersion {
    fn cmp(&self, other: &JujuVersion) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        (self.major, self.minor)
            .cmp(&(other.major, other.minor))
            .then_with(|| match (&self.tag, &other.tag) {
                (None, None) => Ordering::Equal,
                // A pre-release comes before the releases of its major.minor.
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
            .then_with(|| (self.patch, self.build).cmp(&(other.patch, other.build)))
    }
}

/// The kind of a storage instance, as `storage-get` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StorageKind {
    /// A block device (`block`): the location is the device's path.
    Block,
    /// A filesystem (`filesystem`): the location is where it is mounted.
    Filesystem,
}

impl StorageKind {
    /// `block` or `filesystem`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StorageKind::Block => "block",
            StorageKind::Filesystem => "filesystem",
        }
    }
}

/// A storage instance attached to this unit: its id (`data/0`: the storage name the
/// metadata declares, a `/` and a number), kind and location.
///
/// ```
/// use reconciler_core::backend::{Storage, StorageKind};
///
/// let storage = Storage::filesystem("data/0", "/var/lib/data");
/// assert_eq!(storage.name(), "data");
/// assert_eq!(storage.index(), Some(0));
/// assert_eq!(storage.kind, StorageKind::Filesystem);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Storage {
    /// The storage id, `data/0`.
    pub id: String,
    /// Block device or filesystem.
    pub kind: StorageKind,
    /// Where it is: the mount point of a filesystem, the device of a block device.
    pub location: PathBuf,
}

impl Storage {
    /// A storage instance.
    pub fn new(id: impl Into<String>, kind: StorageKind, location: impl Into<PathBuf>) -> Storage {
        Storage {
            id: id.into(),
            kind,
            location: location.into(),
        }
    }

    /// A filesystem mounted at `location`.
    pub fn filesystem(id: impl Into<String>, location: impl Into<PathBuf>) -> Storage {
        Storage::new(id, StorageKind::Filesystem, location)
    }

    /// A block device at `location`.
    pub fn block(id: impl Into<String>, location: impl Into<PathBuf>) -> Storage {
        Storage::new(id, StorageKind::Block, location)
    }

    /// The storage name: the id before the `/` (`data` of `data/0`).
    pub fn name(&self) -> &str {
        self.id.split_once('/').map_or(&self.id, |(name, _)| name)
    }

    /// The number after the `/` (`0` of `data/0`); `None` if the id is malformed.
    pub fn index(&self) -> Option<u64> {
        parse_storage_id(&self.id).map(|(_, n)| n)
    }
}

/// The storage name and number of a storage id, `data/0`; `None` when it is not of that
/// form (a name of lowercase letters, digits and `-` starting with a letter, a `/`, and a
/// number), as Juju checks it.
pub(crate) fn parse_storage_id(id: &str) -> Option<(&str, u64)> {
    let (name, number) = id.split_once('/')?;
    let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.ends_with('-');
    if !valid_name || number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((name, number.parse().ok()?))
}

/// What `network-get <binding>` reports: the addresses this unit has on the network space
/// an endpoint (or extra binding) is bound to.
///
/// [`bind_address`](Self::bind_address) and [`ingress_address`](Self::ingress_address)
/// answer what `network-get --bind-address` and `--ingress-address` would print, from
/// the one answer.
///
/// ```
/// use reconciler_core::backend::Network;
///
/// let network = Network::new("10.0.0.5");
/// assert_eq!(network.bind_address(), Some("10.0.0.5"));
/// assert_eq!(network.ingress_address(), Some("10.0.0.5"));
/// assert_eq!(network.egress_subnets, ["10.0.0.5/32"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct Network {
    /// The interfaces with their addresses in the space (`bind-addresses`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses other units should connect to (`ingress-addresses`), most preferred
    /// first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ingress_addresses: Vec<String>,
    /// The subnets (CIDR) traffic from this unit comes from (`egress-subnets`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub egress_subnets: Vec<String>,
}

/// One network interface of a [`Network`], with its addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct BindAddress {
    /// The interface, `eth0`.
    #[serde(default)]
    pub interface_name: String,
    /// Its MAC address, when Juju knows it.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub mac_address: Option<String>,
    /// Its addresses in the space.
    #[serde(default, deserialize_with = "null_as_default")]
    pub addresses: Vec<Address>,
}

/// One address of a [`BindAddress`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// The address, `10.0.0.5` (Juju before 2.9 called it `address`).
    #[serde(alias = "address")]
    pub value: String,
    /// The subnet, `10.0.0.0/24`, when known.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub cidr: Option<String>,
    /// The host name the address was resolved from, when it was.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub hostname: Option<String>,
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A string Juju leaves empty (or null) when it has no value: `None`.
fn empty_as_none<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

impl Network {
    /// A network with one interface, `eth0`, holding `address`: the bind address, the
    /// ingress address, and the egress subnet `<address>/32` (what Juju reports for a unit
    /// with one address on its binding's space).
    pub fn new(address: impl Into<String>) -> Network {
        let address = address.into();
        let host_bits = if address.contains(':') { 128 } else { 32 };
        Network {
            bind_addresses: vec![BindAddress {
                interface_name: "eth0".into(),
                mac_address: None,
                addresses: vec![Address {
                    value: address.clone(),
                    cidr: None,
                    hostname: None,
                }],
            }],
            ingress_addresses: vec![address.clone()],
            egress_subnets: vec![format!("{address}/{host_bits}")],
        }
    }

    /// This network with other ingress addresses (a load balancer's, say).
    #[must_use]
    pub fn with_ingress_addresses<A: Into<String>>(
        mut self,
        addresses: impl IntoIterator<Item = A>,
    ) -> Network {
        self.ingress_addresses = addresses.into_iter().map(Into::into).collect();
        self
    }

    /// This network with other egress subnets.
    #[must_use]
    pub fn with_egress_subnets<S: Into<String>>(
        mut self,
        subnets: impl IntoIterator<Item = S>,
    ) -> Network {
        self.egress_subnets = subnets.into_iter().map(Into::into).collect();
        self
    }

    /// The address to listen on: the first address of the first interface (what
    /// `network-get <binding> --bind-address` prints, and the deprecated
    /// `--primary-address` too); `None` when there is none.
    pub fn bind_address(&self) -> Option<&str> {
        self.bind_addresses
            .first()
            .and_then(|b| b.addresses.first())
            .map(|a| a.value.as_str())
    }

    /// The address to advertise: the first ingress address, or else the bind address
    /// (what `network-get <binding> --ingress-address` prints).
    pub fn ingress_address(&self) -> Option<&str> {
        self.ingress_addresses
            .first()
            .map(String::as_str)
            .or_else(|| self.bind_address())
    }
}

/// What `goal-state` reports: the units Juju plans for this application, and, per
/// endpoint, the remote applications and units it plans to relate this one to, each with a
/// status.
///
/// ```
/// use reconciler_core::backend::{GoalState, GoalStatus};
///
/// let goal = GoalState::default()
///     .with_unit("app/0", GoalStatus::new("active"))
///     .with_unit("app/1", GoalStatus::new("waiting"))
///     .with_unit("app/2", GoalStatus::new("dying"));
/// assert_eq!(goal.planned_units(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoalState {
    /// This application's planned units, by name, with their status (`active`, `waiting`,
    /// `blocked`, `maintenance`, `error`, `allocating`, or `dying` for a unit going away).
    #[serde(default, deserialize_with = "null_as_default")]
    pub units: BTreeMap<String, GoalStatus>,
    /// Per endpoint, the remote applications and units of its relations, with their
    /// relation status (`joining`, `joined`, `broken`, `suspended`, `error`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStatus>>,
}

impl GoalState {
    /// How many units Juju plans for this application: those in [`units`](Self::units)
    /// that are not dying (as the Python `ops` library counts them).
    pub fn planned_units(&self) -> usize {
        self.units.values().filter(|s| s.status != "dying").count()
    }

    /// This goal state with a planned unit.
    #[must_use]
    pub fn with_unit(mut self, unit: impl Into<String>, status: GoalStatus) -> GoalState {
        self.units.insert(unit.into(), status);
        self
    }
}

/// A status in a [`GoalState`], and since when it holds (as Juju formats the time), if
/// known.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct GoalStatus {
    /// The status, `active` or `joined`.
    pub status: String,
    /// Since when, `2025-01-21 10:00:00Z`.
    #[serde(default)]
    pub since: Option<String>,
}

impl GoalStatus {
    /// A status with no time.
    pub fn new(status: impl Into<String>) -> GoalStatus {
        GoalStatus {
            status: status.into(),
            since: None,
        }
    }
}

/// The model on the other side of a relation (`relation-model-get`): this model for a
/// relation within it, another for a cross-model relation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RemoteModel {
    /// The model's uuid.
    pub uuid: String,
}

impl RemoteModel {
    /// The model with this uuid.
    pub fn new(uuid: impl Into<String>) -> RemoteModel {
        RemoteModel { uuid: uuid.into() }
    }
}

/// The cloud the model runs on, with the credential Juju uses for it (`credential-get`):
/// given only to applications the operator trusts (`juju trust`).
///
/// The credential's attributes are secrets: `Debug` shows their names, never their values.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct CloudSpec {
    /// The cloud's type: `lxd`, `openstack`, `kubernetes`, `ec2`, ...
    #[serde(rename = "type")]
    pub cloud_type: String,
    /// The cloud's name.
    pub name: String,
    /// The region, if the cloud has regions.
    #[serde(default)]
    pub region: Option<String>,
    /// The cloud's API endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The identity service's endpoint, if separate.
    #[serde(default)]
    pub identity_endpoint: Option<String>,
    /// The storage service's endpoint, if separate.
    #[serde(default)]
    pub storage_endpoint: Option<String>,
    /// The credential.
    #[serde(default)]
    pub credential: Option<CloudCredential>,
    /// CA certificates (PEM) to trust for the endpoints.
    #[serde(
        default,
        rename = "cacertificates",
        deserialize_with = "null_as_default"
    )]
    pub ca_certificates: Vec<String>,
    /// Whether TLS certificates of the endpoints are not to be checked.
    #[serde(default)]
    pub skip_tls_verify: bool,
    /// Whether this is the cloud the controller runs on.
    #[serde(default)]
    pub is_controller_cloud: bool,
}

impl CloudSpec {
    /// A cloud of a type and name, with no region, endpoints or credential.
    pub fn new(cloud_type: impl Into<String>, name: impl Into<String>) -> CloudSpec {
        CloudSpec {
            cloud_type: cloud_type.into(),
            name: name.into(),
            region: None,
            endpoint: None,
            identity_endpoint: None,
            storage_endpoint: None,
            credential: None,
            ca_certificates: Vec::new(),
            skip_tls_verify: false,
            is_controller_cloud: false,
        }
    }

    /// This cloud with an endpoint.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> CloudSpec {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// This cloud with a region.
    #[must_use]
    pub fn with_region(mut self, region: impl Into<String>) -> CloudSpec {
        self.region = Some(region.into());
        self
    }

    /// This cloud with a credential.
    #[must_use]
    pub fn with_credential(mut self, credential: CloudCredential) -> CloudSpec {
        self.credential = Some(credential);
        self
    }
}

impl fmt::Debug for CloudSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudSpec")
            .field("cloud_type", &self.cloud_type)
            .field("name", &self.name)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("identity_endpoint", &self.identity_endpoint)
            .field("storage_endpoint", &self.storage_endpoint)
            .field("credential", &self.credential)
            .field("ca_certificates", &self.ca_certificates.len())
            .field("skip_tls_verify", &self.skip_tls_verify)
            .field("is_controller_cloud", &self.is_controller_cloud)
            .finish()
    }
}

/// A cloud credential: how to authenticate (`auth-type`) and the attributes that do it
/// (user names, keys, tokens: secrets). `Debug` shows the attributes' names only.
///
/// ```
/// use reconciler_core::backend::CloudCredential;
///
/// let credential = CloudCredential::new("userpass")
///     .with_attribute("username", "admin")
///     .with_attribute("password", "hunter2");
/// let shown = format!("{credential:?}");
/// assert!(shown.contains("password"));
/// assert!(!shown.contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CloudCredential {
    /// How the credential authenticates: `userpass`, `certificate`, `oauth2`, ...
    #[serde(rename = "auth-type")]
    pub auth_type: String,
    /// The attributes, by name (secret values).
    #[serde(default, rename = "attrs", deserialize_with = "null_as_default")]
    pub attributes: BTreeMap<String, String>,
    /// The names of attributes Juju redacted (left out of `attributes`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub redacted: Vec<String>,
}

impl CloudCredential {
    /// A credential of this auth type with no attributes.
    pub fn new(auth_type: impl Into<String>) -> CloudCredential {
        CloudCredential {
            auth_type: auth_type.into(),
            attributes: BTreeMap::new(),
            redacted: Vec::new(),
        }
    }

    /// This credential with an attribute.
    #[must_use]
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }
}

impl fmt::Debug for CloudCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let attributes: BTreeMap<&str, &str> = self
            .attributes
            .keys()
            .map(|k| (k.as_str(), "<hidden>"))
            .collect();
        f.debug_struct("CloudCredential")
            .field("auth_type", &self.auth_type)
            .field("attributes", &attributes)
            .field("redacted", &self.redacted)
            .finish()
    }
}

/// The error of a [`Backend`](crate::Backend) method that a backend does not implement:
/// `<tool>: not supported by this backend`.
pub(crate) fn unsupported(tool: &str) -> BackendError {
    BackendError::failed(tool, format!("{tool} is not supported by this backend"))
}

/// The names of what a charm's metadata declares that the tools check names against.
pub(crate) struct Declared<'m> {
    /// The binding names: the endpoints and the extra bindings.
    pub bindings: Vec<&'m str>,
    /// Whether [`bindings`](Self::bindings) lists every binding the charm declares
    /// (always, since the metadata keeps extra bindings).
    pub bindings_complete: bool,
    /// The resource names.
    pub resources: Option<Vec<&'m str>>,
    /// The storage names.
    pub storage: Vec<&'m str>,
}

impl<'m> Declared<'m> {
    /// What `metadata` declares.
    pub(crate) fn of(metadata: &'m Metadata) -> Declared<'m> {
        Declared {
            bindings: metadata
                .endpoints
                .keys()
                .chain(&metadata.extra_bindings)
                .map(String::as_str)
                .collect(),
            bindings_complete: true,
            resources: Some(metadata.resources.keys().map(String::as_str).collect()),
            storage: metadata.storage.keys().map(String::as_str).collect(),
        }
    }

    /// Refuses a binding the metadata is known not to declare.
    pub(crate) fn binding(&self, binding: &str) -> Result<(), BackendError> {
        if !self.bindings_complete || self.bindings.contains(&binding) {
            return Ok(());
        }
        Err(BackendError::undeclared(
            "network-get",
            "network binding",
            binding,
            self.bindings.iter().copied(),
        ))
    }

    /// Refuses a resource the metadata is known not to declare.
    pub(crate) fn resource(&self, name: &str) -> Result<(), BackendError> {
        match &self.resources {
            Some(names) if !names.contains(&name) => Err(BackendError::undeclared(
                "resource-get",
                "resource",
                name,
                names.iter().copied(),
            )),
            _ => Ok(()),
        }
    }

    /// Refuses a storage name the metadata does not declare.
    pub(crate) fn storage(&self, operation: &str, name: &str) -> Result<(), BackendError> {
        if self.storage.contains(&name) {
            return Ok(());
        }
        Err(BackendError::undeclared(
            operation,
            "storage",
            name,
            self.storage.iter().copied(),
        ))
    }
}

/// Checks a storage id given to `storage-get -s`: of the form `<name>/<number>`, with a
/// declared name. `metadata` is `None` for a backend that does not know it.
pub(crate) fn check_storage_id(metadata: Option<&Metadata>, id: &str) -> Result<(), BackendError> {
    let operation = format!("storage-get -s {id}");
    let Some((name, _)) = parse_storage_id(id) else {
        return Err(BackendError::refused(
            operation,
            format!("invalid storage ID {id:?}: expected <storage name>/<number>, like data/0"),
        ));
    };
    if let Some(metadata) = metadata {
        Declared::of(metadata).storage(&operation, name)?;
    }
    Ok(())
}

/// Checks the arguments of `storage-add <name>=<count>`.
pub(crate) fn check_storage_add(
    metadata: Option<&Metadata>,
    name: &str,
    count: u32,
) -> Result<(), BackendError> {
    let operation = format!("storage-add {name}={count}");
    if count == 0 {
        return Err(BackendError::refused(
            operation,
            "the count must be at least 1",
        ));
    }
    if let Some(metadata) = metadata {
        Declared::of(metadata).storage(&operation, name)?;
    }
    Ok(())
}

/// The Juju version `relation-model-get` needs: it came in Juju 3.6.2.
pub(crate) const RELATION_MODEL_GET_SINCE: (u32, u32, u32) = (3, 6, 2);

/// Refuses `relation-model-get` on a Juju that lacks it, naming the version.
pub(crate) fn check_relation_model_get(version: Option<&JujuVersion>) -> Result<(), BackendError> {
    let (major, minor, patch) = RELATION_MODEL_GET_SINCE;
    match version {
        Some(version) if !version.at_least(major, minor, patch) => Err(BackendError::refused(
            "relation-model-get",
            format!(
                "Juju {version} does not have relation-model-get; it came in Juju {major}.{minor}.{patch}"
            ),
        )),
        _ => Ok(()),
    }
}

/// Refuses `juju-reboot` where Juju does: on Kubernetes (there is no machine to reboot),
/// and during an action.
pub(crate) fn check_reboot(model_type: ModelType, in_action: bool) -> Result<(), BackendError> {
    if model_type == ModelType::Kubernetes {
        return Err(BackendError::refused(
            "juju-reboot",
            "the unit runs on Kubernetes, where there is no machine to reboot; juju-reboot is for machine charms",
        ));
    }
    if in_action {
        return Err(BackendError::refused(
            "juju-reboot",
            "juju-reboot is not supported when running an action",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn juju_versions_parse_print_and_compare_as_juju_does() {
        for text in ["3.6.2", "3.6.2.1", "3.7-beta1", "3.7-rc2.3", "2.9.0"] {
            let version: JujuVersion = text.parse().unwrap();
            assert_eq!(version.to_string(), text);
        }
        let v = |t: &str| t.parse::<JujuVersion>().unwrap();
        assert!(v("3.6.2") < v("3.6.10"));
        assert!(v("3.6.2") < v("3.6.2.1"));
        assert!(v("3.7-beta1") < v("3.7.0"));
        assert!(v("3.7-beta1") > v("3.6.9"));
        assert!(v("3.7-beta1") < v("3.7-rc1"));
        assert!(v("4.0.0") > v("3.99.99"));
        assert!(v("3.6.2").at_least(3, 6, 2));
        assert!(!v("3.6.1").at_least(3, 6, 2));
        assert!(!v("3.6-beta9").at_least(3, 6, 0));
        for bad in [
            "",
            "3",
            "3.6",
            "3.x.1",
            "3.6.",
            "3.6-1",
            "3.6-Beta1",
            "3.6.2.x",
            "-3.6.2",
        ] {
            let error = bad.parse::<JujuVersion>().unwrap_err();
            assert!(
                error.starts_with(&format!("{bad:?} is not a Juju version")),
                "{error}"
            );
        }
    }

    #[test]
    fn storage_ids_are_name_slash_number() {
        assert_eq!(parse_storage_id("data/0"), Some(("data", 0)));
        assert_eq!(parse_storage_id("db-data/12"), Some(("db-data", 12)));
        for bad in [
            "data", "data/", "/0", "Data/0", "data/x", "data/0/1", "0data/1", "data-/1",
        ] {
            assert_eq!(parse_storage_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn networks_parse_juju_output_old_and_new() {
        let json = r#"{
            "bind-addresses": [{"mac-address": "aa:bb", "interface-name": "eth0",
                "addresses": [{"hostname": "", "value": "10.0.0.5", "cidr": "10.0.0.0/24"}]},
                {"interface-name": "eth1", "addresses": [{"address": "192.168.0.2"}]}],
            "egress-subnets": ["10.0.0.5/32"],
            "ingress-addresses": ["10.0.0.5", "192.168.0.2"]
        }"#;
        let network: Network = serde_json::from_str(json).unwrap();
        assert_eq!(network.bind_address(), Some("10.0.0.5"));
        assert_eq!(network.ingress_address(), Some("10.0.0.5"));
        assert_eq!(network.bind_addresses[1].addresses[0].value, "192.168.0.2");
        assert_eq!(
            network.bind_addresses[0].mac_address.as_deref(),
            Some("aa:bb")
        );
        // No ingress addresses: the bind address is the ingress address.
        let network: Network =
            serde_json::from_str(r#"{"bind-addresses": [{"addresses": [{"value": "1.2.3.4"}]}], "ingress-addresses": null}"#)
                .unwrap();
        assert_eq!(network.ingress_address(), Some("1.2.3.4"));
        assert_eq!(Network::default().ingress_address(), None);
        assert_eq!(Network::new("fd00::1").egress_subnets, ["fd00::1/128"]);
    }

    #[test]
    fn cloud_specs_parse_and_never_show_credential_values() {
        let json = r#"{"type": "openstack", "name": "mycloud", "region": "r1",
            "endpoint": "https://keystone:5000", "identity-endpoint": "https://id",
            "credential": {"auth-type": "userpass", "attrs": {"username": "u", "password": "s3cr3t-value"},
                "redacted": ["private-key"]},
            "cacertificates": ["-----BEGIN CERTIFICATE-----"], "skip-tls-verify": true,
            "is-controller-cloud": false}"#;
        let spec: CloudSpec = serde_json::from_str(json).unwrap();
        assert_eq!(spec.cloud_type, "openstack");
        assert_eq!(spec.identity_endpoint.as_deref(), Some("https://id"));
        assert!(spec.skip_tls_verify);
        let credential = spec.credential.as_ref().unwrap();
        assert_eq!(credential.attributes["password"], "s3cr3t-value");
        assert_eq!(credential.redacted, ["private-key"]);
        let shown = format!("{spec:?} {spec:#?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("password"), "{shown}");
        // The minimal answer: a type and a name.
        let spec: CloudSpec =
            serde_json::from_str(r#"{"type": "lxd", "name": "localhost"}"#).unwrap();
        assert_eq!(spec, CloudSpec::new("lxd", "localhost"));
    }

    #[test]
    fn goal_states_parse_and_count_planned_units() {
        let json = r#"{"units": {"app/0": {"status": "active", "since": "2025-01-01 00:00:00Z"},
            "app/1": {"status": "dying"}},
            "relations": {"db": {"pg": {"status": "joined"}, "pg/0": {"status": "joined"}}}}"#;
        let goal: GoalState = serde_json::from_str(json).unwrap();
        assert_eq!(goal.planned_units(), 1);
        assert_eq!(goal.relations["db"]["pg/0"].status, "joined");
        assert_eq!(
            goal.units["app/0"].since.as_deref(),
            Some("2025-01-01 00:00:00Z")
        );
        let empty: GoalState =
            serde_json::from_str(r#"{"units": null, "relations": null}"#).unwrap();
        assert_eq!(empty, GoalState::default());
    }

    #[test]
    fn reboot_is_refused_on_kubernetes_and_in_actions() {
        assert!(check_reboot(ModelType::Machine, false).is_ok());
        let error = check_reboot(ModelType::Kubernetes, false).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("juju-reboot: refused: the unit runs on Kubernetes"),
            "{error}"
        );
        let error = check_reboot(ModelType::Machine, true).unwrap_err();
        assert_eq!(
            error.to_string(),
            "juju-reboot: refused: juju-reboot is not supported when running an action"
        );
    }

    #[test]
    fn relation_model_get_needs_juju_3_6_2() {
        let v = |t: &str| t.parse::<JujuVersion>().unwrap();
        assert!(check_relation_model_get(Some(&v("3.6.2"))).is_ok());
        assert!(check_relation_model_get(None).is_ok());
        assert_eq!(
            check_relation_model_get(Some(&v("3.5.4")))
                .unwrap_err()
                .to_string(),
            "relation-model-get: refused: Juju 3.5.4 does not have relation-model-get; it came in Juju 3.6.2"
        );
    }
}
