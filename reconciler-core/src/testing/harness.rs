//! [`Harness`]: runs one event of a charm against a [`State`] in memory and returns an
//! [`Output`] of plain values.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use tracing_subscriber::layer::SubscriberExt as _;

use crate::backend::{Databag, JsonMap, RelationId, Scope};
use crate::context::Context;
use crate::dispatch::{Charm, EventHandler, Handling, HookReport, handle_event_with};
use crate::event::Event;
use crate::executor::{Outcome, Report};
use crate::logging::{self, LogRecord};
use crate::metadata::{Metadata, MetadataError};
use crate::status::Status;
use crate::testing::consistency::{self, Inconsistency};
use crate::testing::memory::MemoryBackend;
use crate::testing::state::{Relation, State};

/// Runs a charm's events in memory, without Juju: the same handling as under Juju
/// ([`handle_event_with`]: routing, panic containment, the final status), against a
/// [`MemoryBackend`] over a [`State`].
///
/// A harness holds the charm's metadata (from its `charmcraft.yaml`), which gives config
/// defaults and types, endpoints, containers and actions. Before each run it checks that
/// the event could happen in the state ([`Inconsistency`]).
///
/// ```
/// use reconciler_core::prelude::*;
/// use reconciler_core::testing::{Harness, State};
///
/// struct Greeter { greeting: Option<String> }
/// impl Component for Greeter {
///     fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
///         let config = ctx.backend().config()?;
///         self.greeting = config.get("greeting").and_then(|v| v.as_str()).map(str::to_owned);
///         Ok(())
///     }
///     fn status(&self, _: &mut Context<'_>) -> Status {
///         match &self.greeting {
///             Some(g) if !g.is_empty() => Status::active(),
///             _ => Status::blocked("set the greeting option"),
///         }
///     }
/// }
///
/// #[derive(CharmReconciler)]
/// struct Demo {
///     #[component]
///     greeter: Greeter,
/// }
/// impl Charm for Demo {
///     fn new() -> Demo { Demo { greeter: Greeter { greeting: None } } }
/// }
///
/// let harness = Harness::from_yaml(
///     "name: demo\nconfig:\n  options:\n    greeting: {type: string, default: hello}\n",
/// )?;
/// // The default from charmcraft.yaml applies.
/// let out = harness.run::<Demo>(Event::ConfigChanged, State::default())?;
/// assert_eq!(out.unit_status, Status::active());
/// // A value in the state overrides it.
/// let out = harness.run::<Demo>(Event::ConfigChanged, State::default().with_config("greeting", ""))?;
/// assert_eq!(out.unit_status, Status::blocked("[greeter] set the greeting option"));
/// assert_eq!(out.executed(), ["greeter"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Harness {
    metadata: Metadata,
    file: String,
}

impl Harness {
    /// A harness for a charm with this metadata. Error messages name the file it was read
    /// from ([`Metadata::path`]), or `charmcraft.yaml` for metadata built in code.
    pub fn new(metadata: Metadata) -> Harness {
        let file = if metadata.path.as_os_str().is_empty() {
            "charmcraft.yaml".to_owned()
        } else {
            metadata.path.display().to_string()
        };
        Harness { metadata, file }
    }

    /// A harness for the charm in `dir`, reading its `charmcraft.yaml` (or the older
    /// `metadata.yaml`, `config.yaml` and `actions.yaml`).
    ///
    /// A missing or malformed file is an error naming the file and what is wrong.
    pub fn from_charm_dir(dir: impl AsRef<Path>) -> Result<Harness, MetadataError> {
        Ok(Harness::new(Metadata::load(dir.as_ref())?))
    }

    /// A harness for a charm whose `charmcraft.yaml` is `yaml`.
    pub fn from_yaml(yaml: &str) -> Result<Harness, MetadataError> {
        Ok(Harness::new(Metadata::parse(
            yaml,
            Path::new("charmcraft.yaml"),
        )?))
    }

    /// The charm's metadata.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// Every reason `event` could not happen in `state`; empty when it could.
    pub fn check(&self, event: &Event, state: &State) -> Vec<Inconsistency> {
        consistency::check(&self.metadata, &self.file, event, state)
    }

