//! The compile-time checks. The graph rules themselves live in `reconciler_graph` (shared
//! with the runtime `GraphBuilder`); this module only turns its verdicts into `syn::Error`s
//! that point at the offending token and say what to do.

use reconciler_graph::{Declaration, Problem, ValidGraph};
use syn::ext::IdentExt;

use crate::ast::Input;
use crate::errors::Errors;

/// Validates the component graph of `input`. Problems are recorded in `errors`; the graph
/// (dependency indices and execution order) is returned when there are none.
pub(crate) fn check(input: &Input<'_>, errors: &mut Errors) -> Option<ValidGraph> {
    let graph = check_dependencies(input, errors);
    check_names(input, errors);
    graph
}

/// Dependencies are declared by field name, so the graph is validated over field names.
fn check_dependencies(input: &Input<'_>, errors: &mut Errors) -> Option<ValidGraph> {
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
                .depends_on
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
        Ok(graph) => return Some(graph),
        Err(problems) => problems,
    };
    let fields: Vec<String> = input.fields.iter().map(|f| f.unraw().to_string()).collect();
    // The identifier a problem is about: entry `position` of component `component`'s list.
    let entry =
        |component: usize, position: usize| &input.components[component].attr.depends_on[position];
    for problem in problems {
        match problem {
            // Field names are unique (rustc checks that); display names are checked below.
            Problem::DuplicateName { .. } => {}
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
                );
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
                );
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
                errors.at(dependency.span(), message);
            }
            Problem::Cycle { path } => {
                let shown: Vec<&str> = path.iter().map(|&i| names[i].as_str()).collect();
                // Point at the first edge: where path[0] names path[1] in its depends_on.
                let first = &input.components[path[0]];
                let span = first
                    .attr
                    .depends_on
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
                );
            }
        }
    }
    None
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
