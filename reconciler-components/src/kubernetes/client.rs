//! A blocking facade over `kube`'s async client: one current-thread runtime per
//! component call, every request under a deadline.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use reconciler_core::ComponentError;
use serde::{Deserialize, Serialize};

use super::object::Resolved;

/// The deadline of one request when `RECONCILER_KUBERNETES_TIMEOUT` does not set one.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// A kind of object in a namespace (or cluster-wide): what a prune lists.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Scope {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) namespace: Option<String>,
}

impl Scope {
    /// `Kind namespace/name`, or `Kind name` for a cluster-wide object.
    pub(crate) fn describe(&self, name: &str) -> String {
        match &self.namespace {
            Some(namespace) => format!("{} {namespace}/{name}", self.kind),
            None => format!("{} {name}", self.kind),
        }
    }

    fn resource(&self) -> ApiResource {
        let (group, version) = match self.api_version.split_once('/') {
            Some((group, version)) => (group, version),
            None => ("", self.api_version.as_str()),
        };
        ApiResource::from_gvk(&GroupVersionKind::gvk(group, version, &self.kind))
    }
}

/// What went wrong talking to the API, and while doing what.
#[derive(Debug)]
pub(crate) struct KubeError {
    /// `apply ConfigMap team-a/x`, `list ConfigMap in team-a`, `connect`.
    action: String,
    problem: Problem,
}

#[derive(Debug)]
enum Problem {
    /// No configuration to reach a cluster with.
    Config(String),
    /// Nothing answered in time, or the connection failed.
    Unreachable(String),
    /// The API answered with an error.
    Api { code: u16, message: String },
}

/// The requests the component makes of a cluster: the real API server ([`Kube`]) or the
/// in-memory model ([`InMemoryCluster`](super::InMemoryCluster)).
pub(crate) trait Cluster {
    /// Server-side applies `objects`, `manager` owning their fields; on failures, the error
    /// of the first failing object in `objects`' order.
    fn apply_all(&mut self, objects: &[Resolved], manager: &str) -> Result<(), KubeError>;
    /// The names of the objects of `scope` that `selector` selects; none in a namespace
    /// that does not exist.
    fn list_names(&mut self, scope: &Scope, selector: &str) -> Result<Vec<String>, KubeError>;
    /// Deletes one object; one already gone is fine.
    fn delete(&mut self, scope: &Scope, name: &str) -> Result<(), KubeError>;
}

impl KubeError {
    /// The API answered `code` with `message` to `action`.
    pub(crate) fn api(action: String, code: u16, message: impl Into<String>) -> KubeError {
        KubeError {
            action,
            problem: Problem::Api {
                code,
                message: message.into(),
            },
        }
    }

    /// Nothing answered `action`.
    pub(crate) fn unreachable(action: String, message: impl Into<String>) -> KubeError {
        KubeError {
            action,
            problem: Problem::Unreachable(message.into()),
        }
    }

    /// The component's error: Waiting for what a later hook may find fixed (unreachable,
    /// 5xx, 429), Blocked for what needs a person (forbidden, invalid, no configuration).
    pub(crate) fn into_component_error(self) -> ComponentError {
        let KubeError { action, problem } = self;
        match problem {
            Problem::Config(message) => ComponentError::blocked(format!(
                "no Kubernetes configuration ({message}): run the charm in a pod with a service account, or set RECONCILER_KUBECONFIG"
            )),
            Problem::Unreachable(message) => ComponentError::waiting(format!(
                "cannot reach the Kubernetes API to {action} ({message}): retrying on the next event"
            )),
            Problem::Api { code, message } if code >= 500 || code == 429 => {
                ComponentError::waiting(format!(
                    "the Kubernetes API could not {action} (HTTP {code}: {message}): retrying on the next event"
                ))
            }
            Problem::Api { code: 403, message } => ComponentError::blocked(format!(
                "forbidden to {action}: {message}; grant the application's service account that right"
            )),
            Problem::Api { code, message } => {
                ComponentError::blocked(format!("cannot {action} (HTTP {code}): {message}"))
            }
        }
    }
}

