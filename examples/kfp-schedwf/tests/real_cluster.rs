//! The two parts of the port that talk to Kubernetes, against a real API server: the CRD
//! (which the server validates, unlike the in-memory cluster) and the service-account token
//! (a `TokenRequest`, checked with a `TokenReview`).
//!
//! The server is the one the workspace's cross-crate tests use: `kube-apiserver` on `kine`,
//! built by `scripts/install-kube-apiserver.sh` and started once per test binary by the
//! `kube_sim` fixture of `tests/tests`, shared here rather than copied. The charm runs in
//! the harness, with its two Kubernetes components given the server's kubeconfig.

#[path = "../../../tests/tests/kube_sim/mod.rs"]
mod kube_sim;

use std::path::Path;

use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec};
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kfp_schedwf::{CONTAINER, Crds, KfpSchedwf, SA_AUDIENCE, SA_NAME, SA_TOKEN_PATH, SERVICE};
use kube_sim::User;
use reconciler_components::kubernetes::KubernetesComponent;
use reconciler_core::Charm;
use reconciler_core::pebble::ServiceStatus;
use reconciler_core::testing::{Container, Harness, Output, State};
use reconciler_core::{Event, Status};

/// The charm, with its CRD and token going to the cluster of `kubeconfig`.
fn charm(kubeconfig: &Path) -> KfpSchedwf {
    let charm = KfpSchedwf::new();
    KfpSchedwf {
        kubernetes_resources: KubernetesComponent::new("kubernetes:crds", Crds)
            .with_kubeconfig(kubeconfig),
        sa_token: charm.sa_token.with_kubeconfig(kubeconfig),
        ..charm
    }
}

fn run(kubeconfig: &Path, event: Event, state: State) -> Output {
    Harness::from_charm_dir(env!("CARGO_MANIFEST_DIR"))
        .expect("kfp-schedwf's charmcraft.yaml")
        .run_with(|| charm(kubeconfig), event, state)
        .expect("a consistent state")
}

/// A client of the test server as its admin, and a runtime to block on its requests.
fn admin() -> (tokio::runtime::Runtime, kube::Client) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let path = kube_sim::server().kubeconfig(User::Admin);
    let client = runtime.block_on(async {
        let kubeconfig = kube::config::Kubeconfig::read_from(&path).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap();
        kube::Client::try_from(config).unwrap()
    });
    (runtime, client)
}

#[test]
fn crd_and_token_against_a_real_api_server() {
    let server = kube_sim::server();
    let kubeconfig = server.kubeconfig(User::Admin);
    let model = server.create_namespace("kfp-real");
    let state = State::default()
        .with_unit_name("kfp-schedwf/0")
        .with_model_name(model.as_str())
        .with_leader(true)
        .with_container(Container::new(CONTAINER));

    // Juju has not made the service account yet: the API server says so, and the workload
    // waits; the CRD, applied first, is in place.
    let out = run(&kubeconfig, Event::Install, state);
    assert_eq!(
        out.unit_status,
        Status::blocked(format!(
            "[sa-token:scheduledworkflow] cannot request a token for ServiceAccount {model}/kfp-schedwf (HTTP 404): serviceaccounts \"kfp-schedwf\" not found"
        )),
        "{out}"
    );
    assert_eq!(out.status_of("kubernetes:crds"), Some(&Status::active()));
    let crd =
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/scheduledworkflows.kubeflow.org";
    assert_eq!(server.get(crd), Some(200));
    assert_eq!(
        server.names(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            "app.kubernetes.io/managed-by=kfp-schedwf"
        ),
        ["scheduledworkflows.kubeflow.org"]
    );

    // The service account Juju makes for the application.
    let (runtime, client) = admin();
    let accounts: kube::Api<ServiceAccount> = kube::Api::namespaced(client.clone(), &model);
    let account = ServiceAccount {
        metadata: ObjectMeta {
            name: Some(SA_NAME.into()),
            ..ObjectMeta::default()
        },
        ..ServiceAccount::default()
    };
    runtime
        .block_on(accounts.create(&Default::default(), &account))
        .unwrap();

    let out = run(&kubeconfig, Event::UpdateStatus, out.state);
    assert_eq!(out.unit_status, Status::active(), "{out}");
    let container = &out.state.containers[CONTAINER];
    assert_eq!(
        container.service_status(SERVICE),
        Some(ServiceStatus::Active)
    );
    let token = String::from_utf8(container.files[SA_TOKEN_PATH].clone()).unwrap();
    assert!(!out.logged(&token), "the token is never logged");

    // The API server recognises the token as the service account's, for the audience.
    let reviews: kube::Api<TokenReview> = kube::Api::all(client);
    let review = TokenReview {
        spec: TokenReviewSpec {
            token: Some(token),
            audiences: Some(vec![SA_AUDIENCE.into()]),
        },
        ..TokenReview::default()
    };
    let reviewed = runtime
        .block_on(reviews.create(&Default::default(), &review))
        .unwrap()
        .status
        .unwrap();
    assert_eq!(reviewed.authenticated, Some(true), "{reviewed:?}");
    assert_eq!(
        reviewed.user.unwrap().username.as_deref(),
        Some(format!("system:serviceaccount:{model}:{SA_NAME}").as_str())
    );
    assert_eq!(reviewed.audiences, Some(vec![SA_AUDIENCE.to_owned()]));
}
