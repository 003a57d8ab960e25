//! `docs/execution-order.md` shows what my-charm's unit status, component table and log
//! lines look like in the example charm's failure scenarios, a compile error of the derive, and
//! the `juju-log` calls of a real hook. Every code block after a
//! `<!-- generated: NAME -->` line is produced here, from real runs; this test fails if
//! the doc and the output differ, so the doc cannot drift.
//!
//! After an intended change (a message, my-charm's behaviour), refresh the doc with
//!
//! ```text
//! RECONCILER_UPDATE_DOCS=1 cargo test -p reconciler-tests --test docs_execution_order
//! ```
//!
//! and read the diff.
//!
//! Durations vary from run to run, so they are replaced by `<t>`: `ran in 1.2µs` becomes
//! `ran in <t>`, `failed in 3.0ms` becomes `failed in <t>`, and the `[+4.7ms]` prefix of a
//! batched `juju-log` line becomes `[+<t>]` (see [`normalise`]). Nothing else is changed.

mod juju_sim;
mod kube_sim;

use std::collections::BTreeMap;
use std::path::PathBuf;

use my_charm::{MyCharm, NamespaceRequest, NamespaceResources, PublishAddress, Workload};
use reconciler_components::kubernetes::{InMemoryCluster, KubernetesComponent};
use reconciler_components::pebble_service::PebbleServiceComponent;
use reconciler_components::relation_data::{RelationDataRequirer, RelationDataSender};
use reconciler_core::UpdateStatus;
use reconciler_core::prelude::*;
use reconciler_core::testing::{Container, Harness, Output, Relation, State};

use juju_sim::{SimState, Unit, relation};

const DOC: &str = "docs/execution-order.md";
const UPDATE_VAR: &str = "RECONCILER_UPDATE_DOCS";

fn harness() -> Harness {
    Harness::from_charm_dir(juju_sim::workspace().join("examples/my-charm"))
        .expect("my-charm's charmcraft.yaml")
}

fn relation_1() -> Relation {
    Relation::new(1, "relation-1", "frontend")
}

fn relation_2() -> Relation {
    Relation::new(2, "relation-2", "consumer").with_remote_app_data([("namespace", "\"team-a\"")])
}

/// The leader, with everything present: Pebble up, both relations, the remote data sent,
/// the namespace asked for in the (in-memory) cluster.
fn full_state() -> State {
    State::default()
        .with_unit_name("my-charm/0")
        .with_leader(true)
        .with_container(Container::new("workload"))
        .with_relation(relation_1())
        .with_relation(relation_2())
        .with_extension(InMemoryCluster::new().with_namespace("team-a"))
}

fn run<C: Charm>(event: Event, state: State) -> Output {
    harness().run::<C>(event, state).expect("consistent")
}

/// my-charm with a bug: its `kubernetes_resources` expects a second application on
/// relation-2 and indexes past the end of the list when there is only one.
#[derive(CharmReconciler)]
struct BuggyCharm {
    #[component]
    workload: PebbleServiceComponent<Workload>,
    #[component(depends_on = [workload])]
    relation_1: RelationDataSender<PublishAddress>,
    #[component]
    relation_2: RelationDataRequirer<NamespaceRequest>,
    #[component(depends_on = [relation_2])]
    kubernetes_resources: BuggyResources,
}

impl Charm for BuggyCharm {
    fn new() -> BuggyCharm {
        let MyCharm {
            workload,
            relation_1,
            relation_2,
            ..
        } = MyCharm::new();
        BuggyCharm {
            workload,
            relation_1,
            relation_2,
            kubernetes_resources: BuggyResources,
        }
    }
}

struct BuggyResources;

/// my-charm's components, with `update-status` in status-only mode.
#[derive(CharmReconciler)]
struct StatusOnlyCharm {
    #[component]
    workload: PebbleServiceComponent<Workload>,
    #[component(depends_on = [workload])]
    relation_1: RelationDataSender<PublishAddress>,
    #[component]
    relation_2: RelationDataRequirer<NamespaceRequest>,
    #[component(depends_on = [relation_2])]
    kubernetes_resources: KubernetesComponent<NamespaceResources>,
}

