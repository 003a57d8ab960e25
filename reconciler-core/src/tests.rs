//! Unit tests of the executor's rules, with scripted components.

use std::cell::RefCell;
use std::rc::Rc;

use crate::*;

/// A backend whose leadership can be read, or fails to be.
struct Leadership(Result<bool, ()>);

impl Leadership {
    fn backend(self) -> Box<dyn Backend> {
        match self.0 {
            Ok(leader) => Box::new(testing::MemoryBackend::new(
                testing::State::default().with_leader(leader),
            )),
            Err(()) => Box::new(Unreadable(testing::MemoryBackend::new(Default::default()))),
        }
    }
}

/// A backend whose `is-leader` fails, as a hook tool can.
struct Unreadable(testing::MemoryBackend);

macro_rules! delegate {
    ($($name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&mut self $(, $arg: $ty)*) -> $ret { self.0.$name($($arg),*) })*
    };
}

impl Backend for Unreadable {
    fn unit_name(&self) -> &str {
        self.0.unit_name()
    }
    fn model_name(&self) -> &str {
        self.0.model_name()
    }
    fn is_leader(&mut self) -> Result<bool, BackendError> {
        Err(BackendError::failed(
            "is-leader --format=json",
            "exit status 1",
        ))
    }
    delegate! {
        config(&mut self) -> Result<&Config, BackendError>;
        relation_ids(&mut self, e: &str) -> Result<Vec<RelationId>, BackendError>;
        relation_units(&mut self, r: RelationId) -> Result<Vec<String>, BackendError>;
        relation_remote_app(&mut self, r: RelationId) -> Result<Option<String>, BackendError>;
        relation_get(&mut self, r: RelationId, m: &Member) -> Result<Databag, BackendError>;
        relation_set(&mut self, r: RelationId, s: Scope, c: &Databag) -> Result<(), BackendError>;
        status_set(&mut self, t: Scope, s: &Status) -> Result<(), BackendError>;
        status_get(&mut self, t: Scope) -> Result<Status, BackendError>;
        log(&mut self, l: LogLevel, m: &str) -> Result<(), BackendError>;
        application_version_set(&mut self, v: &str) -> Result<(), BackendError>;
        action_params(&mut self) -> Result<JsonMap, BackendError>;
        action_set(&mut self, r: &JsonMap) -> Result<(), BackendError>;
        action_fail(&mut self, m: &str) -> Result<(), BackendError>;
        action_log(&mut self, m: &str) -> Result<(), BackendError>;
        open_port(&mut self, p: Port) -> Result<(), BackendError>;
        close_port(&mut self, p: Port) -> Result<(), BackendError>;
        opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;
        state_get(&mut self, k: &str) -> Result<Option<String>, BackendError>;
        state_set(&mut self, k: &str, v: &str) -> Result<(), BackendError>;
        state_delete(&mut self, k: &str) -> Result<(), BackendError>;
        pebble(&mut self, c: &str) -> Result<&mut dyn pebble::Pebble, BackendError>;
    }
}

/// What a scripted component does when configured.
#[derive(Clone)]
enum Script {
    Status(Status),
    Fail(ComponentError),
    PanicInConfigure,
    PanicInStatus,
    NotReady(Status),
}

impl Clone for ComponentError {
    fn clone(&self) -> ComponentError {
        let mut e = ComponentError::new(self.message());
        if let Some(status) = self.explicit_status() {
            e = e.with_status(status.clone());
        }
        e
    }
}

/// Records every call into a shared journal so tests can assert order and counts.
struct Scripted {
    name: &'static str,
    script: Script,
    journal: Rc<RefCell<Vec<String>>>,
}

impl Component for Scripted {
    fn configure_unit(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.journal
            .borrow_mut()
            .push(format!("{}.configure_unit", self.name));
        match &self.script {
            Script::Fail(e) => Err(e.clone()),
            Script::PanicInConfigure => panic!("{} exploded", self.name),
            _ => Ok(()),
        }
    }

