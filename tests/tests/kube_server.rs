//! The test API server (`kube_sim`) is a real one: it serves server-side apply with field
//! managers, keeps objects (and their resourceVersion) across requests, and enforces RBAC.
//! Every other Kubernetes test builds on these properties.

mod kube_sim;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};

use kube_sim::User;

/// A client for `user`, from the fixture's kubeconfig file.
async fn client(user: User) -> kube::Client {
    let path = kube_sim::server().kubeconfig(user);
    let kubeconfig = Kubeconfig::read_from(&path).expect("the fixture's kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("a usable kubeconfig");
    kube::Client::try_from(config).expect("a client")
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "smoke"}},
        "data": {"key": value},
    }))
    .unwrap()
}

#[test]
fn server_side_apply_keeps_objects_and_is_idempotent() {
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client(User::Admin).await, "default");
        let params = PatchParams::apply("smoke").force();
        let first = api
            .patch(
                "smoke-apply",
                &params,
                &Patch::Apply(&config_map("smoke-apply", "a")),
            )
            .await
            .expect("the admin may apply");
        let read = api.get("smoke-apply").await.expect("the object is kept");
        assert_eq!(read.data.unwrap()["key"], "a");
        let managers: Vec<String> = read
            .metadata
            .managed_fields
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| f.manager)
            .collect();
        assert_eq!(managers, ["smoke"]);

        // The same object again: nothing changes, not even the resourceVersion.
        let again = api
            .patch(
                "smoke-apply",
                &params,
                &Patch::Apply(&config_map("smoke-apply", "a")),
            )
            .await
            .unwrap();
        assert_eq!(
            again.metadata.resource_version,
            first.metadata.resource_version
        );

        // A changed object: a new resourceVersion.
        let changed = api
            .patch(
                "smoke-apply",
                &params,
                &Patch::Apply(&config_map("smoke-apply", "b")),
            )
            .await
            .unwrap();
        assert_ne!(
            changed.metadata.resource_version,
            first.metadata.resource_version
        );
    });
}

#[test]
fn a_user_without_rights_is_forbidden() {
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client(User::NoRights).await, "default");
        let params = PatchParams::apply("smoke").force();
        let error = api
            .patch(
                "smoke-denied",
                &params,
                &Patch::Apply(&config_map("smoke-denied", "a")),
            )
            .await
            .unwrap_err();
        match error {
            kube::Error::Api(status) => {
                assert_eq!(status.code, 403, "{status:?}");
                assert!(status.message.contains("nobody"), "{}", status.message);
            }
            other => panic!("expected the API's 403, got {other:?}"),
        }
    });
}

#[test]
fn the_server_starts_in_bounded_time() {
    let server = kube_sim::server();
    assert_eq!(server.get("/readyz"), Some(200), "{}", server.log());
    eprintln!("API server ready in {:.1?}", server.started_in);
}
