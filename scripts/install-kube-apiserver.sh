#!/usr/bin/env bash
# Installs a real Kubernetes API server and the storage it runs on, at pinned versions,
# into $HOME/go/bin (or $GOBIN), for the tests that manage Kubernetes objects
# ("Kubernetes in tests is a real kube-apiserver"):
#   - kube-apiserver, built from k8s.io/kubernetes (cmd/kube-apiserver);
#   - kine, the etcd API over SQLite (github.com/k3s-io/kine), so no etcd is needed.
# Needs Go (and a C compiler: kine's SQLite driver uses cgo). Idempotent: does nothing for a
# binary already there at the pinned version.
# Usage: scripts/install-kube-apiserver.sh
set -euo pipefail
KUBE_VERSION="v1.34.4"
# k8s.io/kubernetes' staging modules (k8s.io/api, client-go, ...) are published as their own
# modules, versioned v0.<minor>.<patch>.
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
KINE_VERSION="v0.17.5"
BIN="${GOBIN:-$HOME/go/bin}"

if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed; the Kubernetes tests need it to build kube-apiserver $KUBE_VERSION" >&2
  exit 1
fi
mkdir -p "$BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 'go install pkg@version' also asks the module proxy for the module's version list
# (deprecation check), which the proxy here refuses; building from a scratch module that
# requires the pinned version needs only that version (as scripts/install-pebble.sh does).

if "$BIN/kube-apiserver" --version 2>/dev/null | grep -q "Kubernetes $KUBE_VERSION\$"; then
  echo "kube-apiserver $KUBE_VERSION already in $BIN"
else
  mkdir -p "$work/kube"
  # k8s.io/kubernetes replaces its staging modules with directories of its own tree; a
  # module that requires it must replace them with the published versions instead. The
  # list is read from that version's go.mod, so it cannot drift from the pinned version.
  gomod="$(cd "$work/kube" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  if [ ! -f "$gomod" ]; then
    echo "cannot download k8s.io/kubernetes@$KUBE_VERSION's go.mod from the module proxy" >&2
    exit 1
  fi
  staging="$(awk '/^replace \(/{f=1;next} f&&/^\)/{f=0} f && /=> \.\/staging\// {print $1}' "$gomod")"
  count="$(printf '%s\n' "$staging" | grep -c .)"
  if [ "$count" -lt 20 ]; then
    echo "found only $count staging modules in $gomod; its layout is not the expected one" >&2
    exit 1
  fi
  {
    echo "module kubeapiserverinstall"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    echo "replace ("
    for m in $staging; do echo "	$m => $m $STAGING_VERSION"; done
    echo ")"
  } > "$work/kube/go.mod"
  cat > "$work/kube/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  echo "building kube-apiserver $KUBE_VERSION ($count staging modules at $STAGING_VERSION); a few minutes"
  (
    cd "$work/kube"
    go mod tidy
    # The version kube-apiserver reports (--version) comes from link-time variables.
    GOBIN="$BIN" go install \
      -ldflags "-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBE_VERSION#v1.}" \
      k8s.io/kubernetes/cmd/kube-apiserver
  )
fi

if [ -f "$BIN/kine.version" ] && [ "$(cat "$BIN/kine.version")" = "$KINE_VERSION" ] && [ -x "$BIN/kine" ]; then
  echo "kine $KINE_VERSION already in $BIN"
else
  mkdir -p "$work/kine"
  cat > "$work/kine/go.mod" <<MOD
module kineinstall

go 1.24

require github.com/k3s-io/kine $KINE_VERSION
MOD
  cat > "$work/kine/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/k3s-io/kine"
GO
  echo "building kine $KINE_VERSION"
  (cd "$work/kine" && go mod tidy && CGO_ENABLED=1 GOBIN="$BIN" go install github.com/k3s-io/kine)
  # kine has no --version; the pinned version is recorded next to it.
  echo "$KINE_VERSION" > "$BIN/kine.version"
fi

"$BIN/kube-apiserver" --version
echo "kine $(cat "$BIN/kine.version")"
