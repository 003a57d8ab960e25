//! The compile-time checks. The graph rules themselves live in `reconciler_graph` (shared
//! with the runtime `GraphBuilder`); this module only turns its verdicts into `syn::Error`s
//! that point at the offending token and say what to do. The names in `relations`,
//! `containers` and `storage` are checked against the charm's metadata file here too.

use std::path::Path;

use reconciler_graph::{Declaration, Problem, ValidGraph};
use syn::LitStr;
use syn::ext::IdentExt;

use crate::ast::Input;
use crate::errors::{Errors, Reported};
use crate::metadata::{self, Kind, LoadError};
use reconciler_metadata::{Metadata, MetadataError};

/// Validates the component graph of `input`. Problems are recorded in `errors`; the graph
/// (dependency indices and execution order) is returned when the graph has none.
pub(crate) fn check(input: &Input<'_>, errors: &mut Errors) -> Result<ValidGraph, Reported> {
    let graph = check_dependencies(input, errors);
    check_names(input, errors);
    check_observed(input, errors);
    graph
}

/// Reads `#[charm(metadata = "...")]` and checks every name in `relations`, `containers`
/// and `storage` against it. Static names need the metadata: checking them is their
/// point, so naming them without a metadata file is an error rather than silently
/// unchecked.
fn check_observed(input: &Input<'_>, errors: &mut Errors) {
    let Some(written) = &input.metadata else {
        for (kind, list) in input.components.iter().flat_map(|c| c.attr.observes()) {
            errors.at(
                list.span(),
                format!(
                    "`{key} = [...]` names are checked against the charm's charmcraft.yaml, and `{ident}` does not say where it is; \
                     add #[charm(metadata = \"charmcraft.yaml\")] to the struct (the path is relative to the crate's Cargo.toml)",
                    key = kind.key(),
                    ident = input.ident,
                ),
            );
        }
        return;
    };
    let Some(declared) = load_metadata(written, errors) else {
        return;
    };
    let value = written.value();
    let file = Path::new(&value)
        .file_name()
        .map_or_else(|| value.clone(), |name| name.to_string_lossy().into_owned());
    for component in &input.components {
        for (kind, names) in component.attr.observes() {
            for (position, name) in names.iter().enumerate() {
                let text = name.value();
                if names[..position].iter().any(|n| n.value() == text) {
                    errors.at(
                        name.span(),
                        format!(
                            "`{text}` is listed twice in the {} of `{}`; remove the repeated entry",
                            kind.key(),
                            component.member
                        ),
                    );
                    continue;
                }
                if let Some(message) = unknown_name(&declared, kind, &text, &file) {
                    errors.at(name.span(), message);
                }
            }
        }
    }
}

/// The metadata file named by `written`, or `None` with an error at the literal.
fn load_metadata(written: &LitStr, errors: &mut Errors) -> Option<Metadata> {
    let value = written.value();
    let loaded = metadata::resolve(&value).and_then(|path| metadata::load(&path));
    let relative = if Path::new(&value).is_absolute() {
        ""
    } else {
        " (the path is relative to the directory of this crate's Cargo.toml)"
    };
    let message = match loaded {
        Ok(declared) => return Some(declared),
        Err(LoadError::NoManifestDir) => format!(
            "cannot find the charm metadata `{value}`: CARGO_MANIFEST_DIR is not set (the crate is not built by cargo); give an absolute path"
        ),
        Err(LoadError::Metadata(error @ MetadataError::Io { .. })) => format!(
            "cannot read the charm metadata `{value}`{relative}: {}",
            error.problem()
        ),
        // The message the charm would log under Juju, with the file as written here.
        Err(LoadError::Metadata(error)) => {
            format!("`{value}` is not valid charm metadata: {}", error.problem())
        }
    };
    errors.at(written.span(), message);
    None
}

/// Why `name` is not a `kind` the metadata declares, or `None` when it is one.
fn unknown_name(declared: &Metadata, kind: Kind, name: &str, file: &str) -> Option<String> {
    let names = metadata::names(declared, kind);
    if names.contains(&name) {
        return None;
    }
    let noun = kind.article_noun();
    if let Some(other) = Kind::ALL
        .into_iter()
        .find(|&other| other != kind && metadata::names(declared, other).contains(&name))
    {
        return Some(format!(
            "`{name}` is {} in {file}, not {noun}; list it in `{} = [...]`",
            other.article_noun(),
            other.key()
        ));
    }
    Some(
        match reconciler_graph::suggest(name, names.iter().copied()) {
            Some(close) => {
                format!(
                    "`{name}` is not {noun} in {file}; did you mean `{}`?",
                    names[close]
                )
            }
            None if names.is_empty() => format!(
                "`{name}` is not {noun} in {file}, which declares none under {}",
                kind.sections()
            ),
            None => {
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!(
                    "`{name}` is not {noun} in {file}, which declares {} (under {})",
                    listed.join(", "),
                    kind.sections()
                )
            }
        },
    )
}

