//! [`SaTokenComponent`]: a token of a Kubernetes service account, requested from the API
//! server (a `TokenRequest`) for the workload to read from a file.
//!
//! `reconciler-components` has no such component, and its Kubernetes client is private to
//! the `KubernetesComponent`, so the port brings its own: the request through `kube`, and
//! an in-memory stand-in, [`InMemoryTokens`], for the test harness (found in the state's
//! extensions, as the built-in component finds its in-memory cluster), unless the
//! component was given a kubeconfig explicitly ([`SaTokenComponent::with_kubeconfig`]).
//!
//! # What it does
//!
//! On the leader, on every reconcile, it requests a token for the service account in the
//! model's namespace, with the audiences and lifetime it was built with, and keeps it for
//! the components that depend on it ([`SaTokenComponent::token`]). The token is never
//! written to the charm's state or logged; its `Debug` output hides it.
//!
//! # Statuses
//!
//! | situation | status |
//! |---|---|
//! | a token was issued in this hook | Active |
//! | not the leader, or not configured in this hook | Waiting `no token for ServiceAccount <name> yet: the leader requests it` |
//! | the API server cannot be reached, times out, or answers 5xx/429 | Waiting `cannot reach the Kubernetes API to request a token for ServiceAccount <namespace>/<name> (<why>): retrying on the next event` |
//! | the API refuses: forbidden (403) | Blocked `forbidden to request a token for ServiceAccount <namespace>/<name>: <API message>; grant the application's service account that right` |
//! | any other refusal (the account does not exist: 404) | Blocked `cannot request a token for ServiceAccount <namespace>/<name> (HTTP <code>): <API message>` |
//! | no configuration to reach a cluster with | Blocked `no Kubernetes configuration (<why>): run the charm in a pod with a service account, or set RECONCILER_KUBECONFIG` |

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::ServiceAccount;
use reconciler_core::prelude::*;

/// The deadline of the request when `RECONCILER_KUBERNETES_TIMEOUT` does not set one (the
/// built-in Kubernetes component's default).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// What to ask the API server for: a token of `service_account`, in the model's namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSpec {
    /// The service account's name.
    pub service_account: String,
    /// The audiences the token is for.
    pub audiences: Vec<String>,
    /// The lifetime asked for, in seconds (the API server may shorten it).
    pub expiration_seconds: i64,
}

/// Requests a token of a service account on the leader; see the
/// [module documentation](self).
pub struct SaTokenComponent {
    spec: TokenSpec,
    kubeconfig: Option<PathBuf>,
    /// The token issued in this hook, or why there is none.
    token: Option<Result<String, Status>>,
}

impl fmt::Debug for SaTokenComponent {
    /// The spec, and whether a token was issued; never the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = match &self.token {
            None => "none".to_owned(),
            Some(Ok(_)) => "issued (hidden)".to_owned(),
            Some(Err(status)) => format!("failed: {status}"),
        };
        f.debug_struct("SaTokenComponent")
            .field("spec", &self.spec)
            .field("kubeconfig", &self.kubeconfig)
            .field("token", &token)
            .finish()
    }
}

impl SaTokenComponent {
    /// A component requesting tokens as `spec` says.
    pub fn new(spec: TokenSpec) -> SaTokenComponent {
        SaTokenComponent {
            spec,
            kubeconfig: None,
            token: None,
        }
    }

    /// This component, asking the cluster of this kubeconfig file rather than the
    /// in-cluster one (or `RECONCILER_KUBECONFIG`), also in an in-memory model: as
    /// `KubernetesComponent::with_kubeconfig`.
    #[must_use]
    pub fn with_kubeconfig(mut self, path: impl Into<PathBuf>) -> SaTokenComponent {
        self.kubeconfig = Some(path.into());
        self
    }

    /// What it requests.
    pub fn spec(&self) -> &TokenSpec {
        &self.spec
    }