fn deadline() -> Duration {
    std::env::var("RECONCILER_KUBERNETES_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
}

/// How many apply requests are in flight at once. Chosen against the test API server
/// (kine on SQLite, `scripts/bench-kubernetes.sh`), before the client set `TCP_NODELAY`:
/// 4 re-applied 50 unchanged objects in 106 ms against 138 ms one at a time and created
/// them as fast; 8 re-applied in 98 ms but created in 394 ms against 225 ms, as concurrent
/// writes contend in the storage. With `TCP_NODELAY`, 4 re-apply the 50 in 63 ms.
const IN_FLIGHT: usize = 4;

/// What a failed request's outcome says: no answer in time, the API's error, or a
/// connection failure.
fn problem_of(
    outcome: Result<Result<(), kube::Error>, tokio::time::error::Elapsed>,
    deadline: Duration,
) -> Problem {
    match outcome {
        Err(_) => Problem::Unreachable(format!("no answer within {} s", deadline.as_secs_f64())),
        Ok(Err(kube::Error::Api(status))) => Problem::Api {
            code: status.code,
            message: status.message,
        },
        Ok(Err(other)) => Problem::Unreachable(other.to_string()),
        Ok(Ok(())) => Problem::Unreachable("no error".into()),
    }
}

/// kube's client for `config`, over a connector that sets `TCP_NODELAY`. kube's own
/// (`Client::try_from`) leaves Nagle's algorithm on: a request whose headers and body go
/// out in two writes then waits for the server's delayed ACK, about 40 ms on Linux, which
/// made an unchanged apply of two objects take 55 ms instead of 12
/// (`scripts/bench-hooks.sh`). The layers are kube's own: base URI, authentication, extra
/// headers. Every request has a deadline of its own (`Kube::run`), so no timeouts here.
fn client_for(config: &kube::Config) -> Result<kube::Client, kube::Error> {
    use kube::client::ConfigExt;
    use tower::ServiceExt as _;

    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let https = config.rustls_https_connector_with_connector(http)?;
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(https);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .service(hyper.map_err(tower::BoxError::from));
    Ok(kube::Client::new(service, config.default_namespace.clone()))
}

/// A connected client.
pub(crate) struct Kube {
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
    deadline: Duration,
}

impl Kube {
    /// A client for the cluster of `kubeconfig`, else of `RECONCILER_KUBECONFIG`, else the
    /// in-cluster configuration.
    pub(crate) fn connect(kubeconfig: Option<PathBuf>) -> Result<Kube, KubeError> {
        let error = |problem| KubeError {
            action: "connect".into(),
            problem,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error(Problem::Config(format!("cannot start a runtime: {e}"))))?;
        let deadline = deadline();
        let path =
            kubeconfig.or_else(|| std::env::var_os("RECONCILER_KUBECONFIG").map(PathBuf::from));
        let mut config = match path {
            Some(path) => {
                let kubeconfig = kube::config::Kubeconfig::read_from(&path)
                    .map_err(|e| error(Problem::Config(format!("{}: {e}", path.display()))))?;
                runtime
                    .block_on(kube::Config::from_custom_kubeconfig(
                        kubeconfig,
                        &kube::config::KubeConfigOptions::default(),
                    ))
                    .map_err(|e| error(Problem::Config(format!("{}: {e}", path.display()))))?
            }
            None => kube::Config::incluster()
                .map_err(|e| error(Problem::Config(format!("in-cluster: {e}"))))?,
        };
        config.connect_timeout = Some(deadline);
        config.read_timeout = Some(deadline);
        config.write_timeout = Some(deadline);
        let client = {
            // The client's connection pool starts its tasks on the runtime.
            let _guard = runtime.enter();
            client_for(&config).map_err(|e| error(Problem::Config(e.to_string())))?
        };
        Ok(Kube {
            runtime,
            client,
            deadline,
        })
    }

    fn api(&self, scope: &Scope) -> Api<DynamicObject> {
        let resource = scope.resource();
        match &scope.namespace {
            Some(namespace) => Api::namespaced_with(self.client.clone(), namespace, &resource),
            None => Api::all_with(self.client.clone(), &resource),
        }
    }

    /// Runs `request` under the deadline.
    fn run<T>(
        &self,
        action: impl FnOnce() -> String,
        request: impl Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, KubeError> {
        let deadline = self.deadline;
        let outcome = self
            .runtime
            .block_on(async { tokio::time::timeout(deadline, request).await });
        let problem = match outcome {
            Ok(Ok(value)) => return Ok(value),
            Err(_) => {
                Problem::Unreachable(format!("no answer within {} s", deadline.as_secs_f64()))
            }
            Ok(Err(kube::Error::Api(status))) => Problem::Api {
                code: status.code,
                message: status.message,
            },
            Ok(Err(other)) => Problem::Unreachable(other.to_string()),
        };
        Err(KubeError {
            action: action(),
            problem,
        })
    }
}

impl Cluster for Kube {
    /// Server-side applies `objects` with `manager` as field manager, forcing conflicts,
    /// [`IN_FLIGHT`] requests at a time (the API server, not the charm, is what takes the
    /// time: one request after another spends most of it waiting). Each request has the
    /// deadline; on failures, the error of the first failing object in `objects`' order.
    fn apply_all(&mut self, objects: &[Resolved], manager: &str) -> Result<(), KubeError> {
        let params = PatchParams::apply(manager).force();
        let deadline = self.deadline;
        for batch in objects.chunks(IN_FLIGHT) {
            let results = self.runtime.block_on(async {
                let mut tasks = tokio::task::JoinSet::new();
                for (index, object) in batch.iter().enumerate() {
                    let api = self.api(&object.scope());
                    let params = params.clone();
                    let name = object.name.clone();
                    let value = object.value.clone();
                    tasks.spawn(async move {
                        let outcome = tokio::time::timeout(
                            deadline,
                            api.patch(&name, &params, &Patch::Apply(&value)),
                        )
                        .await;
                        (index, outcome.map(|r| r.map(|_| ())))
                    });
                }
                let mut results: Vec<Option<_>> = (0..batch.len()).map(|_| None).collect();
                while let Some(joined) = tasks.join_next().await {
                    if let Ok((index, outcome)) = joined {
                        results[index] = Some(outcome);
                    }
                }
                results
            });
            for (object, result) in batch.iter().zip(results) {
                let problem = match result {
                    Some(Ok(Ok(()))) => continue,
                    Some(outcome) => problem_of(outcome, deadline),
                    None => Problem::Unreachable("the request's task failed".into()),
                };
                return Err(KubeError {
                    action: format!("apply {}", object.describe()),
                    problem,
                });
            }
        }
        Ok(())
    }

    /// The names of the objects of `scope` that `selector` selects.
    fn list_names(&mut self, scope: &Scope, selector: &str) -> Result<Vec<String>, KubeError> {
        let api = self.api(scope);
        let params = ListParams::default().labels(selector);
        let list = self.run(
            || match &scope.namespace {
                Some(namespace) => format!("list {} in {namespace}", scope.kind),
                None => format!("list {}", scope.kind),
            },
            api.list_metadata(&params),
        );
        match list {
            Ok(list) => Ok(list
                .items
                .into_iter()
                .filter_map(|o| o.metadata.name)
                .collect()),
            // A namespace that is gone holds nothing of ours.
            Err(KubeError {
                problem: Problem::Api { code: 404, .. },
                ..
            }) => Ok(Vec::new()),
            Err(error) => Err(error),
        }
    }

    /// Deletes one object; one already gone is fine.
    fn delete(&mut self, scope: &Scope, name: &str) -> Result<(), KubeError> {
        let api = self.api(scope);
        match self.run(
            || format!("delete {}", scope.describe(name)),
            api.delete(name, &DeleteParams::default()),
        ) {
            Ok(_) => Ok(()),
            Err(KubeError {
                problem: Problem::Api { code: 404, .. },
                ..
            }) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
