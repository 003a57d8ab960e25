//! `empty-charm`: a charm with no components, for `tests/tests/simulate.rs` (its `graph`
//! is an empty graph, and `simulate` runs its scenario with nothing to reconcile).

use std::process::ExitCode;

use reconciler_core::prelude::*;

/// No components at all.
#[derive(CharmReconciler)]
struct Empty {}

impl Charm for Empty {
    fn new() -> Empty {
        Empty {}
    }
}

fn main() -> ExitCode {
    reconciler_core::run::<Empty>()
}
