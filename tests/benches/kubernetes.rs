//! `KubernetesComponent` against the real API server of `kube_sim`: one reconcile (on the
//! in-memory harness, as the leader, with an explicit kubeconfig) that applies 50
//! ConfigMaps into a fresh namespace, then one that finds them all unchanged; a hook with
//! one object that exists already (the runtime, the client, one TLS connection, one apply
//! and one list: what a small charm pays per hook); and one with nothing desired and
//! nothing recorded (no client is built). Prints the median of many runs of each.
//! `scripts/bench-kubernetes.sh` runs it; the figures are in docs/benchmarks.md
//! ("Kubernetes objects").

#[path = "../tests/kube_sim/mod.rs"]
mod kube_sim;

use std::time::{Duration, Instant};

use reconciler_components::kubernetes::{KubernetesComponent, KubernetesObjects, Object};
use reconciler_core::prelude::*;
use reconciler_core::testing::{Harness, Output, State};

const OBJECTS: usize = 50;

struct Fixed(Vec<serde_json::Value>);

impl KubernetesObjects for Fixed {
    fn objects(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<Object>, ComponentError> {
        Ok(self.0.iter().map(Object::typed).collect())
    }
}

#[derive(CharmReconciler)]
struct Bench {
    #[component]
    resources: KubernetesComponent<Fixed>,
}

impl Charm for Bench {
    fn new() -> Bench {
        unreachable!("built with run_with")
    }
}

fn objects(namespace: &str) -> Vec<serde_json::Value> {
    (0..OBJECTS)
        .map(|i| {
            serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("bench-{i}"), "namespace": namespace},
                "data": {"index": i.to_string(), "greeting": "hello"},
            })
        })
        .collect()
}

fn reconcile(
    harness: &Harness,
    objects: Vec<serde_json::Value>,
    state: State,
) -> (Duration, Output) {
    let kubeconfig = kube_sim::server().kubeconfig(kube_sim::User::Admin);
    let started = Instant::now();
    let out = harness
        .run_with(
            move || Bench {
                resources: KubernetesComponent::new("resources", Fixed(objects))
                    .with_kubeconfig(kubeconfig),
            },
            Event::ConfigChanged,
            state,
        )
        .expect("consistent");
    let elapsed = started.elapsed();
    assert_eq!(out.unit_status, Status::active(), "{out}");
    (elapsed, out)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("BENCH_KUBE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let server = kube_sim::server();
    eprintln!("API server ready in {:.1?}", server.started_in);
    let harness = Harness::from_yaml("name: bench\n").unwrap();
    let leader = State::default().with_unit_name("bench/0").with_leader(true);

    let (mut apply, mut unchanged, mut empty, mut one) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // One warm-up round, then `runs` measured rounds, each in a fresh namespace.
    for round in 0..=runs {
        let namespace = format!("bench-{round}");
        kube_sim::server().create_namespace(&namespace);
        let (first, out) = reconcile(&harness, objects(&namespace), leader.clone());
        let (second, _) = reconcile(&harness, objects(&namespace), out.state);
        let (none, _) = reconcile(&harness, Vec::new(), leader.clone());
        // One object in a namespace of its own, made by an earlier hook; this hook finds
        // it unchanged (the state records only this namespace, so nothing else is listed).
        let alone = format!("bench-one-{round}");
        kube_sim::server().create_namespace(&alone);
        let (_, made) = reconcile(&harness, objects(&alone)[..1].to_vec(), leader.clone());
        let (first_of_one, _) = reconcile(&harness, objects(&alone)[..1].to_vec(), made.state);
        if round > 0 {
            apply.push(first);
            unchanged.push(second);
            empty.push(none);
            one.push(first_of_one);
        }
    }
    println!("| reconcile | median |");
    println!("|---|---|");
    println!(
        "| apply {OBJECTS} new ConfigMaps | {:.1} ms |",
        median(apply).as_secs_f64() * 1e3
    );
    println!(
        "| re-apply the same {OBJECTS}, unchanged (apply each, list to prune) | {:.1} ms |",
        median(unchanged).as_secs_f64() * 1e3
    );
    println!(
        "| one object, unchanged (runtime, client, TLS connection, apply, list) | {:.2} ms |",
        median(one).as_secs_f64() * 1e3
    );
    println!(
        "| nothing desired, nothing recorded (no client, no request) | {:.3} ms |",
        median(empty).as_secs_f64() * 1e3
    );
    println!();
    println!("{runs} runs per row, after one warm-up round.");

    // The Python reference on the same server, when a Python with it is named.
    if let Some(python) = std::env::var_os("BENCH_KUBE_PYTHON") {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scripts/bench-kubernetes-python.py");
        let out = std::process::Command::new(python)
            .arg(script)
            .arg(server.kubeconfig(kube_sim::User::Admin))
            .arg(runs.to_string())
            .output()
            .expect("the Python benchmark runs");
        println!();
        print!("{}", String::from_utf8_lossy(&out.stdout));
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "the Python benchmark failed");
    }
}
