//! The typed model of a `#[derive(CharmReconciler)]` input: the struct, its components and
//! their declared dependencies, with the spans that error messages point at.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident};

use crate::attr::{self, ComponentAttr};
use crate::errors::Errors;

/// A struct the derive accepts.
pub(crate) struct Input<'a> {
    /// The struct's name.
    pub(crate) ident: &'a Ident,
    /// Its generics and where clause, repeated on the generated impl.
    pub(crate) generics: &'a Generics,
    /// Every named field, components or not (to tell "not a component" from "no such field").
    pub(crate) fields: Vec<&'a Ident>,
    /// The `#[component]` fields, in declaration order (this order is their index).
    pub(crate) components: Vec<Component<'a>>,
}

/// One `#[component]` field.
pub(crate) struct Component<'a> {
    /// The field's name.
    pub(crate) member: &'a Ident,
    /// The display name: `name = "..."`, or the field name.
    pub(crate) name: String,
    /// Where the display name is written: the `name` literal, or the field name.
    pub(crate) name_span: Span,
    /// What its attribute says.
    pub(crate) attr: ComponentAttr,
}

impl Component<'_> {
    /// Where a type error about this component's `Deps` should point: its `depends_on`
    /// key if written (that is the list to fix), else the field's name.
    pub(crate) fn deps_span(&self) -> Span {
        match &self.attr.depends_on_key {
            Some(key) => key.span(),
            None => self.member.span(),
        }
    }
}

impl<'a> Input<'a> {
    /// Builds the model, recording every problem found in `errors`. `None` when the item is
    /// not a struct with named fields (nothing more can be checked then).
    pub(crate) fn from_syn(node: &'a DeriveInput, errors: &mut Errors) -> Option<Input<'a>> {
        for attr in node.attrs.iter().filter(|attr| attr::is_component(attr)) {
            errors.at(
                attr.path().span(),
                "#[component] goes on the fields of the struct, not on the struct itself; move it to a field",
            );
        }
        let named = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                Fields::Unnamed(unnamed) => {
                    errors.at(
                        unnamed.paren_token.span.join(),
                        format!(
                            "#[derive(CharmReconciler)] needs a struct with named fields, and `{}` is a tuple struct; name its fields, e.g. `struct {} {{ #[component] workload: Workload }}`",
                            node.ident, node.ident
                        ),
                    );
                    return None;
                }
                Fields::Unit => {
                    errors.at(
                        node.ident.span(),
                        format!(
                            "#[derive(CharmReconciler)] needs a struct with named fields, and `{}` is a unit struct; write `struct {} {{}}` for a charm with no components, or add `#[component]` fields",
                            node.ident, node.ident
                        ),
                    );
                    return None;
                }
            },
            Data::Enum(data) => {
                errors.at(
                    data.enum_token.span,
                    format!(
                        "#[derive(CharmReconciler)] needs a struct with named fields, and `{}` is an enum; declare the components as `#[component]` fields of a struct",
                        node.ident
                    ),
                );
                return None;
            }
            Data::Union(data) => {
                errors.at(
                    data.union_token.span,
                    format!(
                        "#[derive(CharmReconciler)] needs a struct with named fields, and `{}` is a union; declare the components as `#[component]` fields of a struct",
                        node.ident
                    ),
                );
                return None;
            }
        };

        let mut fields = Vec::with_capacity(named.named.len());
        let mut components = Vec::new();
        for field in &named.named {
            // Named fields always have an identifier.
            let Some(member) = field.ident.as_ref() else {
                continue;
            };
            fields.push(member);
            let Some(attr) = attr::component_attr(member, &field.attrs, errors) else {
                continue;
            };
            let (name, name_span) = match &attr.name {
                Some(name) => (name.value(), name.span()),
                None => (member.unraw().to_string(), member.span()),
            };
            components.push(Component {
                member,
                name,
                name_span,
                attr,
            });
        }
        Some(Input {
            ident: &node.ident,
            generics: &node.generics,
            fields,
            components,
        })
    }
}
