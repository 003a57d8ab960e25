#!/usr/bin/env bash
# Whole-hook benchmark: examples/my-charm's config-changed and update-status run through
# dispatch with the stand-in hook tools (tests/hook-tools/README.md), optimised build.
# Prints a Markdown table: median wall time of many runs, hook-tool calls per hook.
# Usage: scripts/bench-hooks.sh [runs-per-row]   (default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH_HOOK_RUNS="${1:-200}" cargo bench --quiet -p reconciler-tests --bench hooks
