//! The declarations besides endpoints, options and actions: containers and their mounts,
//! storage, resources, and the scope of a relation endpoint.

use std::fmt;

/// A workload container (`containers.<name>`).
///
/// ```
/// use std::path::Path;
/// use reconciler_metadata::Metadata;
///
/// let metadata = Metadata::parse(
///     "name: demo\n\
///      containers:\n  web:\n    resource: web-image\n    mounts:\n      - {storage: data, location: /srv}\n\
///      resources:\n  web-image: {type: oci-image}\n\
///      storage:\n  data: {type: filesystem}\n",
///     Path::new("charmcraft.yaml"),
/// )?;
/// let web = &metadata.containers["web"];
/// assert_eq!(web.resource.as_deref(), Some("web-image"));
/// assert_eq!(web.mounts[0].storage, "data");
/// assert_eq!(web.mounts[0].location, "/srv");
/// # Ok::<(), reconciler_metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Container {
    /// The OCI image resource the container runs (`resource:`), which the metadata
    /// declares under `resources` with `type: oci-image`.
    pub resource: Option<String>,
    /// The storage mounted into the container (`mounts:`), in the order written.
    pub mounts: Vec<Mount>,
    /// The user id the container's processes run as (`uid:`), if set.
    pub uid: Option<u32>,
    /// The group id the container's processes run as (`gid:`), if set.
    pub gid: Option<u32>,
}

impl Container {
    /// A container with nothing but its name declared.
    pub fn new() -> Container {
        Container::default()
    }
}

/// Storage mounted into a container (one item of `containers.<name>.mounts`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mount {
    /// The storage's name, declared under `storage`.
    pub storage: String,
    /// Where in the container it is mounted.
    pub location: String,
}

impl Mount {
    /// The storage `storage` mounted at `location`.
    pub fn new(storage: impl Into<String>, location: impl Into<String>) -> Mount {
        Mount {
            storage: storage.into(),
            location: location.into(),
        }
    }
}

/// What kind of storage a charm asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StorageKind {
    /// `type: filesystem`: a mounted filesystem.
    Filesystem,
    /// `type: block`: a block device.
    Block,
}

impl StorageKind {
    /// The spelling in the metadata: `filesystem` or `block`.
    pub const fn as_str(self) -> &'static str {
        match self {
            StorageKind::Filesystem => "filesystem",
            StorageKind::Block => "block",
        }
    }
}

impl fmt::Display for StorageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many instances of a storage a unit may have (`multiple.range`): one by default.
///
/// ```
/// use reconciler_metadata::StorageCount;
///
/// assert_eq!(StorageCount::default(), StorageCount { min: 1, max: Some(1) });
/// assert!(!StorageCount::default().is_multiple());
/// assert_eq!("2-5".parse::<StorageCount>(), Ok(StorageCount { min: 2, max: Some(5) }));
/// assert_eq!("0+".parse::<StorageCount>(), Ok(StorageCount { min: 0, max: None }));
/// assert!("five".parse::<StorageCount>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StorageCount {
    /// The fewest instances the charm works with.
    pub min: u32,
    /// The most instances it can use; `None` for no upper bound.
    pub max: Option<u32>,
}

impl Default for StorageCount {
    fn default() -> StorageCount {
        StorageCount {
            min: 1,
            max: Some(1),
        }
    }
}

impl StorageCount {
    /// Whether more than one instance is allowed (so Juju gives the storage's instances
    /// as a list, and the storage's `location` is the parent of each instance's).
    pub fn is_multiple(&self) -> bool {
        self.max != Some(1)
    }

    /// Whether a unit may have `count` instances.
    pub fn allows(&self, count: u32) -> bool {
        count >= self.min && self.max.is_none_or(|max| count <= max)
    }
}

impl std::str::FromStr for StorageCount {
    type Err = String;

