//! [`InMemoryCluster`]: what the Kubernetes component talks to in an in-memory model.

use std::collections::{BTreeMap, BTreeSet};

use super::client::{Cluster, KubeError, Scope};
use super::object::Resolved;

/// The namespaces a new API server has.
const INITIAL_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

/// An in-memory stand-in for a Kubernetes cluster, used by [`KubernetesComponent`] when
/// the charm runs in an in-memory model (the test harness) and no kubeconfig was given
/// with [`with_kubeconfig`]. **It is not a Kubernetes API server**: it keeps the objects
/// the component applies and answers the three requests the component makes (apply,
/// list by labels, delete) the way the API server does for them:
///
/// - an apply stores the object as sent, replacing the previous one (what a server-side
///   apply by a single field manager with `force` leaves), and gives it a new
///   `metadata.resourceVersion` only when it changed;
/// - a namespaced object in a namespace the cluster does not have is refused with the
///   API server's 404 (`namespaces "<name>" not found`); applying a `Namespace` adds it;
///   deleting one deletes what is in it (as the namespace controller of a real cluster
///   does eventually);
/// - lists select by equality of labels.
///
/// It does not check objects against their schemas (a real server refuses an invalid
/// object with 422), knows nothing of RBAC beyond [`forbidding`](Self::forbidding), and
/// keeps one object per kind, namespace and name whatever the API group or version. The
/// component's tests run the same sequences against a real API server and against this
/// model and compare what they leave.
///
/// A charm run by the harness finds it in the state's extensions (a new, empty one when
/// the state has none), so a test prepares one and reads it back:
///
/// ```
/// use reconciler_components::kubernetes::InMemoryCluster;
/// use reconciler_core::testing::State;
///
/// let state = State::default().with_extension(InMemoryCluster::new().with_namespace("team-a"));
/// let cluster = state.extension::<InMemoryCluster>().unwrap();
/// assert!(cluster.has_namespace("team-a"));
/// assert_eq!(cluster.objects().count(), 0);
/// ```
///
/// [`KubernetesComponent`]: super::KubernetesComponent
/// [`with_kubeconfig`]: super::KubernetesComponent::with_kubeconfig
///
/// Two clusters are equal when they hold the same namespaces and objects and answer alike;
/// how many [`requests`](Self::requests) each has answered does not count, so a state
/// that a second, idle hook leaves unchanged compares equal.
#[derive(Clone, Debug)]
pub struct InMemoryCluster {
    namespaces: BTreeSet<String>,
    objects: BTreeMap<Key, serde_json::Value>,
    last_version: u64,
    unreachable: bool,
    forbidden: BTreeSet<String>,
    requests: usize,
}

impl PartialEq for InMemoryCluster {
    fn eq(&self, other: &InMemoryCluster) -> bool {
        let InMemoryCluster {
            namespaces,
            objects,
            last_version,
            unreachable,
            forbidden,
            requests: _,
        } = self;
        namespaces == &other.namespaces
            && objects == &other.objects
            && last_version == &other.last_version
            && unreachable == &other.unreachable
            && forbidden == &other.forbidden
    }
}

/// Where an object is kept: kind, namespace (none for a cluster-wide object), name.
type Key = (String, Option<String>, String);

impl Default for InMemoryCluster {
    fn default() -> InMemoryCluster {
        InMemoryCluster::new()
    }
}

/// What a simulator scenario's `kubernetes:` section may say.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ScenarioCluster {
    /// Namespaces that exist (besides a new cluster's own).
    #[serde(default)]
    namespaces: Vec<String>,
    /// Whether the cluster answers; `false` is [`InMemoryCluster::unreachable`].
    #[serde(default)]
    reachable: Option<bool>,
    /// Kinds whose requests are refused as forbidden ([`InMemoryCluster::forbidding`]).
    #[serde(default)]
    forbidding: Vec<String>,
}