impl Charm for StatusOnlyCharm {
    fn new() -> StatusOnlyCharm {
        let MyCharm {
            workload,
            relation_1,
            relation_2,
            kubernetes_resources,
        } = MyCharm::new();
        StatusOnlyCharm {
            workload,
            relation_1,
            relation_2,
            kubernetes_resources,
        }
    }

    fn update_status(&self) -> UpdateStatus {
        UpdateStatus::StatusOnly
    }
}

impl<'a> Component<&'a RelationDataRequirer<NamespaceRequest>> for BuggyResources {
    fn configure_app_leader(
        &mut self,
        _ctx: &mut Context<'_>,
        relation_2: &'a RelationDataRequirer<NamespaceRequest>,
    ) -> Result<(), ComponentError> {
        let related = relation_2.received();
        let _second = &related[related.len()];
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// Replaces the durations the runtime logs with `<t>`: after `ran in `, `failed in ` and
/// `[+`, a number with a unit (`ns`, `µs`, `ms`, `s`), as `{:.1?}` prints a `Duration`.
fn normalise(text: &str) -> String {
    reconciler_tests::normalise_durations(text)
}

/// The harness's printed table (as `println!("{out}")` shows it).
fn table(out: &Output) -> String {
    out.to_string()
}

/// The log lines the harness captured (`Output::logs`), one `LEVEL message` per line.
fn log(out: &Output) -> String {
    let lines: Vec<String> = out
        .logs
        .iter()
        .map(|record| normalise(&record.to_string()))
        .collect();
    lines.join("\n") + "\n"
}

/// The `juju-log` calls of a real hook of the my-charm binary (through `dispatch`, with the
/// stand-in hook tools): the leader, both relations present, the port option set to 70000,
/// no Pebble, and the test's real Kubernetes API server with the namespace `team-a`.
fn juju_log_calls() -> String {
    let server = kube_sim::server();
    server.ensure_namespace("team-a");
    let kubeconfig = server.kubeconfig(kube_sim::User::Admin);
    let mut state = SimState {
        unit: "my-charm/0".into(),
        leader: true,
        ..SimState::default()
    };
    state.config.insert("port".into(), 70000.into());
    state.config.insert("greeting".into(), "hello".into());
    state
        .config
        .insert("command".into(), "/usr/bin/my-workload".into());
    state
        .relations
        .push(relation(1, "relation-1", "frontend", &["frontend/0"]));
    let mut relation_2 = relation(2, "relation-2", "consumer", &["consumer/0"]);
    relation_2
        .remote_app_data
        .insert("namespace".into(), "\"team-a\"".into());
    state.relations.push(relation_2);
    let unit = Unit::my_charm(&state);
    let run = unit.dispatch(
        "hooks/config-changed",
        &[(
            "RECONCILER_KUBECONFIG",
            kubeconfig.to_str().expect("a UTF-8 path"),
        )],
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let calls: Vec<String> = run
        .calls
        .iter()
        .filter(|call| call[0] == "juju-log")
        .map(|call| normalise(&call.join(" ")))
        .collect();
    calls.join("\n") + "\n"
}

/// Every generated block, by the name its marker in the doc uses.
fn generated() -> BTreeMap<String, String> {
    let mut blocks = BTreeMap::new();
    let mut add = |name: &str, text: String| {
        blocks.insert(name.to_owned(), text);
    };

    let cycle = std::fs::read_to_string(juju_sim::workspace().join("tests/ui/cycle.stderr"))
        .expect("tests/ui/cycle.stderr");
    add("tests/ui/cycle.stderr", cycle);

    let scenarios: [(&str, Output); 5] = [
        (
            "everything-present",
            run::<my_charm::MyCharm>(Event::ConfigChanged, full_state()),
        ),
        (
            "pebble-not-up",
            run::<my_charm::MyCharm>(
                Event::ConfigChanged,
                full_state().with_container(Container::new("workload").unreachable()),
            ),
        ),
        (
            "relation-2-no-data",
            run::<my_charm::MyCharm>(
                Event::ConfigChanged,
                full_state()
                    .without_relation(relation_2().id)
                    .with_relation(Relation::new(2, "relation-2", "consumer")),
            ),
        ),
        (
            "bad-port",
            run::<my_charm::MyCharm>(
                Event::ConfigChanged,
                full_state().with_config("port", 70000),
            ),
        ),
        (
            "panic",
            run::<BuggyCharm>(Event::ConfigChanged, full_state()),
        ),
    ];
    for (name, out) in &scenarios {
        add(&format!("{name}/table"), table(out));
        add(&format!("{name}/log"), log(out));
    }

    let installed = run::<my_charm::MyCharm>(Event::ConfigChanged, full_state());
    let left = run::<my_charm::MyCharm>(
        Event::relation_broken(&relation_2()),
        installed.state.clone(),
    );
    add("relation-2-broken/table", table(&left));
    add("relation-2-broken/log", log(&left));
    let status_only = run::<StatusOnlyCharm>(Event::UpdateStatus, installed.state.clone());
    add("update-status-only/table", table(&status_only));
    let removed = run::<my_charm::MyCharm>(Event::Remove, installed.state);
    add("remove/table", table(&removed));
    add("remove/log", log(&removed));

    add("juju-log/bad-port", juju_log_calls());
    blocks
}

/// A generated block in the doc: its name and the byte range of its contents.
struct Block {
    name: String,
    contents: std::ops::Range<usize>,
}

/// The code blocks that follow a `<!-- generated: NAME -->` line.
fn blocks_in(doc: &str) -> Vec<Block> {
    let mut found = Vec::new();
    let mut offset = 0;
    let mut lines = doc.split_inclusive('\n');
    while let Some(line) = lines.next() {
        offset += line.len();
        let Some(name) = line
            .trim()
            .strip_prefix("<!-- generated: ")
            .and_then(|rest| rest.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.next().unwrap_or_default();
        assert!(
            fence.starts_with("```"),
            "{DOC}: the marker for {name} must be followed by a code block, found {fence:?}"
        );
        offset += fence.len();
        let start = offset;
        for line in lines.by_ref() {
            if line.trim_end() == "```" {
                found.push(Block {
                    name: name.to_owned(),
                    contents: start..offset,
                });
                offset += line.len();
                break;
            }
            offset += line.len();
        }
    }
    found
}

#[test]
fn doc_shows_real_output() {
    let path: PathBuf = juju_sim::workspace().join(DOC);
    let doc = std::fs::read_to_string(&path).expect(DOC);
    let generated = generated();
    let blocks = blocks_in(&doc);

    if std::env::var_os(UPDATE_VAR).is_some() {
        let mut updated = doc.clone();
        for block in blocks.iter().rev() {
            let text = generated.get(&block.name).unwrap_or_else(|| {
                panic!("{DOC} has a block {} that is not generated", block.name)
            });
            updated.replace_range(block.contents.clone(), text);
        }
        std::fs::write(&path, updated).expect("writing the doc");
        return;
    }

    let mut problems = Vec::new();
    for block in &blocks {
        match generated.get(&block.name) {
            None => problems.push(format!(
                "{DOC} has a block {} that is not generated",
                block.name
            )),
            Some(text) if doc[block.contents.clone()] != *text => problems.push(format!(
                "{DOC}, block {}: stale; the output now is:\n{text}",
                block.name
            )),
            Some(_) => {}
        }
    }
    for name in generated.keys() {
        if !blocks.iter().any(|b| &b.name == name) {
            problems.push(format!("{DOC} does not show the block {name}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n\nRefresh with {UPDATE_VAR}=1 cargo test -p reconciler-tests --test docs_execution_order",
        problems.join("\n\n")
    );
}

#[test]
fn durations_are_normalised_and_nothing_else() {
    assert_eq!(
        normalise("INFO workload ran in 12.3µs: waiting: waiting for Pebble in container workload"),
        "INFO workload ran in <t>: waiting: waiting for Pebble in container workload"
    );
    assert_eq!(
        normalise("[+4.7ms] relation_2 failed in 2.0s: no data\n[+850.0ns] x ran in 1.0ms: active"),
        "[+<t>] relation_2 failed in <t>: no data\n[+<t>] x ran in <t>: active"
    );
    assert_eq!(normalise("[+x] ran in time"), "[+x] ran in time");
}
