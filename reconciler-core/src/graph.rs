//! Component graphs built at run time, for charms whose components are only known then
//! (for example one component per entry of a config option).
//!
//! The derive is the usual way to declare a graph; this builder applies the same rules
//! (the same code, from `reconciler-graph`) when the graph is assembled, and yields a
//! [`DynamicCharm`] the executor drives exactly like a derived charm.
//!
//! A [`DynamicCharm`] is not a [`Charm`](crate::Charm) (it is not built by a `new()`
//! without arguments), but it is an [`EventHandler`]: hand
//! [`handle_event_with`](crate::handle_event_with), the in-memory harness
//! (`Harness::run_with`) or [`run_charm`](crate::juju::run_charm) the closure that builds
//! it.

use crate::component::Component;
use crate::context::Context;
use crate::dispatch::{EventHandler, Handled, UpdateStatus};
use crate::error::{ComponentError, GraphError, GraphProblem};
use crate::event::Observe;
use crate::reconciler::CharmReconciler;
use crate::status::Status;

/// Assembles a component graph at run time and validates it.
///
/// ```
/// use reconciler_core::{Component, Context, GraphBuilder, Status};
///
/// struct Trivial;
/// impl Component for Trivial {
///     fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }
/// }
///
/// let mut builder = GraphBuilder::new();
/// builder.add("workload", Trivial, &[]);
/// builder.add("relation_1", Trivial, &["workload"]);
/// let charm = builder.build().unwrap();
/// # let _ = charm;
///
/// let mut bad = GraphBuilder::new();
/// bad.add("a", Trivial, &["b"]);
/// bad.add("b", Trivial, &["a"]);
/// assert_eq!(
///     bad.build().unwrap_err().to_string(),
///     "invalid component graph: dependency cycle: a -> b -> a",
/// );
/// ```
#[derive(Default)]
pub struct GraphBuilder {
    names: Vec<String>,
    components: Vec<Box<dyn Component>>,
    depends_on: Vec<Vec<String>>,
}

impl GraphBuilder {
    /// An empty graph.
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    /// Adds a component named `name` that depends on the components named in `depends_on`.
    /// Components built this way read nothing from their dependencies (their `Deps` is
    /// `()`); order and gating work as for derived charms.
    pub fn add(
        &mut self,
        name: impl Into<String>,
        component: impl Component + 'static,
        depends_on: &[&str],
    ) -> &mut GraphBuilder {
        self.names.push(name.into());
        self.components.push(Box::new(component));
        self.depends_on
            .push(depends_on.iter().map(|&d| d.to_owned()).collect());
        self
    }

    /// Validates the graph: names are unique, every dependency exists, nothing depends on
    /// itself or twice on the same component, and there is no cycle. Every problem is
    /// reported, each cycle with its whole path.
    pub fn build(self) -> Result<DynamicCharm, GraphError> {
        let dependency_names: Vec<Vec<&str>> = self
            .depends_on
            .iter()
            .map(|d| d.iter().map(String::as_str).collect())
            .collect();
        let declarations: Vec<reconciler_graph::Declaration<'_>> = self
            .names
            .iter()
            .zip(&dependency_names)
            .map(|(name, depends_on)| reconciler_graph::Declaration { name, depends_on })
            .collect();
        match reconciler_graph::validate(&declarations) {
            Ok(graph) => Ok(DynamicCharm {
                names: self.names,
                components: self.components,
                depends_on: graph.depends_on,
                order: graph.order,
                update_status: UpdateStatus::default(),
                handler: None,
            }),
            Err(problems) => Err(GraphError {
                problems: problems
                    .into_iter()
                    .map(|p| describe(p, &self.names, &self.depends_on))
                    .collect(),
            }),
        }
    }
}

fn describe(
    problem: reconciler_graph::Problem,
    names: &[String],
    depends_on: &[Vec<String>],
) -> GraphProblem {
    use reconciler_graph::Problem;
    match problem {
        Problem::DuplicateName { component, .. } => GraphProblem::DuplicateName {
            name: names[component].clone(),
        },
        Problem::SelfDependency { component, .. } => GraphProblem::SelfDependency {
            component: names[component].clone(),
        },
        Problem::DuplicateDependency {
            component,
            position,
            ..
        } => GraphProblem::DuplicateDependency {
            component: names[component].clone(),
            dependency: depends_on[component][position].clone(),
        },
        Problem::UnknownDependency {
            component,
            position,
            suggestion,
        } => GraphProblem::UnknownDependency {
            component: names[component].clone(),
            dependency: depends_on[component][position].clone(),
            suggestion: suggestion.map(|s| names[s].clone()),
        },
        Problem::Cycle { path } => GraphProblem::Cycle {
            path: path.into_iter().map(|i| names[i].clone()).collect(),
        },
    }
}

