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
fn readyz_answers_the_admin_and_the_start_up_time_is_reported() {
    let server = kube_sim::server();
    assert_eq!(server.get("/readyz"), Some(200), "{}", server.log());
    eprintln!("API server ready in {:.1?}", server.started_in);
}

#[test]
fn create_namespace_makes_a_namespace_the_admin_can_use() {
    let ns = kube_sim::server().create_namespace("smoke-namespace");
    block_on(async {
        let api: Api<ConfigMap> = Api::namespaced(client(User::Admin).await, &ns);
        let params = PatchParams::apply("smoke").force();
        api.patch("in-ns", &params, &Patch::Apply(&config_map("in-ns", "x")))
            .await
            .expect("the namespace exists");
        assert_eq!(api.get("in-ns").await.unwrap().metadata.namespace, Some(ns));
    });
}

/// Set in the environment of the test binary that
/// [`the_processes_do_not_outlive_a_killed_test_binary`] starts and kills.
const CHILD: &str = "KUBE_SIM_LIFETIME_CHILD";

/// Not a test of its own: the test binary that
/// [`the_processes_do_not_outlive_a_killed_test_binary`] runs (with `--ignored`) starts its
/// server here, prints the processes' ids and waits to be killed.
#[test]
#[ignore = "run by the_processes_do_not_outlive_a_killed_test_binary"]
fn lifetime_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let [kine, apiserver] = kube_sim::server().pids();
    println!("kube_sim pids {kine} {apiserver}");
    loop {
        std::thread::park();
    }
}

#[test]
fn the_processes_do_not_outlive_a_killed_test_binary() {
    use std::io::BufRead as _;
    // This binary's own server runs too: two servers side by side (which kine's default
    // metrics port, the same for all, once prevented).
    let own = kube_sim::server().pids();
    // A second test binary, with its own server; SIGKILL gives it no chance to clean up.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["lifetime_child", "--exact", "--ignored", "--nocapture"])
        .env(CHILD, "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let line = stdout
        .lines()
        .map(Result::unwrap)
        .find(|l| l.starts_with("kube_sim pids "))
        .expect("the child test binary prints its server's process ids");
    let pids: Vec<u32> = line["kube_sim pids ".len()..]
        .split(' ')
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2, "{line}");
    assert!(
        pids.iter().all(|&pid| !kube_sim::exited(pid)),
        "both run while the child test binary does"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // The watching shells stop them at once (SIGTERM; SIGKILL after 5 s): a bounded wait.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !pids.iter().all(|&pid| kube_sim::exited(pid)) {
        assert!(
            std::time::Instant::now() < deadline,
            "kine or kube-apiserver ({pids:?}) still runs 20 s after its test binary was killed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(
        own.iter().all(|&pid| !kube_sim::exited(pid)),
        "this binary's own server still runs"
    );
}