    /// Runs `event` against `state` with a fresh charm built by [`Charm::new`], as Juju
    /// would run one hook, and returns what came of it.
    ///
    /// Config is the defaults from the metadata overridden by `state.config`; the output
    /// state's config is `state.config` again (a charm cannot change its config), so an
    /// output state can be fed to the next run. Log lines are captured for this thread
    /// only, so tests can run in parallel.
    ///
    /// Fails, without running anything, with the first [`Inconsistency`] found (see
    /// [`check`](Self::check) for all of them).
    ///
    /// The backend checks names against the metadata as under Juju: `relation_ids` of an
    /// undeclared endpoint, `pebble` of an undeclared container and `config_value` of an
    /// undeclared option are errors (see [`MemoryBackend::with_metadata`]).
    pub fn run<C: Charm>(&self, event: Event, state: State) -> Result<Output, Inconsistency> {
        self.execute(C::new, event, state, None)
    }

    /// Like [`run`](Self::run), for a charm built by `new`: a
    /// [`DynamicCharm`](crate::DynamicCharm) assembled at run time, or a charm built from
    /// values the test chooses. `new` runs inside the hook, so a panic in it is contained
    /// as under Juju (the unit is set Blocked `charm error: ...`).
    ///
    /// See [`DynamicCharm`](crate::DynamicCharm) for an example.
    pub fn run_with<C, F>(
        &self,
        new: F,
        event: Event,
        state: State,
    ) -> Result<Output, Inconsistency>
    where
        C: EventHandler,
        F: FnOnce() -> C,
    {
        self.execute(new, event, state, None)
    }

    /// Every reason the action `name` could not run with `params` in `state`: those of
    /// [`check`](Self::check), and parameters whose JSON type differs from the type the
    /// action's schema declares ([`Inconsistency::ActionParamType`]). Empty when it
    /// could.
    ///
    /// ```
    /// use reconciler_core::testing::{Harness, Inconsistency, State};
    ///
    /// let harness = Harness::from_yaml(
    ///     "name: demo\nactions:\n  backup:\n    params:\n      count: {type: integer}\n",
    /// )?;
    /// let params = serde_json::json!({"count": "3"}).as_object().unwrap().clone();
    /// let problems = harness.check_action("backup", &params, &State::default());
    /// assert_eq!(
    ///     problems[0].to_string(),
    ///     "action backup: parameter \"count\" is declared as integer, but the test gives a string",
    /// );
    /// assert!(matches!(problems[0], Inconsistency::ActionParamType { .. }));
    /// # Ok::<(), reconciler_core::metadata::MetadataError>(())
    /// ```
    pub fn check_action(&self, name: &str, params: &JsonMap, state: &State) -> Vec<Inconsistency> {
        let mut problems = self.check(&Event::action(name), state);
        problems.extend(consistency::check_action_params(
            &self.metadata,
            name,
            params,
        ));
        problems
    }

