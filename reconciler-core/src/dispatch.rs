//! Routing one event to the right work, and setting the final status once.
//!
//! This is the single place that implements design.md's "Event wiring"; the in-memory
//! harness and the real entry point both call [`handle_event`], so tests exercise the
//! same routing Juju does.

use tracing::{error, info, info_span};

use crate::backend::Scope;
use crate::context::Context;
use crate::error::ComponentError;
use crate::event::Event;
use crate::executor::{RemoveReport, Report, reconcile, remove, statuses_only};
use crate::reconciler::CharmReconciler;
use crate::status::Status;

/// What the charm does on `update-status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
    fn new() -> Self;

    /// What `update-status` does (default: a full reconcile).
    fn update_status(&self) -> UpdateStatus {
        UpdateStatus::Reconcile
    }

    /// Handles an event that is not a reconcile, remove or update-status: actions, stop,
    /// events no component observes. The default logs that the event is ignored.
    ///
    /// Returns `Ok(true)` if the charm handled the event, `Ok(false)` if it ignored it.
    /// An error of an action is reported with `action-fail`, and so is an action left
    /// unhandled (`Ok(false)`): Juju only runs declared actions, so that is a missing
    /// handler.
    fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<bool, ComponentError> {
        let _ = ctx;
        Ok(false)
    }
}

/// How an event was routed, and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Handling {
    /// A full reconcile ran.
    Reconciled(Report),
    /// Statuses were recomputed without configuring anything.
    StatusOnly(Report),
    /// Every component's `remove` ran.
    Removed(RemoveReport),
    /// The charm's own handler ran; `Err` holds its error chain.
    Handled(Result<(), String>),
    /// Nothing handles this event; it was logged and ignored.
    Ignored,
}

/// The outcome of one hook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HookReport {
    /// How the event was handled.
    pub handling: Handling,
    /// The unit status set at the end of the hook, if one was set.
    pub unit_status: Option<Status>,
    /// Problems setting the status (they are also logged).
    pub status_errors: Vec<String>,
}

impl HookReport {
    /// The reconcile report, for a reconcile or status-only hook.
    pub fn report(&self) -> Option<&Report> {
        match &self.handling {
            Handling::Reconciled(report) | Handling::StatusOnly(report) => Some(report),
            _ => None,
        }
    }
}

/// Whether `event` reconciles `charm`: a lifecycle event, or one a component observes.
pub fn is_reconcile_event<C: CharmReconciler + ?Sized>(charm: &C, event: &Event) -> bool {
    event.is_core_reconcile_event()
        || (0..charm.component_count()).any(|index| {
            charm
                .component_observes(index)
                .iter()
                .any(|observe| event.matches(observe))
        })
}

