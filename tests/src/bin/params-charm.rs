//! `params-charm`: the test charm [`reconciler_tests::params`] as a charm binary, run
//! through `tests/charms/params/dispatch` with the metadata
//! `tests/charms/params/charmcraft.yaml` by the end-to-end tests
//! (`tests/tests/e2e_action_params.rs`).

use std::process::ExitCode;

fn main() -> ExitCode {
    reconciler_core::run::<reconciler_tests::params::Params>()
}
