//! The `kfp-schedwf` binary: Juju runs it (through `dispatch`) once per event.

fn main() -> std::process::ExitCode {
    reconciler_core::run::<kfp_schedwf::KfpSchedwf>()
}