    /// Runs the action `name` with `params` (the action's `action-get` answer).
    ///
    /// As under Juju, the parameters not given get the defaults the action's schema
    /// declares; parameters of the wrong JSON type are refused as an [`Inconsistency`]
    /// (Juju would never run the action with them; see
    /// [`check_action`](Self::check_action)); other ways of breaking the schema (a
    /// required parameter missing, a value out of range, an undeclared parameter) reach
    /// the runtime's own check, which fails the action without running the handler
    /// ([`Handling::InvalidParams`]).
    ///
    /// ```
    /// use reconciler_core::prelude::*;
    /// use reconciler_core::testing::{Harness, State};
    ///
    /// #[derive(CharmReconciler)]
    /// struct Demo {}
    /// impl Charm for Demo {
    ///     fn new() -> Demo { Demo {} }
    ///     fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
    ///         let params = ctx.backend().action_params()?;
    ///         let mut results = serde_json::Map::new();
    ///         results.insert("echo".into(), params["text"].clone());
    ///         ctx.backend().action_set(&results)?;
    ///         Ok(Handled::Yes)
    ///     }
    /// }
    ///
    /// let harness = Harness::from_yaml(
    ///     "name: demo\nactions:\n  echo:\n    params:\n      text: {type: string}\n",
    /// )?;
    /// let params = serde_json::json!({"text": "hi"}).as_object().unwrap().clone();
    /// let out = harness.run_action::<Demo>("echo", params, State::default())?;
    /// let action = out.action.unwrap();
    /// assert_eq!(action.results["echo"], "hi");
    /// assert_eq!(action.failure, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_action<C: Charm>(
        &self,
        name: &str,
        params: JsonMap,
        state: State,
    ) -> Result<Output, Inconsistency> {
        self.execute(C::new, Event::action(name), state, Some(params))
    }

    /// Like [`run_action`](Self::run_action), for a charm built by `new` (see
    /// [`run_with`](Self::run_with)).
    pub fn run_action_with<C, F>(
        &self,
        new: F,
        name: &str,
        params: JsonMap,
        state: State,
    ) -> Result<Output, Inconsistency>
    where
        C: EventHandler,
        F: FnOnce() -> C,
    {
        self.execute(new, Event::action(name), state, Some(params))
    }

    fn execute<C, F>(
        &self,
        new: F,
        event: Event,
        state: State,
        params: Option<JsonMap>,
    ) -> Result<Output, Inconsistency>
    where
        C: EventHandler,
        F: FnOnce() -> C,
    {
        let mut problems = self.check(&event, &state);
        if let (Event::Action { name, .. }, Some(params)) = (&event, &params) {
            problems.extend(consistency::check_action_params(
                &self.metadata,
                name,
                params,
            ));
        }
        if let Some(problem) = problems.into_iter().next() {
            return Err(problem);
        }
        let mut effective = state.clone();
        let mut config = self.metadata.default_config();
        config.extend(state.config.iter().map(|(k, v)| (k.clone(), v.clone())));
        effective.config = config;

        let (layer, records) = logging::collector();
        let mut backend = MemoryBackend::new(effective)
            .with_metadata(self.metadata.clone())
            .for_event(&event);
        backend.log_sink = Some(records.clone());
        if let Event::Action { name, .. } = &event {
            // As Juju, the parameters not given get their defaults from the schema.
            let params = params.unwrap_or_default();
            backend.action_params = Some(match self.metadata.actions.get(name) {
                Some(action) => action.with_defaults(&params),
                None => params,
            });
        }
        let subscriber = tracing_subscriber::registry().with(layer);
        let hook = tracing::subscriber::with_default(subscriber, || {
            handle_event_with(new, &mut Context::new(&mut backend, &event))
        });

        let MemoryBackend {
            state: mut after,
            statuses_set,
            action_results,
            action_failure,
            action_logs,
            ..
        } = backend;
        after.config = state.config.clone();
        let relation_data_written = diff_relations(&state.relations, &after.relations);
        let logs = records.lock().map(|r| r.clone()).unwrap_or_default();
        let action = matches!(event, Event::Action { .. }).then(|| ActionOutput {
            results: action_results,
            failure: action_failure,
            logs: action_logs,
        });
        Ok(Output {
            event,
            unit_status: after.unit_status.clone(),
            app_status: after.app_status.clone(),
            state: after,
            statuses_set,
            logs,
            hook,
            relation_data_written,
            action,
        })
    }
}

/// What the charm wrote into one of its own databags in one relation during a hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataWritten {
    /// The relation id.
    pub relation: RelationId,
    /// The relation's endpoint.
    pub endpoint: String,
    /// The unit's bag or the application's.
    pub scope: Scope,
    /// Keys added or changed, with their new values.
    pub set: Databag,
    /// Keys deleted (written with an empty value).
    pub deleted: BTreeSet<String>,
}

fn diff_bag(before: &Databag, after: &Databag) -> Option<(Databag, BTreeSet<String>)> {
    let set: Databag = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let deleted: BTreeSet<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    (!set.is_empty() || !deleted.is_empty()).then_some((set, deleted))
}