    /// The token issued in this hook, once the component has run on the leader.
    pub fn token(&self) -> Option<&str> {
        match &self.token {
            Some(Ok(token)) => Some(token),
            _ => None,
        }
    }
}

impl Component for SaTokenComponent {
    fn configure_app_leader(
        &mut self,
        ctx: &mut Context<'_>,
        (): (),
    ) -> Result<(), ComponentError> {
        let namespace = ctx.backend().model_name().to_owned();
        let in_memory = match &self.kubeconfig {
            Some(_) => None,
            None => ctx.backend().extensions(),
        };
        let issued = match in_memory {
            Some(extensions) => extensions
                .get_or_insert_with(InMemoryTokens::new)
                .issue(&namespace, &self.spec),
            None => request_in_cluster(self.kubeconfig.clone(), &namespace, &self.spec),
        };
        match issued {
            Ok(token) => {
                tracing::info!(
                    "issued a token for ServiceAccount {namespace}/{}",
                    self.spec.service_account
                );
                self.token = Some(Ok(token));
                Ok(())
            }
            Err(failure) => {
                let error = failure.into_component_error(&namespace, &self.spec.service_account);
                self.token = Some(Err(error.status()));
                Err(error)
            }
        }
    }

    fn scenario_sections(&self) -> Vec<reconciler_core::ScenarioSection> {
        vec![InMemoryTokens::SCENARIO_SECTION]
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        match &self.token {
            Some(Ok(_)) => Status::active(),
            Some(Err(status)) => status.clone(),
            None => Status::waiting(format!(
                "no token for ServiceAccount {} yet: the leader requests it",
                self.spec.service_account
            )),
        }
    }
}

/// Why no token was issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFailure {
    /// No configuration to reach a cluster with (no in-cluster service account, an
    /// unreadable kubeconfig).
    Config(String),
    /// Nothing answered in time, the connection failed, or the server was overloaded.
    Unreachable(String),
    /// The API refused, with this HTTP code and message.
    Refused {
        /// The HTTP status code.
        code: u16,
        /// The API server's message.
        message: String,
    },
}

impl TokenFailure {
    /// The component's error: Waiting for what a later hook may find fixed, Blocked for
    /// what needs a person.
    fn into_component_error(self, namespace: &str, name: &str) -> ComponentError {
        let account = format!("ServiceAccount {namespace}/{name}");
        match self {
            TokenFailure::Config(why) => ComponentError::blocked(format!(
                "no Kubernetes configuration ({why}): run the charm in a pod with a service account, or set RECONCILER_KUBECONFIG"
            )),
            TokenFailure::Unreachable(why) => ComponentError::waiting(format!(
                "cannot reach the Kubernetes API to request a token for {account} ({why}): retrying on the next event"
            )),
            TokenFailure::Refused { code, message } if code >= 500 || code == 429 => {
                ComponentError::waiting(format!(
                    "cannot reach the Kubernetes API to request a token for {account} (HTTP {code}: {message}): retrying on the next event"
                ))
            }
            TokenFailure::Refused { code: 403, message } => ComponentError::blocked(format!(
                "forbidden to request a token for {account}: {message}; grant the application's service account that right"
            )),
            TokenFailure::Refused { code, message } => ComponentError::blocked(format!(
                "cannot request a token for {account} (HTTP {code}): {message}"
            )),
        }
    }
}

/// One token an [`InMemoryTokens`] issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The namespace of the service account.
    pub namespace: String,
    /// What was asked for.
    pub spec: TokenSpec,
    /// The token.
    pub token: String,
}

