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
//! The crate is laid out like `thiserror-impl`: `attr.rs` reads the attributes (with
//! darling), `ast.rs` is the typed model, `valid.rs` runs the graph checks (the shared rules of
//! `reconciler-graph`) and turns problems into errors at the offending token, and
//! `expand.rs` writes the impl. `docs/reading-the-generated-code.md` walks through an
//! expansion.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod ast;
mod attr;
mod errors;
mod expand;
mod valid;

/// Implements `reconciler_core::CharmReconciler` for a struct whose `#[component]` fields
/// are its components.
///
/// - `#[component]` marks a field as a component; its type implements
///   `reconciler_core::Component<Deps>` for exactly one `Deps`.
/// - `#[component(depends_on = [a, b])]` makes it run only after `a` and `b` ended the
///   reconcile Active, and hands it `(&self.a, (&self.b, ()))`, from which its `Deps`
///   (for example `&'a A` or `(&'a A, &'a B)`) is picked by type.
/// - `#[component(name = "...")]` sets the display name (default: the field name).
///
/// Fields without `#[component]` are left alone. Unknown or duplicate dependencies,
/// self-dependencies, cycles, dependencies on fields that are not components, duplicate
/// names and malformed attributes are compile errors pointing at the offending token.
/// The execution order is computed here, at compile time: dependencies first, ties in
/// field declaration order.
#[proc_macro_derive(CharmReconciler, attributes(component))]
pub fn derive_charm_reconciler(input: TokenStream) -> TokenStream {
    let node = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&node).into()
}
