//! [`KubernetesComponent`]: keeps a set of Kubernetes objects in the cluster, as the charm
//! author's [`KubernetesObjects`] describes them (feature `kubernetes`).
//!
//! # What it does on a reconcile (leader only)
//!
//! 1. Asks the author's [`KubernetesObjects::objects`] for the desired objects: typed
//!    `k8s-openapi` values ([`Object::typed`]) or YAML rendered from a template
//!    ([`Object::template`], one or more documents). A template that does not render, YAML
//!    that does not parse, or an object without `apiVersion`, `kind` or `metadata.name` is
//!    Blocked naming the template (or the object); nothing is sent.
//! 2. Labels every object as this application's (`app.kubernetes.io/managed-by: <app>`,
//!    `reconciler.juju.is/model: <model>`) and server-side applies it, with the
//!    application's name as field manager and `force` (the charm owns these fields; a
//!    person who edits them is overridden on the next hook).
//! 3. Prunes: lists, by those labels, every kind and namespace it has applied to in this
//!    hook or an earlier one (kept in the charm's state), and deletes the objects no longer
//!    desired. An empty desired set therefore deletes everything the component made.
//! 4. `remove` deletes everything it owns, the same way.
//!
//! Non-leaders do nothing and are Active: only the leader manages cluster objects. When
//! nothing is desired and nothing was applied before, no request is made (no client is
//! even built), so a charm whose Kubernetes objects depend on relations costs nothing
//! until one is related.
//!
//! # Statuses
//!
//! | situation | status |
//! |---|---|
//! | every desired object applied, and the undesired ones deleted | Active |
//! | the API server cannot be reached, times out, or answers 5xx/429 | Waiting `cannot reach the Kubernetes API (...): retrying on the next event` |
//! | the API refuses: forbidden (403) | Blocked `forbidden to <verb> <kind> <name> in <namespace>: <API message>; grant the application's service account that right` |
//! | the API refuses: invalid (422), bad request (400), namespace not found (404) | Blocked `cannot apply <kind> <name>: <API message>` |
//! | a template that does not render or renders no valid object | Blocked `template <name>: ...` |
//! | one object described twice | Blocked `<Kind> <namespace>/<name> is listed twice among the desired objects` |
//!
//! # Where the cluster is
//!
//! In a charm's pod, the in-cluster configuration (the service account's token and CA, and
//! `KUBERNETES_SERVICE_HOST`/`PORT`). `RECONCILER_KUBECONFIG` names a kubeconfig file
//! instead (tests, or a charm managing another cluster), as does
//! [`KubernetesComponent::with_kubeconfig`]. Every request has a deadline (20 s, or
//! `RECONCILER_KUBERNETES_TIMEOUT` seconds), so an unreachable server costs a bounded time.
//!
//! In an in-memory model (the test harness), the component talks to an [`InMemoryCluster`]
//! kept in the state's extensions instead, unless it was given a kubeconfig with
//! [`with_kubeconfig`](KubernetesComponent::with_kubeconfig): a charm's harness tests never
//! reach a real cluster because of a `RECONCILER_KUBECONFIG` left in the environment, and a
//! test can prepare the cluster (its namespaces, an outage, a refusal) and read what the
//! charm left in it:
//!
//! ```
//! # use reconciler_components::kubernetes::{InMemoryCluster, KubernetesComponent, KubernetesObjects, Object};
//! # use reconciler_core::prelude::*;
//! # use reconciler_core::testing::{Harness, State};
//! struct Settings;
//!
//! impl KubernetesObjects for Settings {
//!     fn objects(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<Object>, ComponentError> {
//!         let app = ctx.backend().app_name().to_owned();
//!         Ok(vec![Object::typed(&serde_json::json!({
//!             "apiVersion": "v1", "kind": "ConfigMap",
//!             "metadata": {"name": app, "namespace": "team-a"},
//!             "data": {"greeting": "hello"},
//!         }))])
//!     }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     settings: KubernetesComponent<Settings>,
//! }
//!
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo { settings: KubernetesComponent::new("settings", Settings) }
//!     }
//! }
//!
//! let harness = Harness::from_yaml("name: demo\n").unwrap();
//! let state = State::default()
//!     .with_unit_name("demo/0")
//!     .with_leader(true)
//!     .with_extension(InMemoryCluster::new().with_namespace("team-a"));
//! let out = harness.run::<Demo>(Event::ConfigChanged, state).unwrap();
//! assert_eq!(out.unit_status, Status::active());
//! let cluster = out.state.extension::<InMemoryCluster>().unwrap();
//! let map = cluster.get("ConfigMap", Some("team-a"), "demo").unwrap();
//! assert_eq!(map["metadata"]["labels"]["app.kubernetes.io/managed-by"], "demo");
//! ```
//!
//! # Templates and escaping
//!
//! Template output is escaped as JSON: `{{ name }}` writes `"value"`, quoted, which YAML
//! reads as the same string, so a value holding `: `, a newline or `{` stays one scalar and
//! cannot add keys or objects. Build composite values in the expression:
//! `name: {{ app ~ "-config" }}`, not `name: {{ app }}-config`.

