//! Reading the `#[component(...)]` field attributes and the `#[charm(...)]` struct
//! attribute, with darling.
//!
//! Accepted forms:
//!
//! ```text
//! #[charm(metadata = "charmcraft.yaml")]              on the struct
//! #[component]
//! #[component(depends_on = [workload, database])]
//! #[component(name = "web", depends_on = [workload])]
//! #[component(relations = ["db"], containers = ["app"], storage = ["data"])]
//! ```

use darling::FromMeta;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, LitStr, Meta};

use crate::errors::Errors;
use crate::metadata::Kind;

/// The forms a `#[component]` attribute can take, for the "what to do" part of messages.
const USAGE: &str =
    "write #[component], #[component(depends_on = [field, ...])] or #[component(name = \"...\")]";

/// The form of the `#[charm]` attribute, for the "what to do" part of messages.
const CHARM_USAGE: &str = "write #[charm(metadata = \"charmcraft.yaml\")]";

/// What one `#[component]` attribute says.
pub(crate) struct ComponentAttr {
    /// The fields named in `depends_on`, in written order (empty when absent).
    pub(crate) depends_on: Vec<Ident>,
    /// The `depends_on` key, when written (where "missing dependency" errors point).
    pub(crate) depends_on_key: Option<Ident>,
    /// `name = "..."`, when written.
    pub(crate) name: Option<LitStr>,
    /// `relations = [...]`, `containers = [...]`, `storage = [...]`, in that order, for the
    /// keys written.
    pub(crate) observes: Vec<StaticNames>,
}

/// One of `relations = [...]`, `containers = [...]`, `storage = [...]`: names of Juju event
/// sources the component observes, checked against the charm's metadata.
pub(crate) struct StaticNames {
    /// Which list.
    pub(crate) kind: Kind,
    /// The key as written (where "no metadata to check against" errors point).
    pub(crate) key: Ident,
    /// The names, in written order.
    pub(crate) names: Vec<LitStr>,
}

/// The keys inside `#[component(...)]`, parsed by darling.
#[derive(FromMeta, Default)]
#[darling(default)]
struct Args {
    depends_on: Option<DependsOn>,
    name: Option<DisplayName>,
    relations: Option<NameList>,
    containers: Option<NameList>,
    storage: Option<NameList>,
}

/// The keys `Args` accepts.
const KEYS: [&str; 5] = ["depends_on", "name", "relations", "containers", "storage"];

/// The keys inside `#[charm(...)]`, parsed by darling.
#[derive(FromMeta, Default)]
#[darling(default)]
struct CharmArgs {
    metadata: Option<MetadataPath>,
}

/// The keys `CharmArgs` accepts.
const CHARM_KEYS: [&str; 1] = ["metadata"];

/// `name = "..."`: a string literal.
struct DisplayName(LitStr);

impl FromMeta for DisplayName {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Ok(DisplayName(text.clone())),
            Expr::Group(group) => DisplayName::from_expr(&group.expr),
            Expr::Path(path) if path.path.get_ident().is_some() => {
                let ident = path
                    .path
                    .get_ident()
                    .map(Ident::to_string)
                    .unwrap_or_default();
                Err(darling::Error::custom(format!(
                    "name takes a string; write `name = \"{ident}\"`"
                ))
                .with_span(expr))
            }
            _ => Err(
                darling::Error::custom("name takes a string literal, e.g. `name = \"web\"`")
                    .with_span(expr),
            ),
        }
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "name needs a value; write `name = \"...\"`",
        ))
    }

    fn from_list(_: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        Err(darling::Error::custom(
            "name takes `=` and a string; write `name = \"...\"`",
        ))
    }
}

/// `relations = ["a", "b"]` (and `containers`, `storage`): a bracketed list of string
/// literals.
struct NameList(Vec<LitStr>);

impl FromMeta for NameList {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Array(array) => {
                let mut errors = darling::Error::accumulator();
                let mut names = Vec::with_capacity(array.elems.len());
                for element in &array.elems {
                    if let Some(name) = errors.handle(observed_name(element)) {
                        names.push(name);
                    }
                }
                errors.finish_with(NameList(names))
            }
            Expr::Group(group) => NameList::from_expr(&group.expr),
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Err(darling::Error::custom(format!(
                "expected a list in brackets; write `[\"{}\"]`",
                text.value()
            ))
            .with_span(expr)),
            _ => Err(darling::Error::custom(
                "expected a list of names from charmcraft.yaml in brackets; write e.g. `[\"database\"]`",
            )
            .with_span(expr)),
        }
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "expected `=` and a list of names in brackets; write e.g. `relations = [\"database\"]` or `storage = [\"data\"]`",
        ))
    }

    fn from_list(_: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        Err(darling::Error::custom(
            "expected `=` and brackets, not parentheses; write e.g. `relations = [\"database\"]`",
        ))
    }
}

