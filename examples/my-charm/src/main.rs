//! The `my-charm` binary: Juju runs it (through `dispatch`) once per event.

fn main() -> std::process::ExitCode {
    reconciler_core::run::<my_charm::MyCharm>()
}