/// Handles one event as design.md's "Event wiring" says, then sets the unit status (and
/// the application status on the leader) exactly once, for every hook that computes one.
///
/// - lifecycle events and events a component observes: [`reconcile`];
/// - `remove`: [`remove`] (dependents first); the status is Maintenance "removing";
/// - `update-status`: a reconcile, or statuses only (see [`Charm::update_status`]);
/// - anything else: [`Charm::handle_other`]; the status is left as it was.
pub fn handle_event<C: Charm>(charm: &mut C, ctx: &mut Context<'_>) -> HookReport {
    let event = ctx.event();
    let handling = if matches!(event, Event::Remove) {
        Handling::Removed(remove(charm, ctx))
    } else if matches!(event, Event::UpdateStatus) {
        match charm.update_status() {
            UpdateStatus::Reconcile => Handling::Reconciled(reconcile(charm, ctx)),
            UpdateStatus::StatusOnly => Handling::StatusOnly(statuses_only(charm, ctx)),
        }
    } else if is_reconcile_event(charm, event) {
        Handling::Reconciled(reconcile(charm, ctx))
    } else {
        let _span = info_span!("handle", event = %event).entered();
        match charm.handle_other(ctx) {
            Ok(true) => Handling::Handled(Ok(())),
            // Juju only runs actions the charm declares, so an unhandled one is a
            // forgotten handler: fail the action so the operator sees it, rather than
            // reporting success with no results.
            Ok(false) if matches!(event, Event::Action { .. }) => {
                let text = format!("this charm declares {event} but does not handle it");
                error!("{text}");
                if let Err(fail) = ctx.backend().action_fail(&text) {
                    error!("action-fail failed: {fail}");
                }
                Handling::Handled(Err(text))
            }
            Ok(false) => {
                info!("no component or handler observes {event}; ignored");
                Handling::Ignored
            }
            Err(e) => {
                let text = e.chain_text();
                error!("handling {event} failed: {text}");
                if matches!(event, Event::Action { .. })
                    && let Err(fail) = ctx.backend().action_fail(&text)
                {
                    error!("action-fail failed: {fail}");
                }
                Handling::Handled(Err(text))
            }
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
        Handling::Handled(_) | Handling::Ignored => None,
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::StatusTarget;
    use crate::component::Component;
    use crate::event::{Observe, RelationEventKind};
    use crate::testing::{MemoryBackend, State};
    use crate::{CharmReconciler, ComponentError};

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
        fn handle_other(&mut self, ctx: &mut Context<'_>) -> Result<bool, ComponentError> {
            match ctx.event() {
                Event::Action { name, .. } if name == "fail" => {
                    Err(ComponentError::new("backup target unreachable"))
                }
                Event::Action { .. } => Ok(true),
                _ => Ok(false),
            }
        }
    }

    fn run(charm: &mut TwoParts, event: Event, leader: bool) -> (HookReport, MemoryBackend) {
        let mut backend = MemoryBackend::new(State::default().with_leader(leader));
        if matches!(event, Event::Action { .. }) {
            backend.action_params = Some(Default::default());
        }
        let report = handle_event(charm, &mut Context::new(&mut backend, &event));
        (report, backend)
    }

    fn relation_changed(endpoint: &str) -> Event {
        Event::Relation {
            kind: RelationEventKind::Changed,
            endpoint: endpoint.into(),
            id: 1,
            remote_app: Some("remote".into()),
            remote_unit: Some("remote/0".into()),
            departing_unit: None,
        }
    }

    #[test]
    fn lifecycle_events_reconcile_and_set_unit_and_app_status_once() {
        let (report, backend) = run(&mut TwoParts::new(), Event::ConfigChanged, true);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
        let expected = Status::waiting("[db] no database");
        assert_eq!(
            backend.statuses_set,
            [
                (StatusTarget::Unit, expected.clone()),
                (StatusTarget::App, expected.clone())
            ]
        );
        assert_eq!(report.unit_status, Some(expected));
        assert_eq!(backend.state.stored["runs"], "x");
    }

    #[test]
    fn non_leader_sets_only_the_unit_status() {
        let (_, backend) = run(&mut TwoParts::new(), Event::Install, false);
        assert_eq!(backend.statuses_set.len(), 1);
        assert_eq!(backend.statuses_set[0].0, StatusTarget::Unit);
    }

    #[test]
    fn observed_relation_events_reconcile_and_others_are_ignored() {
        let (report, _) = run(&mut TwoParts::new(), relation_changed("db"), false);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
        let (report, backend) = run(&mut TwoParts::new(), relation_changed("metrics"), false);
        assert_eq!(report.handling, Handling::Ignored);
        assert!(backend.statuses_set.is_empty());
    }

    #[test]
    fn update_status_can_be_status_only() {
        let mut charm = TwoParts::new();
        charm.mode = UpdateStatus::StatusOnly;
        let (report, backend) = run(&mut charm, Event::UpdateStatus, false);
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

        let (report, _) = run(&mut TwoParts::new(), Event::UpdateStatus, false);
        assert!(matches!(report.handling, Handling::Reconciled(_)));
    }

    #[test]
    fn remove_sets_a_final_status() {
        let (report, backend) = run(&mut TwoParts::new(), Event::Remove, false);
        assert!(matches!(report.handling, Handling::Removed(_)));
        assert_eq!(
            backend.statuses_set,
            [(StatusTarget::Unit, Status::maintenance("removing"))]
        );
    }

    #[test]
    fn failing_action_is_reported_with_action_fail() {
        let action = |name: &str| Event::Action {
            name: name.into(),
            uuid: None,
        };
        let (report, backend) = run(&mut TwoParts::new(), action("fail"), true);
        assert_eq!(
            report.handling,
            Handling::Handled(Err("backup target unreachable".into()))
        );
        assert_eq!(
            backend.action_failure.as_deref(),
            Some("backup target unreachable")
        );
        let (report, _) = run(&mut TwoParts::new(), action("backup"), true);
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
        let mut backend = MemoryBackend::new(State::default());
        backend.action_params = Some(Default::default());
        let event = Event::Action {
            name: "backup".into(),
            uuid: None,
        };
        let report = handle_event(
            &mut NoHandler::new(),
            &mut Context::new(&mut backend, &event),
        );
        let text = "this charm declares action backup but does not handle it";
        assert_eq!(report.handling, Handling::Handled(Err(text.into())));
        assert_eq!(backend.action_failure.as_deref(), Some(text));
        assert!(backend.statuses_set.is_empty());
    }
}