    fn configure_app_leader(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.journal
            .borrow_mut()
            .push(format!("{}.configure_app_leader", self.name));
        Ok(())
    }

    fn configure_app_non_leader(
        &mut self,
        _: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        self.journal
            .borrow_mut()
            .push(format!("{}.configure_app_non_leader", self.name));
        Ok(())
    }

    fn remove(&mut self, _: &mut Context<'_>) -> Result<(), ComponentError> {
        self.journal
            .borrow_mut()
            .push(format!("{}.remove", self.name));
        match &self.script {
            Script::Fail(e) => Err(e.clone()),
            Script::PanicInConfigure => panic!("{} exploded in remove", self.name),
            _ => Ok(()),
        }
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        self.journal
            .borrow_mut()
            .push(format!("{}.status", self.name));
        match &self.script {
            Script::Status(status) | Script::NotReady(status) => status.clone(),
            Script::PanicInStatus => panic!("no status for {}", self.name),
            _ => Status::active(),
        }
    }

    fn ready_for_execution(&self, _: &mut Context<'_>) -> bool {
        !matches!(self.script, Script::NotReady(_))
    }
}

struct Fixture {
    builder: GraphBuilder,
    journal: Rc<RefCell<Vec<String>>>,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            builder: GraphBuilder::new(),
            journal: Rc::default(),
        }
    }

    fn add(mut self, name: &'static str, script: Script, depends_on: &[&str]) -> Fixture {
        let component = Scripted {
            name,
            script,
            journal: self.journal.clone(),
        };
        self.builder.add(name, component, depends_on);
        self
    }

    fn reconcile(self, leader: bool) -> (Report, Vec<String>) {
        let mut charm = self.builder.build().expect("valid graph");
        let mut backend = Leadership(Ok(leader)).backend();
        let event = Event::ConfigChanged;
        let report = reconcile(&mut charm, &mut Context::new(&mut *backend, &event));
        let journal = self.journal.borrow().clone();
        (report, journal)
    }
}

fn active() -> Script {
    Script::Status(Status::active())
}

/// The example charm of the execution-order guide: workload; relation_1 -> workload; relation_2;
/// kubernetes_resources -> relation_2.
fn seed(workload: Script, relation_2: Script) -> Fixture {
    Fixture::new()
        .add("workload", workload, &[])
        .add("relation_1", active(), &["workload"])
        .add("relation_2", relation_2, &[])
        .add("kubernetes_resources", active(), &["relation_2"])
}

#[test]
fn everything_active_gives_plain_active() {
    let (report, _) = seed(active(), active()).reconcile(true);
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(
        report.executed_names(),
        [
            "workload",
            "relation_1",
            "relation_2",
            "kubernetes_resources"
        ]
    );
    assert!(report.components.iter().all(|c| c.outcome == Outcome::Ran));
}

#[test]
fn blocked_workload_does_not_block_the_independent_branch() {
    let (report, _) = seed(Script::Status(Status::blocked("bad image")), active()).reconcile(true);
    assert_eq!(
        report.executed_names(),
        ["workload", "relation_2", "kubernetes_resources"]
    );
    assert_eq!(
        report.component("relation_1").unwrap(),
        &ComponentReport {
            name: "relation_1".into(),
            status: Status::maintenance("waiting on workload (blocked: bad image)"),
            outcome: Outcome::Skipped {
                waiting_on: vec!["workload".into()]
            },
        }
    );
    assert_eq!(report.unit_status, Status::blocked("[workload] bad image"));
}

#[test]
fn missing_relation_makes_kubernetes_resources_wait() {
    let (report, _) =
        seed(active(), Script::Status(Status::waiting("no relation"))).reconcile(true);
    assert_eq!(
        report.status_of("kubernetes_resources"),
        Some(&Status::maintenance(
            "waiting on relation_2 (waiting: no relation)"
        ))
    );
    assert_eq!(
        report.unit_status,
        Status::waiting("[relation_2] no relation")
    );
}

