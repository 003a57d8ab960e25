//! Reading the charm's metadata file named by `#[charm(metadata = "...")]`, to check the
//! relation, container and storage names of `#[component(relations = [...], containers =
//! [...], storage = [...])]` at compile time.
//!
//! The file is read by `reconciler-metadata`, the reader `reconciler_core::metadata`
//! re-exports and the charm uses under Juju: a file the runtime would refuse (an endpoint
//! without an `interface`, a default of the wrong type) is refused here already, with the
//! same message, and names are read exactly as the runtime reads them.

use std::path::{Path, PathBuf};

use reconciler_metadata::{Metadata, MetadataError};

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

/// The names of `kind` that `metadata` declares, sorted.
pub(crate) fn names(metadata: &Metadata, kind: Kind) -> Vec<&str> {
    match kind {
        Kind::Relation => metadata.endpoints.keys().map(String::as_str).collect(),
        Kind::Container => metadata.containers.keys().map(String::as_str).collect(),
        Kind::Storage => metadata.storage.keys().map(String::as_str).collect(),
    }
}

/// Why the metadata file could not be used.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// `CARGO_MANIFEST_DIR` is not set (not built by cargo) and the path is relative.
    NoManifestDir,
    /// The shared reader refused the file (unreadable, or not valid charm metadata).
    Metadata(MetadataError),
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

/// Reads the file at `path` with the runtime's reader.
pub(crate) fn load(path: &Path) -> Result<Metadata, LoadError> {
    Metadata::read(path).map_err(LoadError::Metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Metadata {
        Metadata::parse(text, Path::new("charmcraft.yaml")).expect("parses")
    }

    #[test]
    fn names_by_kind_sorted() {
        let metadata = parse(
            "name: c\nrequires:\n  db: {interface: pg}\nprovides:\n  web:\n    interface: http\n\
             peers:\n  cluster: {interface: c}\ncontainers:\n  b: {}\n  app: {resource: img}\nresources:\n  img: {type: oci-image}\n\
             storage:\n  data: {type: filesystem}\nconfig:\n  options: {}\n",
        );
        assert_eq!(names(&metadata, Kind::Relation), ["cluster", "db", "web"]);
        assert_eq!(names(&metadata, Kind::Container), ["app", "b"]);
        assert_eq!(names(&metadata, Kind::Storage), ["data"]);
    }

    #[test]
    fn relative_paths_resolve_against_the_manifest_directory() {
        let resolved = resolve("testdata/charmcraft.yaml").expect("cargo sets the variable");
        assert_eq!(
            resolved,
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/charmcraft.yaml")
        );
        assert!(load(&resolved).is_ok());
        assert_eq!(
            resolve("/abs/charmcraft.yaml").expect("absolute"),
            Path::new("/abs/charmcraft.yaml")
        );
    }
}
