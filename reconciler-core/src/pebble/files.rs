//! Files in the container: the options of a write, a listing, a new directory, and
//! what a listing reports.

use serde::{Deserialize, Deserializer};

use super::layer::word_enum;

/// How [`Pebble::push_with`](super::Pebble::push_with) writes a file.
///
/// The default is what [`Pebble::push`](super::Pebble::push) does: missing parent
/// directories are created (`make_dirs: true`, as `0755` and owned as the file), the file
/// gets Pebble's default mode `0644`, and no owner is set (Pebble's own user, root in a
/// workload container).
///
/// ```
/// use reconciler_core::pebble::PushOptions;
///
/// let options = PushOptions { permissions: Some(0o600), ..PushOptions::default() };
/// assert!(options.make_dirs);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushOptions {
    /// The file's mode, like `0o600` (at most `0o777`); `None` for `0644`.
    pub permissions: Option<u32>,
    /// The owner, by name.
    pub user: Option<String>,
    /// The owner, by id (must match `user` when both are given).
    pub user_id: Option<u32>,
    /// The group, by name (needs a user too; the user's primary group when unset).
    pub group: Option<String>,
    /// The group, by id.
    pub group_id: Option<u32>,
    /// Whether missing parent directories are created.
    pub make_dirs: bool,
}

impl Default for PushOptions {
    /// Mode `0644`, no owner, parent directories created.
    fn default() -> PushOptions {
        PushOptions {
            permissions: None,
            user: None,
            user_id: None,
            group: None,
            group_id: None,
            make_dirs: true,
        }
    }
}

/// How [`Pebble::make_dir`](super::Pebble::make_dir) creates a directory. The default:
/// mode `0755`, no owner, the parent must exist and the directory must not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MakeDirOptions {
    /// Whether missing parents are created too (and an existing directory is not an
    /// error).
    pub make_parents: bool,
    /// The directory's mode (at most `0o777`); `None` for `0755`.
    pub permissions: Option<u32>,
    /// The owner, by name.
    pub user: Option<String>,
    /// The owner, by id.
    pub user_id: Option<u32>,
    /// The group, by name.
    pub group: Option<String>,
    /// The group, by id.
    pub group_id: Option<u32>,
}

/// What [`Pebble::list_files`](super::Pebble::list_files) lists. The default lists a
/// directory's entries (or a file itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFilesOptions {
    /// Only names matching this glob (`*.conf`), as Go's `path.Match` reads it.
    pub pattern: Option<String>,
    /// A directory itself rather than its entries.
    pub itself: bool,
}

word_enum! {
    /// What kind of file a listing entry is.
    pub enum FileType {
        /// A regular file.
        File = "file",
        /// A directory.
        Directory = "directory",
        /// A symbolic link.
        Symlink = "symlink",
        /// A unix socket.
        Socket = "socket",
        /// A named pipe.
        NamedPipe = "named-pipe",
        /// A device.
        Device = "device",
        /// Something else, as Pebble says.
        Unknown = "unknown",
    }
}

/// One entry of a listing (`GET /v1/files?action=list`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct FileInfo {
    /// The absolute path.
    pub path: String,
    /// The last component of the path.
    pub name: String,
    /// What kind of file.
    #[serde(rename = "type")]
    pub type_: FileType,
    /// The size in bytes, of a regular file.
    #[serde(default)]
    pub size: Option<u64>,
    /// The mode's permission bits, like `0o644`.
    #[serde(deserialize_with = "octal")]
    pub permissions: u32,
    /// When it was last modified, in RFC 3339 (`2024-01-02T03:04:05Z`).
    pub last_modified: String,
    /// The owner's id.
    #[serde(default)]
    pub user_id: Option<u32>,
    /// The owner's name, if it has one.
    #[serde(default, deserialize_with = "non_empty")]
    pub user: Option<String>,
    /// The group's id.
    #[serde(default)]
    pub group_id: Option<u32>,
    /// The group's name, if it has one.
    #[serde(default, deserialize_with = "non_empty")]
    pub group: Option<String>,
}

impl FileInfo {
    /// An entry with these fields and no size, time or owner: for the in-memory
    /// container and tests.
    pub fn new(path: impl Into<String>, type_: FileType, permissions: u32) -> FileInfo {
        let path = path.into();
        FileInfo {
            name: path.rsplit('/').next().unwrap_or_default().to_owned(),
            path,
            type_,
            size: None,
            permissions,
            last_modified: String::new(),
            user_id: None,
            user: None,
            group_id: None,
            group: None,
        }
    }
}

fn octal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let text = String::deserialize(deserializer)?;
    u32::from_str_radix(&text, 8).map_err(|_| {
        serde::de::Error::custom(format!("permissions {text:?} are not an octal number"))
    })
}

fn non_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

/// Checks a mode for Pebble (3 octal digits); Pebble's own message when it is not.
pub(crate) fn permissions_text(permissions: Option<u32>) -> Result<Option<String>, String> {
    match permissions {
        None => Ok(None),
        Some(mode) if mode <= 0o777 => Ok(Some(format!("{mode:03o}"))),
        Some(mode) => Err(format!(
            "permissions must be a 3-digit octal string, got \"{mode:o}\""
        )),
    }
}