#[test]
fn skipped_status_names_every_inactive_dependency() {
    let (report, _) = Fixture::new()
        .add("a", Script::Status(Status::blocked("x")), &[])
        .add("b", active(), &[])
        .add("c", Script::Status(Status::waiting("")), &[])
        .add("d", active(), &["a", "b", "c"])
        .reconcile(true);
    assert_eq!(
        report.status_of("d"),
        Some(&Status::maintenance(
            "waiting on a (blocked: x), c (waiting)"
        ))
    );
    assert_eq!(
        report.component("d").unwrap().outcome,
        Outcome::Skipped {
            waiting_on: vec!["a".into(), "c".into()]
        }
    );
}

#[test]
fn active_with_message_counts_as_active_for_dependents() {
    let (report, _) = Fixture::new()
        .add("a", Script::Status(Status::active_with("on :80")), &[])
        .add("b", active(), &["a"])
        .reconcile(true);
    assert_eq!(report.executed_names(), ["a", "b"]);
    assert_eq!(report.unit_status, Status::active_with("[a] on :80"));
}

#[test]
fn transitive_skips_cascade() {
    let (report, _) = Fixture::new()
        .add("a", Script::Status(Status::blocked("x")), &[])
        .add("b", active(), &["a"])
        .add("c", active(), &["b"])
        .reconcile(true);
    assert_eq!(report.executed_names(), ["a"]);
    assert_eq!(
        report.status_of("c"),
        Some(&Status::maintenance(
            "waiting on b, held back by a (blocked: x)"
        ))
    );
}

#[test]
fn a_long_chain_names_the_root_once_instead_of_nesting() {
    let mut fixture = Fixture::new().add("c0", Script::Status(Status::waiting("no leader")), &[]);
    for i in 1..=30 {
        let name: &'static str = Box::leak(format!("c{i}").into_boxed_str());
        let previous = format!("c{}", i - 1);
        fixture = fixture.add(name, active(), &[previous.as_str()]);
    }
    let (report, _) = fixture.reconcile(true);
    assert_eq!(
        report.status_of("c30"),
        Some(&Status::maintenance(
            "waiting on c29, held back by c0 (waiting: no leader)"
        ))
    );
    assert_eq!(
        report.status_of("c1"),
        Some(&Status::maintenance("waiting on c0 (waiting: no leader)"))
    );
}

#[test]
fn own_reasons_and_held_back_dependencies_are_told_apart() {
    // d waits on a (blocked for its own reason) and on b and c, which a and e hold back.
    let (report, _) = Fixture::new()
        .add("a", Script::Status(Status::blocked("x")), &[])
        .add("e", Script::Status(Status::waiting("y")), &[])
        .add("b", active(), &["a"])
        .add("c", active(), &["e", "b"])
        .add("d", active(), &["a", "b", "c"])
        .reconcile(true);
    assert_eq!(
        report.status_of("c"),
        Some(&Status::maintenance(
            "waiting on e (waiting: y); on b, held back by a (blocked: x)"
        ))
    );
    assert_eq!(
        report.status_of("d"),
        Some(&Status::maintenance(
            "waiting on a (blocked: x); on b, c, held back by a, e (waiting: y)"
        ))
    );
}

#[test]
fn leader_runs_unit_then_leader_phase_and_status_once() {
    let (_, journal) = Fixture::new().add("a", active(), &[]).reconcile(true);
    assert_eq!(
        journal,
        ["a.configure_unit", "a.configure_app_leader", "a.status"]
    );
}

#[test]
fn non_leader_runs_unit_then_non_leader_phase() {
    let (_, journal) = Fixture::new().add("a", active(), &[]).reconcile(false);
    assert_eq!(
        journal,
        ["a.configure_unit", "a.configure_app_non_leader", "a.status"]
    );
}

#[test]
fn unreadable_leadership_configures_as_non_leader() {
    let fixture = Fixture::new().add("a", active(), &[]);
    let journal = fixture.journal.clone();
    let mut charm = fixture.builder.build().unwrap();
    let mut backend = Leadership(Err(())).backend();
    let event = Event::ConfigChanged;
    let report = reconcile(&mut charm, &mut Context::new(&mut *backend, &event));
    assert_eq!(report.unit_status, Status::active());
    assert_eq!(journal.borrow()[1], "a.configure_app_non_leader");
}

