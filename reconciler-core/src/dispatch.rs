//! Handling one hook: building the charm, routing the event to the right work, containing
//! panics, and recording the outcome (the final status, set once; an action's results).
//!
//! This is the one owner of "handle one hook": the in-memory harness
//! (`testing::Harness`) and the real entry point under Juju
//! ([`run`](crate::run())) both call [`handle_event_with`], so a test sees exactly what Juju
//! would, down to the status a panicking charm leaves. `run` only reads the hook
//! environment, sets up logging, calls it and turns the [`HookReport`] into an exit code.

use tracing::{error, info, info_span};

use crate::backend::{
    Backend, BackendError, Config, ConfigValue, Databag, JsonMap, LogLevel, Member, Port,
    RelationId, Scope,
};
use crate::context::Context;
use crate::error::ComponentError;
use crate::event::Event;
use crate::executor::{Panic, RemoveReport, Report, contain, reconcile, remove, statuses_only};
use crate::pebble::Pebble;
use crate::reconciler::CharmReconciler;
use crate::status::Status;

/// What the charm does on `update-status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpdateStatus {
    /// A full reconcile (the default): drift is corrected every few minutes.
    #[default]
    Reconcile,
    /// Only recompute statuses; no component is configured.
    ///
    /// Each hook is a new process, so in this mode `Component::status` runs on a freshly
    /// built component that has configured nothing in this hook: use it only when every
    /// component computes its status from what it reads through the context (the
    /// workload's services, the relations), not from what its configure step remembered.
    /// A component that reports "not configured yet" would otherwise turn an Active unit
    /// into a waiting one on every update-status.
    StatusOnly,
}

/// Whether a charm's own handler ([`Charm::handle_other`]) dealt with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handled {
    /// The handler dealt with the event.
    Yes,
    /// The handler has nothing to do for this event. The runtime logs that it was
    /// ignored, or, for an action, fails it: Juju only runs actions the charm declares,
    /// so an action nobody handles is a missing handler.
    Ignored,
}

/// A charm: its components (from `#[derive(CharmReconciler)]`) plus how it is built and
/// what it does with events that are not reconciles.
///
/// ```
/// use reconciler_core::{Charm, CharmReconciler, Component, Context, Status};
///
/// struct Workload;
/// impl Component for Workload {
///     fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }
/// }
///
/// #[derive(CharmReconciler)]
/// struct MyCharm {
///     #[component]
///     workload: Workload,
/// }
///
/// impl Charm for MyCharm {
///     fn new() -> MyCharm {
///         MyCharm { workload: Workload }
///     }
/// }
/// ```
pub trait Charm: CharmReconciler + Sized {
    /// Builds the charm for one hook. Juju runs a fresh process per event, so this runs
    /// once per event; keep it cheap (no hook-tool calls; read inputs in components).
    ///
    /// A panic here is contained like any other: the unit is set Blocked
    /// `charm error: <panic message>` (an action is failed with the message instead).
    fn new() -> Self;

    /// What `update-status` does (default: a full reconcile).
    fn update_status(&self) -> UpdateStatus {
        UpdateStatus::Reconcile
    }

    /// Handles an event that is not a reconcile, remove or update-status: actions, stop,
    /// events no component observes. The default ignores every event.
    ///
    /// Returns [`Handled::Yes`] if the charm handled the event, [`Handled::Ignored`] if
    /// not. An error of an action is reported with `action-fail`, and so is an action left
    /// unhandled ([`Handled::Ignored`]): Juju only runs declared actions, so that is a
    /// missing handler.
    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        let _ = ctx;
        Ok(Handled::Ignored)
    }
}

/// What the dispatch layer needs of a charm besides its components: what `update-status`
/// does, and the handler for the events no component observes.
///
/// Every [`Charm`] has it, through [`Charm::update_status`] and [`Charm::handle_other`];
/// so has a [`DynamicCharm`](crate::DynamicCharm), a graph built at run time, which cannot
/// be a [`Charm`] because it is not built by a `new()` without arguments. Hand either to
/// [`handle_event_with`] (or `testing::Harness::run_with`) with the closure that
/// builds it.
pub trait EventHandler: CharmReconciler {
    /// What `update-status` does.
    fn update_status_mode(&self) -> UpdateStatus;

    /// Handles an event that is not a reconcile, remove or update-status (see
    /// [`Charm::handle_other`]).
    fn handle_other_event(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError>;
}

impl<C: Charm> EventHandler for C {
    fn update_status_mode(&self) -> UpdateStatus {
        Charm::update_status(self)
    }

