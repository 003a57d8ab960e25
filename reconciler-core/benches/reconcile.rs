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
use reconciler_core::testing::{MemoryBackend, State};
use reconciler_core::{Component, Context, DynamicCharm, Event, GraphBuilder, Status};

/// A component with nothing to do: the executor's overhead is all that is left.
struct Trivial;

impl Component for Trivial {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
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

/// The in-memory model as the leader (so the leader phase runs), built once per size
/// outside the timed loop; trivial components call no backend method beyond leadership.
fn leader_backend() -> MemoryBackend {
    MemoryBackend::new(State::default().with_leader(true))
}

fn reconcile_once(
    charm: &mut DynamicCharm,
    backend: &mut MemoryBackend,
) -> reconciler_core::Report {
    let event = Event::ConfigChanged;
    reconciler_core::reconcile(charm, &mut Context::new(backend, &event))
}

fn bench_shape(c: &mut Criterion, shape: Shape, sizes: &[usize]) {
    let mut group = c.benchmark_group(format!("reconcile/{}", shape.label()));
    for &count in sizes {
        let mut charm = shape.build(count);
        let mut backend = leader_backend();
        // Check once, untimed, that the bench measures what it claims: everything ran.
        let report = reconcile_once(&mut charm, &mut backend);
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
            b.iter(|| black_box(reconcile_once(&mut charm, &mut backend)));
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
