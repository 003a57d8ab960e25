//! Reading `#[component(...)]` field attributes, with darling.
//!
//! Accepted forms:
//!
//! ```text
//! #[component]
//! #[component(depends_on = [workload, database])]
//! #[component(name = "web", depends_on = [workload])]
//! ```

use darling::FromMeta;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitStr, Meta};

use crate::errors::Errors;

/// The forms a `#[component]` attribute can take, for the "what to do" part of messages.
const USAGE: &str =
    "write #[component], #[component(depends_on = [field, ...])] or #[component(name = \"...\")]";

/// What one `#[component]` attribute says.
pub(crate) struct ComponentAttr<'a> {
    /// The attribute as written, for spans.
    pub(crate) original: &'a Attribute,
    /// The fields named in `depends_on`, in written order (empty when absent).
    pub(crate) depends_on: Vec<Ident>,
    /// The `depends_on` key, when written (where "missing dependency" errors point).
    pub(crate) depends_on_key: Option<Ident>,
    /// `name = "..."`, when written.
    pub(crate) name: Option<LitStr>,
}

/// The keys inside `#[component(...)]`, parsed by darling.
#[derive(FromMeta, Default)]
#[darling(default)]
struct Args {
    depends_on: Option<DependsOn>,
    name: Option<LitStr>,
}

/// `depends_on = [a, b]`: a bracketed list of field names.
struct DependsOn(Vec<Ident>);

impl FromMeta for DependsOn {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Array(array) => {
                let mut errors = darling::Error::accumulator();
                let mut idents = Vec::with_capacity(array.elems.len());
                for element in &array.elems {
                    if let Some(ident) = errors.handle(dependency_name(element)) {
                        idents.push(ident);
                    }
                }
                errors.finish_with(DependsOn(idents))
            }
            Expr::Group(group) => DependsOn::from_expr(&group.expr),
            Expr::Path(path) if path.path.get_ident().is_some() => Err(darling::Error::custom(
                format!(
                    "depends_on takes a list in brackets; write `depends_on = [{}]`",
                    path.path.get_ident().map(Ident::to_string).unwrap_or_default()
                ),
            )
            .with_span(expr)),
            _ => Err(darling::Error::custom(
                "depends_on takes a list of field names in brackets, e.g. `depends_on = [workload, database]`",
            )
            .with_span(expr)),
        }
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "depends_on needs a list of field names; write `depends_on = [field, ...]`",
        ))
    }

    fn from_list(_: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        Err(darling::Error::custom(
            "depends_on takes `=` and brackets; write `depends_on = [field, ...]`",
        ))
    }
}

/// One entry of `depends_on`: a bare field name.
fn dependency_name(element: &Expr) -> darling::Result<Ident> {
    match element {
        Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) => Ok(ident.clone()),
            None => Err(darling::Error::custom(
                "expected a field name of this struct, not a path; write the field's name alone",
            )
            .with_span(element)),
        },
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Err(darling::Error::custom(format!(
            "depends_on lists field names, not strings; write `{}` without quotes",
            text.value()
        ))
        .with_span(element)),
        Expr::Group(group) => dependency_name(&group.expr),
        _ => Err(darling::Error::custom(
            "expected a field name; depends_on lists fields of this struct marked #[component]",
        )
        .with_span(element)),
    }
}

/// Whether `attr` is one of ours.
pub(crate) fn is_component(attr: &Attribute) -> bool {
    attr.path().is_ident("component")
}

/// Reads the `#[component]` attributes of one field: `None` if it has none. Problems are
/// recorded in `errors`; a field whose attribute is malformed still counts as a component
/// (with whatever could be read), so that other errors are still found.
pub(crate) fn component_attr<'a>(
    field_name: &Ident,
    attrs: &'a [Attribute],
    errors: &mut Errors,
) -> Option<ComponentAttr<'a>> {
    let mut ours = attrs.iter().filter(|attr| is_component(attr));
    let first = ours.next()?;
    for repeated in ours {
        errors.at(
            repeated.span(),
            format!(
                "`{field_name}` has more than one #[component] attribute; merge them into one #[component(...)]"
            ),
        );
    }
    let mut parsed = ComponentAttr {
        original: first,
        depends_on: Vec::new(),
        depends_on_key: None,
        name: None,
    };
    match &first.meta {
        Meta::Path(_) => {}
        Meta::NameValue(name_value) => errors.at(
            name_value.eq_token.span,
            format!("#[component] takes its settings in parentheses; {USAGE}"),
        ),
        Meta::List(list) => {
            let args = darling::ast::NestedMeta::parse_meta_list(list.tokens.clone())
                .map_err(darling::Error::from)
                .and_then(|items| Args::from_list(&items));
            match args {
                Ok(args) => {
                    if let Some(name) = &args.name
                        && name.value().trim().is_empty()
                    {
                        errors.at(
                            name.span(),
                            "a component's name must not be empty; write a name, or remove `name = \"\"` to use the field name",
                        );
                    }
                    parsed.depends_on = args.depends_on.map(|d| d.0).unwrap_or_default();
                    parsed.name = args.name;
                }
                Err(error) => report_darling(error, list.delimiter.span().open(), errors),
            }
            parsed.depends_on_key = find_key(&list.tokens, "depends_on");
        }
    }
    Some(parsed)
}

/// Turns darling's errors into ours, adding what to do to darling's own messages.
fn report_darling(error: darling::Error, fallback: Span, errors: &mut Errors) {
    for error in error.flatten() {
        let span = error.explicit_span().unwrap_or(fallback);
        let message = error.to_string();
        let message = if message.starts_with("Unknown field") {
            let message = message.replacen("Unknown field", "unknown key in #[component(...)]", 1);
            format!("{message}; the keys are `depends_on` and `name`")
        } else if message.starts_with("Duplicate field") {
            let message = message.replacen("Duplicate field", "repeated key", 1);
            format!("{message}; give each key once in #[component(...)]")
        } else if message.starts_with("Unexpected") {
            format!("{message}; {USAGE}")
        } else {
            message
        };
        errors.at(span, message);
    }
}

/// The `key` identifier at the top level of an attribute's argument tokens, for spans.
fn find_key(tokens: &proc_macro2::TokenStream, key: &str) -> Option<Ident> {
    tokens.clone().into_iter().find_map(|token| match token {
        proc_macro2::TokenTree::Ident(ident) if ident == key => Some(ident),
        _ => None,
    })
}