    fn handle_other_event(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
        Charm::handle_other(self, ctx)
    }
}

/// How an event was routed, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Handling {
    /// A full reconcile ran.
    Reconciled(Report),
    /// Statuses were recomputed without configuring anything.
    StatusOnly(Report),
    /// Every component's `remove` ran.
    Removed(RemoveReport),
    /// The charm's own handler ran; `Err` holds its error chain.
    Handled(Result<(), String>),
    /// The action's parameters break the JSON schema its metadata declares: the action
    /// was failed with this text (naming each parameter and what is wrong, never a
    /// value), and the charm was not built nor its handler run.
    InvalidParams(String),
    /// Nothing handles this event; it was logged and ignored.
    Ignored,
    /// The charm panicked outside its components: while being built, in its own handler,
    /// or deciding where the event goes. (A panicking component is contained by the
    /// executor and shows in the reconcile [`Report`] instead.)
    Panicked {
        /// The panic message.
        message: String,
        /// Where it happened (`file:line:column`), when known: [`run`](crate::run())
        /// installs a panic hook that records it; elsewhere it is `None`.
        location: Option<String>,
    },
}

/// The outcome of one hook.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HookReport {
    /// How the event was handled.
    pub handling: Handling,
    /// The unit status set at the end of the hook, if one was set.
    pub unit_status: Option<Status>,
    /// Problems setting the status (they are also logged).
    pub status_errors: Vec<String>,
    /// During an action, every `action-set` or `action-fail` that failed: the action's
    /// outcome was not (entirely) recorded, even if the charm's handler went on and
    /// returned `Ok` (they are also logged).
    pub action_errors: Vec<String>,
}

impl HookReport {
    /// The reconcile report, for a reconcile or status-only hook.
    pub fn report(&self) -> Option<&Report> {
        match &self.handling {
            Handling::Reconciled(report) | Handling::StatusOnly(report) => Some(report),
            _ => None,
        }
    }

    /// Whether the hook's outcome reached Juju: the final status was set (when there was
    /// one to set) and, for an action, every `action-set` and `action-fail` succeeded.
    /// Under Juju a hook whose outcome was not recorded exits non-zero.
    pub fn outcome_recorded(&self) -> bool {
        self.status_errors.is_empty() && self.action_errors.is_empty()
    }
}

/// Whether `event` reconciles `charm`: a lifecycle event, or one a component observes.
pub(crate) fn is_reconcile_event<C: CharmReconciler + ?Sized>(charm: &C, event: &Event) -> bool {
    event.is_core_reconcile_event()
        || (0..charm.component_count()).any(|index| {
            charm
                .component_observes(index)
                .iter()
                .any(|observe| event.matches(observe))
        })
}

/// Handles one event for the charm `C`, built with [`Charm::new`]: see
/// [`handle_event_with`].
pub fn handle_event<C: Charm>(ctx: &mut Context<'_>) -> HookReport {
    handle_event_with(C::new, ctx)
}

