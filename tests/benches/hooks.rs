//! Whole hooks, end to end: `examples/my-charm` run through `dispatch` with the stand-in
//! hook tools, as the end-to-end tests run it. Prints, per scenario, the median wall time
//! of many runs and the hook-tool calls one run makes. `scripts/bench-hooks.sh` runs it;
//! the figures are in docs/benchmarks.md ("Whole hooks").
//!
//! Pebble is unreachable in most rows (the workload component reports Waiting), so the
//! times are those of the charm and its hook tools. The rows marked "Pebble up" start a
//! real `pebble` daemon for the workload container (the workload is `sleep 300`): the
//! warm-up runs push the config file, replan once and write the relation data, and the
//! measured runs start from the state they left: the steady state, where the workload
//! component reads Pebble's plan, services and file and nothing is changed or rewritten.
//!
//! The leader's `kubernetes_resources` applies consumer's two objects to a real
//! kube-apiserver (the tests' `kube_sim`, on kine and SQLite) through
//! `RECONCILER_KUBECONFIG`: after the first run they are unchanged, so each run re-applies
//! them and lists by label (two applies and two lists) over a new TLS connection.

#[path = "../tests/juju_sim/mod.rs"]
mod juju_sim;
#[path = "../tests/kube_sim/mod.rs"]
mod kube_sim;

use std::time::Duration;

use juju_sim::{PebbleDaemon, SimState, Unit, pebble_binary, relation};

/// Runs per scenario (override with `BENCH_HOOK_RUNS`).
const RUNS: usize = 200;

fn state(leader: bool, relations: bool) -> SimState {
    let mut state = SimState {
        unit: "my-charm/0".into(),
        leader,
        ..SimState::default()
    };
    state.config.insert("port".into(), 8080.into());
    // config-get reports defaults too, as Juju does.
    state
        .config
        .insert("command".into(), "/usr/bin/my-workload".into());
    state.config.insert("greeting".into(), "hello".into());
    if relations {
        state
            .relations
            .push(relation(1, "relation-1", "frontend", &["frontend/0"]));
        let mut r2 = relation(2, "relation-2", "consumer", &["consumer/0"]);
        r2.remote_app_data
            .insert("namespace".into(), "\"team-a\"".into());
        state.relations.push(r2);
    }
    state
}

/// The forty-component test charm (`tests/src/bin/wide-charm.rs`) with one `db` relation.
fn wide_state(leader: bool) -> SimState {
    let mut state = SimState {
        unit: "wide/0".into(),
        leader,
        ..SimState::default()
    };
    state.config.insert("threshold".into(), 3.into());
    state
        .relations
        .push(relation(5, "db", "postgresql", &["postgresql/0"]));
    state
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("BENCH_HOOK_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(RUNS);
    let server = kube_sim::server();
    server.ensure_namespace("team-a");
    let kubeconfig = server.kubeconfig(kube_sim::User::Admin);
    let my_charm = |leader, relations| {
        let mut unit = Unit::my_charm(&state(leader, relations));
        unit.env.push((
            "RECONCILER_KUBECONFIG".into(),
            kubeconfig.display().to_string(),
        ));
        unit
    };
    let scenarios: Vec<(&str, &str, Unit, bool)> = vec![
        (
            "config-changed",
            "my-charm, leader, both relations",
            my_charm(true, true),
            false,
        ),
        (
            "config-changed",
            "my-charm, non-leader, both relations",
            my_charm(false, true),
            false,
        ),
        (
            "config-changed",
            "my-charm, leader, no relations",
            my_charm(true, false),
            false,
        ),
        (
            "update-status",
            "my-charm, leader, both relations",
            my_charm(true, true),
            false,
        ),
        (
            "update-status",
            "my-charm, non-leader, both relations",
            my_charm(false, true),
            false,
        ),
        (
            "config-changed",
            "wide-charm (40 components), leader",
            Unit::wide(&wide_state(true)),
            false,
        ),
        (
            "config-changed",
            "wide-charm (40 components), non-leader",
            Unit::wide(&wide_state(false)),
            false,
        ),
        (
            "config-changed",
            "my-charm, leader, both relations, Pebble up",
            my_charm(true, true),
            true,
        ),
        (
            "config-changed",
            "my-charm, non-leader, both relations, Pebble up",
            my_charm(false, true),
            true,
        ),
    ];
    println!(
        "| hook | unit | median wall time | hook-tool calls (besides juju-log) | juju-log calls | calls |"
    );
    println!("|---|---|---|---|---|---|");
    for (hook, label, mut unit, pebble_up) in scenarios {
        // The unit's own state: `Unit::my_charm` adds what the state it was given leaves
        // out (the config file's path in the unit's temp dir); each run starts from it.
        let mut initial = unit.state();
        let daemon = if pebble_up {
            let binary =
                pebble_binary().expect("the pebble binary (scripts/install-pebble.sh installs it)");
            let daemon = PebbleDaemon::start(&binary, &unit.scratch("workload"));
            let template = daemon
                .socket()
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .join("{container}/.pebble.socket");
            unit.env.push((
                "RECONCILER_PEBBLE_SOCKET".into(),
                template.display().to_string(),
            ));
            initial.config.insert("command".into(), "sleep 300".into());
            Some(daemon)
        } else {
            unit.env.push((
                "RECONCILER_PEBBLE_SOCKET".into(),
                "/nonexistent/{container}.socket".into(),
            ));
            None
        };
        let path = format!("hooks/{hook}");
        // Warm up (page cache, dynamic loader).
        for _ in 0..5 {
            unit.set_state(&initial);
            unit.dispatch(&path, &[]);
        }
        if pebble_up {
            // The steady state: what the warm-up wrote (relation data, the charm's
            // records) stays, as it would between two hooks under Juju.
            initial = unit.state();
        }
        let changes_after_warm_up = daemon.as_ref().map(|d| d.changes().len());
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        for _ in 0..runs {
            unit.set_state(&initial);
            let run = unit.dispatch(&path, &[]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            times.push(run.elapsed);
            last = Some(run);
        }
        let run = last.expect("at least one run");
        // The steady state changes nothing in Pebble: no replan, no restart.
        assert_eq!(
            daemon.as_ref().map(|d| d.changes().len()),
            changes_after_warm_up,
            "{label}: the measured runs changed something in Pebble"
        );
        if pebble_up {
            assert_eq!(run.code, 0);
            assert!(
                unit.state().unit_status.text()
                    != "waiting: [workload] waiting for Pebble in container workload",
                "{label}: Pebble was not reached"
            );
        }
        let status = unit.state().unit_status.text();
        assert!(
            !status.contains("kubernetes_resources"),
            "{label}: the Kubernetes objects were not applied: {status}"
        );
        let mut tools: Vec<&str> = run.tools();
        tools.dedup();
        let counts: Vec<String> = {
            let mut counts: Vec<(String, usize)> = Vec::new();
            for tool in run.tools() {
                match counts.iter_mut().find(|(t, _)| t == tool) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((tool.to_owned(), 1)),
                }
            }
            counts
                .into_iter()
                .map(|(t, n)| if n > 1 { format!("{t} x{n}") } else { t })
                .collect()
        };
        println!(
            "| {hook} | {label} | {:.2} ms | {} | {} | {} |",
            median(times).as_secs_f64() * 1000.0,
            run.tools().len(),
            run.juju_log_calls(),
            counts.join(", ")
        );
    }
    println!();
    println!("{runs} runs per row; my-charm built with the bench profile.");
}
