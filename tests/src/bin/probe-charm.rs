//! `probe-charm`: the test charm `probe` (`tests/src/probe.rs`), run through
//! `tests/charms/probe/dispatch` with `tests/charms/probe/charmcraft.yaml` by
//! `tests/tests/e2e_tools.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    reconciler_core::run::<reconciler_tests::probe::ProbeCharm>()
}