/// One entry of `relations`, `containers` or `storage`: a string literal.
fn observed_name(element: &Expr) -> darling::Result<LitStr> {
    match element {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => Ok(text.clone()),
        Expr::Group(group) => observed_name(&group.expr),
        Expr::Path(path) if path.path.get_ident().is_some() => {
            let ident = path
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default();
            Err(darling::Error::custom(format!(
                "names from charmcraft.yaml are strings; write `\"{ident}\"` in quotes"
            ))
            .with_span(element))
        }
        _ => Err(darling::Error::custom(
            "expected a name from charmcraft.yaml as a string literal; write e.g. `\"database\"`",
        )
        .with_span(element)),
    }
}

/// `metadata = "charmcraft.yaml"`: a string literal.
struct MetadataPath(LitStr);

impl FromMeta for MetadataPath {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Ok(MetadataPath(text.clone())),
            Expr::Group(group) => MetadataPath::from_expr(&group.expr),
            _ => Err(darling::Error::custom(
                "metadata takes a path as a string literal, relative to the crate's Cargo.toml; write `metadata = \"charmcraft.yaml\"`",
            )
            .with_span(expr)),
        }
    }

    fn from_word() -> darling::Result<Self> {
        Err(darling::Error::custom(
            "metadata needs a path; write `metadata = \"charmcraft.yaml\"`",
        ))
    }

    fn from_list(_: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        Err(darling::Error::custom(
            "metadata takes `=` and a path; write `metadata = \"charmcraft.yaml\"`",
        ))
    }
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
                "depends_on takes a list of field names in brackets; write e.g. `depends_on = [workload, database]`",
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

/// Whether `attr` is the struct-level `#[charm(...)]`.
pub(crate) fn is_charm(attr: &Attribute) -> bool {
    attr.path().is_ident("charm")
}

/// Reads the `#[component]` attributes of one field: `None` if it has none. Problems are
/// recorded in `errors`; a field whose attribute is malformed still counts as a component
/// (with whatever could be read), so that other errors are still found.
pub(crate) fn component_attr(
    field_name: &Ident,
    attrs: &[Attribute],
    errors: &mut Errors,
) -> Option<ComponentAttr> {
    let mut ours = attrs.iter().filter(|attr| is_component(attr));
    let first = ours.next()?;
    for repeated in ours {
        errors.at(
            repeated.path().span(),
            format!(
                "`{field_name}` has more than one #[component] attribute; merge them into one #[component(...)]"
            ),
        );
    }
    let mut parsed = ComponentAttr {
        depends_on: Vec::new(),
        depends_on_key: None,
        name: None,
        observes: Vec::new(),
    };
    match &first.meta {
        Meta::Path(_) => {}
        Meta::NameValue(name_value) => errors.at(
            name_value.eq_token.span,
            format!("#[component] takes its settings in parentheses; {USAGE}"),
        ),
        Meta::List(list) => {
            match darling::ast::NestedMeta::parse_meta_list(list.tokens.clone()) {
                Err(error) => errors.at(
                    error.span(),
                    format!("malformed #[component(...)]: {error}; {USAGE}"),
                ),
                Ok(items) => {
                    let known: Vec<_> = items
                        .into_iter()
                        .filter(|item| is_known_key(item, "component", &KEYS, USAGE, errors))
                        .collect();
                    match Args::from_list(&known) {
                        Ok(args) => {
                            if let Some(DisplayName(name)) = &args.name
                                && name.value().trim().is_empty()
                            {
                                errors.at(
                                    name.span(),
                                    "a component's name must not be empty; write a name, or remove `name = \"\"` to use the field name",
                                );
                            }
                            parsed.depends_on = args.depends_on.map(|d| d.0).unwrap_or_default();
                            parsed.name = args.name.map(|n| n.0);
                            for (kind, written) in [
                                (Kind::Relation, args.relations),
                                (Kind::Container, args.containers),
                                (Kind::Storage, args.storage),
                            ] {
                                if let (Some(NameList(names)), Some(key)) =
                                    (written, find_key(&list.tokens, kind.key()))
                                {
                                    parsed.observes.push(StaticNames { kind, key, names });
                                }
                            }
                        }
                        Err(error) => report_darling(error, list.delimiter.span().open(), errors),
                    }
                }
            }
            parsed.depends_on_key = find_key(&list.tokens, "depends_on");
        }
    }
    Some(parsed)
}

