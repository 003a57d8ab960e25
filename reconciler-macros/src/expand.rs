//! Code generation: the `impl ::reconciler_core::CharmReconciler` for a validated struct.
//!
//! The output is meant to be read with `cargo expand`: constant tables for names,
//! dependencies and the execution order, then one `match index { ... }` per trait method
//! with one arm per component, calling the component through its field.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use reconciler_graph::ValidGraph;
use syn::{DeriveInput, Ident};

use crate::ast::{Component, Input};
use crate::errors::Errors;
use crate::metadata::Kind;
use crate::{same_type, valid};

/// Expands `#[derive(CharmReconciler)]` on `node`: the impl, or every error found together
/// with a placeholder impl (so the user sees our errors, not follow-on "trait not
/// implemented" ones).
pub fn derive(node: &DeriveInput) -> TokenStream {
    let mut errors = Errors::new();
    let expanded = Input::from_syn(node, &mut errors).and_then(|input| {
        let graph = valid::check(&input, &mut errors)?;
        Ok(impl_charm_reconciler(&input, &graph))
    });
    match errors.finish(expanded) {
        Ok(expanded) => expanded,
        Err(error) => {
            let mut tokens = error.to_compile_error();
            tokens.extend(fallback(node));
            tokens
        }
    }
}

/// The impl for a valid charm.
fn impl_charm_reconciler(input: &Input<'_>, graph: &ValidGraph) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let components = &input.components;
    let count = components.len();
    let count_literal = Literal::usize_unsuffixed(count);
    let names = components.iter().map(|c| &c.name);
    let depends_on = graph.depends_on.iter().map(|dependencies| {
        let dependencies = dependencies.iter().map(|&d| Literal::usize_unsuffixed(d));
        quote!(&[#(#dependencies),*])
    });
    let order = graph.order.iter().map(|&i| Literal::usize_unsuffixed(i));

    // Doc comments on the tables, so `cargo expand` reads like hand-written code.
    let names_doc = format!(
        " The display names; a component's index is its position among the `#[component]` fields of `{ident}`."
    );
    let depends_on_doc = describe_dependencies(input, graph);
    let order_doc = format!(
        " Computed by the derive: {}. Each runs after its dependencies; ties go to declaration order.",
        describe_order(input, graph)
    );
    let out_of_range = format!(
        "component index {{}} out of range: `{ident}` has {count} component{}",
        if count == 1 { "" } else { "s" }
    );
    let unmatched = quote!(_ => ::core::panic!(#out_of_range, index));

    let indices: Vec<Literal> = (0..count).map(Literal::usize_unsuffixed).collect();
    let call = |method: &str, arguments: &dyn Fn(&Ident) -> TokenStream| {
        components
            .iter()
            .map(|c| component_call(c, method, arguments(&c.member)))
            .collect::<Vec<_>>()
    };
    let ready = call("ready_for_execution", &|m| quote!(&self.#m, ctx));
    let status = call("status", &|m| quote!(&self.#m, ctx));
    let remove = call("remove", &|m| quote!(&mut self.#m, ctx));
    let observes = components.iter().map(observes_call);
    let sections = call("scenario_sections", &|m| quote!(&self.#m));
    let rebuild = input.metadata.as_ref().map(rebuild_on_change);
    let configure = components.iter().map(|c| configure_call(c, input));
    // A charm without components never reads these parameters.
    let unused = (count == 0).then(|| quote!(let _ = ctx;));
    let unused_leader = (count == 0).then(|| quote!(let _ = (ctx, leader);));

    quote! {
        #rebuild

        #[automatically_derived]
        impl #impl_generics ::reconciler_core::__private::Sealed for #ident #ty_generics #where_clause {}

        #[automatically_derived]
        #[allow(unused_qualifications)]
        impl #impl_generics ::reconciler_core::CharmReconciler for #ident #ty_generics #where_clause {
            fn component_count(&self) -> usize {
                #count_literal
            }

            fn component_name(&self, index: usize) -> &str {
                #[doc = #names_doc]
                const NAMES: [&str; #count_literal] = [#(#names),*];
                NAMES[index]
            }

            fn component_depends_on(&self, index: usize) -> &[usize] {
                #[doc = #depends_on_doc]
                const DEPENDS_ON: [&[usize]; #count_literal] = [#(#depends_on),*];
                DEPENDS_ON[index]
            }

            fn execution_order(&self) -> &[usize] {
                #[doc = #order_doc]
                const EXECUTION_ORDER: [usize; #count_literal] = [#(#order),*];
                &EXECUTION_ORDER
            }

            fn component_ready(
                &self,
                index: usize,
                ctx: &mut ::reconciler_core::Context<'_>,
            ) -> bool {
                #unused
                match index {
                    #(#indices => #ready,)*
                    #unmatched
                }
            }

            fn configure_component(
                &mut self,
                index: usize,
                ctx: &mut ::reconciler_core::Context<'_>,
                leader: bool,
            ) -> ::core::result::Result<(), ::reconciler_core::ComponentError> {
                #unused_leader
                match index {
                    #(#indices => #configure,)*
                    #unmatched
                }
            }

            fn component_status(
                &self,
                index: usize,
                ctx: &mut ::reconciler_core::Context<'_>,
            ) -> ::reconciler_core::Status {
                #unused
                match index {
                    #(#indices => #status,)*
                    #unmatched
                }
            }

            fn remove_component(
                &mut self,
                index: usize,
                ctx: &mut ::reconciler_core::Context<'_>,
            ) -> ::core::result::Result<(), ::reconciler_core::ComponentError> {
                #unused
                match index {
                    #(#indices => #remove,)*
                    #unmatched
                }
            }

            fn component_observes(
                &self,
                index: usize,
            ) -> ::std::vec::Vec<::reconciler_core::Observe> {
                match index {
                    #(#indices => #observes,)*
                    #unmatched
                }
            }

            fn component_scenario_sections(
                &self,
                index: usize,
            ) -> ::std::vec::Vec<::reconciler_core::ScenarioSection> {
                match index {
                    #(#indices => #sections,)*
                    #unmatched
                }
            }
        }
    }
}

/// A sentence naming each component's dependencies, for the doc of `DEPENDS_ON`.
fn describe_dependencies(input: &Input<'_>, graph: &ValidGraph) -> String {
    let edges: Vec<String> = graph
        .depends_on
        .iter()
        .enumerate()
        .filter(|(_, dependencies)| !dependencies.is_empty())
        .map(|(index, dependencies)| {
            let names: Vec<&str> = dependencies
                .iter()
                .map(|&d| input.components[d].name.as_str())
                .collect();
            format!(
                "{} on {}",
                input.components[index].name,
                names.join(" and ")
            )
        })
        .collect();
    if edges.is_empty() {
        " For each component, the indices of its `depends_on`: none depends on another.".to_owned()
    } else {
        format!(
            " For each component, the indices of its `depends_on`: {}.",
            edges.join(", ")
        )
    }
}

/// The execution order as names, for the doc of `EXECUTION_ORDER`.
fn describe_order(input: &Input<'_>, graph: &ValidGraph) -> String {
    if graph.order.is_empty() {
        return "no components".to_owned();
    }
    let names: Vec<&str> = graph
        .order
        .iter()
        .map(|&i| input.components[i].name.as_str())
        .collect();
    names.join(", then ")
}

/// `<FieldType as ::reconciler_core::Component<_>>::<method>(<arguments>)`, with the field's
/// type as written. Every call names the type this way, with its span, so a field whose
/// type is not a component gets one "not a component" error, at that type (rustc reports
/// the identical errors of the other calls once); the arguments keep the call-site span.
fn component_call(component: &Component, method: &str, arguments: TokenStream) -> TokenStream {
    let ty_span = component.ty_span();
    let ty = &component.attr.ty;
    let method = Ident::new(method, ty_span);
    quote_spanned!(ty_span=> <#ty as ::reconciler_core::Component<_>>::#method(#arguments))
}

/// The component's own `observes()`, plus the names of its `relations`, `containers` and
/// `storage` (checked against the metadata), so that static wiring shows in the expansion.
/// A name the component already observes itself (a built-in told its endpoint) is not
/// repeated.
fn observes_call(component: &Component) -> TokenStream {
    let member = &component.member;
    let own = component_call(component, "observes", quote!(&self.#member));
    let declared: Vec<TokenStream> = component
        .attr
        .observes()
        .flat_map(|(kind, names)| {
            let constructor = Ident::new(
                match kind {
                    Kind::Relation => "relation",
                    Kind::Container => "container",
                    Kind::Storage => "storage",
                },
                proc_macro2::Span::call_site(),
            );
            names
                .iter()
                .map(move |name| quote!(::reconciler_core::Observe::#constructor(#name)))
        })
        .collect();
    if declared.is_empty() {
        return own;
    }
    quote! {
        ::reconciler_core::__private::observes_with(#own, [#(#declared),*])
    }
}

/// `const _: &[u8] = include_bytes!(...)` of the metadata file: the names were checked
/// against it, so cargo must rebuild the crate when it changes (rustc tracks included
/// files; a proc macro reading a file is not tracked). A relative path is resolved as the
/// derive resolved it, against `CARGO_MANIFEST_DIR`.
fn rebuild_on_change(written: &syn::LitStr) -> TokenStream {
    let value = written.value();
    let path = if std::path::Path::new(&value).is_absolute() {
        quote!(#value)
    } else {
        let relative = format!("/{value}");
        quote!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), #relative))
    };
    quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
    }
}

/// `configure_unit`, then `configure_app_leader` or `configure_app_non_leader`, each given
/// the component's `Deps` picked by `FromDeps` out of `(&self.dep_a, (&self.dep_b, ()))`.
///
/// The methods are called through `<FieldType as Component<_>>` like every other call
/// ([`component_call`]), so a field whose type is not a component gets one error, at its
/// type. The `FromDeps` calls carry the span of the component's `depends_on` list (or its
/// field name), so a component whose `Deps` asks for something not in `depends_on` gets its
/// type error there.
fn configure_call(component: &Component, input: &Input<'_>) -> TokenStream {
    let member = &component.member;
    let provided = component
        .attr
        .depends_on()
        .iter()
        .rev()
        .fold(quote!(()), |rest, dependency| {
            let field = input.dependency_field(dependency);
            quote!((&self.#field, #rest))
        });
    // A local holding the references, spanned at the `depends_on` list (or the field name):
    // rustc blames the expression a `Deps` cannot be picked out of, so the error points
    // there. (Being the charm's own span, it resolves like code written on that line.)
    let deps = Ident::new("deps", component.deps_span());
    let pick =
        quote_spanned!(component.deps_span()=> ::reconciler_core::deps::FromDeps::from_deps(#deps));
    // `self` and the parameters keep the call-site span, so they resolve even when the
    // struct comes from a `macro_rules!`; `&mut` carries the field's span for borrow errors.
    let borrow = quote_spanned!(member.span()=> &mut);
    let call =
        |method: &str| component_call(component, method, quote!(#borrow self.#member, ctx, #pick));
    let unit = call("configure_unit");
    let app_leader = call("configure_app_leader");
    let app_non_leader = call("configure_app_non_leader");
    let groups = same_type::groups(component, input);
    let checks = groups
        .iter()
        .map(|group| same_type::check(component, input, &groups, group));
    quote! {{
        #(#checks)*
        let #deps = #provided;
        #unit?;
        if leader {
            #app_leader
        } else {
            #app_non_leader
        }
    }}
}

/// An impl that only satisfies the trait, emitted next to errors.
fn fallback(node: &DeriveInput) -> TokenStream {
    let ident = &node.ident;
    let (impl_generics, ty_generics, where_clause) = node.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::reconciler_core::__private::Sealed for #ident #ty_generics #where_clause {}

        #[automatically_derived]
        impl #impl_generics ::reconciler_core::CharmReconciler for #ident #ty_generics #where_clause {
            fn component_count(&self) -> usize { ::core::unreachable!() }
            fn component_name(&self, _: usize) -> &str { ::core::unreachable!() }
            fn component_depends_on(&self, _: usize) -> &[usize] { ::core::unreachable!() }
            fn execution_order(&self) -> &[usize] { ::core::unreachable!() }
            fn component_ready(&self, _: usize, _: &mut ::reconciler_core::Context<'_>) -> bool {
                ::core::unreachable!()
            }
            fn configure_component(
                &mut self,
                _: usize,
                _: &mut ::reconciler_core::Context<'_>,
                _: bool,
            ) -> ::core::result::Result<(), ::reconciler_core::ComponentError> {
                ::core::unreachable!()
            }
            fn component_status(
                &self,
                _: usize,
                _: &mut ::reconciler_core::Context<'_>,
            ) -> ::reconciler_core::Status {
                ::core::unreachable!()
            }
            fn remove_component(
                &mut self,
                _: usize,
                _: &mut ::reconciler_core::Context<'_>,
            ) -> ::core::result::Result<(), ::reconciler_core::ComponentError> {
                ::core::unreachable!()
            }
            fn component_observes(&self, _: usize) -> ::std::vec::Vec<::reconciler_core::Observe> {
                ::core::unreachable!()
            }
            fn component_scenario_sections(
                &self,
                _: usize,
            ) -> ::std::vec::Vec<::reconciler_core::ScenarioSection> {
                ::core::unreachable!()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion of `node`, formatted like `cargo expand` shows it.
    fn expand_pretty(node: DeriveInput) -> String {
        let file = syn::parse2::<syn::File>(derive(&node)).expect("expansion parses as a file");
        prettyplease::unparse(&file)
    }

    /// The example charm's structure (`examples/my-charm`): two independent chains.
    #[test]
    fn seed_charm() {
        let node: DeriveInput = syn::parse_quote! {
            struct MyCharm {
                #[component]
                workload: PebbleServiceComponent,
                #[component(depends_on = [workload])]
                relation_1: Relation1Component,
                #[component]
                relation_2: Relation2Component,
                #[component(depends_on = [relation_2])]
                kubernetes_resources: KubernetesResourceComponent,
            }
        };
        insta::assert_snapshot!(expand_pretty(node));
    }

    /// Two dependencies of one type: the check of what the dependent reads.
    #[test]
    fn same_type_dependencies() {
        let node: DeriveInput = syn::parse_quote! {
            struct MyCharm {
                #[component]
                workload: PebbleServiceComponent,
                #[component]
                primary: DatabaseComponent,
                #[component]
                replica: DatabaseComponent,
                #[component(depends_on = [workload, primary, replica])]
                backup: BackupComponent,
            }
        };
        insta::assert_snapshot!(expand_pretty(node));
    }

    /// Relations, containers and storage declared in the attributes, checked against
    /// `testdata/charmcraft.yaml` (relative to this crate's manifest directory, which cargo
    /// also sets when it runs the tests).
    #[test]
    fn static_names() {
        let node: DeriveInput = syn::parse_quote! {
            #[charm(metadata = "testdata/charmcraft.yaml")]
            struct MyCharm {
                #[component(containers = ["workload"], storage = ["data"])]
                workload: PebbleServiceComponent,
                #[component(depends_on = [workload], relations = ["relation-1"])]
                relation_1: Relation1Component,
            }
        };
        insta::assert_snapshot!(expand_pretty(node));
    }
}
