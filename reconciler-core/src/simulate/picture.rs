//! `graph`: the component graph as Mermaid or Graphviz DOT, coloured by status when given
//! one.

use std::fmt::Write as _;

use crate::executor::{Outcome, Report};
use crate::reconciler::CharmReconciler;
use crate::status::StatusKind;

/// The formats `graph` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A Mermaid flowchart (GitHub and many Markdown viewers draw it).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

/// Each component's status kind and whether it was skipped, from a reconcile report.
struct Shown {
    kind: StatusKind,
    skipped: bool,
    label: String,
}

/// The fill and stroke colours of a status kind.
fn colours(kind: StatusKind) -> (&'static str, &'static str) {
    match kind {
        StatusKind::Active => ("#d3f4d3", "#2e7d32"),
        StatusKind::Waiting => ("#fff3c4", "#b58900"),
        StatusKind::Maintenance => ("#dbe9ff", "#1f5fbf"),
        StatusKind::Blocked | StatusKind::Error => ("#ffd6d6", "#c62828"),
        StatusKind::Unknown => ("#eeeeee", "#777777"),
    }
}

fn shown(charm: &dyn CharmReconciler, report: Option<&Report>) -> Vec<Option<Shown>> {
    (0..charm.component_count())
        .map(|i| {
            let component = report?.component(charm.component_name(i))?;
            Some(Shown {
                kind: component.status.kind,
                skipped: matches!(
                    component.outcome,
                    Outcome::Skipped { .. } | Outcome::NotReady
                ),
                label: component.status.to_string(),
            })
        })
        .collect()
}

/// Mermaid's node ids allow letters, digits and `_`; component names are Rust identifiers
/// unless renamed, so anything else becomes `_`.
fn node_id(name: &str) -> String {
    let id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("c_{id}")
}

/// Text for a Mermaid label in double quotes: `"`, `<` and `>` are written as entity
/// codes, so a message cannot end the label or start markup.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// Text for a DOT string in double quotes.
fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Longest status text shown in a node, so that a long message does not make the picture
/// unreadable.
const LABEL_LIMIT: usize = 60;

fn clip(text: &str) -> String {
    if text.chars().count() <= LABEL_LIMIT {
        text.to_owned()
    } else {
        let mut clipped: String = text.chars().take(LABEL_LIMIT - 1).collect();
        clipped.push('…');
        clipped
    }
}

/// The graph of `charm` in `format`, coloured by the statuses in `report` if given. Edges
/// run from a dependency to the component that depends on it (the order they run in).
pub(crate) fn render(
    charm: &dyn CharmReconciler,
    title: &str,
    format: Format,
    report: Option<&Report>,
) -> String {
    let shown = shown(charm, report);
    let mut out = String::new();
    let count = charm.component_count();
    match format {
        Format::Mermaid => {
            let _ = writeln!(out, "---\ntitle: {}\n---", mermaid_text(title));
            out.push_str("flowchart LR\n");
            for (i, shown) in shown.iter().enumerate() {
                let name = charm.component_name(i);
                let label = match shown {
                    Some(s) => format!(
                        "{}<br/>{}",
                        mermaid_text(name),
                        mermaid_text(&clip(&s.label))
                    ),
                    None => mermaid_text(name),
                };
                let _ = writeln!(out, "    {}[\"{label}\"]", node_id(name));
            }
            for i in 0..count {
                for &d in charm.component_depends_on(i) {
                    let _ = writeln!(
                        out,
                        "    {} --> {}",
                        node_id(charm.component_name(d)),
                        node_id(charm.component_name(i))
                    );
                }
            }
            let mut kinds: Vec<StatusKind> = shown.iter().flatten().map(|s| s.kind).collect();
            kinds.sort_by_key(|k| k.to_string());
            kinds.dedup();
            for kind in kinds {
                let (fill, stroke) = colours(kind);
                let _ = writeln!(
                    out,
                    "    classDef {kind} fill:{fill},stroke:{stroke},color:#000"
                );
            }
            if shown.iter().flatten().any(|s| s.skipped) {
                out.push_str("    classDef skipped stroke-dasharray: 5 5\n");
            }
            for (i, shown) in shown.iter().enumerate() {
                if let Some(s) = shown {
                    let id = node_id(charm.component_name(i));
                    let _ = writeln!(out, "    class {id} {}", s.kind);
                    if s.skipped {
                        let _ = writeln!(out, "    class {id} skipped");
                    }
                }
            }
        }
        Format::Dot => {
            let _ = writeln!(out, "digraph \"{}\" {{", dot_text(title));
            out.push_str("    rankdir=LR;\n    node [shape=box, style=\"rounded\"];\n");
            for (i, shown) in shown.iter().enumerate() {
                let name = charm.component_name(i);
                match shown {
                    None => {
                        let _ = writeln!(out, "    \"{}\";", dot_text(name));
                    }
                    Some(s) => {
                        let (fill, stroke) = colours(s.kind);
                        let style = if s.skipped {
                            "rounded,filled,dashed"
                        } else {
                            "rounded,filled"
                        };
                        let _ = writeln!(
                            out,
                            "    \"{}\" [label=\"{}\\n{}\", style=\"{style}\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
                            dot_text(name),
                            dot_text(name),
                            dot_text(&clip(&s.label))
                        );
                    }
                }
            }
            for i in 0..count {
                for &d in charm.component_depends_on(i) {
                    let _ = writeln!(
                        out,
                        "    \"{}\" -> \"{}\";",
                        dot_text(charm.component_name(d)),
                        dot_text(charm.component_name(i))
                    );
                }
            }
            out.push_str("}\n");
        }
    }
    out
}
