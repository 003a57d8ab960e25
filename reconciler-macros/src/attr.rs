//! Reading the `#[component(...)]` field attributes and the `#[charm(...)]` struct
//! attribute, with darling's derives.
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
//!
//! darling does the reading and the error reporting: unknown keys (with a "did you mean"),
//! repeated keys, and values of the wrong form are darling's errors, at the offending
//! token. Each key adds what to write instead ([`hinted`]). Several `#[component(...)]`
//! attributes on one field are read as one, as darling merges them (a key given twice is
//! an error).

use darling::util::SpannedValue;
use darling::{FromDeriveInput, FromField, FromMeta};
use syn::{Attribute, Expr, Ident, LitStr, Meta, Type};

use crate::metadata::Kind;

/// What to write for `depends_on`.
const DEPENDS_ON: &str = "depends_on lists fields of this struct marked #[component]; write e.g. `depends_on = [workload, database]`";

/// What to write for `name`.
const NAME: &str = "name takes a string; write e.g. `name = \"web\"`";

/// What to write for `relations`, `containers` and `storage`.
const NAMES: &str = "relations, containers and storage list names from the charm's metadata as strings; write e.g. `relations = [\"database\"]`";

/// What to write for `metadata`.
const METADATA: &str = "metadata takes the path of charmcraft.yaml, relative to the crate's Cargo.toml; write `metadata = \"charmcraft.yaml\"`";

/// One `#[component]` field: its attribute as darling reads it, with the field's type.
#[derive(FromField)]
#[darling(attributes(component))]
pub(crate) struct ComponentField {
    /// The field's type.
    pub(crate) ty: Type,
    /// `depends_on = [...]`, with the span of the list (where "missing dependency" type
    /// errors point).
    #[darling(default, with = |meta| hinted(meta, DEPENDS_ON))]
    pub(crate) depends_on: Option<SpannedValue<DependsOn>>,
    /// `name = "..."`.
    #[darling(default, with = |meta| hinted(meta, NAME), and_then = not_empty)]
    pub(crate) name: Option<LitStr>,
    /// `relations = [...]`.
    #[darling(default, with = |meta| hinted(meta, NAMES))]
    pub(crate) relations: Option<SpannedValue<Vec<LitStr>>>,
    /// `containers = [...]`.
    #[darling(default, with = |meta| hinted(meta, NAMES))]
    pub(crate) containers: Option<SpannedValue<Vec<LitStr>>>,
    /// `storage = [...]`.
    #[darling(default, with = |meta| hinted(meta, NAMES))]
    pub(crate) storage: Option<SpannedValue<Vec<LitStr>>>,
}

impl ComponentField {
    /// The fields named in `depends_on`, in written order (empty when absent).
    pub(crate) fn depends_on(&self) -> &[Ident] {
        self.depends_on.as_ref().map_or(&[], |list| &list.0)
    }

    /// The `relations`, `containers` and `storage` lists written, in that order.
    pub(crate) fn observes(&self) -> impl Iterator<Item = (Kind, &SpannedValue<Vec<LitStr>>)> {
        [
            (Kind::Relation, &self.relations),
            (Kind::Container, &self.containers),
            (Kind::Storage, &self.storage),
        ]
        .into_iter()
        .filter_map(|(kind, list)| Some((kind, list.as_ref()?)))
    }
}

/// The struct's `#[charm(...)]` attribute.
#[derive(FromDeriveInput)]
#[darling(attributes(charm))]
pub(crate) struct CharmAttr {
    /// `metadata = "..."`: the charm's metadata file.
    #[darling(default, with = |meta| hinted(meta, METADATA))]
    pub(crate) metadata: Option<LitStr>,
}

/// `depends_on = [a, b]`: field names in brackets (or `depends_on(a, b)`, darling's list
/// form). darling reads a `Vec<Ident>` only in the list form, so the bracketed form is read
/// here, each entry with darling's `Ident` reader (which also reads a name in quotes).
pub(crate) struct DependsOn(pub(crate) Vec<Ident>);

impl FromMeta for DependsOn {
    fn from_expr(expr: &Expr) -> darling::Result<Self> {
        match expr {
            Expr::Array(array) => {
                let mut errors = darling::Error::accumulator();
                let names = array
                    .elems
                    .iter()
                    .filter_map(|entry| errors.handle(Ident::from_expr(entry)))
                    .collect();
                errors.finish_with(DependsOn(names))
            }
            Expr::Group(group) => DependsOn::from_expr(&group.expr),
            _ => Err(darling::Error::unexpected_expr_type(expr)),
        }
    }

    fn from_list(items: &[darling::ast::NestedMeta]) -> darling::Result<Self> {
        Vec::<Ident>::from_list(items).map(DependsOn)
    }
}

/// darling's reading of one key's value, with `hint` (what to write) added to each of its
/// errors. darling's message says what is wrong and points at it; the hint says what the
/// key takes.
fn hinted<T: FromMeta>(meta: &Meta, hint: &str) -> darling::Result<T> {
    T::from_meta(meta).map_err(|error| {
        let errors = error
            .flatten()
            .into_iter()
            .map(|error| {
                let error = syn::Error::from(error);
                darling::Error::from(syn::Error::new(error.span(), format!("{error}; {hint}")))
            })
            .collect();
        darling::Error::multiple(errors)
    })
}

/// A display name must not be empty: statuses are prefixed with it.
fn not_empty(name: Option<LitStr>) -> darling::Result<Option<LitStr>> {
    match &name {
        Some(text) if text.value().trim().is_empty() => Err(darling::Error::custom(
            "a component's name must not be empty; write a name, or remove `name = \"\"` to use the field name",
        )
        .with_span(text)),
        _ => Ok(name),
    }
}

/// Whether `attr` is `#[component...]`.
pub(crate) fn is_component(attr: &Attribute) -> bool {
    attr.path().is_ident("component")
}

/// Whether `attr` is the struct-level `#[charm...]`.
pub(crate) fn is_charm(attr: &Attribute) -> bool {
    attr.path().is_ident("charm")
}