fn diff_relations(before: &[Relation], after: &[Relation]) -> Vec<DataWritten> {
    let mut written = Vec::new();
    for relation in after {
        let old = before.iter().find(|r| r.id == relation.id);
        let empty = Databag::new();
        for (scope, old_bag, new_bag) in [
            (
                Scope::Unit,
                old.map_or(&empty, |r| &r.local_unit_data),
                &relation.local_unit_data,
            ),
            (
                Scope::App,
                old.map_or(&empty, |r| &r.local_app_data),
                &relation.local_app_data,
            ),
        ] {
            if let Some((set, deleted)) = diff_bag(old_bag, new_bag) {
                written.push(DataWritten {
                    relation: relation.id,
                    endpoint: relation.endpoint.clone(),
                    scope,
                    set,
                    deleted,
                });
            }
        }
    }
    written.sort_by_key(|w| (w.relation, w.scope == Scope::App));
    written
}

/// What an action did.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ActionOutput {
    /// Everything it set with `action-set`.
    pub results: JsonMap,
    /// Its `action-fail` message, if it failed (a handler returning an error fails the
    /// action with the error's text).
    pub failure: Option<String>,
    /// Its `action-log` lines.
    pub logs: Vec<String>,
}

/// The result of running one event: the new state and everything the hook did, as plain
/// values for `assert_eq!`.
///
/// Its [`Display`](fmt::Display) is a readable table of the statuses and outcomes (see
/// `docs/testing.md` for an example).
#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    /// The event that ran.
    pub event: Event,
    /// The state after the hook: feed it to the next run.
    pub state: State,
    /// The unit status after the hook (the same as `state.unit_status`).
    pub unit_status: Status,
    /// The application status after the hook (the same as `state.app_status`).
    pub app_status: Status,
    /// Every `status-set` during the hook, in order: the unit must never be left in a
    /// transient status, and the runtime sets the final status once.
    pub statuses_set: Vec<(Scope, Status)>,
    /// Every log line: the runtime's and the components' `tracing` events and `juju-log`
    /// calls, in order.
    pub logs: Vec<LogRecord>,
    /// How the event was routed and what came of it (the reconcile report with every
    /// component's status and outcome, or the remove report).
    pub hook: HookReport,
    /// What the charm wrote into its own relation databags, by relation and scope.
    pub relation_data_written: Vec<DataWritten>,
    /// What the action did, for an action event.
    pub action: Option<ActionOutput>,
}

impl Output {
    /// The reconcile report (for reconciles and status-only update-status).
    pub fn report(&self) -> Option<&Report> {
        self.hook.report()
    }

    /// The names of the components whose configure methods were called, in call order
    /// (empty if nothing reconciled): every component that was not skipped or not ready,
    /// whatever came of it. Those whose configure returned an error or panicked are
    /// included; [`outcome_of`](Self::outcome_of) tells them apart.
    pub fn executed(&self) -> Vec<&str> {
        self.report()
            .map(Report::executed_names)
            .unwrap_or_default()
    }

    /// The components that did not run, each with why: which dependencies held it back, or
    /// that it was not ready.
    pub fn skipped(&self) -> Vec<(&str, String)> {
        let Some(report) = self.report() else {
            return Vec::new();
        };
        report
            .components
            .iter()
            .filter_map(|c| match &c.outcome {
                Outcome::Skipped { .. } => Some((c.name.as_str(), c.status.message.clone())),
                Outcome::NotReady => Some((c.name.as_str(), format!("not ready: {}", c.status))),
                _ => None,
            })
            .collect()
    }

    /// A component's status at the end of the reconcile.
    pub fn status_of(&self, component: &str) -> Option<&Status> {
        self.report()?.status_of(component)
    }

    /// What happened to a component in the reconcile.
    pub fn outcome_of(&self, component: &str) -> Option<&Outcome> {
        self.report()?.component(component).map(|c| &c.outcome)
    }

    /// What the charm wrote in one relation's unit or application databag.
    pub fn written(&self, relation: RelationId, scope: Scope) -> Option<&DataWritten> {
        self.relation_data_written
            .iter()
            .find(|w| w.relation == relation && w.scope == scope)
    }

    /// Whether a log line contains `needle`.
    pub fn logged(&self, needle: &str) -> bool {
        self.logs.iter().any(|r| r.message.contains(needle))
    }
}