/// Reads the struct's `#[charm(...)]` attribute: the `metadata = "..."` literal, if given.
/// Problems are recorded in `errors`.
pub(crate) fn charm_attr(attrs: &[Attribute], errors: &mut Errors) -> Option<LitStr> {
    let mut ours = attrs.iter().filter(|attr| is_charm(attr));
    let first = ours.next()?;
    for repeated in ours {
        errors.at(
            repeated.path().span(),
            "more than one #[charm] attribute; merge them into one #[charm(...)]",
        );
    }
    let list = match &first.meta {
        Meta::List(list) => list,
        Meta::Path(path) => {
            errors.at(
                path.span(),
                format!("#[charm] needs settings in parentheses; {CHARM_USAGE}"),
            );
            return None;
        }
        Meta::NameValue(name_value) => {
            errors.at(
                name_value.eq_token.span,
                format!("#[charm] takes its settings in parentheses; {CHARM_USAGE}"),
            );
            return None;
        }
    };
    let items = match darling::ast::NestedMeta::parse_meta_list(list.tokens.clone()) {
        Ok(items) => items,
        Err(error) => {
            errors.at(
                error.span(),
                format!("malformed #[charm(...)]: {error}; {CHARM_USAGE}"),
            );
            return None;
        }
    };
    let known: Vec<_> = items
        .into_iter()
        .filter(|item| is_known_key(item, "charm", &CHARM_KEYS, CHARM_USAGE, errors))
        .collect();
    match CharmArgs::from_list(&known) {
        Ok(args) => args.metadata.map(|m| m.0),
        Err(error) => {
            for error in error.flatten() {
                let span = error
                    .explicit_span()
                    .unwrap_or_else(|| list.delimiter.span().open());
                let message = syn::Error::from(error).to_string();
                let message = if let Some(rest) = message.strip_prefix("Duplicate field ") {
                    format!("repeated key {rest}; give it once in #[charm(...)]")
                } else {
                    message
                };
                errors.at(span, message);
            }
            None
        }
    }
}

/// Whether `item` is one of `keys` of `#[<attribute>(...)]`; records an error (with a "did
/// you mean") for anything else, so darling only sees keys it knows.
fn is_known_key(
    item: &darling::ast::NestedMeta,
    attribute: &str,
    keys: &[&str],
    usage: &str,
    errors: &mut Errors,
) -> bool {
    let path = match item {
        darling::ast::NestedMeta::Meta(meta) => meta.path(),
        darling::ast::NestedMeta::NameValueInvalidExpr(invalid) => &invalid.path,
        darling::ast::NestedMeta::Lit(lit) => {
            errors.at(
                lit.span(),
                format!("expected a key, found a literal; {usage}"),
            );
            return false;
        }
    };
    let key = path
        .get_ident()
        .map(Ident::to_string)
        .unwrap_or_else(|| quote::ToTokens::to_token_stream(path).to_string());
    if keys.contains(&key.as_str()) {
        return true;
    }
    let message = match reconciler_graph::suggest(&key, keys.iter().copied()) {
        Some(close) => format!(
            "unknown key `{key}` in #[{attribute}(...)]; did you mean `{}`?",
            keys[close]
        ),
        None => {
            let listed: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            format!(
                "unknown key `{key}` in #[{attribute}(...)]; the keys are {}",
                listed.join(", ")
            )
        }
    };
    errors.at(path.span(), message);
    false
}

/// Records darling's errors as ours. Our own `FromMeta` impls already say what to do;
/// darling's generic ones get the accepted forms added.
fn report_darling(error: darling::Error, fallback: Span, errors: &mut Errors) {
    for error in error.flatten() {
        let span = error.explicit_span().unwrap_or(fallback);
        // Without the location suffix darling adds to unspanned errors.
        let message = syn::Error::from(error).to_string();
        let message = if let Some(rest) = message.strip_prefix("Duplicate field ") {
            format!("repeated key {rest}; give each key once in #[component(...)]")
        } else if message.contains(';') {
            message
        } else {
            format!("{message}; {USAGE}")
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
