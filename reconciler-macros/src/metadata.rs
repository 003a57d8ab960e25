//! Reading the names a charm declares in its `charmcraft.yaml` (or `metadata.yaml`), to
//! check the relation, container and storage names of `#[component(relations = [...],
//! containers = [...], storage = [...])]` at compile time.
//!
//! Only the names are read: the endpoints under `requires`, `provides` and `peers`, and the
//! keys of `containers` and `storage`; everything else in the file is ignored. This is not
//! `reconciler_core::metadata::Metadata` (which also reads config options, actions and
//! interfaces, and rejects more): a proc-macro crate cannot depend on `reconciler-core`,
//! which re-exports it, and the derive needs no more than the names. Both parse the file
//! with `serde_yaml_ng`, so a file one accepts the other reads the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::IgnoredAny;

/// The kinds of names a component can observe statically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A relation endpoint (`requires`, `provides` or `peers`).
    Relation,
    /// A workload container (`containers`).
    Container,
    /// A storage (`storage`).
    Storage,
}

impl Kind {
    /// Every kind, in the order messages list them.
    pub(crate) const ALL: [Kind; 3] = [Kind::Relation, Kind::Container, Kind::Storage];

    /// The `#[component(...)]` key listing names of this kind.
    pub(crate) const fn key(self) -> &'static str {
        match self {
            Kind::Relation => "relations",
            Kind::Container => "containers",
            Kind::Storage => "storage",
        }
    }

    /// "a relation endpoint", "a container", "a storage".
    pub(crate) const fn article_noun(self) -> &'static str {
        match self {
            Kind::Relation => "a relation endpoint",
            Kind::Container => "a container",
            Kind::Storage => "a storage",
        }
    }

    /// Where the metadata declares names of this kind.
    pub(crate) const fn sections(self) -> &'static str {
        match self {
            Kind::Relation => "requires, provides and peers",
            Kind::Container => "containers",
            Kind::Storage => "storage",
        }
    }
}

/// The names a charm's metadata declares, each list sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Declared {
    /// Relation endpoints (requires, provides and peers together).
    pub(crate) relations: Vec<String>,
    /// Container names.
    pub(crate) containers: Vec<String>,
    /// Storage names.
    pub(crate) storage: Vec<String>,
}

impl Declared {
    /// The declared names of `kind`.
    pub(crate) fn names(&self, kind: Kind) -> &[String] {
        match kind {
            Kind::Relation => &self.relations,
            Kind::Container => &self.containers,
            Kind::Storage => &self.storage,
        }
    }
}

/// The sections of the file that hold names. Each is a mapping from name to whatever
/// charmcraft says about it (ignored); a section written with no entries (`requires:`)
/// reads as YAML null, taken as empty.
#[derive(Deserialize, Default)]
struct Raw {
    #[serde(default)]
    requires: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    provides: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    peers: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    containers: Option<BTreeMap<String, IgnoredAny>>,
    #[serde(default)]
    storage: Option<BTreeMap<String, IgnoredAny>>,
}

/// Why the metadata file could not be used.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// `CARGO_MANIFEST_DIR` is not set (not built by cargo) and the path is relative.
    NoManifestDir,
    /// The file could not be read.
    Read(std::io::Error),
    /// The file is not YAML of the expected shape (the parser's message, with line and
    /// column).
    Parse(String),
}

/// Where a `metadata = "..."` path points: relative paths are relative to the directory
/// of the crate's `Cargo.toml` (`CARGO_MANIFEST_DIR`, the variable cargo sets for rustc and
/// rust-analyzer sets for its expansion), absolute paths are used as they are.
pub(crate) fn resolve(written: &str) -> Result<PathBuf, LoadError> {
    let path = Path::new(written);
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or(LoadError::NoManifestDir)?;
    Ok(Path::new(&dir).join(path))
}

/// Reads and parses the file at `path`.
pub(crate) fn load(path: &Path) -> Result<Declared, LoadError> {
    let text = std::fs::read_to_string(path).map_err(LoadError::Read)?;
    parse(&text)
}

/// Parses the text of a `charmcraft.yaml` or `metadata.yaml`.
pub(crate) fn parse(text: &str) -> Result<Declared, LoadError> {
    // An empty file declares nothing (as reconciler-core reads it), not an error.
    let raw: Raw = if text.trim().is_empty() {
        Raw::default()
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| LoadError::Parse(e.to_string()))?
    };
    let keys = |section: Option<BTreeMap<String, IgnoredAny>>| -> Vec<String> {
        section.unwrap_or_default().into_keys().collect()
    };
    let mut relations: Vec<String> = [raw.requires, raw.provides, raw.peers]
        .into_iter()
        .flat_map(keys)
        .collect();
    relations.sort();
    Ok(Declared {
        relations,
        containers: keys(raw.containers),
        storage: keys(raw.storage),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_names_and_ignores_the_rest() {
        let declared = parse(
            "name: c\nrequires:\n  db: {interface: pg}\nprovides:\n  web:\n    interface: http\n\
             peers:\n  cluster: {interface: c}\ncontainers:\n  app: {resource: img}\n\
             storage:\n  data: {type: filesystem}\nconfig:\n  options: {}\n",
        )
        .expect("parses");
        assert_eq!(declared.relations, ["cluster", "db", "web"]);
        assert_eq!(declared.containers, ["app"]);
        assert_eq!(declared.storage, ["data"]);
    }

    #[test]
    fn empty_sections_and_files_declare_nothing() {
        assert_eq!(parse("").expect("parses"), Declared::default());
        assert_eq!(
            parse("requires:\ncontainers:\n").expect("parses"),
            Declared::default()
        );
    }

    #[test]
    fn parse_errors_say_where() {
        let Err(LoadError::Parse(message)) = parse("requires: [db\n") else {
            panic!("expected a parse error");
        };
        assert!(message.contains("line"), "{message}");
    }
}