/// What happened to one component in a hook, for a printed table.
pub(crate) enum RowOutcome<'a> {
    /// Its reconcile outcome.
    Reconciled(&'a Outcome),
    /// Its `remove` ran.
    Removed,
    /// Its `remove` failed with this error.
    RemoveFailed(&'a str),
}

/// One row of a printed table: the component, what happened, its status (none on remove).
pub(crate) struct Row<'a> {
    pub(crate) name: &'a str,
    pub(crate) outcome: RowOutcome<'a>,
    pub(crate) status: Option<&'a Status>,
}

/// The rows of the table of a hook that reconciled or removed, or the one line that says
/// what the hook did instead. Shared by [`Output`]'s `Display` and the simulator's output.
pub(crate) fn rows(handling: &Handling) -> Result<Vec<Row<'_>>, String> {
    match handling {
        Handling::Reconciled(report) | Handling::StatusOnly(report) => Ok(report
            .components
            .iter()
            .map(|c| Row {
                name: &c.name,
                outcome: RowOutcome::Reconciled(&c.outcome),
                status: Some(&c.status),
            })
            .collect()),
        Handling::Removed(report) => Ok(report
            .removed
            .iter()
            .map(|name| {
                let failure = report.failures.iter().find(|(n, _)| n == name);
                Row {
                    name,
                    outcome: match failure {
                        None => RowOutcome::Removed,
                        Some((_, error)) => RowOutcome::RemoveFailed(error),
                    },
                    status: None,
                }
            })
            .collect()),
        Handling::Handled(Ok(())) => Err("handled by the charm's own handler".to_owned()),
        Handling::Handled(Err(error)) => Err(format!("the charm's own handler failed: {error}")),
        Handling::InvalidParams(error) => Err(format!("refused before the handler ran: {error}")),
        Handling::Ignored => Err("ignored: nothing observes this event".to_owned()),
        Handling::Panicked { message, .. } => Err(format!("the charm panicked: {message}")),
    }
}

impl RowOutcome<'_> {
    /// The outcome column's text.
    pub(crate) fn label(&self) -> String {
        match self {
            RowOutcome::Reconciled(outcome) => outcome_label(outcome),
            RowOutcome::Removed => "removed".into(),
            RowOutcome::RemoveFailed(error) => format!("remove failed: {error}"),
        }
    }
}

fn outcome_label(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ran => "ran".into(),
        Outcome::Failed { error } => format!("failed: {error}"),
        Outcome::Panicked { .. } => "panicked".into(),
        Outcome::Skipped { .. } => "skipped".into(),
        Outcome::NotReady => "not ready".into(),
        Outcome::StatusOnly => "status only".into(),
    }
}

impl fmt::Display for Output {
    /// A table: the event, the unit and application status, then one row per component
    /// (outcome and status) and the relation data written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "event:       {}", self.event)?;
        writeln!(f, "unit status: {}", self.unit_status)?;
        writeln!(f, "app status:  {}", self.app_status)?;
        let rows: Vec<(String, String, String)> = match rows(&self.hook.handling) {
            Ok(rows) => rows
                .iter()
                .map(|row| {
                    (
                        row.name.to_owned(),
                        row.outcome.label(),
                        row.status.map(Status::to_string).unwrap_or_default(),
                    )
                })
                .collect(),
            Err(line) => return writeln!(f, "{line}"),
        };
        let name_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(9);
        let outcome_width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(7);
        writeln!(
            f,
            "{:name_width$}  {:outcome_width$}  status",
            "component", "outcome"
        )?;
        for (name, outcome, status) in &rows {
            let line = format!("{name:name_width$}  {outcome:outcome_width$}  {status}");
            writeln!(f, "{}", line.trim_end())?;
        }
        for written in &self.relation_data_written {
            let scope = match written.scope {
                Scope::Unit => "unit",
                Scope::App => "app",
            };
            write!(
                f,
                "wrote {}:{} {scope} data:",
                written.endpoint, written.relation
            )?;
            for (key, value) in &written.set {
                write!(f, " {key}={value:?}")?;
            }
            for key in &written.deleted {
                write!(f, " -{key}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}
