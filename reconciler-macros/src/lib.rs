//! `#[derive(CharmReconciler)]`: a charm's components and their dependencies, declared on
//! the fields of a struct and checked at compile time.
//!
//! Use it through `reconciler-core`, which re-exports it (default feature `derive`):
//!
//! ```ignore
//! use reconciler_core::CharmReconciler;
//!
//! #[derive(CharmReconciler)]
//! struct MyCharm {
//!     #[component]
//!     workload: PebbleServiceComponent,
//!     #[component(depends_on = [workload])]
//!     relation_1: Relation1Component,
//!     #[component(name = "k8s", depends_on = [workload])]
//!     kubernetes_resources: KubernetesResourceComponent,
//!     not_a_component: String,
//! }
//! ```
//!
//! # Relations, containers and storage, checked against `charmcraft.yaml`
//!
//! A component can name the Juju event sources it observes in its attribute, and the
//! derive checks each name against the charm's metadata file when the crate is built:
//!
//! ```ignore
//! #[derive(CharmReconciler)]
//! #[charm(metadata = "charmcraft.yaml")]
//! struct MyCharm {
//!     #[component(containers = ["workload"], storage = ["data"])]
//!     workload: PebbleServiceComponent,
//!     #[component(depends_on = [workload], relations = ["relation-1"])]
//!     relation_1: Relation1Component,
//! }
//! ```
//!
//! - `#[charm(metadata = "...")]` names the file, relative to the directory of the crate's
//!   `Cargo.toml` (`CARGO_MANIFEST_DIR`; an absolute path is used as is). Point it at
//!   `charmcraft.yaml`, or at `metadata.yaml` for charms that keep their declarations there.
//!   The derive reads the file with the reader the charm uses at run time
//!   (`reconciler_core::metadata`, from the `reconciler-metadata` crate), so a file the
//!   charm could not run with (an endpoint without an `interface`, a config default of the
//!   wrong type) is a compile error already, with the same message. It uses the names under
//!   `requires`, `provides`, `peers`, `containers` and `storage`. The generated code `include_bytes!`s the file, so cargo
//!   rebuilds (and re-checks) the charm when it changes.
//! - `relations = [...]`, `containers = [...]` and `storage = [...]` list names as strings.
//!   The component then observes them on top of what its `Component::observes` returns:
//!   its events (`<name>-relation-changed`, `<name>-pebble-ready`,
//!   `<name>-storage-attached`, ...) run a reconcile.
//! - A name the file does not declare is a compile error at that string, with a "did you
//!   mean" when one is close, or the list of declared names otherwise; a relation listed in
//!   `containers` (or any name under the wrong key) says which key it belongs in; a
//!   missing, malformed or invalid file is an error at the `metadata` path, naming the file,
//!   the key, the line and column, and the problem.
//! - Listing names without `#[charm(metadata = ...)]` is an error: checking them is what
//!   the lists are for. Without the attribute, return the names from
//!   `Component::observes` instead (unchecked).
//!
//! The crate is laid out like `thiserror-impl`: `attr.rs` reads the attributes (with
//! darling), `ast.rs` is the typed model, `valid.rs` runs the graph checks (the shared rules of
//! `reconciler-graph`) and turns problems into errors at the offending token,
//! `expand.rs` writes the impl, and `same_type.rs` the check it adds for a component that
//! depends on several components of one type. `docs/reading-the-generated-code.md` walks through an
//! expansion.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod ast;
mod attr;
mod errors;
mod expand;
mod metadata;
mod same_type;
mod valid;

/// Implements `reconciler_core::CharmReconciler` for a struct whose `#[component]` fields
/// are its components.
///
/// - `#[component]` marks a field as a component; its type implements
///   `reconciler_core::Component<Deps>` for exactly one `Deps`.
/// - `#[component(depends_on = [a, b])]` makes it run only after `a` and `b` ended the
///   reconcile Active, and hands it `(&self.a, (&self.b, ()))`, from which its `Deps`
///   (for example `&'a A` or `(&'a A, &'a B)`) is picked by type. `a` and `b` may have
///   the same type as long as the component does not read that type (it may list them
///   only to run after them); reading it is a compile error at `b`, naming both fields.
/// - `#[component(name = "...")]` sets the display name (default: the field name).
/// - `#[component(relations = ["db"], containers = ["app"], storage = ["data"])]` adds
///   those event sources to what the component observes; every name is checked against
///   the file named by the struct's `#[charm(metadata = "charmcraft.yaml")]` (see the
///   crate docs).
///
/// Fields without `#[component]` are left alone. Unknown or duplicate dependencies,
/// self-dependencies, cycles, dependencies on fields that are not components, reading a
/// type two dependencies have, duplicate names, malformed attributes, names the charm's
/// metadata does not declare and a field type that is not a component are compile errors
/// pointing at the offending token, each reported once.
/// The execution order is computed here, at compile time: dependencies first, ties in
/// field declaration order.
#[proc_macro_derive(CharmReconciler, attributes(component, charm))]
pub fn derive_charm_reconciler(input: TokenStream) -> TokenStream {
    let node = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&node).into()
}