/// The in-memory stand-in for the API server's `TokenRequest`, used by
/// [`SaTokenComponent`] when the charm runs in an in-memory model (the test harness) and
/// was given no kubeconfig with [`SaTokenComponent::with_kubeconfig`].
///
/// It issues `in-memory-token-<n>` (counting from 1) for any service account, and records
/// every request it answered; [`unreachable`](Self::unreachable) and
/// [`refusing`](Self::refusing) make it fail as a real server would. It checks nothing
/// else: a real server refuses an account that does not exist (404), or a caller without
/// the right to create tokens (403).
///
/// ```
/// use kfp_schedwf::sa_token::InMemoryTokens;
/// use reconciler_core::testing::State;
///
/// let state = State::default().with_extension(InMemoryTokens::new().unreachable());
/// assert!(state.extension::<InMemoryTokens>().unwrap().issued().is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryTokens {
    issued: Vec<Issued>,
    failure: Option<TokenFailure>,
}

/// What a simulator scenario's `tokens:` section may say.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioTokens {
    /// `false`: requests fail as a connection failure does; `true`: tokens are issued again.
    #[serde(default)]
    reachable: Option<bool>,
    /// Every request is refused with this HTTP status and message.
    #[serde(default)]
    refusing: Option<ScenarioRefusal>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioRefusal {
    code: u16,
    message: String,
}

impl InMemoryTokens {
    /// The `tokens:` section of a simulator scenario (`kfp-schedwf simulate`), offered by
    /// [`SaTokenComponent`]: how the in-memory token issuer answers from that point on.
    ///
    /// ```yaml
    /// tokens:
    ///   reachable: false                 # requests fail as a connection failure does
    ///   refusing: {code: 404, message: serviceaccounts "kfp-schedwf" not found}
    /// ```
    ///
    /// `reachable: true` issues tokens again. After each step the simulator lists the
    /// tokens issued so far.
    pub const SCENARIO_SECTION: reconciler_core::ScenarioSection =
        reconciler_core::ScenarioSection::new(
            "tokens",
            "the in-memory service-account token issuer: reachable, refusing",
            load_scenario_section,
        )
        .with_describe(describe_scenario_section);

    /// A stand-in that issues every token asked for.
    pub fn new() -> InMemoryTokens {
        InMemoryTokens::default()
    }

    /// This stand-in, answering nothing: requests fail as a connection failure does.
    #[must_use]
    pub fn unreachable(mut self) -> InMemoryTokens {
        self.failure = Some(TokenFailure::Unreachable(
            "the in-memory token issuer is set unreachable".into(),
        ));
        self
    }

    /// This stand-in, refusing every request with the HTTP `code` and `message`.
    #[must_use]
    pub fn refusing(mut self, code: u16, message: impl Into<String>) -> InMemoryTokens {
        self.failure = Some(TokenFailure::Refused {
            code,
            message: message.into(),
        });
        self
    }

    /// This stand-in, issuing tokens again: undoes [`unreachable`](Self::unreachable) and
    /// [`refusing`](Self::refusing).
    #[must_use]
    pub fn answering(mut self) -> InMemoryTokens {
        self.failure = None;
        self
    }

    /// Every token issued so far, oldest first.
    pub fn issued(&self) -> &[Issued] {
        &self.issued
    }

    fn issue(&mut self, namespace: &str, spec: &TokenSpec) -> Result<String, TokenFailure> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let token = format!("in-memory-token-{}", self.issued.len() + 1);
        self.issued.push(Issued {
            namespace: namespace.to_owned(),
            spec: spec.clone(),
            token: token.clone(),
        });
        Ok(token)
    }
}