#[test]
fn returned_error_without_status_is_blocked_with_its_chain() {
    let error = ComponentError::new("pushing layer");
    let (report, journal) = Fixture::new()
        .add("a", Script::Fail(error), &[])
        .add("b", active(), &["a"])
        .add("c", active(), &[])
        .reconcile(true);
    assert_eq!(
        report.component("a").unwrap(),
        &ComponentReport {
            name: "a".into(),
            status: Status::blocked("pushing layer"),
            outcome: Outcome::Failed {
                error: "pushing layer".into()
            },
        }
    );
    // A failing component's status comes from its error; status() is not called, and
    // the app phase does not run after a failed unit phase.
    assert_eq!(
        journal,
        [
            "a.configure_unit",
            "c.configure_unit",
            "c.configure_app_leader",
            "c.status"
        ]
    );
    assert_eq!(report.executed_names(), ["a", "c"]);
    assert_eq!(report.unit_status, Status::blocked("[a] pushing layer"));
}

#[test]
fn returned_error_carries_its_status() {
    let (report, _) = Fixture::new()
        .add(
            "db",
            Script::Fail(ComponentError::waiting("database not ready")),
            &[],
        )
        .reconcile(true);
    assert_eq!(
        report.unit_status,
        Status::waiting("[db] database not ready")
    );
}

#[test]
fn panic_in_configure_is_contained() {
    let (report, _) = Fixture::new()
        .add("a", Script::PanicInConfigure, &[])
        .add("b", active(), &["a"])
        .add("c", active(), &[])
        .reconcile(true);
    assert_eq!(
        report.component("a").unwrap().outcome,
        Outcome::Panicked {
            message: "a exploded".into()
        }
    );
    assert_eq!(
        report.status_of("a"),
        Some(&Status::error("panicked in configure: a exploded"))
    );
    assert_eq!(
        report.status_of("b"),
        Some(&Status::maintenance(
            "waiting on a (error: panicked in configure: a exploded)"
        ))
    );
    assert_eq!(report.status_of("c"), Some(&Status::active()));
    assert_eq!(
        report.unit_status,
        Status::blocked("error: [a] panicked in configure: a exploded")
    );
}

#[test]
fn panic_in_status_is_contained() {
    let (report, _) = Fixture::new()
        .add("a", Script::PanicInStatus, &[])
        .reconcile(true);
    assert_eq!(
        report.status_of("a"),
        Some(&Status::error("panicked in status: no status for a"))
    );
}

#[test]
fn not_ready_component_is_skipped_and_cannot_claim_active() {
    let (report, journal) = Fixture::new()
        .add("a", Script::NotReady(Status::active()), &[])
        .add("b", Script::NotReady(Status::blocked("needs leader")), &[])
        .add("c", active(), &["a"])
        .reconcile(true);
    assert_eq!(journal, ["a.status", "b.status"]);
    assert_eq!(
        report.status_of("a"),
        Some(&Status::waiting("not ready for execution"))
    );
    assert_eq!(report.component("b").unwrap().outcome, Outcome::NotReady);
    assert_eq!(
        report.status_of("b"),
        Some(&Status::blocked("needs leader"))
    );
    assert_eq!(report.executed_names(), Vec::<&str>::new());
}

#[test]
fn worst_status_ties_go_to_declaration_order_not_run_order() {
    // "late" is declared first but runs last (it depends on "early").
    let (report, _) = Fixture::new()
        .add("late", Script::Status(Status::blocked("late")), &["early"])
        .add("early", Script::Status(Status::active()), &[])
        .add("other", Script::Status(Status::blocked("other")), &[])
        .reconcile(true);
    assert_eq!(report.executed_names(), ["early", "late", "other"]);
    assert_eq!(report.unit_status, Status::blocked("[late] late"));
}