/// Dependencies are declared by field name, so the graph is validated over field names.
fn check_dependencies(input: &Input<'_>, errors: &mut Errors) -> Result<ValidGraph, Reported> {
    let names: Vec<String> = input
        .components
        .iter()
        .map(|c| c.member.unraw().to_string())
        .collect();
    let dependencies: Vec<Vec<String>> = input
        .components
        .iter()
        .map(|c| {
            c.attr
                .depends_on()
                .iter()
                .map(|d| d.unraw().to_string())
                .collect()
        })
        .collect();
    let dependency_refs: Vec<Vec<&str>> = dependencies
        .iter()
        .map(|d| d.iter().map(String::as_str).collect())
        .collect();
    let declarations: Vec<Declaration<'_>> = names
        .iter()
        .zip(&dependency_refs)
        .map(|(name, depends_on)| Declaration { name, depends_on })
        .collect();

    let problems = match reconciler_graph::validate(&declarations) {
        Ok(graph) => return Ok(graph),
        Err(problems) => problems,
    };
    let fields: Vec<String> = input.fields.iter().map(|f| f.unraw().to_string()).collect();
    // The identifier a problem is about: entry `position` of component `component`'s list.
    let entry = |component: usize, position: usize| {
        &input.components[component].attr.depends_on()[position]
    };
    let mut reported = None;
    for problem in problems {
        reported = Some(match problem {
            // rustc refuses a struct with two fields of one name too; display names are
            // checked in `check_names`.
            Problem::DuplicateName { component, .. } => {
                let member = &input.components[component].member;
                errors.at(
                    member.span(),
                    format!("`{member}` is declared twice; give the fields different names"),
                )
            }
            Problem::SelfDependency {
                component,
                position,
            } => {
                let dependency = entry(component, position);
                errors.at(
                    dependency.span(),
                    format!(
                        "`{}` depends on itself; remove `{}` from its depends_on",
                        names[component], dependency
                    ),
                )
            }
            Problem::DuplicateDependency {
                component,
                position,
                ..
            } => {
                let dependency = entry(component, position);
                errors.at(
                    dependency.span(),
                    format!(
                        "`{dependency}` is listed twice in the depends_on of `{}`; remove the repeated entry",
                        names[component]
                    ),
                )
            }
            Problem::UnknownDependency {
                component,
                position,
                suggestion,
            } => {
                let dependency = entry(component, position);
                let wanted = &dependencies[component][position];
                let message = if fields.contains(wanted) {
                    format!(
                        "`{wanted}` is a field but not a component; mark it #[component] or remove it from depends_on"
                    )
                } else {
                    match suggestion {
                        Some(close) => format!(
                            "unknown dependency `{wanted}`: `{}` has no component field of that name; did you mean `{}`?",
                            input.ident, names[close]
                        ),
                        None => format!(
                            "unknown dependency `{wanted}`: `{}` has no component field of that name; depends_on lists fields of this struct marked #[component]",
                            input.ident
                        ),
                    }
                };
                errors.at(dependency.span(), message)
            }
            Problem::Cycle { path } => {
                let shown: Vec<&str> = path.iter().map(|&i| names[i].as_str()).collect();
                // Point at the first edge: where path[0] names path[1] in its depends_on.
                let first = &input.components[path[0]];
                let span = first
                    .attr
                    .depends_on()
                    .iter()
                    .zip(&dependencies[path[0]])
                    .find(|(_, name)| **name == names[path[1]])
                    .map_or_else(|| first.member.span(), |(ident, _)| ident.span());
                errors.at(
                    span,
                    format!(
                        "dependency cycle: {} (`->` reads \"depends on\"); remove one of these dependencies to break the circle",
                        shown.join(" -> ")
                    ),
                )
            }
        });
    }
    // `validate` refuses a graph only with at least one problem, each reported above.
    Err(reported.unwrap_or_else(|| {
        errors.at(
            input.ident.span(),
            "the component graph was refused without a reason; please report this as a bug of reconciler-macros",
        )
    }))
}

/// Display names (the field name, or `name = "..."`) must be unique: statuses and logs are
/// keyed by them. Checked by the same shared code, over display names without edges.
fn check_names(input: &Input<'_>, errors: &mut Errors) {
    let no_dependencies: &[&str] = &[];
    let declarations: Vec<Declaration<'_>> = input
        .components
        .iter()
        .map(|c| Declaration {
            name: &c.name,
            depends_on: no_dependencies,
        })
        .collect();
    let Err(problems) = reconciler_graph::validate(&declarations) else {
        return;
    };
    for problem in problems {
        if let Problem::DuplicateName { component, first } = problem {
            let this = &input.components[component];
            let other = &input.components[first];
            errors.at(
                this.name_span,
                format!(
                    "two components are named `{}` (fields `{}` and `{}`); names must be unique, give one of them a different `name = \"...\"`",
                    this.name, other.member, this.member
                ),
            );
        }
    }
}