impl InMemoryCluster {
    /// The `kubernetes:` section of a simulator scenario (`state:` and a step's `set:`),
    /// offered by every [`KubernetesComponent`](super::KubernetesComponent):
    ///
    /// ```yaml
    /// kubernetes:
    ///   namespaces: [team-a]   # namespaces that exist, besides a new cluster's own
    ///   reachable: true        # false: every request fails as a connection failure
    ///   forbidding: [Secret]   # kinds whose requests are refused (HTTP 403)
    /// ```
    ///
    /// Each key adds to the cluster the state already has (or a new one). After each step
    /// the simulator lists the cluster's objects.
    pub const SCENARIO_SECTION: reconciler_core::ScenarioSection =
        reconciler_core::ScenarioSection::new(
            "kubernetes",
            "the in-memory Kubernetes cluster: namespaces, reachable, forbidding",
            load_scenario_section,
        )
        .with_describe(describe_scenario_section);

    /// A cluster with the namespaces a new one has (`default`, `kube-node-lease`,
    /// `kube-public`, `kube-system`) and no objects.
    pub fn new() -> InMemoryCluster {
        InMemoryCluster {
            namespaces: INITIAL_NAMESPACES.iter().map(|&n| n.to_owned()).collect(),
            objects: BTreeMap::new(),
            last_version: 0,
            unreachable: false,
            forbidden: BTreeSet::new(),
            requests: 0,
        }
    }

    /// This cluster with the namespace `name`.
    #[must_use]
    pub fn with_namespace(mut self, name: impl Into<String>) -> InMemoryCluster {
        self.namespaces.insert(name.into());
        self
    }

    /// This cluster, answering no request: every request fails as a connection failure
    /// does, so the component is Waiting and retries on the next event.
    #[must_use]
    pub fn unreachable(mut self) -> InMemoryCluster {
        self.unreachable = true;
        self
    }

    /// This cluster, or a reachable one: undoes [`unreachable`](Self::unreachable).
    #[must_use]
    pub fn reachable(mut self) -> InMemoryCluster {
        self.unreachable = false;
        self
    }

    /// This cluster, refusing every request about objects of `kind` as forbidden (HTTP
    /// 403), as a real one does when the charm's service account lacks the right.
    #[must_use]
    pub fn forbidding(mut self, kind: impl Into<String>) -> InMemoryCluster {
        self.forbidden.insert(kind.into());
        self
    }

    /// Whether the cluster has the namespace `name`.
    pub fn has_namespace(&self, name: &str) -> bool {
        self.namespaces.contains(name)
    }

    /// The object of `kind` called `name`, in `namespace` (`None` for a cluster-wide
    /// object), as stored: what was applied, with the labels the component adds and the
    /// `metadata.resourceVersion` and `metadata.uid` the cluster sets.
    pub fn get(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&serde_json::Value> {
        self.objects.get(&(
            kind.to_owned(),
            namespace.map(str::to_owned),
            name.to_owned(),
        ))
    }

    /// Every object, ordered by kind, namespace and name.
    pub fn objects(&self) -> impl Iterator<Item = &serde_json::Value> {
        self.objects.values()
    }

    /// Every object as `Kind namespace/name` (or `Kind name`), in the same order.
    pub fn describe(&self) -> Vec<String> {
        self.objects
            .keys()
            .map(|(kind, namespace, name)| match namespace {
                Some(namespace) => format!("{kind} {namespace}/{name}"),
                None => format!("{kind} {name}"),
            })
            .collect()
    }

    /// How many requests the cluster has answered (or refused) so far.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// Counts a request and refuses it when the cluster is unreachable or forbids `kind`.
    fn admit(&mut self, action: impl Fn() -> String, kind: &str) -> Result<(), KubeError> {
        self.requests += 1;
        if self.unreachable {
            return Err(KubeError::unreachable(
                action(),
                "the in-memory cluster is set unreachable",
            ));
        }
        if self.forbidden.contains(kind) {
            return Err(KubeError::api(
                action(),
                403,
                format!("the in-memory cluster forbids requests about {kind}"),
            ));
        }
        Ok(())
    }

    fn apply(&mut self, object: &Resolved) -> Result<(), KubeError> {
        let action = || format!("apply {}", object.describe());
        self.admit(action, &object.kind)?;
        if let Some(namespace) = &object.namespace
            && !self.namespaces.contains(namespace)
        {
            return Err(KubeError::api(
                action(),
                404,
                format!("namespaces \"{namespace}\" not found"),
            ));
        }
        let key = (
            object.kind.clone(),
            object.namespace.clone(),
            object.name.clone(),
        );
        let mut value = object.value.clone();
        match self.objects.get(&key) {
            Some(old) if without_server_fields(old) == without_server_fields(&value) => {
                return Ok(());
            }
            Some(old) => {
                value["metadata"]["uid"] = old["metadata"]["uid"].clone();
            }
            None => {
                value["metadata"]["uid"] = format!("in-memory-{}", self.last_version + 1).into();
            }
        }
        self.last_version += 1;
        value["metadata"]["resourceVersion"] = self.last_version.to_string().into();
        if object.kind == "Namespace" && object.namespace.is_none() {
            self.namespaces.insert(object.name.clone());
        }
        self.objects.insert(key, value);
        Ok(())
    }
}

/// An object without the fields the cluster sets, to compare what was applied.
fn without_server_fields(value: &serde_json::Value) -> serde_json::Value {
    let mut value = value.clone();
    if let Some(metadata) = value
        .get_mut("metadata")
        .and_then(serde_json::Value::as_object_mut)
    {
        metadata.remove("uid");
        metadata.remove("resourceVersion");
    }
    value
}

/// Whether `labels` has every `key=value` of `selector` (comma-separated equalities, the
/// only form the component sends).
fn selects(selector: &str, labels: Option<&serde_json::Value>) -> bool {
    selector
        .split(',')
        .filter(|s| !s.is_empty())
        .all(|pair| match pair.split_once('=') {
            Some((key, value)) => {
                labels
                    .and_then(|l| l.get(key))
                    .and_then(serde_json::Value::as_str)
                    == Some(value)
            }
            None => false,
        })
}

impl Cluster for InMemoryCluster {
    fn apply_all(&mut self, objects: &[Resolved], _manager: &str) -> Result<(), KubeError> {
        objects.iter().try_for_each(|object| self.apply(object))
    }