/// Handles one event: builds the charm with `new`, routes the event, and records the
/// outcome, all with panics contained.
///
/// Routing:
/// - lifecycle events and events a component observes: [`reconcile`];
/// - `remove`: [`remove`] (dependents first); the status is Maintenance "removing";
/// - `update-status`: a reconcile, or statuses only (see [`Charm::update_status`]);
/// - anything else: [`Charm::handle_other`]; the status is left as it was. An action the
///   handler fails or ignores is failed with `action-fail`.
///
/// Then the unit status (and the application status on the leader) is set exactly once,
/// for every hook that computes one.
///
/// A panic outside the components (in `new`, in the charm's handler) is contained: the
/// unit is set Blocked `charm error: <panic message>`, or an action is failed with
/// `the charm panicked: <panic message>` and no status is set. It is logged at ERROR with
/// its location when known (under [`run`](crate::run()), which installs a panic hook that
/// records it).
///
/// Before an action's handler runs, its parameters are checked against the JSON schema the
/// metadata declares for it (when the backend has the metadata): parameters that break it
/// fail the action with `action-fail` naming each parameter and what is wrong (never its
/// value), and the charm is not built ([`Handling::InvalidParams`]). Juju checks them too,
/// but a charm does not rely on that. The parameters are read once per hook.
///
/// During an action every `action-set` and `action-fail` is watched: one that fails is in
/// [`HookReport::action_errors`], even if the handler ignored the error; if the handler
/// then reported success, the action is failed with `action-fail` ("the action's results
/// could not be recorded: ...").
///
/// ```
/// use reconciler_core::testing::{MemoryBackend, State};
/// use reconciler_core::{Component, Context, Event, GraphBuilder, Handling, Status};
/// use reconciler_core::handle_event_with;
///
/// struct Waiting;
/// impl Component for Waiting {
///     fn status(&self, _: &mut Context<'_>) -> Status { Status::waiting("no database") }
/// }
///
/// let mut backend = MemoryBackend::new(State::default());
/// let event = Event::ConfigChanged;
/// let report = handle_event_with(
///     || {
///         let mut builder = GraphBuilder::new();
///         builder.add("db", Waiting, &[]);
///         builder.build().expect("a valid graph")
///     },
///     &mut Context::new(&mut backend, &event),
/// );
/// assert!(matches!(report.handling, Handling::Reconciled(_)));
/// assert_eq!(backend.state.unit_status, Status::waiting("[db] no database"));
/// ```
pub fn handle_event_with<C, F>(new: F, ctx: &mut Context<'_>) -> HookReport
where
    C: EventHandler,
    F: FnOnce() -> C,
{
    let event = ctx.event();
    if !matches!(event, Event::Action { .. }) {
        return handle(new, ctx);
    }
    // The handler may swallow an action-set error and return Ok; watching the backend is
    // the only way to know whether the action's outcome was recorded.
    let mut watch = ActionWatch {
        inner: ctx.backend(),
        failures: Vec::new(),
        failed: false,
        params: None,
    };
    let mut report = match event {
        Event::Action { name, .. } => match crate::action_params::screen(&mut watch, name) {
            Some(text) => {
                error!("{text}");
                if let Err(e) = watch.action_fail(&text) {
                    error!("action-fail failed: {e}");
                }
                HookReport {
                    handling: Handling::InvalidParams(text),
                    unit_status: None,
                    status_errors: Vec::new(),
                    action_errors: Vec::new(),
                }
            }
            None => handle(new, &mut Context::new(&mut watch, event)),
        },
        _ => handle(new, &mut Context::new(&mut watch, event)),
    };
    for failure in &watch.failures {
        error!("the outcome of {event} was not recorded: {failure}");
    }
    if !watch.failures.is_empty() && !watch.failed {
        // The handler went on as if its results were recorded: say otherwise.
        let text = format!(
            "the action's results could not be recorded: {}",
            watch.failures.join("; ")
        );
        if let Err(e) = watch.action_fail(&text) {
            error!("action-fail failed: {e}");
        }
    }
    report.action_errors = watch.failures;
    report
}

/// Builds the charm, routes the event with panics contained, and sets the final status.
fn handle<C, F>(new: F, ctx: &mut Context<'_>) -> HookReport
where
    C: EventHandler,
    F: FnOnce() -> C,
{
    let event = ctx.event();
    let is_action = matches!(event, Event::Action { .. });
    let handling = match contain(|| {
        let mut charm = new();
        route(&mut charm, ctx)
    }) {
        Ok(handling) => handling,
        Err(Panic { message, location }) => {
            match &location {
                Some(at) => error!("the charm panicked handling {event}: {message} (at {at})"),
                None => error!("the charm panicked handling {event}: {message}"),
            }
            if is_action
                && let Err(e) = ctx
                    .backend()
                    .action_fail(&format!("the charm panicked: {message}"))
            {
                error!("action-fail failed: {e}");
            }
            Handling::Panicked { message, location }
        }
    };

    let final_status = match &handling {
        Handling::Reconciled(report) | Handling::StatusOnly(report) => {
            Some(report.unit_status.clone())
        }
        Handling::Removed(report) if report.failures.is_empty() => {
            Some(Status::maintenance("removing"))
        }
        Handling::Removed(report) => Some(Status::maintenance(format!(
            "removing; cleanup failed for {}",
            report
                .failures
                .iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
        // An action reports its failure with action-fail; the unit status is not its to
        // change.
        Handling::Panicked { message, .. } if !is_action => {
            Some(Status::blocked(format!("charm error: {message}")))
        }
        Handling::Handled(_)
        | Handling::Ignored
        | Handling::Panicked { .. }
        | Handling::InvalidParams(_) => None,
    };

    let mut status_errors = Vec::new();
    if let Some(status) = &final_status {
        if let Err(e) = ctx.backend().status_set(Scope::Unit, status) {
            error!("setting the unit status failed: {e}");
            status_errors.push(e.to_string());
        }
        if ctx.is_leader().unwrap_or(false)
            && let Err(e) = ctx.backend().status_set(Scope::App, status)
        {
            error!("setting the application status failed: {e}");
            status_errors.push(e.to_string());
        }
    }
    HookReport {
        handling,
        unit_status: final_status,
        status_errors,
        action_errors: Vec::new(),
    }
}

/// Sends the event where it belongs (see [`handle_event_with`]).
fn route<C: EventHandler>(charm: &mut C, ctx: &mut Context<'_>) -> Handling {
    let event = ctx.event();
    if matches!(event, Event::Remove) {
        return Handling::Removed(remove(charm, ctx));
    }
    if matches!(event, Event::UpdateStatus) {
        return match charm.update_status_mode() {
            UpdateStatus::Reconcile => Handling::Reconciled(reconcile(charm, ctx)),
            UpdateStatus::StatusOnly => Handling::StatusOnly(statuses_only(charm, ctx)),
        };
    }
    if is_reconcile_event(charm, event) {
        return Handling::Reconciled(reconcile(charm, ctx));
    }
    let _span = info_span!("handle", event = %event).entered();
    let is_action = matches!(event, Event::Action { .. });
    match charm.handle_other_event(ctx) {
        Ok(Handled::Yes) => Handling::Handled(Ok(())),
        // Juju only runs actions the charm declares, so an unhandled one is a forgotten
        // handler: fail the action so the operator sees it, rather than reporting success
        // with no results.
        Ok(Handled::Ignored) if is_action => {
            let text = format!("this charm declares {event} but does not handle it");
            error!("{text}");
            if let Err(fail) = ctx.backend().action_fail(&text) {
                error!("action-fail failed: {fail}");
            }
            Handling::Handled(Err(text))
        }
        Ok(Handled::Ignored) => {
            info!("no component or handler observes {event}; ignored");
            Handling::Ignored
        }
        Err(e) => {
            let text = e.chain_text();
            error!("handling {event} failed: {text}");
            if is_action && let Err(fail) = ctx.backend().action_fail(&text) {
                error!("action-fail failed: {fail}");
            }
            Handling::Handled(Err(text))
        }
    }
}

/// The backend during an action: every call goes to `inner`; a failed `action-set` or
/// `action-fail` is also written down, because it means the action's outcome did not
/// reach Juju.
struct ActionWatch<'b> {
    inner: &'b mut dyn Backend,
    /// The failed `action-set` and `action-fail` calls.
    failures: Vec<String>,
    /// Whether `action-fail` was called.
    failed: bool,
    /// The action's parameters, once read (they do not change during the hook).
    params: Option<JsonMap>,
}

impl ActionWatch<'_> {
    fn watch<T>(&mut self, result: Result<T, BackendError>) -> Result<T, BackendError> {
        if let Err(e) = &result {
            self.failures.push(e.to_string());
        }
        result
    }
}

/// Forwards the listed `Backend` methods to `self.inner`.
macro_rules! forward {
    ($($name:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&mut self $(, $arg: $ty)*) -> $ret { self.inner.$name($($arg),*) })*
    };
}

impl Backend for ActionWatch<'_> {
    fn unit_name(&self) -> &str {
        self.inner.unit_name()
    }

    fn app_name(&self) -> &str {
        self.inner.app_name()
    }

    fn model_name(&self) -> &str {
        self.inner.model_name()
    }

    fn metadata(&self) -> Option<&crate::metadata::Metadata> {
        self.inner.metadata()
    }

    fn extensions(&mut self) -> Option<&mut crate::Extensions> {
        self.inner.extensions()
    }

    fn action_set(&mut self, results: &JsonMap) -> Result<(), BackendError> {
        let result = self.inner.action_set(results);
        self.watch(result)
    }

    fn action_fail(&mut self, message: &str) -> Result<(), BackendError> {
        self.failed = true;
        let result = self.inner.action_fail(message);
        self.watch(result)
    }

    fn action_params(&mut self) -> Result<JsonMap, BackendError> {
        if let Some(params) = &self.params {
            return Ok(params.clone());
        }
        let params = self.inner.action_params()?;
        self.params = Some(params.clone());
        Ok(params)
    }

    forward! {
        is_leader(&mut self) -> Result<bool, BackendError>;
        config(&mut self) -> Result<&Config, BackendError>;
        config_value(&mut self, key: &str) -> Result<Option<ConfigValue>, BackendError>;
        relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError>;
        relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError>;
        relation_remote_app(&mut self, relation: RelationId) -> Result<Option<String>, BackendError>;
        relation_get(&mut self, relation: RelationId, member: &Member) -> Result<Databag, BackendError>;
        relation_set(&mut self, relation: RelationId, scope: Scope, changes: &Databag) -> Result<(), BackendError>;
        status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError>;
        status_get(&mut self, target: Scope) -> Result<Status, BackendError>;
        log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError>;
        application_version_set(&mut self, version: &str) -> Result<(), BackendError>;
        action_log(&mut self, message: &str) -> Result<(), BackendError>;
        open_port(&mut self, port: Port) -> Result<(), BackendError>;
        close_port(&mut self, port: Port) -> Result<(), BackendError>;
        opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;
        state_get(&mut self, key: &str) -> Result<Option<String>, BackendError>;
        state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError>;
        state_delete(&mut self, key: &str) -> Result<(), BackendError>;
        pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError>;
    }

    // Secrets (secret-*).
    forward! {
        secret_add(&mut self, content: &crate::secrets::SecretContent, owner: crate::secrets::SecretOwner, options: &crate::secrets::SecretOptions) -> Result<crate::secrets::SecretUri, BackendError>;
        secret_get(&mut self, query: &crate::secrets::SecretQuery) -> Result<crate::secrets::SecretContent, BackendError>;
        secret_set(&mut self, uri: &crate::secrets::SecretUri, content: Option<&crate::secrets::SecretContent>, options: &crate::secrets::SecretOptions) -> Result<(), BackendError>;
        secret_remove(&mut self, uri: &crate::secrets::SecretUri, revision: Option<u64>) -> Result<(), BackendError>;
        secret_grant(&mut self, uri: &crate::secrets::SecretUri, relation: RelationId, unit: Option<&str>) -> Result<(), BackendError>;
        secret_revoke(&mut self, uri: &crate::secrets::SecretUri, relation: RelationId, unit: Option<&str>) -> Result<(), BackendError>;
        secret_ids(&mut self) -> Result<Vec<crate::secrets::SecretUri>, BackendError>;
        secret_info_get(&mut self, secret: &crate::secrets::SecretRef) -> Result<crate::secrets::SecretInfo, BackendError>;
    }

    // Tools (storage, network, goal state, resources, credentials, the model, reboot).
    fn model_uuid(&self) -> Result<&str, BackendError> {
        self.inner.model_uuid()
    }

    fn model_type(&self) -> Result<crate::backend::ModelType, BackendError> {
        self.inner.model_type()
    }

    fn juju_version(&self) -> Result<crate::backend::JujuVersion, BackendError> {
        self.inner.juju_version()
    }

    forward! {
        storage_get(&mut self, id: Option<&str>) -> Result<crate::backend::Storage, BackendError>;
        storage_list(&mut self, name: Option<&str>) -> Result<Vec<String>, BackendError>;
        storage_add(&mut self, name: &str, count: u32) -> Result<(), BackendError>;
        network_get(&mut self, binding: &str, relation: Option<RelationId>) -> Result<crate::backend::Network, BackendError>;
        goal_state(&mut self) -> Result<crate::backend::GoalState, BackendError>;
        resource_get(&mut self, name: &str) -> Result<std::path::PathBuf, BackendError>;
        relation_model_get(&mut self, relation: RelationId) -> Result<crate::backend::RemoteModel, BackendError>;
        credential_get(&mut self) -> Result<crate::backend::CloudSpec, BackendError>;
        relation_get_key(&mut self, relation: RelationId, member: &Member, key: &str) -> Result<Option<String>, BackendError>;
        set_ports(&mut self, ports: &[Port]) -> Result<(), BackendError>;
        reboot(&mut self, now: bool) -> Result<(), BackendError>;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::Scope;
    use crate::component::Component;
    use crate::event::{Observe, RelationEventKind};
    use crate::testing::{MemoryBackend, State};
    use crate::{CharmReconciler, ComponentError, GraphBuilder};

    /// Active unless told otherwise; counts configure calls in charm state.
    struct Part {
        status: Status,
        observes: Vec<Observe>,
    }

    impl Component for Part {
        fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
            let backend = ctx.backend();
            let runs = backend.state_get("runs")?.unwrap_or_default();
            backend.state_set("runs", &format!("{runs}x"))?;
            Ok(())
        }
        fn status(&self, _: &mut Context<'_>) -> Status {
            self.status.clone()
        }
        fn observes(&self) -> Vec<Observe> {
            self.observes.clone()
        }
    }

    #[derive(CharmReconciler)]
    struct TwoParts {
        #[component]
        db: Part,
        #[component(depends_on = [db])]
        web: Part,
        mode: UpdateStatus,
    }

    impl Charm for TwoParts {
        fn new() -> TwoParts {
            TwoParts {
                db: Part {
                    status: Status::waiting("no database"),
                    observes: vec![Observe::relation("db")],
                },
                web: Part {
                    status: Status::active(),
                    observes: Vec::new(),
                },
                mode: UpdateStatus::Reconcile,
            }
        }
        fn update_status(&self) -> UpdateStatus {
            self.mode
        }
        fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<Handled, ComponentError> {
            match ctx.event() {
                Event::Action { name, .. } if name == "fail" => {
                    Err(ComponentError::new("backup target unreachable"))
                }
                Event::Action { name, .. } if name == "panic" => {
                    panic!("the backup handler panicked")
                }
                Event::Action { name, .. } if name == "swallow" => {
                    // A handler that ignores a failed action-set and claims success.
                    let mut results = JsonMap::new();
                    results.insert("done".into(), "yes".into());
                    let _ = ctx.backend().action_set(&results);
                    Ok(Handled::Yes)
                }
                Event::Action { .. } => Ok(Handled::Yes),
                Event::Stop => panic!("stop handler panicked"),
                _ => Ok(Handled::Ignored),
            }
        }
    }

    fn backend_for(event: &Event, leader: bool) -> MemoryBackend {
        let mut backend = MemoryBackend::new(State::default().with_leader(leader));
        if matches!(event, Event::Action { .. }) {
            backend.action_params = Some(Default::default());
        }
        backend
    }

    fn run(charm: TwoParts, event: Event, leader: bool) -> (HookReport, MemoryBackend) {
        let mut backend = backend_for(&event, leader);
        let report = handle_event_with(|| charm, &mut Context::new(&mut backend, &event));
        (report, backend)
    }

    fn action(name: &str) -> Event {
        Event::Action {
            name: name.into(),
            uuid: None,
        }
    }

    fn relation_changed(endpoint: &str) -> Event {
        Event::Relation {
            kind: RelationEventKind::Changed,
            endpoint: endpoint.into(),
            id: RelationId(1),
            remote_app: Some("remote".into()),
            remote_unit: Some("remote/0".into()),
            departing_unit: None,
        }
    }

    #[test]
    fn lifecycle_events_reconcile_and_set_unit_and_app_status_once() {
        let (report, backend) = run(TwoParts::new(), Event::ConfigChanged, true);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
        let expected = Status::waiting("[db] no database");
        assert_eq!(
            backend.statuses_set,
            [
                (Scope::Unit, expected.clone()),
                (Scope::App, expected.clone())
            ]
        );
        assert_eq!(report.unit_status, Some(expected));
        assert!(report.outcome_recorded());
        assert_eq!(backend.state.stored["runs"], "x");
    }

    #[test]
    fn handle_event_builds_the_charm_with_new() {
        let event = Event::ConfigChanged;
        let mut backend = backend_for(&event, false);
        let report = handle_event::<TwoParts>(&mut Context::new(&mut backend, &event));
        assert_eq!(
            report.unit_status,
            Some(Status::waiting("[db] no database"))
        );
    }

    #[test]
    fn non_leader_sets_only_the_unit_status() {
        let (_, backend) = run(TwoParts::new(), Event::Install, false);
        assert_eq!(backend.statuses_set.len(), 1);
        assert_eq!(backend.statuses_set[0].0, Scope::Unit);
    }

    #[test]
    fn observed_relation_events_reconcile_and_others_are_ignored() {
        let (report, _) = run(TwoParts::new(), relation_changed("db"), false);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
        let (report, backend) = run(TwoParts::new(), relation_changed("metrics"), false);
        assert_eq!(report.handling, Handling::Ignored);
        assert!(backend.statuses_set.is_empty());
    }

    #[test]
    fn update_status_can_be_status_only() {
        let mut charm = TwoParts::new();
        charm.mode = UpdateStatus::StatusOnly;
        let (report, backend) = run(charm, Event::UpdateStatus, false);
        let Handling::StatusOnly(inner) = &report.handling else {
            panic!("expected a status-only pass, got {:?}", report.handling);
        };
        assert!(inner.executed.is_empty());
        assert!(!backend.state.stored.contains_key("runs"));
        assert_eq!(
            inner.status_of("web"),
            Some(&Status::maintenance("waiting on db (waiting: no database)"))
        );
        assert_eq!(backend.statuses_set.len(), 1);

        let (report, _) = run(TwoParts::new(), Event::UpdateStatus, false);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
    }

    #[test]
    fn remove_sets_a_final_status() {
        let (report, backend) = run(TwoParts::new(), Event::Remove, false);
        assert!(matches!(report.handling, Handling::Removed(_)));
        assert_eq!(
            backend.statuses_set,
            [(Scope::Unit, Status::maintenance("removing"))]
        );
    }

    #[test]
    fn failing_action_is_reported_with_action_fail() {
        let (report, backend) = run(TwoParts::new(), action("fail"), true);
        assert_eq!(
            report.handling,
            Handling::Handled(Err("backup target unreachable".into()))
        );
        assert_eq!(
            backend.action_failure.as_deref(),
            Some("backup target unreachable")
        );
        assert!(report.outcome_recorded());
        let (report, _) = run(TwoParts::new(), action("backup"), true);
        assert_eq!(report.handling, Handling::Handled(Ok(())));
    }

    #[test]
    fn unhandled_action_fails() {
        struct Silent;
        impl Component for Silent {
            fn status(&self, _: &mut Context<'_>) -> Status {
                Status::active()
            }
        }
        #[derive(CharmReconciler)]
        struct NoHandler {
            #[component]
            only: Silent,
        }
        impl Charm for NoHandler {
            fn new() -> NoHandler {
                NoHandler { only: Silent }
            }
        }
        let event = action("backup");
        let mut backend = backend_for(&event, false);
        let report = handle_event::<NoHandler>(&mut Context::new(&mut backend, &event));
        let text = "this charm declares action backup but does not handle it";
        assert_eq!(report.handling, Handling::Handled(Err(text.into())));
        assert_eq!(backend.action_failure.as_deref(), Some(text));
        assert!(backend.statuses_set.is_empty());
    }

    // ---- panics outside the components ------------------------------------------------

    /// A charm whose `new` panics.
    #[derive(CharmReconciler)]
    struct PanicsInNew {
        #[component]
        db: Part,
    }

    impl Charm for PanicsInNew {
        fn new() -> PanicsInNew {
            panic!("no charm today")
        }
    }

    #[test]
    fn a_panic_in_new_sets_blocked_once_for_unit_and_app() {
        let event = Event::ConfigChanged;
        let mut backend = backend_for(&event, true);
        let report = handle_event::<PanicsInNew>(&mut Context::new(&mut backend, &event));
        let blocked = Status::blocked("charm error: no charm today");
        assert_eq!(
            report.handling,
            Handling::Panicked {
                message: "no charm today".into(),
                location: None
            }
        );
        assert_eq!(report.unit_status, Some(blocked.clone()));
        assert_eq!(
            backend.statuses_set,
            [(Scope::Unit, blocked.clone()), (Scope::App, blocked)]
        );
    }

    #[test]
    fn a_panic_in_new_during_an_action_fails_it_and_sets_no_status() {
        let event = action("backup");
        let mut backend = backend_for(&event, true);
        let report = handle_event::<PanicsInNew>(&mut Context::new(&mut backend, &event));
        assert!(matches!(report.handling, Handling::Panicked { .. }));
        assert_eq!(
            backend.action_failure.as_deref(),
            Some("the charm panicked: no charm today")
        );
        assert!(backend.statuses_set.is_empty());
        assert_eq!(report.unit_status, None);
    }

    #[test]
    fn a_panic_in_the_charms_handler_is_contained() {
        let (report, backend) = run(TwoParts::new(), Event::Stop, false);
        assert_eq!(
            report.unit_status,
            Some(Status::blocked("charm error: stop handler panicked"))
        );
        assert_eq!(backend.statuses_set.len(), 1);

        let (report, backend) = run(TwoParts::new(), action("panic"), false);
        assert!(matches!(report.handling, Handling::Panicked { .. }));
        assert_eq!(
            backend.action_failure.as_deref(),
            Some("the charm panicked: the backup handler panicked")
        );
        assert!(backend.statuses_set.is_empty());
    }

    // ---- actions report truthfully ------------------------------------------------------

    #[test]
    fn a_failed_action_set_is_reported_even_when_the_handler_swallows_it() {
        let event = action("swallow");
        // No action is running in this backend, so action-set is refused.
        let mut backend = MemoryBackend::new(State::default());
        let report = handle_event::<TwoParts>(&mut Context::new(&mut backend, &event));
        assert_eq!(report.handling, Handling::Handled(Ok(())));
        // The runtime then tried to fail the action, which was refused too.
        assert_eq!(
            report.action_errors,
            [
                "action-set: refused: no action is running",
                "action-fail: refused: no action is running"
            ]
        );
        assert!(!report.outcome_recorded());
    }

    /// A memory backend whose `action-set` fails, as a hook tool can.
    struct FailingActionSet {
        inner: MemoryBackend,
    }

    impl Backend for FailingActionSet {
        fn unit_name(&self) -> &str {
            self.inner.unit_name()
        }
        fn model_name(&self) -> &str {
            self.inner.model_name()
        }
        fn action_set(&mut self, _: &JsonMap) -> Result<(), BackendError> {
            Err(BackendError::failed(
                "action-set done=yes",
                "exited with code 1: ERROR connection refused",
            ))
        }
        forward! {
            is_leader(&mut self) -> Result<bool, BackendError>;
            config(&mut self) -> Result<&Config, BackendError>;
            relation_ids(&mut self, endpoint: &str) -> Result<Vec<RelationId>, BackendError>;
            relation_units(&mut self, relation: RelationId) -> Result<Vec<String>, BackendError>;
            relation_remote_app(&mut self, relation: RelationId) -> Result<Option<String>, BackendError>;
            relation_get(&mut self, relation: RelationId, member: &Member) -> Result<Databag, BackendError>;
            relation_set(&mut self, relation: RelationId, scope: Scope, changes: &Databag) -> Result<(), BackendError>;
            status_set(&mut self, target: Scope, status: &Status) -> Result<(), BackendError>;
            status_get(&mut self, target: Scope) -> Result<Status, BackendError>;
            log(&mut self, level: LogLevel, message: &str) -> Result<(), BackendError>;
            application_version_set(&mut self, version: &str) -> Result<(), BackendError>;
            action_params(&mut self) -> Result<JsonMap, BackendError>;
            action_fail(&mut self, message: &str) -> Result<(), BackendError>;
            action_log(&mut self, message: &str) -> Result<(), BackendError>;
            open_port(&mut self, port: Port) -> Result<(), BackendError>;
            close_port(&mut self, port: Port) -> Result<(), BackendError>;
            opened_ports(&mut self) -> Result<Vec<Port>, BackendError>;
            state_get(&mut self, key: &str) -> Result<Option<String>, BackendError>;
            state_set(&mut self, key: &str, value: &str) -> Result<(), BackendError>;
            state_delete(&mut self, key: &str) -> Result<(), BackendError>;
            pebble(&mut self, container: &str) -> Result<&mut dyn Pebble, BackendError>;
        }
    }

    #[test]
    fn a_swallowed_action_set_failure_fails_the_action() {
        let event = action("swallow");
        let mut backend = FailingActionSet {
            inner: backend_for(&event, false),
        };
        let report = handle_event::<TwoParts>(&mut Context::new(&mut backend, &event));
        assert_eq!(report.handling, Handling::Handled(Ok(())));
        let error = "action-set done=yes: exited with code 1: ERROR connection refused";
        assert_eq!(report.action_errors, [error]);
        assert!(!report.outcome_recorded());
        assert_eq!(
            backend.inner.action_failure,
            Some(format!(
                "the action's results could not be recorded: {error}"
            ))
        );
    }

    #[test]
    fn a_failed_action_fail_is_reported() {
        let event = action("fail");
        let mut backend = MemoryBackend::new(State::default());
        let report = handle_event::<TwoParts>(&mut Context::new(&mut backend, &event));
        assert_eq!(
            report.action_errors,
            ["action-fail: refused: no action is running"]
        );
        assert!(!report.outcome_recorded());
    }

    // ---- run-time graphs -------------------------------------------------------------------

    #[test]
    fn a_dynamic_charm_is_dispatched_with_its_settings() {
        let build = || {
            let mut builder = GraphBuilder::new();
            builder.add(
                "db",
                Part {
                    status: Status::waiting("no database"),
                    observes: Vec::new(),
                },
                &[],
            );
            builder.build().expect("valid")
        };

        let event = Event::UpdateStatus;
        let mut backend = backend_for(&event, false);
        let report = handle_event_with(
            || build().with_update_status(UpdateStatus::StatusOnly),
            &mut Context::new(&mut backend, &event),
        );
        assert!(matches!(report.handling, Handling::StatusOnly(_)));

        let event = action("backup");
        let mut backend = backend_for(&event, false);
        let report = handle_event_with(
            || {
                build().with_handler(|ctx| {
                    let mut results = JsonMap::new();
                    results.insert("backed-up".into(), true.into());
                    ctx.backend().action_set(&results)?;
                    Ok(Handled::Yes)
                })
            },
            &mut Context::new(&mut backend, &event),
        );
        assert_eq!(report.handling, Handling::Handled(Ok(())));
        assert_eq!(backend.action_results["backed-up"], true);

        // Without a handler, an action is failed as unhandled.
        let mut backend = backend_for(&event, false);
        handle_event_with(build, &mut Context::new(&mut backend, &event));
        assert_eq!(
            backend.action_failure.as_deref(),
            Some("this charm declares action backup but does not handle it")
        );
    }

    #[test]
    fn a_graph_that_fails_to_build_is_a_contained_panic() {
        let event = Event::Install;
        let mut backend = backend_for(&event, false);
        let report = handle_event_with(
            || {
                let mut builder = GraphBuilder::new();
                builder.add(
                    "a",
                    Part {
                        status: Status::active(),
                        observes: Vec::new(),
                    },
                    &["b"],
                );
                builder.build().unwrap_or_else(|e| panic!("{e}"))
            },
            &mut Context::new(&mut backend, &event),
        );
        assert_eq!(
            report.unit_status,
            Some(Status::blocked(
                "charm error: invalid component graph: component `a` depends on `b`, which is not a component"
            ))
        );
    }
}
