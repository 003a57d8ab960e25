//! Compile-time checks of `#[derive(CharmReconciler)]`: each file in `ui/` must fail to
//! compile with exactly the diagnostics in its `.stderr`; each file in `ui/pass/` must
//! compile (several under `#![deny(warnings)]`) and run.
//!
//! After an intended change to a message, regenerate with `TRYBUILD=overwrite cargo test
//! -p reconciler-tests --test ui` and read every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
