#!/usr/bin/env bash
# Installs a real Kubernetes API server and the storage it runs on, at pinned versions, into
# $HOME/go/bin (or $GOBIN), for the tests that talk to Kubernetes (tests/tests/kube_sim):
#   - kube-apiserver, built from k8s.io/kubernetes (cmd/kube-apiserver);
#   - kine, the etcd API over SQLite (github.com/k3s-io/kine), so no etcd is needed.
# Needs Go, and a C compiler for kine (its SQLite driver uses cgo). Idempotent: a binary
# that already reports its pinned version is left alone. The first build of kube-apiserver
# takes a few minutes and about 2 GB of Go build cache.
# Usage: scripts/install-kube-apiserver.sh
set -euo pipefail
KUBE_VERSION="v1.34.4"
# k8s.io/kubernetes' staging modules (k8s.io/api, k8s.io/client-go, ...) are published as
# modules of their own, versioned v0.<minor>.<patch> of the Kubernetes release.
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"
KINE_VERSION="v0.17.5"
BIN="${GOBIN:-$HOME/go/bin}"

kube_ok() { "$BIN/kube-apiserver" --version 2>/dev/null | grep -qx "Kubernetes $KUBE_VERSION"; }
# kine reports "kine version <version> (<commit>)"; the version is set at link time below.
kine_ok() { "$BIN/kine" --version 2>/dev/null | grep -q "^kine version $KINE_VERSION "; }

if kube_ok && kine_ok; then
  echo "kube-apiserver $KUBE_VERSION and kine $KINE_VERSION already in $BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed; the Kubernetes tests need it to build kube-apiserver $KUBE_VERSION and kine $KINE_VERSION" >&2
  exit 1
fi
mkdir -p "$BIN"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# 'go install pkg@version' also asks the module proxy for the module's version list
# (deprecation check), which the proxy here refuses; building from a scratch module that
# requires the pinned version needs only that version (as scripts/install-pebble.sh does).

if kube_ok; then
  echo "kube-apiserver $KUBE_VERSION already in $BIN"
else
  mkdir -p "$work/kube"
  cd "$work/kube"
  go mod init kubeapiserverinstall >/dev/null 2>&1
  # k8s.io/kubernetes replaces its staging modules with directories of its own source tree,
  # and the replace directives of a dependency do not apply to the module requiring it: a
  # module building kube-apiserver must replace each of them with its published version.
  # The list is read from the pinned version's own go.mod, so it cannot drift from it.
  gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$gomod" ] || [ ! -f "$gomod" ]; then
    echo "cannot download the go.mod of k8s.io/kubernetes@$KUBE_VERSION from the module proxy" >&2
    exit 1
  fi
  # Lines "<module> => ./staging/src/<module>", in a replace block or on their own.
  staging="$(sed -n 's#^[[:space:]]*\(replace[[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}=>[[:space:]]\{1,\}\./staging/.*#\2#p' "$gomod")"
  count="$(printf '%s\n' "$staging" | grep -c . || true)"
  if [ "$count" -eq 0 ]; then
    echo "no staging replaces found in $gomod: its layout is not the one this script knows" >&2
    exit 1
  fi
  go mod edit -go=1.24.0 -require="k8s.io/kubernetes@$KUBE_VERSION"
  for module in $staging; do
    go mod edit -replace="$module=$module@$STAGING_VERSION"
  done
  cat > tools.go <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
  echo "building kube-apiserver $KUBE_VERSION ($count staging modules replaced by $STAGING_VERSION); a few minutes"
  go mod tidy
  # The version kube-apiserver reports comes from link-time variables (its own build sets
  # them from git, which a module download does not have).
  minor="${KUBE_VERSION#v1.}"
  minor="${minor%%.*}"
  GOBIN="$BIN" go install -ldflags "\
-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION \
-X k8s.io/component-base/version.gitMajor=1 \
-X k8s.io/component-base/version.gitMinor=$minor \
-X k8s.io/component-base/version.gitTreeState=clean" \
    k8s.io/kubernetes/cmd/kube-apiserver
  kube_ok || { echo "the kube-apiserver just built does not report $KUBE_VERSION" >&2; exit 1; }
fi

if kine_ok; then
  echo "kine $KINE_VERSION already in $BIN"
else
  if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
    echo "no C compiler (${CC:-cc}) found; kine's SQLite driver needs cgo" >&2
    exit 1
  fi
  mkdir -p "$work/kine"
  cd "$work/kine"
  go mod init kineinstall >/dev/null 2>&1
  go mod edit -go=1.24.0 -require="github.com/k3s-io/kine@$KINE_VERSION"
  cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/k3s-io/kine"
GO
  echo "building kine $KINE_VERSION"
  go mod tidy
  # kine's version package says "dev" unless the version is set at link time.
  CGO_ENABLED=1 GOBIN="$BIN" go install \
    -ldflags "-X github.com/k3s-io/kine/pkg/version.Version=$KINE_VERSION" \
    github.com/k3s-io/kine
  kine_ok || { echo "the kine just built does not report $KINE_VERSION" >&2; exit 1; }
  # Earlier versions of this script recorded kine's version in a file beside it.
  rm -f "$BIN/kine.version"
fi

"$BIN/kube-apiserver" --version
"$BIN/kine" --version
