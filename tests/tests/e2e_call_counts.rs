//! End to end: hook-tool calls per hook do not grow with the number of components.
//!
//! `wide-charm` (`tests/src/bin/wide-charm.rs`) has forty components in a chain, each of
//! which reads the `threshold` option and the relation ids of `db`. Run as Juju runs it,
//! with the stand-in hook tools, a config-changed makes exactly the calls a one-component
//! charm doing the same reads would: the hook-tool backend caches what Juju keeps stable
//! within a hook, and the runtime sets the status once, not once per component.

mod juju_sim;

use juju_sim::{SimState, Unit, relation};

fn state(leader: bool) -> SimState {
    let mut state = SimState {
        unit: "wide/0".into(),
        leader,
        ..SimState::default()
    };
    // config-get reports defaults too, as Juju does.
    state.config.insert("threshold".into(), 3.into());
    state
        .relations
        .push(relation(5, "db", "postgresql", &["postgresql/0"]));
    state
}

#[test]
fn forty_components_leader_config_changed_makes_five_calls_and_one_juju_log() {
    let unit = Unit::wide(&state(true));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.tools(),
        [
            "is-leader",
            "config-get",
            "relation-ids",
            "status-set",
            "status-set"
        ],
        "{:#?}",
        run.lines()
    );
    assert_eq!(run.juju_log_calls(), 1);
    let state = unit.state();
    assert_eq!(state.unit_status.text(), "active");
    assert_eq!(state.app_status.text(), "active");
}

#[test]
fn forty_components_non_leader_config_changed_makes_four_calls() {
    let unit = Unit::wide(&state(false));
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.tools(),
        ["is-leader", "config-get", "relation-ids", "status-set"],
        "{:#?}",
        run.lines()
    );
    assert_eq!(run.juju_log_calls(), 1);
}

#[test]
fn a_failing_component_in_the_middle_adds_no_call() {
    // threshold < 0: every component returns an error carrying Blocked. The first one's
    // dependents are skipped; the calls are those of the first component's reads plus the
    // one status-set of the non-leader. The failure is a warning, sent to juju-log at once (one
    // extra juju-log call, the documented price of seeing problems immediately); the
    // other lines go in the one batched call at the end.
    let mut initial = state(false);
    initial.config.insert("threshold".into(), (-1).into());
    let unit = Unit::wide(&initial);
    let run = unit.dispatch("hooks/config-changed", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.tools(),
        ["is-leader", "config-get", "relation-ids", "status-set"],
        "{:#?}",
        run.lines()
    );
    assert_eq!(run.juju_log_calls(), 2, "{:#?}", run.lines());
    assert_eq!(
        unit.state().unit_status.text(),
        "blocked: [c00] threshold must not be negative"
    );
}
