//! `panicky-charm`: the test charm [`reconciler_tests::panicky`] as a charm binary, run
//! through `tests/charms/panicky/dispatch` with the metadata
//! `tests/charms/panicky/charmcraft.yaml` by the end-to-end tests
//! (`tests/tests/e2e_panics.rs`, `tests/tests/e2e_outcomes.rs`,
//! `tests/tests/e2e_routing.rs`). The panics it raises are chosen with environment
//! variables; see the module.

use std::process::ExitCode;

fn main() -> ExitCode {
    reconciler_core::run::<reconciler_tests::panicky::Panicky>()
}