mod client;
mod memory;
mod object;

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::PathBuf;

use reconciler_core::{Component, ComponentError, Context, Status};

pub use memory::InMemoryCluster;
pub use object::{Object, ObjectError};

use client::{Cluster, Kube, KubeError, Scope};

/// The label naming the application that manages an object.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// The label naming the Juju model of that application.
pub const MODEL_LABEL: &str = "reconciler.juju.is/model";

/// The objects a [`KubernetesComponent`] keeps in the cluster, supplied by the charm author.
///
/// `Deps` is what it reads from the components the Kubernetes component depends on, as
/// for [`Component`]: `()` for nothing, `&'a Requirer` for one, a tuple for several.
pub trait KubernetesObjects<Deps = ()> {
    /// The objects that should exist now. Called on the leader only. An empty list is a
    /// valid answer: everything the component made before is deleted.
    fn objects(&mut self, ctx: &mut Context<'_>, deps: Deps)
    -> Result<Vec<Object>, ComponentError>;
}

/// What the component did on its last reconcile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Applied {
    /// The objects applied, as `Kind namespace/name` (or `Kind name`).
    pub applied: Vec<String>,
    /// The objects deleted by the prune, in the same form.
    pub deleted: Vec<String>,
}

/// Keeps Kubernetes objects in the cluster: see the [module documentation](self).
#[derive(Debug)]
pub struct KubernetesComponent<R> {
    name: Cow<'static, str>,
    objects: R,
    kubeconfig: Option<PathBuf>,
    outcome: Option<Result<Applied, Status>>,
}

impl<R> KubernetesComponent<R> {
    /// A component called `name` (it names the record of what was applied in the charm's
    /// state, so two Kubernetes components of one charm need different names) keeping the
    /// objects `objects` describes.
    pub fn new(name: impl Into<Cow<'static, str>>, objects: R) -> KubernetesComponent<R> {
        KubernetesComponent {
            name: name.into(),
            objects,
            kubeconfig: None,
            outcome: None,
        }
    }

    /// This component, talking to the cluster of this kubeconfig file rather than the
    /// in-cluster one (or `RECONCILER_KUBECONFIG`).
    pub fn with_kubeconfig(mut self, path: impl Into<PathBuf>) -> KubernetesComponent<R> {
        self.kubeconfig = Some(path.into());
        self
    }

    /// The author's type.
    pub fn objects(&self) -> &R {
        &self.objects
    }

    /// What the last reconcile applied and deleted, if it ran on the leader and succeeded.
    pub fn applied(&self) -> Option<&Applied> {
        match &self.outcome {
            Some(Ok(applied)) => Some(applied),
            _ => None,
        }
    }

    /// The charm-state key of the kinds and namespaces applied to.
    fn state_key(&self) -> String {
        format!("reconciler-components.kubernetes.{}", self.name)
    }

    /// Runs `requests` against the cluster: the in-memory one of an in-memory model (the
    /// harness) unless a kubeconfig was given explicitly, else the real one.
    fn with_cluster<T>(
        &self,
        ctx: &mut Context<'_>,
        requests: impl FnOnce(&mut dyn Cluster) -> Result<T, KubeError>,
    ) -> Result<T, ComponentError> {
        let in_memory = match &self.kubeconfig {
            Some(_) => None,
            None => ctx.backend().extensions(),
        };
        let outcome = match in_memory {
            Some(extensions) => requests(extensions.get_or_insert_with(InMemoryCluster::new)),
            None => Kube::connect(self.kubeconfig.clone()).and_then(|mut kube| requests(&mut kube)),
        };
        outcome.map_err(KubeError::into_component_error)
    }

    /// The scopes (kind and namespace) recorded by earlier hooks.
    fn recorded(&self, ctx: &mut Context<'_>) -> Result<BTreeSet<Scope>, ComponentError> {
        let Some(json) = ctx.backend().state_get(&self.state_key())? else {
            return Ok(BTreeSet::new());
        };
        // A record this version cannot read is treated as empty rather than failing every
        // hook; the objects stay, labelled, for a later prune of their kind.
        Ok(serde_json::from_str(&json).unwrap_or_default())
    }

