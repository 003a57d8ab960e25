//! The port's scenario files (`scenarios/`), run by the charm binary's own `simulate`
//! command as a person would run them, and the `tokens:` section the port's token
//! component offers to scenarios.

use std::path::Path;
use std::process::Command;

/// Runs the kfp-schedwf binary with `args` from the crate's directory, with no `JUJU_*`
/// variable set (so it is the command line, not a hook). Returns the exit code and stdout
/// and stderr.
fn kfp_schedwf(args: &[&str]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kfp-schedwf"));
    command.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("JUJU_") {
            command.env_remove(name);
        }
    }
    let output = command.output().expect("the charm binary starts");
    (
        output.status.code().expect("exited"),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

#[test]
fn the_lifecycle_scenario_runs_and_every_expectation_holds() {
    let (code, out, err) = kfp_schedwf(&["simulate", "scenarios/lifecycle.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("1 scenario ran; every expectation held"),
        "{out}"
    );
    // The token section's stand-in, listed after each step.
    assert!(
        out.contains("tokens: in-memory-token-1 for ServiceAccount kubeflow/kfp-schedwf"),
        "{out}"
    );
    // Unreachable, the token component waits and holds the workload back.
    let unreachable = out.split("── 3.").nth(1).expect("step 3");
    assert!(
        unreachable.contains("sa-token:scheduledworkflow"),
        "{unreachable}"
    );
    assert!(
        unreachable.contains("unit status: waiting:"),
        "{unreachable}"
    );
    // The KFP API server's address reaches the Pebble layer (a replan).
    let changed = out.split("── 6.").nth(1).expect("step 6");
    assert!(
        changed.contains("pebble in ml-pipeline-scheduledworkflow: Replan"),
        "{changed}"
    );
    // The CRD is kept in the in-memory cluster, and deleted on remove.
    assert!(
        out.contains("kubernetes: CustomResourceDefinition scheduledworkflows.kubeflow.org"),
        "{out}"
    );
    let removed = out.split("── 8.").nth(1).expect("step 8");
    assert!(removed.contains("kubernetes: no objects"), "{removed}");
}

#[test]
fn a_bad_tokens_section_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bad.yaml");
    std::fs::write(
        &path,
        "steps:\n  - event: install\n    set:\n      tokens: {refusing: {code: 200, message: fine}}\n",
    )
    .unwrap();
    let charm_dir = Path::new(env!("CARGO_MANIFEST_DIR")).display().to_string();
    let (code, out, err) = kfp_schedwf(&[
        "simulate",
        "--charm-dir",
        &charm_dir,
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(
        err,
        format!(
            "error: {}:4:15: step 1, set.tokens: `refusing.code` 200 is not an HTTP error status (400 to 599)\n",
            path.display()
        )
    );
}

#[test]
fn graph_shows_the_five_components_and_log_forwarding() {
    let (code, out, err) = kfp_schedwf(&["graph", "--format", "dot"]);
    assert_eq!(code, 0, "{err}");
    for edge in [
        "\"leadership-gate\" -> \"kubernetes:crds\";",
        "\"kubernetes:crds\" -> \"sa-token:scheduledworkflow\";",
        "\"sa-token:scheduledworkflow\" -> \"kfp-schedwf-pebble-service\";",
        "\"relation:kfp-api-grpc\" -> \"kfp-schedwf-pebble-service\";",
    ] {
        assert!(out.contains(edge), "{edge} in {out}");
    }
}
