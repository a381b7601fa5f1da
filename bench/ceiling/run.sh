#!/usr/bin/env bash
# The machine's ceiling for the benchmark endpoint: a native load generator (wrk; oha if wrk cannot
# be installed) against the simulator, at the concurrencies the bindings are measured at (1 =
# sequential, 64 in flight). Writes $BENCH_OUT/ceiling.json.
#
#   bench/ceiling/run.sh [--smoke]
#
# Installs wrk when it is missing (apt-get or Homebrew), or else builds oha into build/tools
# (bench/lib/loadgen.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

export BENCH_OUT=${BENCH_OUT:-target/bench}
mkdir -p "$BENCH_OUT"

. bench/lib/loadgen.sh
find_loadgen || exit 1

exec bench/lib/with-bench-sim.sh -- python3 bench/ceiling/ceiling.py "$@"