    /// A range as Juju writes it in `multiple.range`: `m-n`, `m+` or `m-` (at least
    /// `m`). A bare count is written as a YAML integer, not a string.
    fn from_str(text: &str) -> Result<StorageCount, String> {
        let bad = || {
            format!(
                "{text:?} is not a storage count range; write `m-n`, `m+` (at least m) or an integer"
            )
        };
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let min: u32 = text[..digits].parse().map_err(|_| bad())?;
        let rest = &text[digits..];
        let max = match rest {
            "+" | "-" => None,
            _ => {
                let upper = rest.strip_prefix('-').ok_or_else(bad)?;
                if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let max: u32 = upper.parse().map_err(|_| bad())?;
                if max == 0 || max < min {
                    return Err(format!(
                        "{text:?}: the maximum ({max}) must be at least 1 and at least the minimum ({min})"
                    ));
                }
                Some(max)
            }
        };
        Ok(StorageCount { min, max })
    }
}

impl fmt::Display for StorageCount {
    /// `1`, `2-5`, `0+`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}-{max}", self.min),
            None => write!(f, "{}+", self.min),
        }
    }
}

/// A storage the charm asks for (`storage.<name>`).
///
/// ```
/// use std::path::Path;
/// use reconciler_metadata::{Metadata, StorageCount, StorageKind};
///
/// let metadata = Metadata::parse(
///     "storage:\n  logs:\n    type: filesystem\n    location: /var/log/app\n    \
///      multiple: {range: 1-3}\n    minimum-size: 2G\n    read-only: true\n",
///     Path::new("charmcraft.yaml"),
/// )?;
/// let logs = &metadata.storage["logs"];
/// assert_eq!(logs.kind, StorageKind::Filesystem);
/// assert_eq!(logs.location.as_deref(), Some("/var/log/app"));
/// assert_eq!(logs.count, StorageCount { min: 1, max: Some(3) });
/// assert_eq!(logs.minimum_size, Some(2048)); // MiB
/// assert!(logs.read_only && !logs.shared);
/// # Ok::<(), reconciler_metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Storage {
    /// Filesystem or block device (`type:`, required).
    pub kind: StorageKind,
    /// `description:`, empty when not written.
    pub description: String,
    /// Where a filesystem is mounted (`location:`); for multiple instances, the parent
    /// directory of each instance's mount. Only filesystems have one.
    pub location: Option<String>,
    /// Whether the storage is shared by all units of the application (`shared:`).
    pub shared: bool,
    /// Whether it is mounted read-only (`read-only:`).
    pub read_only: bool,
    /// How many instances a unit may have (`multiple.range`; one by default).
    pub count: StorageCount,
    /// The smallest size the charm works with, in MiB (`minimum-size:`, written with a
    /// unit such as `10G`), if given.
    pub minimum_size: Option<u64>,
    /// `properties:` (Juju knows `transient`).
    pub properties: Vec<String>,
}

impl Storage {
    /// A storage of `kind` with every other field at its default.
    pub fn new(kind: StorageKind) -> Storage {
        Storage {
            kind,
            description: String::new(),
            location: None,
            shared: false,
            read_only: false,
            count: StorageCount::default(),
            minimum_size: None,
            properties: Vec::new(),
        }
    }
}

/// What kind of resource a charm declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// `type: file` (the default): a file the charm reads with `resource-get`.
    File,
    /// `type: oci-image`: an image a container runs.
    OciImage,
}

impl ResourceKind {
    /// The spelling in the metadata: `file` or `oci-image`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ResourceKind::File => "file",
            ResourceKind::OciImage => "oci-image",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource the charm declares (`resources.<name>`).
///
/// ```
/// use std::path::Path;
/// use reconciler_metadata::{Metadata, ResourceKind};
///
/// let metadata = Metadata::parse(
///     "resources:\n  license:\n    type: file\n    filename: license.txt\n    \
///      description: The license key.\n",
///     Path::new("charmcraft.yaml"),
/// )?;
/// let license = &metadata.resources["license"];
/// assert_eq!(license.kind, ResourceKind::File);
/// assert_eq!(license.filename.as_deref(), Some("license.txt"));
/// assert_eq!(license.description, "The license key.");
/// # Ok::<(), reconciler_metadata::MetadataError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resource {
    /// File or OCI image (`type:`, `file` when not written).
    pub kind: ResourceKind,
    /// The file's name (`filename:`); required for a file resource, without a `/`.
    pub filename: Option<String>,
    /// `description:`, empty when not written.
    pub description: String,
}