/// The handler of a [`DynamicCharm`] for events no component observes.
type Handler = Box<dyn FnMut(&mut Context<'_>) -> Result<Handled, ComponentError>>;

/// A validated graph built at run time.
///
/// Drive it with [`reconcile`](crate::reconcile), or handle whole events with it like a
/// [`Charm`](crate::Charm): it is an [`EventHandler`], so
/// [`handle_event_with`](crate::handle_event_with), the in-memory harness and
/// [`run_charm`](crate::juju::run_charm) take the closure that builds it. What it does on `update-status` and with other events is set with
/// [`with_update_status`](Self::with_update_status) and
/// [`with_handler`](Self::with_handler).
///
/// ```
/// use reconciler_core::testing::{Harness, State};
/// use reconciler_core::{Component, Context, Event, GraphBuilder, Handled, Status};
///
/// struct Replica { index: usize }
/// impl Component for Replica {
///     fn status(&self, _: &mut Context<'_>) -> Status {
///         if self.index == 0 { Status::active() } else { Status::waiting("syncing") }
///     }
/// }
///
/// let harness = Harness::from_yaml(
///     "name: demo\nconfig:\n  options:\n    replicas: {type: int, default: 2}\nactions:\n  ping: {}\n",
/// )?;
/// // One component per replica: the graph is only known once the config is read.
/// let build = |replicas: usize| {
///     let mut builder = GraphBuilder::new();
///     for index in 0..replicas {
///         builder.add(format!("replica_{index}"), Replica { index }, &[]);
///     }
///     builder
///         .build()
///         .expect("a valid graph")
///         .with_handler(|ctx| {
///             let mut results = serde_json::Map::new();
///             results.insert("pong".into(), true.into());
///             ctx.backend().action_set(&results)?;
///             Ok(Handled::Yes)
///         })
/// };
///
/// let out = harness.run_with(|| build(2), Event::ConfigChanged, State::default())?;
/// assert_eq!(out.unit_status, Status::waiting("[replica_1] syncing"));
/// assert_eq!(out.executed(), ["replica_0", "replica_1"]);
///
/// let out = harness.run_action_with(|| build(1), "ping", Default::default(), State::default())?;
/// assert_eq!(out.action.unwrap().results["pong"], true);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct DynamicCharm {
    names: Vec<String>,
    components: Vec<Box<dyn Component>>,
    depends_on: Vec<Vec<usize>>,
    order: Vec<usize>,
    update_status: UpdateStatus,
    handler: Option<Handler>,
}

impl DynamicCharm {
    /// This charm, doing `mode` on `update-status` (default: a full reconcile).
    #[must_use]
    pub fn with_update_status(mut self, mode: UpdateStatus) -> DynamicCharm {
        self.update_status = mode;
        self
    }

    /// This charm, handling the events no component observes (actions, stop, ...) with
    /// `handler`, as [`Charm::handle_other`](crate::Charm::handle_other) does for a
    /// derived charm. Without one, every such event is ignored (and an action is failed
    /// as unhandled).
    #[must_use]
    pub fn with_handler(
        mut self,
        handler: impl FnMut(&mut Context<'_>) -> Result<Handled, ComponentError> + 'static,
    ) -> DynamicCharm {
        self.handler = Some(Box::new(handler));
        self
    }
}

impl std::fmt::Debug for DynamicCharm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicCharm")
            .field("names", &self.names)
            .field("depends_on", &self.depends_on)
            .field("order", &self.order)
            .field("update_status", &self.update_status)
            .field("handler", &self.handler.is_some())
            .finish_non_exhaustive()
    }
}

impl EventHandler for DynamicCharm {
    fn update_status_mode(&self) -> UpdateStatus {
        self.update_status
    }

    fn handle_other_event(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        match &mut self.handler {
            Some(handler) => handler(ctx),
            None => Ok(Handled::Ignored),
        }
    }
}

impl crate::reconciler::__private::Sealed for DynamicCharm {}

impl CharmReconciler for DynamicCharm {
    fn component_count(&self) -> usize {
        self.components.len()
    }

    fn component_name(&self, index: usize) -> &str {
        &self.names[index]
    }

    fn component_depends_on(&self, index: usize) -> &[usize] {
        &self.depends_on[index]
    }

    fn execution_order(&self) -> &[usize] {
        &self.order
    }

    fn component_ready(&self, index: usize, ctx: &mut Context<'_>) -> bool {
        self.components[index].ready_for_execution(ctx)
    }

    fn configure_component(
        &mut self,
        index: usize,
        ctx: &mut Context<'_>,
        leader: bool,
    ) -> Result<(), ComponentError> {
        crate::reconciler::__private::configure(&mut *self.components[index], ctx, leader, ())
    }

    fn component_status(&self, index: usize, ctx: &mut Context<'_>) -> Status {
        self.components[index].status(ctx)
    }

    fn remove_component(
        &mut self,
        index: usize,
        ctx: &mut Context<'_>,
    ) -> Result<(), ComponentError> {
        self.components[index].remove(ctx)
    }

    fn component_observes(&self, index: usize) -> Vec<Observe> {
        self.components[index].observes()
    }

    fn component_scenario_sections(&self, index: usize) -> Vec<crate::ScenarioSection> {
        self.components[index].scenario_sections()
    }
}
