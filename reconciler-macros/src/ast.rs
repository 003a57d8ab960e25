//! The typed model of a `#[derive(CharmReconciler)]` input: the struct, its components and
//! their declared dependencies, with the spans that error messages point at.

use darling::{FromDeriveInput, FromField};
use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Generics, Ident, LitStr};

use crate::attr::{self, CharmAttr, ComponentField};
use crate::errors::{Errors, Reported};

/// A struct the derive accepts.
pub(crate) struct Input<'a> {
    /// The struct's name.
    pub(crate) ident: &'a Ident,
    /// Its generics and where clause, repeated on the generated impl.
    pub(crate) generics: &'a Generics,
    /// Every named field, components or not (to tell "not a component" from "no such field").
    pub(crate) fields: Vec<&'a Ident>,
    /// The `#[component]` fields, in declaration order (this order is their index).
    pub(crate) components: Vec<Component>,
    /// `#[charm(metadata = "...")]`: the charm's metadata file, when the struct names it.
    pub(crate) metadata: Option<LitStr>,
}

/// One `#[component]` field.
pub(crate) struct Component {
    /// The field's name.
    pub(crate) member: Ident,
    /// The display name: `name = "..."`, or the field name.
    pub(crate) name: String,
    /// Where the display name is written: the `name` literal, or the field name.
    pub(crate) name_span: Span,
    /// The field and what its attribute says.
    pub(crate) attr: ComponentField,
}

impl Component {
    /// Where a type error about this component's `Deps` should point: its `depends_on`
    /// list if written (that is the list to fix), else the field's name.
    pub(crate) fn deps_span(&self) -> Span {
        match &self.attr.depends_on {
            Some(list) => list.span(),
            None => self.member.span(),
        }
    }

    /// Where the field's type is written.
    pub(crate) fn ty_span(&self) -> Span {
        self.attr.ty.span()
    }
}

impl<'a> Input<'a> {
    /// The field a `depends_on` entry names, as the struct declares it (its span points at
    /// the field), or the entry itself if no component field has that name (validation
    /// reports that; generated code only asks after validation passed).
    pub(crate) fn dependency_field<'i>(&'i self, dependency: &'i Ident) -> &'i Ident {
        self.components
            .iter()
            .find(|c| c.member == *dependency)
            .map_or(dependency, |c| &c.member)
    }

    /// Builds the model, recording every problem found in `errors`; `Err` when the item is
    /// not a struct with named fields (nothing more can be checked then).
    pub(crate) fn from_syn(
        node: &'a DeriveInput,
        errors: &mut Errors,
    ) -> Result<Input<'a>, Reported> {
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
                    return Ok(Input::from_fields(node, named, errors));
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
        Err(errors.at(
            span,
            format!(
                "#[derive(CharmReconciler)] needs a struct with named fields, and `{ident}` is {shape}; {fix}"
            ),
        ))
    }

    /// The model of a struct with named fields.
    fn from_fields(
        node: &'a DeriveInput,
        named: &'a syn::FieldsNamed,
        errors: &mut Errors,
    ) -> Input<'a> {
        let metadata = charm_metadata(node, errors);
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
            if !field.attrs.iter().any(attr::is_component) {
                continue;
            }
            // A field whose attribute has errors still counts as a component (without
            // dependencies), so that what depends on it is checked too.
            let attr = ComponentField::from_field(field).unwrap_or_else(|error| {
                errors.darling(error);
                ComponentField {
                    ty: field.ty.clone(),
                    depends_on: None,
                    name: None,
                    relations: None,
                    containers: None,
                    storage: None,
                }
            });
            let (name, name_span) = match &attr.name {
                Some(name) => (name.value(), name.span()),
                None => (member.unraw().to_string(), member.span()),
            };
            components.push(Component {
                member: member.clone(),
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

/// The struct's `#[charm(metadata = "...")]`, if written. Problems are recorded in `errors`.
fn charm_metadata(node: &DeriveInput, errors: &mut Errors) -> Option<LitStr> {
    let written = node.attrs.iter().find(|attr| attr::is_charm(attr))?;
    match CharmAttr::from_derive_input(node) {
        Ok(CharmAttr {
            metadata: Some(metadata),
        }) => Some(metadata),
        Ok(CharmAttr { metadata: None }) => {
            errors.at(
                written.path().span(),
                "#[charm] without `metadata` says nothing; write #[charm(metadata = \"charmcraft.yaml\")] or remove it",
            );
            None
        }
        Err(error) => {
            errors.darling(error);
            None
        }
    }
}
