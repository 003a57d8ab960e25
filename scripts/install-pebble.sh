#!/usr/bin/env bash
# Installs the real Pebble daemon (github.com/canonical/pebble, command cmd/pebble) at a
# pinned version into $HOME/go/bin, for the end-to-end tests ("Pebble in tests is the real
# Pebble daemon"). Needs Go. Idempotent: does nothing if that version is already there.
# Usage: scripts/install-pebble.sh [version]
set -euo pipefail
VERSION="${1:-v1.19.0}"
BIN="${GOBIN:-$HOME/go/bin}"
if "$BIN/pebble" version 2>/dev/null | grep -q "client *$VERSION\$"; then
  echo "pebble $VERSION already in $BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed; the end-to-end tests need it to build pebble $VERSION" >&2
  exit 1
fi
mkdir -p "$BIN"
# 'go install pkg@version' also asks the module proxy for the module's version list
# (deprecation check), which the proxy here refuses; building from a scratch module that
# requires the pinned version needs only that version.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/go.mod" <<MOD
module pebbleinstall

go 1.22

require github.com/canonical/pebble $VERSION
MOD
cat > "$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/canonical/pebble/cmd/pebble"
GO
(cd "$work" && go mod tidy && GOBIN="$BIN" go install github.com/canonical/pebble/cmd/pebble)
"$BIN/pebble" version
