//! Drives my-charm through a whole lifecycle on the in-memory Juju model and prints, per
//! event, the unit status and what each component did.
//!
//! ```text
//! cargo run -p my-charm --example lifecycle
//! ```
//!
//! Nothing here talks to Juju, Pebble or Kubernetes: the model is
//! `reconciler_core::testing`'s in-memory one, and `kubernetes_resources` applies its
//! objects to the model's in-memory cluster (`InMemoryCluster`, which has the namespace
//! `team-a` the consumer asks for). Exits non-zero if an event is inconsistent with the
//! state, a status could not be set, or a unit status is not the one expected at that
//! point of the lifecycle.

use std::process::ExitCode;

use my_charm::MyCharm;
use reconciler_components::kubernetes::InMemoryCluster;
use reconciler_core::Outcome;
use reconciler_core::testing::{Container, Harness, Output, Relation, State};
use reconciler_core::{Event, Handling, StatusKind};

/// One step: a description, how the state changes before the event, the event, and the
/// unit status kind expected after it.
struct Step {
    what: &'static str,
    prepare: fn(State) -> State,
    event: fn() -> Event,
    expect: StatusKind,
}

fn relation_1() -> Relation {
    Relation::new(1, "relation-1", "frontend")
}

fn relation_2_without_data() -> Relation {
    Relation::new(2, "relation-2", "consumer")
}

fn relation_2() -> Relation {
    relation_2_without_data().with_remote_app_data([("namespace", "\"team-a\"")])
}

fn keep(state: State) -> State {
    state
}

