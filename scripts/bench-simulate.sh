#!/usr/bin/env bash
# Whole-process benchmark of the charm binary's `simulate` command: my-charm's lifecycle
# scenario (17 steps) and all of its scenarios (7 files, 25 steps), each run many times.
# Prints the median wall time of each. Uses the optimised build, or the binary given in
# RECONCILER_E2E_MY_CHARM (for instance the static musl build of scripts/pack-my-charm.sh).
# Usage: scripts/bench-simulate.sh [runs]   (default 21)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-21}"
binary="${RECONCILER_E2E_MY_CHARM:-}"
if [ -z "$binary" ]; then
  cargo build --quiet --release -p my-charm --bin my-charm
  binary="${CARGO_TARGET_DIR:-target}/release/my-charm"
fi
median() {
  local times=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    "$binary" simulate "$@" > /dev/null
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}
echo "| scenario | median of $runs runs |"
echo "|---|---|"
echo "| lifecycle.yaml (17 steps) | $(median examples/my-charm/scenarios/lifecycle.yaml) µs |"
echo "| all 7 scenarios (25 steps) | $(median examples/my-charm/scenarios/*.yaml) µs |"