impl Resource {
    /// A resource of `kind` with no filename or description.
    pub fn new(kind: ResourceKind) -> Resource {
        Resource {
            kind,
            filename: None,
            description: String::new(),
        }
    }
}

/// Which units of a related application a relation connects (`scope:` of an endpoint).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RelationScope {
    /// `global` (the default): every unit of both applications.
    #[default]
    Global,
    /// `container`: a subordinate and its principal unit on the same machine only.
    Container,
}

impl RelationScope {
    /// The spelling in the metadata: `global` or `container`.
    pub const fn as_str(self) -> &'static str {
        match self {
            RelationScope::Global => "global",
            RelationScope::Container => "container",
        }
    }
}

impl fmt::Display for RelationScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A size as Juju reads `minimum-size`: a non-negative number with an optional unit (`M`,
/// `G`, `T`, `P`, `E`, `Z` or `Y`, each optionally followed by `B` or `iB`; powers of
/// 1024; `M` when none), in MiB, rounded up.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    const UNITS: &str = "MGTPEZY";
    let split = text
        .find(|c: char| c != '.' && !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let multiplier = if suffix.is_empty() {
        1.0
    } else {
        let exponent = UNITS
            .char_indices()
            .find(|(_, unit)| {
                let unit = unit.to_string();
                suffix == unit || suffix == format!("{unit}B") || suffix == format!("{unit}iB")
            })
            .map(|(i, _)| i)
            .ok_or_else(|| {
                format!(
                    "{text:?} has the unit {suffix:?}; write one of M, G, T, P, E, Z, Y (e.g. `10G`)"
                )
            })?;
        1024f64.powi(i32::try_from(exponent).unwrap_or(0))
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size; write a number and a unit, e.g. `10G`"))?;
    let mib = (value * multiplier).ceil();
    if !mib.is_finite() || mib > u64::MAX as f64 {
        return Err(format!("{text:?} is too large"));
    }
    Ok(mib as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_juju_reads_them() {
        assert_eq!(parse_size("10"), Ok(10));
        assert_eq!(parse_size("10M"), Ok(10));
        assert_eq!(parse_size("1G"), Ok(1024));
        assert_eq!(parse_size("1GB"), Ok(1024));
        assert_eq!(parse_size("1GiB"), Ok(1024));
        assert_eq!(parse_size("1.5G"), Ok(1536));
        assert_eq!(parse_size("0.1"), Ok(1));
        assert_eq!(parse_size("2T"), Ok(2 * 1024 * 1024));
        assert!(parse_size("1K").unwrap_err().contains("the unit \"K\""));
        assert!(parse_size("G").unwrap_err().contains("not a size"));
        assert!(parse_size("").is_err());
        assert!(parse_size("1.2.3G").is_err());
        assert!(parse_size("-1G").is_err());
        assert!(parse_size("9999999999Y").unwrap_err().contains("too large"));
    }

    #[test]
    fn storage_counts() {
        assert_eq!(
            "3-3".parse::<StorageCount>().map(|c| c.to_string()),
            Ok("3".into())
        );
        assert_eq!("1-".parse(), Ok(StorageCount { min: 1, max: None }));
        assert!(
            "3-1"
                .parse::<StorageCount>()
                .unwrap_err()
                .contains("maximum (1)")
        );
        assert!("0-0".parse::<StorageCount>().is_err());
        assert!("1-x".parse::<StorageCount>().is_err());
        assert!("+".parse::<StorageCount>().is_err());
        assert!(
            "2".parse::<StorageCount>().is_err(),
            "a bare count is an integer"
        );
        let two_plus = StorageCount { min: 2, max: None };
        assert!(two_plus.allows(7) && !two_plus.allows(1) && two_plus.is_multiple());
    }
}
