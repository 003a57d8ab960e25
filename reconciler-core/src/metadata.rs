//! The charm's declarations: `charmcraft.yaml` (or the older `metadata.yaml` +
//! `config.yaml` + `actions.yaml`) as typed values: endpoints (interface, scope, limit),
//! containers and their mounts, storage, resources, config options with their types and
//! defaults, actions with the JSON schema of their parameters, `assumes`, `subordinate`
//! and `extra-bindings`.
//!
//! The reader is the `reconciler-metadata` crate, re-exported here. `#[derive(CharmReconciler)]`
//! reads a charm's `#[charm(metadata = "...")]` file with the same code at compile time, so
//! a file that builds is read the same way under Juju, and a file that would fail every hook
//! (an endpoint without an `interface`, a default of the wrong type) fails the build
//! instead, with the same message.
//!
//! ```
//! use std::path::Path;
//! use reconciler_core::metadata::{Metadata, Role};
//!
//! let metadata = Metadata::parse(
//!     "name: demo\nrequires:\n  db:\n    interface: postgresql_client\n",
//!     Path::new("charmcraft.yaml"),
//! )?;
//! assert_eq!(metadata.endpoints["db"].role, Role::Requires);
//!
//! let error = Metadata::parse("requires:\n  db: {}\n", Path::new("charmcraft.yaml"))
//!     .unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "charmcraft.yaml: requires.db: the endpoint has no `interface`; every relation \
//!      endpoint names one, e.g. `interface: http` at line 2 column 7"
//! );
//! # Ok::<(), reconciler_core::metadata::MetadataError>(())
//! ```

pub use reconciler_metadata::{
    Action, Assumption, ConfigOption, Container, Endpoint, EndpointSchema, Feature, Metadata,
    MetadataError, Mount, OptionType, RelationScope, Resource, ResourceKind, Role, SchemaVersion,
    Storage, StorageCount, StorageKind, VersionConstraint,
};
