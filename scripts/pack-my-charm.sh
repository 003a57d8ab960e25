#!/usr/bin/env bash
# Builds examples/my-charm as a static binary for x86_64-unknown-linux-musl, strips it,
# puts it beside `dispatch` in examples/my-charm, and packs the charm with charmcraft when
# charmcraft is installed (see docs/packing.md). Usage: scripts/pack-my-charm.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-musl
rustup target add "$target" >/dev/null
# ring compiles a little C: musl-gcc when installed (Ubuntu's musl-tools), else the system
# gcc, whose output links against musl as well for the freestanding code ring builds.
if [ -z "${CC_x86_64_unknown_linux_musl:-}" ]; then
  if command -v musl-gcc >/dev/null 2>&1; then
    export CC_x86_64_unknown_linux_musl=musl-gcc
  else
    export CC_x86_64_unknown_linux_musl=gcc
  fi
fi
cargo build --release --target "$target" -p my-charm --bin my-charm
built="target/$target/release/my-charm"
strip -o examples/my-charm/my-charm "$built"
ls -l examples/my-charm/my-charm
if command -v charmcraft >/dev/null 2>&1; then
  (cd examples/my-charm && charmcraft pack)
else
  echo "charmcraft is not installed: the binary is in place; run 'charmcraft pack' in examples/my-charm"
fi