#[test]
fn worst_status_ties_name_the_root_cause_not_a_component_waiting_on_it() {
    // c0 is declared first but is held back by c1, which is busy: both are Maintenance,
    // and the unit status names c1, the cause, not c0, which only waits on it.
    let (report, _) = Fixture::new()
        .add("c0", active(), &["c1"])
        .add("c1", Script::Status(Status::maintenance("migrating")), &[])
        .reconcile(true);
    assert_eq!(
        report.status_of("c0"),
        Some(&Status::maintenance(
            "waiting on c1 (maintenance: migrating)"
        ))
    );
    assert_eq!(report.unit_status, Status::maintenance("[c1] migrating"));
}

#[test]
fn empty_charm_is_active() {
    let (report, _) = Fixture::new().reconcile(true);
    assert_eq!(report.unit_status, Status::active());
    assert!(report.components.is_empty());
}

#[test]
fn remove_runs_in_reverse_order_and_continues_past_failures() {
    let fixture = Fixture::new()
        .add("workload", active(), &[])
        .add(
            "relation_1",
            Script::Fail(ComponentError::new("nope")),
            &["workload"],
        )
        .add("relation_2", Script::PanicInConfigure, &[])
        .add("kubernetes_resources", active(), &["relation_2"]);
    let journal = fixture.journal.clone();
    let mut charm = fixture.builder.build().unwrap();
    let mut backend = Leadership(Ok(true)).backend();
    let event = Event::Remove;
    let report = remove(&mut charm, &mut Context::new(&mut *backend, &event));
    assert_eq!(
        *journal.borrow(),
        [
            "kubernetes_resources.remove",
            "relation_2.remove",
            "relation_1.remove",
            "workload.remove"
        ]
    );
    assert_eq!(
        report.failures,
        [
            (
                "relation_2".to_owned(),
                "panicked: relation_2 exploded in remove".to_owned()
            ),
            ("relation_1".to_owned(), "nope".to_owned())
        ]
    );
    assert_eq!(report.removed.len(), 4);
}

#[test]
fn builder_refuses_bad_graphs_with_every_problem() {
    let mut builder = GraphBuilder::new();
    let journal = Rc::default();
    for (name, deps) in [
        ("workload", &["workload"][..]),
        ("relation_1", &["worklaod"]),
        ("relation_1", &[]),
        ("x", &["y", "y"]),
        ("y", &["x"]),
    ] {
        builder.add(
            name,
            Scripted {
                name,
                script: active(),
                journal: Rc::clone(&journal),
            },
            deps,
        );
    }
    let error = builder.build().unwrap_err();
    assert_eq!(
        error.problems,
        [
            GraphProblem::DuplicateName {
                name: "relation_1".into()
            },
            GraphProblem::SelfDependency {
                component: "workload".into()
            },
            GraphProblem::UnknownDependency {
                component: "relation_1".into(),
                dependency: "worklaod".into(),
                suggestion: Some("workload".into())
            },
            GraphProblem::DuplicateDependency {
                component: "x".into(),
                dependency: "y".into()
            },
            GraphProblem::Cycle {
                path: vec!["x".into(), "y".into(), "x".into()]
            },
        ]
    );
}

/// The shape of what the derive generates, written by hand: typed dependencies reach the
/// dependent as shared references, and inference finds each component's `Deps`.
mod typed_deps {
    use super::*;

    struct Workload {
        port: u16,
    }
    impl Component for Workload {
        fn status(&self, _: &mut Context<'_>) -> Status {
            Status::active()
        }
    }

    struct Website {
        url: Option<String>,
    }
    impl<'a> Component<&'a Workload> for Website {
        fn configure_unit(
            &mut self,
            _: &mut Context<'_>,
            workload: &'a Workload,
        ) -> Result<(), ComponentError> {
            self.url = Some(format!("http://localhost:{}", workload.port));
            Ok(())
        }
        fn status(&self, _: &mut Context<'_>) -> Status {
            match &self.url {
                Some(url) => Status::active_with(url.clone()),
                None => Status::waiting("no url"),
            }
        }
    }

    struct Charm {
        workload: Workload,
        website: Website,
    }