/// The deadline of the request: `RECONCILER_KUBERNETES_TIMEOUT` seconds, else 20 s.
fn deadline() -> Duration {
    std::env::var("RECONCILER_KUBERNETES_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs_f64)
}

/// Requests the token from the real API server: the cluster of `kubeconfig`, else of the
/// kubeconfig in `RECONCILER_KUBECONFIG`, else the pod's (in-cluster configuration), under
/// a deadline.
fn request_in_cluster(
    kubeconfig: Option<PathBuf>,
    namespace: &str,
    spec: &TokenSpec,
) -> Result<String, TokenFailure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| TokenFailure::Config(format!("cannot start a runtime: {e}")))?;
    let deadline = deadline();
    let kubeconfig =
        kubeconfig.or_else(|| std::env::var_os("RECONCILER_KUBECONFIG").map(PathBuf::from));
    runtime.block_on(async {
        let mut config = match &kubeconfig {
            Some(path) => {
                let read = kube::config::Kubeconfig::read_from(path)
                    .map_err(|e| TokenFailure::Config(format!("{}: {e}", path.display())))?;
                kube::Config::from_custom_kubeconfig(
                    read,
                    &kube::config::KubeConfigOptions::default(),
                )
                .await
                .map_err(|e| TokenFailure::Config(format!("{}: {e}", path.display())))?
            }
            None => kube::Config::incluster()
                .map_err(|e| TokenFailure::Config(format!("in-cluster: {e}")))?,
        };
        config.connect_timeout = Some(deadline);
        config.read_timeout = Some(deadline);
        config.write_timeout = Some(deadline);
        let client =
            kube::Client::try_from(config).map_err(|e| TokenFailure::Config(e.to_string()))?;
        let api: kube::Api<ServiceAccount> = kube::Api::namespaced(client, namespace);
        let request = TokenRequest {
            spec: TokenRequestSpec {
                audiences: spec.audiences.clone(),
                expiration_seconds: Some(spec.expiration_seconds),
                bound_object_ref: None,
            },
            ..TokenRequest::default()
        };
        let answer = tokio::time::timeout(
            deadline,
            api.create_token_request(&spec.service_account, &Default::default(), &request),
        )
        .await;
        match answer {
            Err(_) => Err(TokenFailure::Unreachable(format!(
                "no answer within {} s",
                deadline.as_secs_f64()
            ))),
            Ok(Err(kube::Error::Api(status))) => Err(TokenFailure::Refused {
                code: status.code,
                message: status.message,
            }),
            Ok(Err(other)) => Err(TokenFailure::Unreachable(other.to_string())),
            Ok(Ok(answer)) => answer
                .status
                .map(|status| status.token)
                .filter(|token| !token.is_empty())
                .ok_or_else(|| TokenFailure::Refused {
                    code: 200,
                    message: "the API server answered without a token".into(),
                }),
        }
    })
}

/// Reads a scenario's `tokens:` section into the state's token issuer.
fn load_scenario_section(
    value: &serde_json::Value,
    extensions: &mut reconciler_core::Extensions,
) -> Result<(), String> {
    let section: ScenarioTokens = serde_json::from_value(value.clone()).map_err(|e| {
        format!("{e}; expected e.g. `{{reachable: false}}` or `{{refusing: {{code: 404, message: not found}}}}`")
    })?;
    let tokens = extensions.get_or_insert_with(InMemoryTokens::new);
    if section.reachable == Some(true) {
        tokens.failure = None;
    }
    if section.reachable == Some(false) {
        *tokens = std::mem::take(tokens).unreachable();
    }
    if let Some(refusal) = section.refusing {
        if !(400..=599).contains(&refusal.code) {
            return Err(format!(
                "`refusing.code` {} is not an HTTP error status (400 to 599)",
                refusal.code
            ));
        }
        *tokens = std::mem::take(tokens).refusing(refusal.code, refusal.message);
    }
    Ok(())
}

/// The tokens issued so far, for the simulator's output.
fn describe_scenario_section(extensions: &reconciler_core::Extensions) -> Vec<String> {
    match extensions.get::<InMemoryTokens>() {
        None => Vec::new(),
        Some(tokens) if tokens.issued.is_empty() => vec!["none issued".to_owned()],
        Some(tokens) => tokens
            .issued
            .iter()
            .map(|issued| {
                format!(
                    "{} for ServiceAccount {}/{}",
                    issued.token, issued.namespace, issued.spec.service_account
                )
            })
            .collect(),
    }
}