const STEPS: &[Step] = &[
    Step {
        what: "the unit is installed; Pebble is not up yet, nothing is related on relation-2",
        prepare: keep,
        event: || Event::Install,
        expect: StatusKind::Waiting,
    },
    Step {
        what: "this unit becomes the leader",
        prepare: |s| s.with_leader(true),
        event: || Event::LeaderElected,
        expect: StatusKind::Waiting,
    },
    Step {
        what: "the operator sets greeting",
        prepare: |s| s.with_config("greeting", "hi there"),
        event: || Event::ConfigChanged,
        expect: StatusKind::Waiting,
    },
    Step {
        what: "start",
        prepare: keep,
        event: || Event::Start,
        expect: StatusKind::Waiting,
    },
    Step {
        what: "frontend is integrated on relation-1",
        prepare: |s| s.with_relation(relation_1()),
        event: || Event::relation_created(&relation_1()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "frontend/0 joins",
        prepare: keep,
        event: || Event::relation_joined(&relation_1()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "frontend/0's data changes",
        prepare: keep,
        event: || Event::relation_changed(&relation_1()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "consumer is integrated on relation-2",
        prepare: |s| s.with_relation(relation_2_without_data()),
        event: || Event::relation_created(&relation_2_without_data()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "consumer/0 joins; no namespace yet",
        prepare: keep,
        event: || Event::relation_joined(&relation_2_without_data()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "consumer sends its namespace",
        prepare: |s| {
            s.without_relation(relation_2().id)
                .with_relation(relation_2())
        },
        event: || Event::relation_changed(&relation_2()),
        expect: StatusKind::Waiting,
    },
    Step {
        what: "Pebble is up in the workload container",
        prepare: |s| {
            let mut s = s;
            if let Some(c) = s.containers.get_mut("workload") {
                c.can_connect = true;
            }
            s
        },
        event: || Event::pebble_ready(&Container::new("workload")),
        expect: StatusKind::Active,
    },
    Step {
        what: "periodic status check",
        prepare: keep,
        event: || Event::UpdateStatus,
        expect: StatusKind::Active,
    },
    Step {
        what: "the operator changes greeting: only the config file changes, so the service \
               is restarted without a replan",
        prepare: |s| s.with_config("greeting", "good morning"),
        event: || Event::ConfigChanged,
        expect: StatusKind::Active,
    },
    Step {
        what: "the operator runs the restart action (the status is left as it was)",
        prepare: keep,
        event: || Event::action(my_charm::RESTART_ACTION),
        expect: StatusKind::Active,
    },
    Step {
        what: "consumer is removed from relation-2: its objects are deleted",
        prepare: keep,
        event: || Event::relation_broken(&relation_2()),
        expect: StatusKind::Active,
    },
    Step {
        what: "periodic status check, relation-2 gone",
        prepare: |s| s.without_relation(relation_2().id),
        event: || Event::UpdateStatus,
        expect: StatusKind::Active,
    },
    Step {
        what: "the unit is removed",
        prepare: keep,
        event: || Event::Remove,
        expect: StatusKind::Maintenance,
    },
];

/// A short outcome for the summary table.
fn short(out: &Output, component: &str) -> String {
    match &out.hook.handling {
        Handling::Removed(report) => {
            if report.failures.iter().any(|(n, _)| n == component) {
                "remove failed".into()
            } else {
                "removed".into()
            }
        }
        _ => match (out.outcome_of(component), out.status_of(component)) {
            (Some(Outcome::Skipped { .. }), _) => "skipped".into(),
            (Some(Outcome::Failed { .. }), _) => "failed".into(),
            (Some(_), Some(status)) => status.kind.to_string(),
            _ => "-".into(),
        },
    }
}

fn main() -> ExitCode {
    let harness = match Harness::from_charm_dir(env!("CARGO_MANIFEST_DIR")) {
        Ok(harness) => harness,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("my-charm lifecycle on the in-memory Juju model");
    println!(
        "(reconciler_core::testing: no Juju, no Pebble, no Kubernetes API server; \
         kubernetes_resources applies to the model's in-memory cluster)"
    );

    let mut state = State::default()
        .with_unit_name("my-charm/0")
        .with_container(Container::new("workload").unreachable())
        .with_extension(InMemoryCluster::new().with_namespace("team-a"));
    let components = [
        "workload",
        "relation_1",
        "relation_2",
        "kubernetes_resources",
    ];
    let mut summary = Vec::new();
    let mut failed = false;

    for (n, step) in STEPS.iter().enumerate() {
        state = (step.prepare)(state);
        let event = (step.event)();
        println!("\n== {}. {} ({})", n + 1, step.what, event);
        let out = match harness.run::<MyCharm>(event.clone(), state.clone()) {
            Ok(out) => out,
            Err(inconsistency) => {
                println!("INCONSISTENT: {inconsistency}");
                failed = true;
                break;
            }
        };
        print!("{out}");
        if let Some(action) = &out.action {
            println!(
                "action results: {}",
                serde_json::Value::Object(action.results.clone())
            );
            if let Some(failure) = &action.failure {
                println!("ACTION FAILED: {failure}");
                failed = true;
            }
        }
        let changes_before = state
            .containers
            .get("workload")
            .map_or(0, |c| c.changes().len());
        if let Some(container) = out.state.containers.get("workload") {
            for change in &container.changes()[changes_before.min(container.changes().len())..] {
                println!("pebble change: {} ({})", change.summary, change.kind);
            }
        }
        let objects = out
            .state
            .extension::<InMemoryCluster>()
            .map(InMemoryCluster::describe)
            .unwrap_or_default();
        println!(
            "objects in the in-memory cluster: {}",
            if objects.is_empty() {
                "none".to_owned()
            } else {
                objects.join(", ")
            }
        );
        for error in &out.hook.status_errors {
            println!("STATUS NOT SET: {error}");
            failed = true;
        }
        if out.unit_status.kind != step.expect {
            println!(
                "UNEXPECTED: the unit status should be {} here, not {}",
                step.expect, out.unit_status
            );
            failed = true;
        }
        let mut row = vec![event.to_string(), out.unit_status.to_string()];
        row.extend(components.iter().map(|c| short(&out, c)));
        summary.push(row);
        state = out.state;
    }

    println!("\n== Summary");
    let mut header = vec!["event".to_owned(), "unit status".to_owned()];
    header.extend(components.iter().map(|c| (*c).to_owned()));
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            summary
                .iter()
                .chain(std::iter::once(&header))
                .map(|row| row[i].chars().count().min(if i == 1 { 60 } else { 80 }))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&summary) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| {
                let cell = if cell.chars().count() > w {
                    format!("{}…", cell.chars().take(w - 1).collect::<String>())
                } else {
                    cell.clone()
                };
                format!("{cell:w$}")
            })
            .collect();
        println!("{}", cells.join(" | ").trim_end());
    }

    if failed {
        println!("\nFAILED: see the lines marked above");
        ExitCode::FAILURE
    } else {
        println!("\nevery event was consistent and every status is the expected one");
        ExitCode::SUCCESS
    }
}