    fn list_names(&mut self, scope: &Scope, selector: &str) -> Result<Vec<String>, KubeError> {
        let action = || match &scope.namespace {
            Some(namespace) => format!("list {} in {namespace}", scope.kind),
            None => format!("list {}", scope.kind),
        };
        self.admit(action, &scope.kind)?;
        Ok(self
            .objects
            .iter()
            .filter(|((kind, namespace, _), value)| {
                kind == &scope.kind
                    && namespace == &scope.namespace
                    && selects(selector, value.pointer("/metadata/labels"))
            })
            .map(|((_, _, name), _)| name.clone())
            .collect())
    }

    fn delete(&mut self, scope: &Scope, name: &str) -> Result<(), KubeError> {
        self.admit(|| format!("delete {}", scope.describe(name)), &scope.kind)?;
        let key = (scope.kind.clone(), scope.namespace.clone(), name.to_owned());
        if self.objects.remove(&key).is_some()
            && scope.kind == "Namespace"
            && scope.namespace.is_none()
        {
            self.namespaces.remove(name);
            self.objects
                .retain(|(_, namespace, _), _| namespace.as_deref() != Some(name));
        }
        Ok(())
    }
}

/// Reads a scenario's `kubernetes:` section into the state's cluster.
fn load_scenario_section(
    value: &serde_json::Value,
    extensions: &mut reconciler_core::Extensions,
) -> Result<(), String> {
    let section: ScenarioCluster = serde_json::from_value(value.clone()).map_err(|e| {
        format!(
            "{e}; expected e.g. `{{namespaces: [team-a], reachable: true, forbidding: [Secret]}}`"
        )
    })?;
    for namespace in &section.namespaces {
        if !super::is_namespace_name(namespace) {
            return Err(format!(
                "namespace {namespace:?} is not a valid Kubernetes namespace name (lowercase letters, digits and `-`, at most 63, starting and ending with a letter or digit)"
            ));
        }
    }
    let cluster = extensions.get_or_insert_with(InMemoryCluster::new);
    cluster.namespaces.extend(section.namespaces);
    if let Some(reachable) = section.reachable {
        cluster.unreachable = !reachable;
    }
    cluster.forbidden.extend(section.forbidding);
    Ok(())
}

/// The cluster's objects, for the simulator's output.
fn describe_scenario_section(extensions: &reconciler_core::Extensions) -> Vec<String> {
    match extensions.get::<InMemoryCluster>() {
        None => Vec::new(),
        Some(cluster) if cluster.objects.is_empty() => vec!["no objects".to_owned()],
        Some(cluster) => cluster.describe(),
    }
}
