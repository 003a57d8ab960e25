//! Running a scenario's steps against the in-memory model.

use crate::dispatch::EventHandler;
use crate::scenario_section::ScenarioSection;
use crate::testing::{Harness, Output};

use super::scenario::{Scenario, Step, Trigger, apply};

/// What one step came to.
pub(crate) struct StepRun<'s> {
    /// Its number, from 1.
    pub(crate) number: usize,
    /// The step.
    pub(crate) step: &'s Step,
    /// What the hook did, or why the step could not run.
    pub(crate) output: Result<Output, String>,
    /// Whether its `expect` held (`None` without one, or when it could not run).
    pub(crate) expectation_held: Option<bool>,
    /// What each component section's stand-in holds after the step: key and lines.
    pub(crate) sections: Vec<(&'static str, Vec<String>)>,
    /// The Pebble changes the step made, by container (`Replan service "workload"`).
    pub(crate) pebble_changes: Vec<(String, Vec<String>)>,
}

impl StepRun<'_> {
    /// Whether the step ran and its expectation (if any) held.
    pub(crate) fn ok(&self) -> bool {
        self.output.is_ok() && self.expectation_held != Some(false)
    }
}

/// Runs the steps of `scenario` in order, the first `limit` of them if given, handing each
/// result to `each` as it comes. Stops after a step that could not run. Returns whether
/// every step ran and every expectation held.
pub(crate) fn run_steps<C, F>(
    harness: &Harness,
    scenario: &Scenario,
    sections: &[ScenarioSection],
    new: &F,
    limit: Option<usize>,
    mut each: impl FnMut(StepRun<'_>),
) -> bool
where
    C: EventHandler,
    F: Fn() -> C,
{
    let mut state = scenario.initial.clone();
    let mut all_ok = true;
    let count = limit.unwrap_or(scenario.steps.len());
    for (index, step) in scenario.steps.iter().take(count).enumerate() {
        let changes_before: Vec<(String, usize)> = state
            .containers
            .iter()
            .map(|(name, c)| (name.clone(), c.changes().len()))
            .collect();
        let output = apply(&step.changes, &mut state).and_then(|()| {
            let result = match &step.trigger {
                Trigger::Event(event) => harness.run_with(new, event.clone(), state.clone()),
                Trigger::Action { name, params } => {
                    harness.run_action_with(new, name, params.clone(), state.clone())
                }
            };
            result.map_err(|inconsistency| inconsistency.to_string())
        });
        let mut expectation_held = None;
        if let Ok(out) = &output {
            state = out.state.clone();
            if let Some(expect) = &step.expect {
                expectation_held = Some(expect.holds(&out.unit_status));
            }
        }
        let after = match &output {
            Ok(_) => apply(&step.after, &mut state),
            Err(_) => Ok(()),
        };
        let output = output.and_then(|out| after.map(|()| out));
        let sections = sections
            .iter()
            .map(|s| (s.key(), s.describe(&state.extensions)))
            .filter(|(_, lines)| !lines.is_empty())
            .collect();
        let pebble_changes = match &output {
            Ok(out) => out
                .state
                .containers
                .iter()
                .filter_map(|(name, container)| {
                    let before = changes_before
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(0, |(_, count)| *count);
                    let new: Vec<String> = container
                        .changes()
                        .iter()
                        .skip(before)
                        .map(|change| change.summary.clone())
                        .collect();
                    (!new.is_empty()).then(|| (name.clone(), new))
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        let run = StepRun {
            number: index + 1,
            step,
            output,
            expectation_held,
            sections,
            pebble_changes,
        };
        let stop = run.output.is_err();
        all_ok &= run.ok();
        each(run);
        if stop {
            break;
        }
    }
    all_ok
}
