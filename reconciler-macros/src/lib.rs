//! `#[derive(CharmReconciler)]` (work in progress).

use proc_macro::TokenStream;

/// Placeholder until the derive lands.
#[proc_macro_derive(CharmReconciler, attributes(component))]
pub fn derive_charm_reconciler(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
