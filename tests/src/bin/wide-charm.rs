//! `wide-charm`: a test charm with forty components for `tests/tests/e2e_call_counts.rs`,
//! run through `tests/charms/wide/dispatch` with `tests/charms/wide/charmcraft.yaml`.
//!
//! Every component reads the `threshold` config option and the relation ids of `db`, and
//! each depends on the one before it (a chain, so all forty run in order). The test checks
//! that a config-changed makes the same hook-tool calls as a one-component charm would:
//! one `is-leader`, one `config-get`, one `relation-ids`, and one `status-set` per status.

use std::process::ExitCode;

use reconciler_core::prelude::*;

/// Reads config and relations, then is Active.
#[derive(Default)]
struct Reader {
    relations: usize,
}

impl Component for Reader {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<(), ComponentError> {
        let threshold = ctx
            .backend()
            .config()?
            .get("threshold")
            .and_then(|v| v.as_int())
            .ok_or_else(|| ComponentError::blocked("config option threshold is not set"))?;
        self.relations = ctx.backend().relation_ids("db")?.len();
        if threshold < 0 {
            return Err(ComponentError::blocked("threshold must not be negative"));
        }
        Ok(())
    }

    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

/// Declares the charm struct with a chain of components: each depends on the previous.
macro_rules! wide_charm {
    ($first:ident $(, $next:ident)* $(,)?) => {
        wide_charm!(@build [#[component] $first: Reader,] $first; $($next),*);
    };
    (@build [$($fields:tt)*] $previous:ident; $current:ident $(, $rest:ident)*) => {
        wide_charm!(
            @build [$($fields)* #[component(depends_on = [$previous])] $current: Reader,]
            $current; $($rest),*
        );
    };
    (@build [$($fields:tt)*] $previous:ident;) => {
        #[derive(CharmReconciler, Default)]
        struct Wide {
            $($fields)*
        }
    };
}

wide_charm!(
    c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, c12, c13, c14, c15, c16, c17, c18,
    c19, c20, c21, c22, c23, c24, c25, c26, c27, c28, c29, c30, c31, c32, c33, c34, c35, c36, c37,
    c38, c39,
);

impl Charm for Wide {
    fn new() -> Wide {
        Wide::default()
    }
}

fn main() -> ExitCode {
    reconciler_core::run::<Wide>()
}