    impl crate::reconciler::__private::Sealed for Charm {}

    impl CharmReconciler for Charm {
        fn component_count(&self) -> usize {
            2
        }
        fn component_name(&self, index: usize) -> &str {
            ["workload", "website"][index]
        }
        fn component_depends_on(&self, index: usize) -> &[usize] {
            const DEPENDS_ON: [&[usize]; 2] = [&[], &[0]];
            DEPENDS_ON[index]
        }
        fn execution_order(&self) -> &[usize] {
            &[0, 1]
        }
        fn component_ready(&self, index: usize, ctx: &mut Context<'_>) -> bool {
            match index {
                0 => Component::ready_for_execution(&self.workload, ctx),
                _ => Component::ready_for_execution(&self.website, ctx),
            }
        }
        fn configure_component(
            &mut self,
            index: usize,
            ctx: &mut Context<'_>,
            leader: bool,
        ) -> Result<(), ComponentError> {
            match index {
                0 => __private::configure(&mut self.workload, ctx, leader, ()),
                _ => __private::configure(&mut self.website, ctx, leader, (&self.workload, ())),
            }
        }
        fn component_status(&self, index: usize, ctx: &mut Context<'_>) -> Status {
            match index {
                0 => Component::status(&self.workload, ctx),
                _ => Component::status(&self.website, ctx),
            }
        }
        fn remove_component(
            &mut self,
            index: usize,
            ctx: &mut Context<'_>,
        ) -> Result<(), ComponentError> {
            match index {
                0 => Component::remove(&mut self.workload, ctx),
                _ => Component::remove(&mut self.website, ctx),
            }
        }
        fn component_observes(&self, index: usize) -> Vec<Observe> {
            match index {
                0 => Component::observes(&self.workload),
                _ => Component::observes(&self.website),
            }
        }
    }

    #[test]
    fn dependent_reads_its_dependency() {
        let mut charm = Charm {
            workload: Workload { port: 8080 },
            website: Website { url: None },
        };
        let mut backend = Leadership(Ok(false)).backend();
        let event = Event::ConfigChanged;
        let report = reconcile(&mut charm, &mut Context::new(&mut *backend, &event));
        assert_eq!(
            report.unit_status,
            Status::active_with("[website] http://localhost:8080")
        );
    }
}

/// The log lines of one reconcile, with durations replaced by `<t>` so they can be compared.
fn logged_lines(fixture: Fixture) -> Vec<String> {
    use tracing_subscriber::layer::SubscriberExt;
    let (layer, records) = crate::logging::collector();
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        fixture.reconcile(true);
    });
    let records = records.lock().unwrap();
    records
        .iter()
        .map(|r| {
            let mut line = format!("{} {}", r.level.as_str(), r.message);
            // Only the duration after "ran in " / "failed in " varies between runs.
            for anchor in ["ran in ", "failed in "] {
                if let Some(at) = line.find(anchor) {
                    let start = at + anchor.len();
                    if let Some(end) = line[start..].find(':') {
                        line.replace_range(start..start + end, "<t>");
                    }
                }
            }
            line
        })
        .collect()
}

#[test]
fn one_line_per_component_and_a_summary() {
    let lines = logged_lines(seed(
        Script::Status(Status::blocked("bad image")),
        Script::Fail(ComponentError::waiting("no relation-2 data")),
    ));
    assert_eq!(
        lines,
        [
            "INFO workload ran in <t>: blocked: bad image",
            "INFO relation_1 skipped, waiting on workload (blocked: bad image)",
            "WARNING relation_2 failed in <t>: waiting: no relation-2 data",
            "INFO kubernetes_resources skipped, waiting on relation_2 (waiting: no relation-2 data)",
            "INFO unit status blocked: [workload] bad image; components: \
             workload=[blocked: bad image], \
             relation_1=[maintenance: waiting on workload (blocked: bad image)], \
             relation_2=[waiting: no relation-2 data], \
             kubernetes_resources=[maintenance: waiting on relation_2 (waiting: no relation-2 data)]",
        ]
    );
}
