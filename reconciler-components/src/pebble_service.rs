//! [`PebbleServiceComponent`]: runs a workload's services with Pebble, from a layer and
//! files the charm author describes through [`PebbleWorkload`].
//!
//! # What it does on a reconcile
//!
//! 1. Asks the workload for its layer and files ([`PebbleWorkload::layer`],
//!    [`PebbleWorkload::files`]) and renders every file's template. None of this needs
//!    Pebble, so a mistake here (bad config, a template that does not render: Blocked
//!    with the file, the template and the line) shows even while Pebble is down, and
//!    nothing is pushed or replanned.
//! 2. Waits for Pebble: Waiting `waiting for Pebble in container <name>` until Pebble
//!    answers. Then pushes (with their mode and owner) the files whose content, or the
//!    mode or owner they set, differs from the container's, before touching the plan, so
//!    a service never starts with an old config file. A push Pebble refuses makes it
//!    Blocked with the path and Pebble's reason.
//! 3. Adds the layer (under its label, combined with an earlier one of the same label) and
//!    replans only when that changed the services of the plan, or when an enabled service
//!    of the layer is not running. An unchanged layer is not replanned, so a hook that
//!    changes nothing restarts nothing. Pebble combines a layer with the earlier one of its
//!    label field by field, so a field (or service) dropped from the layer stays in the
//!    plan; give services `override: replace` ([`Override::Replace`]) for the layer to
//!    say all there is.
//! 4. Restarts the services that a changed file names in [`File::used_by`], except those
//!    the replan just (re)started. Until that restart has succeeded the services to restart
//!    are kept in the charm's state, so a hook that fails in between restarts them on the
//!    next reconcile.
//!
//! # Statuses
//!
//! | situation | status |
//! |---|---|
//! | Pebble does not answer | Waiting `waiting for Pebble in container <name>` |
//! | a template does not render | Blocked `cannot render <path>: template <name> line <n>: <what>` |
//! | Pebble refuses a file | Blocked `cannot push <path>: <Pebble's reason>` |
//! | an enabled service failed (`error`) | Blocked `service <name> failed` (every failed one named) |
//! | an enabled service is restarting (`backoff`) or not running | Waiting `service <name> is restarting` / `service <name> is not running` |
//! | every enabled service of the layer runs | Active |
//!
//! [`Override::Replace`]: reconciler_core::pebble::Override::Replace
//!
//! Services the layer leaves disabled (`startup` not `enabled`) do not count.
//!
//! Under `update-status` in status-only mode the component has not configured anything in
//! that hook; it then reports Pebble's answer for every enabled service of the container's
//! plan (or Maintenance `not configured yet` when the plan has none).
//!
//! # Events
//!
//! It observes its container's Pebble events (`pebble-ready`, custom notices,
//! `pebble-check-failed`, `pebble-check-recovered`), so the charm reconciles when the
//! workload's Pebble comes up or a health check changes.
//!
//! # Example
//!
//! ```
//! use reconciler_components::pebble_files::File;
//! use reconciler_components::pebble_service::{PebbleServiceComponent, PebbleWorkload};
//! use reconciler_components::template::Template;
//! use reconciler_core::pebble::{Layer, Service, Startup};
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Container, Harness, State};
//!
//! /// The web server: listens on the `port` option.
//! #[derive(Default)]
//! struct Web {
//!     port: u16,
//! }
//!
//! impl PebbleWorkload for Web {
//!     fn layer(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Layer, ComponentError> {
//!         let port = ctx.config_value("port")?.and_then(|v| v.as_int()).unwrap_or(80);
//!         self.port = u16::try_from(port)
//!             .map_err(|_| ComponentError::blocked(format!("port {port} is out of range")))?;
//!         let service = Service {
//!             command: Some("/usr/bin/web --config /etc/web.conf".into()),
//!             startup: Some(Startup::Enabled),
//!             ..Service::default()
//!         };
//!         Ok(Layer { services: [("web".to_owned(), service)].into(), ..Layer::default() })
//!     }
//!
//!     fn files(&mut self, _: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
//!         let template = Template::new("web.conf.j2", "listen {{ port }}\n");
//!         Ok(vec![File::template("/etc/web.conf", template, serde_json::json!({"port": self.port}))
//!             .used_by(["web"])])
//!     }
//! }
//!
//! /// Reads the port from the workload.
//! struct Ingress { url: Option<String> }
//!
//! impl<'a> Component<&'a PebbleServiceComponent<Web>> for Ingress {
//!     fn configure_unit(
//!         &mut self,
//!         _: &mut Context<'_>,
//!         web: &'a PebbleServiceComponent<Web>,
//!     ) -> Result<(), ComponentError> {
//!         self.url = Some(format!("http://localhost:{}", web.workload().port));
//!         Ok(())
//!     }
//!     fn status(&self, _: &mut Context<'_>) -> Status { Status::active() }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     web: PebbleServiceComponent<Web>,
//!     #[component(depends_on = [web])]
//!     ingress: Ingress,
//! }
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo {
//!             web: PebbleServiceComponent::new("web", "web", Web::default()),
//!             ingress: Ingress { url: None },
//!         }
//!     }
//! }
//!
//! let harness = Harness::from_yaml(
//!     "name: demo\ncontainers:\n  web: {}\nconfig:\n  options:\n    port: {type: int, default: 8080}\n",
//! )?;
//! let state = State::default().with_container(Container::new("web"));
//! let out = harness.run::<Demo>(Event::ConfigChanged, state)?;
//! assert_eq!(out.unit_status, Status::active());
//! let web = out.state.container("web").unwrap();
//! assert_eq!(web.files["/etc/web.conf"], b"listen 8080\n");
//! assert_eq!(web.service_status("web"), Some(reconciler_core::pebble::ServiceStatus::Active));
//!
//! let down = State::default().with_container(Container::new("web").unreachable());
//! let out = harness.run::<Demo>(Event::ConfigChanged, down)?;
//! assert_eq!(out.unit_status, Status::waiting("[web] waiting for Pebble in container web"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use reconciler_core::pebble::{Layer, Pebble, ServiceInfo, ServiceStatus, Startup};
use reconciler_core::{Component, ComponentError, Context, Observe, Status};

use crate::pebble_files::{self, File, waiting_for_pebble};

/// The workload a [`PebbleServiceComponent`] runs, supplied by the charm author: its
/// Pebble layer and the files its services read.
///
/// `Deps` is what it reads from the components the service component depends on, as for
/// [`Component`]: `()` for nothing, `&'a Database` for one,
/// `(&'a A, &'a B)` for several. Both methods get the same `deps`, so it must be `Copy`
/// (shared references and tuples of them are).
///
/// The methods take `&mut self`, so they can keep what they computed (a port, a URL) for
/// the components that depend on the service component to read through
/// [`PebbleServiceComponent::workload`]. `layer` runs before `files`.
pub trait PebbleWorkload<Deps = ()> {
    /// The layer to add, computed from the config (`ctx.config_value`) and `deps`. An
    /// error makes the component show the error's status; nothing is pushed or replanned.
    fn layer(&mut self, ctx: &mut Context<'_>, deps: Deps) -> Result<Layer, ComponentError>;

    /// The files to keep in the container; pushed before the layer is added. None by
    /// default.
    fn files(&mut self, ctx: &mut Context<'_>, deps: Deps) -> Result<Vec<File>, ComponentError> {
        let _ = (ctx, deps);
        Ok(Vec::new())
    }
}

/// What the component did and found on its last reconcile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The paths pushed (missing or with different content).
    pub pushed: Vec<String>,
    /// Whether it replanned.
    pub replanned: bool,
    /// The services it restarted for changed files.
    pub restarted: Vec<String>,
    /// The enabled services of the layer and their state after all that.
    pub services: BTreeMap<String, ServiceStatus>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    NoPebble,
    Applied(Applied),
}

/// A component that runs a workload's services with Pebble: see the
/// [module documentation](self) for what it does, its statuses and the events it
/// observes.
///
/// Built with the container's name, the layer's label and the author's [`PebbleWorkload`].
/// Components that depend on it read the author's type with
/// [`workload`](Self::workload).
#[derive(Debug)]
pub struct PebbleServiceComponent<W> {
    container: String,
    label: String,
    workload: W,
    state: Option<State>,
}

impl<W> PebbleServiceComponent<W> {
    /// Runs `workload` in `container`, adding its layer under `label`.
    pub fn new(
        container: impl Into<String>,
        label: impl Into<String>,
        workload: W,
    ) -> PebbleServiceComponent<W> {
        PebbleServiceComponent {
            container: container.into(),
            label: label.into(),
            workload,
            state: None,
        }
    }

    /// The container's name.
    pub fn container(&self) -> &str {
        &self.container
    }

    /// The layer's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The author's workload, for dependents to read what it computed.
    pub fn workload(&self) -> &W {
        &self.workload
    }

    /// The author's workload, mutably.
    pub fn workload_mut(&mut self) -> &mut W {
        &mut self.workload
    }

    /// What the last reconcile did, once it got as far as the services; `None` before, or
    /// when Pebble did not answer or the reconcile failed.
    pub fn applied(&self) -> Option<&Applied> {
        match &self.state {
            Some(State::Applied(applied)) => Some(applied),
            _ => None,
        }
    }
}

impl<D: Copy, W: PebbleWorkload<D>> Component<D> for PebbleServiceComponent<W> {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<(), ComponentError> {
        self.state = None;
        // The layer and the files first: they need no Pebble, and a mistake in them (bad
        // config, a template that does not render) is the operator's to fix, so it shows
        // even while Pebble is down.
        let layer = self.workload.layer(ctx, deps)?;
        let rendered = pebble_files::render_all(self.workload.files(ctx, deps)?)?;
        if !ctx.backend().pebble(&self.container)?.can_connect() {
            self.state = Some(State::NoPebble);
            return Ok(());
        }

        let pebble = ctx.backend().pebble(&self.container)?;
        let before = pebble.plan()?.services;
        for r in &rendered {
            if let Some(unknown) = r
                .file
                .services()
                .iter()
                .find(|s| !layer.services.contains_key(*s) && !before.contains_key(*s))
            {
                return Err(ComponentError::blocked(format!(
                    "file {} is used by service {unknown}, which is neither in layer {} nor in the plan",
                    r.file.path(),
                    self.label
                )));
            }
        }

        // Files first: the services must find them when the replan starts them.
        let key = pebble_files::pending_key(&self.container, &self.label);
        let wants_restarts = rendered.iter().any(|r| !r.file.services().is_empty());
        let mut restart = if wants_restarts {
            pebble_files::pending_restarts(ctx, &key)?
        } else {
            BTreeSet::new()
        };
        let pending_before = restart.clone();
        let pebble = ctx.backend().pebble(&self.container)?;
        let changed = pebble_files::changed(pebble, &rendered)?;
        for &i in &changed {
            restart.extend(rendered[i].file.services().iter().cloned());
        }
        if restart != pending_before {
            pebble_files::record_pending(ctx, &key, &restart)?;
        }
        let pebble = ctx.backend().pebble(&self.container)?;
        pebble_files::push(pebble, &rendered, &changed)?;

        // The layer: replan only for a changed plan or an enabled service not running.
        pebble.add_layer(&self.label, &layer, true)?;
        let after = pebble.plan()?.services;
        let mine: Vec<&str> = layer.services.keys().map(String::as_str).collect();
        let enabled = |name: &str| {
            after
                .get(name)
                .is_some_and(|s| s.startup == Some(Startup::Enabled))
        };
        let stopped: BTreeSet<String> = pebble
            .services(&mine)?
            .into_iter()
            .filter(|s| {
                enabled(&s.name)
                    && matches!(s.current, ServiceStatus::Inactive | ServiceStatus::Error)
            })
            .map(|s| s.name)
            .collect();
        let redefined: BTreeSet<String> = after
            .iter()
            .filter(|(name, service)| before.get(*name) != Some(*service))
            .map(|(name, _)| name.clone())
            .collect();
        let replanned = !redefined.is_empty() || !stopped.is_empty();
        if replanned {
            pebble.replan()?;
        }

        // Restarts for changed files, except what the replan (re)started.
        let restarted = if restart.is_empty() {
            Vec::new()
        } else {
            let wanted: BTreeSet<String> = if replanned {
                restart
                    .iter()
                    .filter(|s| !redefined.contains(*s) && !stopped.contains(*s))
                    .cloned()
                    .collect()
            } else {
                restart.clone()
            };
            let names = pebble_files::running(pebble, &wanted)?;
            if !names.is_empty() {
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                pebble.restart(&refs)?;
            }
            pebble_files::record_pending(ctx, &key, &BTreeSet::new())?;
            names
        };

        let pebble = ctx.backend().pebble(&self.container)?;
        let services = pebble
            .services(&mine)?
            .into_iter()
            .filter(|s| enabled(&s.name))
            .map(|s| (s.name, s.current))
            .collect();
        self.state = Some(State::Applied(Applied {
            pushed: changed
                .iter()
                .map(|&i| rendered[i].file.path().to_owned())
                .collect(),
            replanned,
            restarted,
            services,
        }));
        Ok(())
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        match &self.state {
            Some(State::NoPebble) => waiting_for_pebble(&self.container),
            Some(State::Applied(applied)) => services_status(&applied.services),
            None => status_from_pebble(ctx, &self.container),
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::container(self.container.clone())]
    }
}

/// The status when the component configured nothing in this hook (status-only
/// `update-status`): Pebble's answer for the enabled services of the container's plan.
fn status_from_pebble(ctx: &mut Context<'_>, container: &str) -> Status {
    let pebble: &mut dyn Pebble = match ctx.backend().pebble(container) {
        Ok(pebble) => pebble,
        Err(e) => return Status::blocked(e.to_string()),
    };
    if !pebble.can_connect() {
        return waiting_for_pebble(container);
    }
    match pebble.services(&[]) {
        Ok(services) => {
            let enabled: BTreeMap<String, ServiceStatus> = services
                .into_iter()
                .filter(|s: &ServiceInfo| s.startup == Startup::Enabled)
                .map(|s| (s.name, s.current))
                .collect();
            if enabled.is_empty() {
                Status::maintenance("not configured yet")
            } else {
                services_status(&enabled)
            }
        }
        Err(e) => ComponentError::from(e).status(),
    }
}

/// Blocked naming every failed service; else Waiting naming every one restarting or not
/// running; else Active.
fn services_status(services: &BTreeMap<String, ServiceStatus>) -> Status {
    let named = |wanted: &[ServiceStatus]| -> Vec<&str> {
        services
            .iter()
            .filter(|(_, s)| wanted.contains(s))
            .map(|(n, _)| n.as_str())
            .collect()
    };
    let failed = named(&[ServiceStatus::Error]);
    if !failed.is_empty() {
        return Status::blocked(
            failed
                .iter()
                .map(|n| format!("service {n} failed"))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    let mut waiting = Vec::new();
    for (name, status) in services {
        match status {
            ServiceStatus::Backoff => waiting.push(format!("service {name} is restarting")),
            ServiceStatus::Inactive => waiting.push(format!("service {name} is not running")),
            ServiceStatus::Active | ServiceStatus::Error => {}
        }
    }
    if waiting.is_empty() {
        Status::active()
    } else {
        Status::waiting(waiting.join(", "))
    }
}
