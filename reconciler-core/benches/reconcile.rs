//! One reconcile over trivial components, in three graph shapes and growing sizes.
//!
//! Run: `cargo bench -p reconciler-core --bench reconcile`
//! (results and machine details: `docs/benchmarks.md`).
//!
//! What is measured is the executor's own overhead: every component is Active and does no
//! work, so the time is the walk over the execution order, the dependency checks, the
//! status bookkeeping, the report and the aggregation. The graph is built (and validated)
//! once, outside the timed loop; each iteration is one `reconcile` with a fresh `Context`,
//! as a hook would do it.
//!
//! No tracing subscriber is installed, which is the default for a bench binary: the
//! executor's spans and `info!` lines are then disabled at their call sites, so this is
//! the cost with logging off. A charm that installs a subscriber pays for its output on
//! top.
//!
//! Shapes (N components):
//! - `independent`: no dependencies;
//! - `chain`: each component depends on the previous one;
//! - `layered`: layers of 10, each component depends on all 10 of the previous layer
//!   (so about 10·N edges, the densest shape).
//!
//! Throughput is reported per component, so criterion's "elem/s" compares sizes directly.
//! The chain of 20 and the layered graph of 40 are the shapes the Python reference library
//! was timed on (3.6 s and 0.62 s per reconcile).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use reconciler_core::pebble::Pebble;
use reconciler_core::{
    Backend, BackendError, Component, Config, Context, Databag, DynamicCharm, Event, GraphBuilder,
    JsonMap, LogLevel, Member, Port, RelationId, Scope, Status, StatusTarget,
};

/// A component with nothing to do: the executor's overhead is all that is left.
struct Trivial;

impl Component for Trivial {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// A backend that only knows it leads (so the leader phase runs); trivial components call
/// no hook tool, so every other method just fails.
struct Leader;

/// Implements the listed `Backend` methods as failures naming the hook tool.
macro_rules! refuse {
    ($($name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&mut self $(, $arg: $ty)*) -> $ret {
            Err(BackendError::failed(stringify!($name), "not available in this benchmark"))
        })*
    };
}

impl Backend for Leader {
    fn unit_name(&self) -> &str {
        "bench/0"
    }

    fn model_name(&self) -> &str {
        "bench"
    }

    fn is_leader(&mut self) -> Result<bool, BackendError> {
        Ok(true)
    }

    refuse! {
        config(&mut self) -> Result<&Config, BackendError>;
        relation_ids(&mut self, _e: &str) -> Result<Vec<RelationId>, BackendError>;
        relation_units(&mut self, _r: RelationId) -> Result<Vec<String>, BackendError>;
        relation_remote_app(&mut self, _r: RelationId) -> Result<Option<String>, BackendError>;
        relation_get(&mut self, _r: RelationId, _m: &Member) -> Result<Databag, BackendError>;
        relation_set(&mut self, _r: RelationId, _s: Scope, _c: &Databag) -> Result<(), BackendError>;
        status_set(&mut self, _t: StatusTarget, _s: &Status) -> Result<(), BackendError>;
        status_get(&mut self, _t: StatusTarget) -> Result<Status, BackendError>;
        log(&mut self, _l: LogLevel, _m: &str) -> Result<(), BackendError>;
        application_version_set(&mut self, _v: &str) -> Result<(), BackendError>;
        action_params(&mut self) -> Result<JsonMap, BackendError>;
        action_set(&mut self, _r: &JsonMap) -> Result<(), BackendError>;
        action_fail(&mut self, _m: &str) -> Result<(), BackendError>;
        action_log(&mut self, _m: &str) -> Result<(), BackendError>;
        open_port(&mut self, _p: Port) -> Result<(), BackendError>;
        close_port(&mut self, _p: Port) -> Result<(), BackendError>;
        opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;
        state_get(&mut self, _k: &str) -> Result<Option<String>, BackendError>;
        state_set(&mut self, _k: &str, _v: &str) -> Result<(), BackendError>;
        state_delete(&mut self, _k: &str) -> Result<(), BackendError>;
        pebble(&mut self, _c: &str) -> Result<&mut dyn Pebble, BackendError>;
    }
}

#[derive(Clone, Copy, Debug)]
enum Shape {
    Independent,
    Chain,
    Layered,
}

const LAYER: usize = 10;

impl Shape {
    fn label(self) -> &'static str {
        match self {
            Shape::Independent => "independent",
            Shape::Chain => "chain",
            Shape::Layered => "layered",
        }
    }

    /// The dependencies of component `index`, by index.
    fn depends_on(self, index: usize) -> std::ops::Range<usize> {
        match self {
            Shape::Independent => 0..0,
            Shape::Chain if index == 0 => 0..0,
            Shape::Chain => index - 1..index,
            Shape::Layered => {
                let layer = index / LAYER;
                if layer == 0 {
                    0..0
                } else {
                    (layer - 1) * LAYER..layer * LAYER
                }
            }
        }
    }

    fn build(self, count: usize) -> DynamicCharm {
        let names: Vec<String> = (0..count).map(|i| format!("c{i}")).collect();
        let mut builder = GraphBuilder::new();
        for (index, name) in names.iter().enumerate() {
            let depends_on: Vec<&str> = self.depends_on(index).map(|d| names[d].as_str()).collect();
            builder.add(name.clone(), Trivial, &depends_on);
        }
        builder.build().expect("benchmark graphs are valid")
    }
}

fn reconcile_once(charm: &mut DynamicCharm) -> reconciler_core::Report {
    let mut backend = Leader;
    let event = Event::ConfigChanged;
    reconciler_core::reconcile(charm, &mut Context::new(&mut backend, &event))
}

fn bench_shape(c: &mut Criterion, shape: Shape, sizes: &[usize]) {
    let mut group = c.benchmark_group(format!("reconcile/{}", shape.label()));
    for &count in sizes {
        let mut charm = shape.build(count);
        // Check once, untimed, that the bench measures what it claims: everything ran.
        let report = reconcile_once(&mut charm);
        assert_eq!(report.executed.len(), count);
        assert_eq!(report.unit_status, Status::active());

        // Big graphs take milliseconds per iteration; fewer samples over a fixed time keep
        // the whole run within a few minutes without losing a stable median.
        if count >= 10_000 {
            group
                .sample_size(30)
                .measurement_time(Duration::from_secs(6));
        } else {
            group
                .sample_size(60)
                .measurement_time(Duration::from_secs(3));
        }
        group.warm_up_time(Duration::from_secs(1));
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::from_parameter(count), &count, |b, _| {
            b.iter(|| black_box(reconcile_once(&mut charm)));
        });
    }
    group.finish();
}

fn reconcile(c: &mut Criterion) {
    bench_shape(c, Shape::Independent, &[10, 100, 1_000, 10_000]);
    bench_shape(c, Shape::Chain, &[10, 20, 100, 1_000, 10_000]);
    bench_shape(c, Shape::Layered, &[10, 40, 100, 1_000, 10_000]);
}

criterion_group!(benches, reconcile);
criterion_main!(benches);
