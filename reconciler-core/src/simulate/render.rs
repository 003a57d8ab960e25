//! What `simulate` prints for each step: text (coloured on a terminal) or JSON Lines.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use serde_json::{Value, json};

use crate::backend::Scope;
use crate::dispatch::Handling;
use crate::executor::Outcome;
use crate::status::{Status, StatusKind};
use crate::testing::Output;
use crate::testing::harness::{RowOutcome, rows};

use super::run::StepRun;
use super::scenario::Scenario;

/// The style of a status of this kind.
pub(crate) fn status_style(kind: StatusKind) -> Style {
    let color = match kind {
        StatusKind::Active => AnsiColor::Green,
        StatusKind::Waiting => AnsiColor::Yellow,
        StatusKind::Maintenance => AnsiColor::Blue,
        StatusKind::Blocked | StatusKind::Error => AnsiColor::Red,
        StatusKind::Unknown => return Style::new().dimmed(),
    };
    let style = Style::new().fg_color(Some(color.into()));
    if matches!(kind, StatusKind::Blocked | StatusKind::Error) {
        style.bold()
    } else {
        style
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// A status with its kind coloured.
fn status_text(status: &Status) -> String {
    let style = status_style(status.kind);
    format!("{style}{status}{style:#}")
}

/// How a component fared, as the table's outcome column says it, and its style.
fn outcome_text(outcome: &RowOutcome<'_>) -> (String, Style) {
    let color = match outcome {
        RowOutcome::Reconciled(Outcome::Ran) | RowOutcome::Removed => AnsiColor::Green,
        RowOutcome::Reconciled(Outcome::Skipped { .. } | Outcome::NotReady) => AnsiColor::Yellow,
        RowOutcome::Reconciled(Outcome::StatusOnly) => AnsiColor::Cyan,
        _ => AnsiColor::Red,
    };
    // The error or panic message is in the status column and the log already; repeated
    // here it would make the table as wide as two messages.
    let label = match outcome {
        RowOutcome::Reconciled(Outcome::Failed { .. }) => "failed".to_owned(),
        RowOutcome::Reconciled(Outcome::Panicked { .. }) => "panicked".to_owned(),
        other => other.label(),
    };
    (label, Style::new().fg_color(Some(color.into())))
}

/// The scenario's heading.
pub(crate) fn heading(out: &mut dyn Write, scenario: &Scenario) -> io::Result<()> {
    writeln!(
        out,
        "{BOLD}scenario {}{BOLD:#}: {} step{}",
        scenario.path.display(),
        scenario.steps.len(),
        if scenario.steps.len() == 1 { "" } else { "s" }
    )?;
    if let Some(description) = &scenario.description {
        writeln!(out, "{}", description.trim_end())?;
    }
    Ok(())
}

/// One step as text.
pub(crate) fn step_text(out: &mut dyn Write, run: &StepRun<'_>) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{BOLD}── {}. {}{BOLD:#}", run.number, run.step.trigger)?;
    if let Some(note) = &run.step.note {
        writeln!(out, "{DIM}{}{DIM:#}", note.trim_end())?;
    }
    let output = match &run.output {
        Ok(output) => output,
        Err(problem) => {
            let red = status_style(StatusKind::Error);
            return writeln!(out, "{red}could not run:{red:#} {problem}");
        }
    };
    writeln!(out, "unit status: {}", status_text(&output.unit_status))?;
    writeln!(out, "app status:  {}", status_text(&output.app_status))?;
    components_text(out, output)?;
    for written in &output.relation_data_written {
        let scope = match written.scope {
            Scope::Unit => "unit",
            Scope::App => "app",
        };
        write!(
            out,
            "wrote {}:{} {scope} data:",
            written.endpoint, written.relation
        )?;
        for (key, value) in &written.set {
            write!(out, " {key}={value:?}")?;
        }
        for key in &written.deleted {
            write!(out, " -{key}")?;
        }
        writeln!(out)?;
    }
    if let Some(action) = &output.action {
        writeln!(
            out,
            "action results: {}",
            Value::Object(action.results.clone())
        )?;
        if let Some(failure) = &action.failure {
            let red = status_style(StatusKind::Error);
            writeln!(out, "{red}action failed:{red:#} {failure}")?;
        }
    }
    for (container, changes) in &run.pebble_changes {
        writeln!(out, "pebble in {container}: {}", changes.join(", "))?;
    }
    for (key, lines) in &run.sections {
        writeln!(out, "{key}: {}", lines.join(", "))?;
    }
    if !output.logs.is_empty() {
        writeln!(out, "{DIM}log:{DIM:#}")?;
        for record in &output.logs {
            writeln!(
                out,
                "  {DIM}{}{DIM:#} {}",
                record.level.as_str(),
                record.message
            )?;
        }
    }
    if let (Some(expect), Some(held)) = (&run.step.expect, run.expectation_held) {
        if held {
            let green = status_style(StatusKind::Active);
            writeln!(out, "{green}as expected: {expect}{green:#}")?;
        } else {
            let red = status_style(StatusKind::Error);
            writeln!(
                out,
                "{red}EXPECTED {expect}, but the unit status is {}{red:#}",
                output.unit_status
            )?;
        }
    }
    Ok(())
}

/// The table of components, or what the hook did instead of reconciling.
fn components_text(out: &mut dyn Write, output: &Output) -> io::Result<()> {
    let rows = match rows(&output.hook.handling) {
        Ok(rows) => rows,
        Err(line) => return writeln!(out, "{line}"),
    };
    let name_width = rows.iter().map(|r| r.name.len()).max().unwrap_or(0).max(9);
    let labels: Vec<(String, Style)> = rows.iter().map(|r| outcome_text(&r.outcome)).collect();
    let outcome_width = labels
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    writeln!(
        out,
        "{DIM}{:name_width$}  {:outcome_width$}  status{DIM:#}",
        "component", "outcome"
    )?;
    for (row, (outcome, style)) in rows.iter().zip(&labels) {
        let pad = outcome_width - outcome.chars().count();
        let status = row.status.map(status_text).unwrap_or_default();
        let line = format!(
            "{:name_width$}  {style}{outcome}{style:#}{:pad$}  {status}",
            row.name, ""
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A status as JSON.
fn status_json(status: &Status) -> Value {
    json!({"kind": status.kind.to_string(), "message": status.message})
}

/// One step as one line of JSON.
pub(crate) fn step_json(scenario: &Scenario, run: &StepRun<'_>) -> Value {
    let mut step = json!({
        "scenario": scenario.path.display().to_string(),
        "step": run.number,
        "event": run.step.trigger.to_string(),
    });
    if let Some(note) = &run.step.note {
        step["note"] = json!(note);
    }
    let output = match &run.output {
        Ok(output) => output,
        Err(problem) => {
            step["error"] = json!(problem);
            return step;
        }
    };
    step["unit_status"] = status_json(&output.unit_status);
    step["app_status"] = status_json(&output.app_status);
    let (handling, components): (&str, Vec<Value>) = match &output.hook.handling {
        Handling::Reconciled(report) | Handling::StatusOnly(report) => (
            if matches!(output.hook.handling, Handling::StatusOnly(_)) {
                "status-only"
            } else {
                "reconciled"
            },
            report
                .components
                .iter()
                .map(|c| {
                    let (outcome, detail) = match &c.outcome {
                        Outcome::Ran => ("ran", Value::Null),
                        Outcome::Failed { error } => ("failed", json!(error)),
                        Outcome::Panicked { message } => ("panicked", json!(message)),
                        Outcome::Skipped { waiting_on } => ("skipped", json!(waiting_on)),
                        Outcome::NotReady => ("not-ready", Value::Null),
                        Outcome::StatusOnly => ("status-only", Value::Null),
                        #[allow(unreachable_patterns)]
                        _ => ("other", Value::Null),
                    };
                    let mut component = json!({
                        "name": c.name,
                        "outcome": outcome,
                        "status": status_json(&c.status),
                    });
                    match outcome {
                        "skipped" => component["waiting_on"] = detail,
                        "failed" => component["error"] = detail,
                        "panicked" => component["panic"] = detail,
                        _ => {}
                    }
                    component
                })
                .collect(),
        ),
        Handling::Removed(report) => (
            "removed",
            report
                .removed
                .iter()
                .map(|name| {
                    let failure = report.failures.iter().find(|(n, _)| n == name);
                    match failure {
                        None => json!({"name": name, "outcome": "removed"}),
                        Some((_, error)) => {
                            json!({"name": name, "outcome": "remove-failed", "error": error})
                        }
                    }
                })
                .collect(),
        ),
        Handling::Handled(_) => ("handled", Vec::new()),
        Handling::InvalidParams(_) => ("invalid-params", Vec::new()),
        Handling::Ignored => ("ignored", Vec::new()),
        Handling::Panicked { .. } => ("panicked", Vec::new()),
        #[allow(unreachable_patterns)]
        _ => ("other", Vec::new()),
    };
    step["handling"] = json!(handling);
    step["components"] = Value::Array(components);
    step["relation_data_written"] = output
        .relation_data_written
        .iter()
        .map(|w| {
            json!({
                "relation": w.relation.0,
                "endpoint": w.endpoint,
                "scope": match w.scope { Scope::Unit => "unit", Scope::App => "app" },
                "set": w.set,
                "deleted": w.deleted,
            })
        })
        .collect();
    if let Some(action) = &output.action {
        step["action"] = json!({
            "results": action.results,
            "failure": action.failure,
            "logs": action.logs,
        });
    }
    step["pebble_changes"] = run
        .pebble_changes
        .iter()
        .map(|(container, changes)| (container.clone(), json!(changes)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    step["sections"] = run
        .sections
        .iter()
        .map(|(key, lines)| ((*key).to_owned(), json!(lines)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    step["logs"] = output
        .logs
        .iter()
        .map(|r| json!({"level": r.level.as_str(), "message": r.message}))
        .collect();
    if let (Some(expect), Some(held)) = (&run.step.expect, run.expectation_held) {
        step["expect"] = json!({"status": expect.to_string(), "held": held});
    }
    step
}
