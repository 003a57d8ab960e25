//! Compile-time checks of `#[derive(CharmReconciler)]`: each file in `ui/` must fail to
//! compile with exactly the diagnostics in its `.stderr`; each file in `ui/pass/` must
//! compile (several under `#![deny(warnings)]`) and run.
//!
//! After an intended change to a message, regenerate with `TRYBUILD=overwrite cargo test
//! -p reconciler-tests --test ui` and read every changed `.stderr`.
//!
//! # Metadata fixtures
//!
//! `#[charm(metadata = "...")]` paths are relative to the compiled crate's
//! `CARGO_MANIFEST_DIR`. trybuild compiles the cases as binaries of a crate it generates
//! in `<target dir>/tests/trybuild/reconciler-tests/`, so that is their manifest
//! directory, not `tests/`. Rather than reach `tests/ui/fixtures/` from there with a
//! `../../../../` path (which breaks as soon as the target directory moves, e.g. with
//! `CARGO_TARGET_DIR`), this test copies `ui/fixtures/` into the generated crate's directory
//! first, found the way trybuild finds it (`cargo metadata`), and the cases write
//! `metadata = "fixtures/charmcraft.yaml"`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn ui() {
    copy_fixtures();
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}

/// Copies `ui/fixtures/*` to `<target dir>/tests/trybuild/reconciler-tests/fixtures/`.
fn copy_fixtures() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/fixtures");
    let destination = trybuild_project_dir().join("fixtures");
    std::fs::create_dir_all(&destination)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", destination.display()));
    for entry in std::fs::read_dir(&source)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", source.display()))
    {
        let from = entry.expect("a directory entry").path();
        let to = destination.join(from.file_name().expect("a file name"));
        std::fs::copy(&from, &to)
            .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
    }
}

/// The directory of the crate trybuild generates: `<target dir>/tests/trybuild/<crate>`,
/// with the target directory from `cargo metadata`, as trybuild computes it.
fn trybuild_project_dir() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let target = metadata["target_directory"]
        .as_str()
        .expect("cargo metadata has a target_directory");
    Path::new(target)
        .join("tests/trybuild")
        .join(env!("CARGO_PKG_NAME"))
}
