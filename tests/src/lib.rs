//! Test-only crate (not published): components and helpers shared by the cross-crate tests
//! in `tests/` (derived charms at run time, the compile-fail cases of `ui/`), and the test
//! charms: [`panicky`], [`secrets_charm`] for the secrets tests, [`probe`] for the storage,
//! network, resource and model tools, and [`params`], whose actions take typed parameters.

pub mod panicky;
pub mod params;
pub mod probe;
pub mod secrets_charm;

use std::cell::RefCell;
use std::rc::Rc;

use reconciler_core::testing::{MemoryBackend, State};
use reconciler_core::{
    CharmReconciler, Component, ComponentError, Context, Event, RemoveReport, Report, Status,
};

/// Runs one reconcile of `charm` on config-changed, on a leader or not.
pub fn reconcile_once<C: CharmReconciler>(charm: &mut C, leader: bool) -> Report {
    let mut backend = MemoryBackend::new(State::default().with_leader(leader));
    let event = Event::ConfigChanged;
    reconciler_core::reconcile(charm, &mut Context::new(&mut backend, &event))
}

/// Runs the remove of `charm`.
pub fn remove_once<C: CharmReconciler>(charm: &mut C) -> RemoveReport {
    let mut backend = MemoryBackend::new(State::default());
    let event = Event::Remove;
    reconciler_core::remove(charm, &mut Context::new(&mut backend, &event))
}

/// A shared log of component calls, to check what ran and in which order.
pub type Journal = Rc<RefCell<Vec<String>>>;

/// A component with a fixed status that writes `"<name>.<method>"` to a journal when called.
pub struct Recorder {
    name: &'static str,
    status: Status,
    journal: Journal,
}

impl Recorder {
    /// An Active recorder.
    pub fn active(name: &'static str, journal: &Journal) -> Recorder {
        Recorder::with_status(name, Status::active(), journal)
    }

    /// A recorder that reports `status`.
    pub fn with_status(name: &'static str, status: Status, journal: &Journal) -> Recorder {
        Recorder {
            name,
            status,
            journal: Rc::clone(journal),
        }
    }

    fn note(&self, what: &str) {
        self.journal
            .borrow_mut()
            .push(format!("{}.{what}", self.name));
    }
}

impl Component for Recorder {
    fn configure_unit(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.note("configure_unit");
        Ok(())
    }

    fn configure_app_leader(&mut self, _: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        self.note("configure_app_leader");
        Ok(())
    }

    fn configure_app_non_leader(
        &mut self,
        _: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        self.note("configure_app_non_leader");
        Ok(())
    }

    fn remove(&mut self, _: &mut Context<'_>) -> Result<(), ComponentError> {
        self.note("remove");
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        self.status.clone()
    }
}

/// A component that is always Active and does nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct Trivial;

impl Component for Trivial {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// Runs a workload and knows its port; Blocked when the port is 0.
pub struct Workload {
    /// The port the workload listens on.
    pub port: u16,
}

impl Component for Workload {
    fn status(&self, _: &mut Context<'_>) -> Status {
        if self.port == 0 {
            Status::blocked("no port configured")
        } else {
            Status::active()
        }
    }
}

/// A database the charm is related to.
pub struct Database {
    /// Its connection string.
    pub uri: &'static str,
}

impl Component for Database {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// Advertises the workload's address: reads one dependency, `&Workload`.
#[derive(Default)]
pub struct Website {
    /// What it advertised in its last configure.
    pub url: Option<String>,
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
            None => Status::waiting("not configured yet"),
        }
    }
}

/// Reads two dependencies, `(&Workload, &Database)`, whatever order `depends_on` lists them.
#[derive(Default)]
pub struct Backup {
    /// What it configured in its last configure.
    pub target: Option<String>,
}

impl<'a> Component<(&'a Workload, &'a Database)> for Backup {
    fn configure_unit(
        &mut self,
        _: &mut Context<'_>,
        (workload, database): (&'a Workload, &'a Database),
    ) -> Result<(), ComponentError> {
        self.target = Some(format!("{} -> {}", workload.port, database.uri));
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.target {
            Some(target) => Status::active_with(target.clone()),
            None => Status::waiting("not configured yet"),
        }
    }
}

/// `text` with durations replaced by `<t>`, since they differ from run to run: `ran in
/// 1.2µs` becomes `ran in <t>`, `failed in 3.0ms` becomes `failed in <t>`, and the
/// `[+4.7ms]` prefix of a batched `juju-log` line becomes `[+<t>]`. Nothing else changes.
/// Used where docs show real output (`docs_execution_order`, `simulate`).
pub fn normalise_durations(text: &str) -> String {
    normalise_durations_after(text, &["ran in ", "failed in ", "[+"])
}

/// `text` with the duration after each of `markers` (a number and a unit, `ns`, `µs`,
/// `ms` or `s`, as `{:.1?}` and libtest print them) replaced by `<t>`.
pub fn normalise_durations_after(text: &str, markers: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next = markers
            .iter()
            .filter_map(|marker| rest.find(marker).map(|at| (at, marker.len())))
            .min();
        let Some((at, len)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at + len]);
        rest = &rest[at + len..];
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let unit = ["ns", "µs", "ms", "s"]
            .into_iter()
            .find(|unit| rest[digits..].starts_with(unit));
        if let (true, Some(unit)) = (digits > 0, unit) {
            out.push_str("<t>");
            rest = &rest[digits + unit.len()..];
        }
    }
}
