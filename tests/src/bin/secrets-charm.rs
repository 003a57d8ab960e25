//! `secrets-charm`: the test charm [`reconciler_tests::secrets_charm`] as a charm binary,
//! run through `tests/charms/secrets/dispatch` with the metadata
//! `tests/charms/secrets/charmcraft.yaml` by `tests/tests/e2e_secrets.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    reconciler_core::run::<reconciler_tests::secrets_charm::SecretsCharm>()
}
