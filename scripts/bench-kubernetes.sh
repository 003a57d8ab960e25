#!/usr/bin/env bash
# KubernetesComponent against a real API server (scripts/install-kube-apiserver.sh builds
# it): median time of one reconcile that applies 50 ConfigMaps, one that re-applies them
# unchanged, and one with nothing to do. Prints a Markdown table.
# Usage: scripts/bench-kubernetes.sh [runs]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_KUBE_RUNS="${1:-10}" cargo bench --quiet -p reconciler-tests --bench kubernetes
