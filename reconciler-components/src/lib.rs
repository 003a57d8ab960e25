//! Built-in components for `reconciler` charms, kept out of `reconciler-core` so the core
//! stays small: a charm that writes every component itself does not compile these.
//!
//! | module | components | what they do |
//! |---|---|---|
//! | [`gates`] | [`LeadershipGate`](gates::LeadershipGate), [`ModelNameGate`](gates::ModelNameGate), [`RelationCountGate`](gates::RelationCountGate) | Active only when a precondition holds (leadership, the model's name, the number of relations), so the components that depend on them run only then |
//! | [`relation_data`] | [`RelationDataSender`](relation_data::RelationDataSender), [`RelationDataRequirer`](relation_data::RelationDataRequirer) | typed relation data in the convention of the Python `ops` library (one JSON-encoded key per field); the sender's value comes from the author's [`RelationData`](relation_data::RelationData) |
//! | [`sdi`] | [`SdiSender`](sdi::SdiSender), [`SdiRequirer`](sdi::SdiRequirer) | the serialized-data-interface convention of the Kubeflow charms: versions agreed per relation, data as YAML checked against the endpoint's JSON schema |
//! | [`pebble_service`] | [`PebbleServiceComponent`](pebble_service::PebbleServiceComponent) | runs a workload's services: pushes its files, adds its layer, replans and restarts only when something changed; the author describes the workload with a [`PebbleWorkload`](pebble_service::PebbleWorkload) |
//! | [`pebble_files`] | [`PebbleFilesComponent`](pebble_files::PebbleFilesComponent) | keeps files ([`File`](pebble_files::File)) in a container, with modes and owners, without managing services; the author lists them with a [`PebbleFiles`](pebble_files::PebbleFiles) |
//! | [`template`] | (used by the two above) | [`Template`](template::Template): Jinja2 templates for those files, rendered strictly, errors naming the template and the line |
//!
//! The guide `docs/components.md` in the repository has a table of every component's
//! statuses and the events it reconciles on, an example of each on the in-memory harness,
//! and how to write a component of your own in the same style; its examples run as
//! doctests of this crate.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod gates;
#[cfg(feature = "kubernetes")]
pub mod kubernetes;
pub mod pebble_files;
pub mod pebble_service;
pub mod relation_data;
pub mod sdi;
pub mod template;

/// `docs/components.md`, compiled and run as doctests so its examples, and the statuses
/// its table shows, stay true to the code (`cargo test -p reconciler-components --doc`).
#[cfg(doctest)]
#[doc = include_str!("../../docs/components.md")]
pub struct ComponentsGuide;