    fn apply<D>(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<Applied, ComponentError>
    where
        R: KubernetesObjects<D>,
    {
        let app = ctx.backend().app_name().to_owned();
        let model = ctx.backend().model_name().to_owned();
        let mut desired = Vec::new();
        for object in self.objects.objects(ctx, deps)? {
            desired.extend(
                object
                    .resolve()
                    .map_err(|e| ComponentError::blocked(e.to_string()))?,
            );
        }
        let mut seen = BTreeSet::new();
        for object in &mut desired {
            // Two descriptions of one object would be applied in turn, the last winning,
            // which hides a mistake in the author's code.
            if !seen.insert((object.scope(), object.name().to_owned())) {
                return Err(ComponentError::blocked(format!(
                    "{} is listed twice among the desired objects",
                    object.describe()
                )));
            }
            object.label(MANAGED_BY_LABEL, &app);
            object.label(MODEL_LABEL, &model);
        }
        let mut scopes = self.recorded(ctx)?;
        let new_scopes: BTreeSet<Scope> = desired.iter().map(object::Resolved::scope).collect();
        // Record the scopes before applying: a hook that dies half-way still prunes them later.
        if !new_scopes.is_subset(&scopes) {
            scopes.extend(new_scopes.iter().cloned());
            let json = serde_json::to_string(&scopes)
                .map_err(|e| ComponentError::new("recording the applied kinds").with_source(e))?;
            ctx.backend().state_set(&self.state_key(), &json)?;
        }
        if desired.is_empty() && scopes.is_empty() {
            // Nothing wanted and nothing made before: no client, no request.
            return Ok(Applied::default());
        }
        let selector = format!("{MANAGED_BY_LABEL}={app},{MODEL_LABEL}={model}");
        self.with_cluster(ctx, |cluster| {
            let mut applied = Applied::default();
            cluster.apply_all(&desired, &app)?;
            applied.applied = desired.iter().map(object::Resolved::describe).collect();
            for scope in &scopes {
                let keep: BTreeSet<&str> = desired
                    .iter()
                    .filter(|o| &o.scope() == scope)
                    .map(object::Resolved::name)
                    .collect();
                for name in cluster.list_names(scope, &selector)? {
                    if !keep.contains(name.as_str()) {
                        cluster.delete(scope, &name)?;
                        applied.deleted.push(scope.describe(&name));
                    }
                }
            }
            Ok(applied)
        })
    }
}

impl<D, R: KubernetesObjects<D>> Component<D> for KubernetesComponent<R> {
    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        deps: D,
    ) -> Result<(), ComponentError> {
        self.outcome = None;
        match self.apply(ctx, deps) {
            Ok(applied) => {
                tracing::info!(
                    "{}: applied {} Kubernetes objects, deleted {}",
                    self.name,
                    applied.applied.len(),
                    applied.deleted.len()
                );
                self.outcome = Some(Ok(applied));
                Ok(())
            }
            Err(error) => {
                self.outcome = Some(Err(error.status()));
                Err(error)
            }
        }
    }

    fn remove(&mut self, ctx: &mut Context<'_>) -> Result<(), ComponentError> {
        if !ctx.is_leader()? {
            return Ok(());
        }
        let scopes = self.recorded(ctx)?;
        if scopes.is_empty() {
            return Ok(());
        }
        let app = ctx.backend().app_name().to_owned();
        let model = ctx.backend().model_name().to_owned();
        let selector = format!("{MANAGED_BY_LABEL}={app},{MODEL_LABEL}={model}");
        self.with_cluster(ctx, |cluster| {
            for scope in &scopes {
                for name in cluster.list_names(scope, &selector)? {
                    cluster.delete(scope, &name)?;
                }
            }
            Ok(())
        })?;
        ctx.backend().state_delete(&self.state_key())?;
        Ok(())
    }

    fn scenario_sections(&self) -> Vec<reconciler_core::ScenarioSection> {
        vec![InMemoryCluster::SCENARIO_SECTION]
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.outcome {
            // Not the leader (or a status-only hook): nothing of ours to report.
            None => Status::active(),
            Some(Ok(_)) => Status::active(),
            Some(Err(status)) => status.clone(),
        }
    }
}

/// Whether `name` can name a Kubernetes namespace: an RFC 1123 label (at most 63
/// lowercase letters, digits and `-`, starting and ending with a letter or digit).
///
/// ```
/// use reconciler_components::kubernetes::is_namespace_name;
///
/// assert!(is_namespace_name("team-a"));
/// assert!(!is_namespace_name("Team A"));
/// assert!(!is_namespace_name("-team"));
/// ```
pub fn is_namespace_name(name: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    (1..=63).contains(&name.len())
        && name.chars().all(allowed)
        && !name.starts_with('-')
        && !name.ends_with('-')
}
