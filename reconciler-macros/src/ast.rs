//! The typed model of a `#[derive(CharmReconciler)]` input: the struct, its components and
//! their declared dependencies, with the spans that error messages point at.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr};

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
    /// `#[charm(metadata = "...")]`: the charm's metadata file, when the struct names it.
    pub(crate) metadata: Option<LitStr>,
}

/// One `#[component]` field.
pub(crate) struct Component<'a> {
    /// The field's name.
    pub(crate) member: &'a Ident,
    /// Where the field's type is written.
    pub(crate) ty_span: Span,
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
        let ident = &node.ident;
        let (span, shape, fix) = match &node.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => {
                    return Some(Input::from_fields(node, named, errors));
                }
                Fields::Unnamed(unnamed) => (
                    unnamed.paren_token.span.join(),
                    "a tuple struct",
                    format!(
                        "name its fields, e.g. `struct {ident} {{ #[component] workload: Workload }}`"
                    ),
                ),
                Fields::Unit => (
                    ident.span(),
                    "a unit struct",
                    format!(
                        "write `struct {ident} {{}}` for a charm with no components, or add `#[component]` fields"
                    ),
                ),
            },
            Data::Enum(data) => (
                data.enum_token.span,
                "an enum",
                "declare the components as `#[component]` fields of a struct".to_owned(),
            ),
            Data::Union(data) => (
                data.union_token.span,
                "a union",
                "declare the components as `#[component]` fields of a struct".to_owned(),
            ),
        };
        errors.at(
            span,
            format!(
                "#[derive(CharmReconciler)] needs a struct with named fields, and `{ident}` is {shape}; {fix}"
            ),
        );
        None
    }

    /// The model of a struct with named fields.
    fn from_fields(
        node: &'a DeriveInput,
        named: &'a syn::FieldsNamed,
        errors: &mut Errors,
    ) -> Input<'a> {
        let metadata = attr::charm_attr(&node.attrs, errors);
        let mut fields = Vec::with_capacity(named.named.len());
        let mut components = Vec::new();
        for field in &named.named {
            // Named fields always have an identifier.
            let Some(member) = field.ident.as_ref() else {
                continue;
            };
            for attr in field.attrs.iter().filter(|attr| attr::is_charm(attr)) {
                errors.at(
                    attr.path().span(),
                    "#[charm(...)] goes on the struct, not on a field; move it above `struct`",
                );
            }
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
                ty_span: field.ty.span(),
                name,
                name_span,
                attr,
            });
        }
        Input {
            ident: &node.ident,
            generics: &node.generics,
            fields,
            components,
            metadata,
        }
    }
}
