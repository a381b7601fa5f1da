#!/usr/bin/env bash
# The Node benchmarks: throughput at 64 in flight (binding vs undici vs fetch), event-loop lag with
# 1,000 calls in flight, and start-up. Each script runs against its own simulator through
# bench/lib/with-bench-sim.sh (simulator on CPU 0, Node on CPU 1) and writes one JSON file to
# $BENCH_OUT.
#
#   bench/node/run.sh [--smoke]
#
# BENCH_NODE_PACKAGE: the nevis-authcloud package folder to load (default bindings-node, with
# whatever addon was built there last); `make bench` stages the release build and passes it.
# BENCH_NODE_ADDON: a few words on that build for the notes.
set -euo pipefail
cd "$(dirname "$0")/../.."

export BENCH_OUT=${BENCH_OUT:-target/bench}
package=$(realpath "${BENCH_NODE_PACKAGE:-bindings-node}")
export BENCH_NODE_ADDON=${BENCH_NODE_ADDON:-"addon from $package"}
ls "$package"/*.node >/dev/null 2>&1 || { echo "node bench: no native addon in $package (build it first)" >&2; exit 1; }

# The competitors, exactly as pinned in package-lock.json.
if [ ! -f bench/node/node_modules/.package-lock.json ] \
  || [ bench/node/package-lock.json -nt bench/node/node_modules/.package-lock.json ]; then
  (cd bench/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# `require('nevis-authcloud')` resolves through NODE_PATH to the package under test.
resolve_dir="$BENCH_OUT/.node-path"
mkdir -p "$resolve_dir" "$BENCH_OUT"
ln -sfn "$package" "$resolve_dir/nevis-authcloud"
export NODE_PATH
NODE_PATH=$(realpath "$resolve_dir")

for script in throughput lag startup; do
  bench/lib/with-bench-sim.sh -- node "bench/node/$script.js" "$@"
done
