#!/usr/bin/env bash
# Where each binding's time per call goes, redone with one command (`make bench-profile`).
#
# Each scenario runs the binding alone under the throughput benchmark's conditions (a fresh
# release simulator pinned to CPU 0, the client pinned to CPU 1, the same pending approval polled),
# twice: once under `perf stat` (CPU time, context switches and syscalls, divided by the calls
# made), once under `perf record -g` (where the CPU time went: each sample's function and, in the
# kernel, who called it). breakdown.py then sorts the samples into the stages of a call and writes
# $BENCH_OUT/profile/breakdown.json, and bench/report.py renders RESULTS.md again from the last
# `make bench` results with the per-call cost breakdown added.
#
#   bench/profile/run.sh        (needs perf; `make bench-profile` builds what it measures)
#
# AUTHCLOUD_SIM, BENCH_CORE_FLOOR and BENCH_NODE_PACKAGE name the artefacts, and BENCH_CARGO_PROFILE
# the Cargo profile of the Python wheel, which it builds and installs into the bench venv through
# bench/python/run.sh --prepare (mk/bench.mk passes them all). PROFILE_CALLS sets the calls per
# async scenario (default 40,000; the sequential ones make a quarter of that).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

command -v perf >/dev/null || { echo "bench-profile: perf is not installed" >&2; exit 1; }
: "${AUTHCLOUD_SIM:?AUTHCLOUD_SIM must name the release simulator}"
floor=${BENCH_CORE_FLOOR:?BENCH_CORE_FLOOR must name the core-floor binary}
package=$(realpath "${BENCH_NODE_PACKAGE:?BENCH_NODE_PACKAGE must name the staged Node package}")
export BENCH_OUT=${BENCH_OUT:-target/bench}
out=$BENCH_OUT/profile
rm -rf "$out"
mkdir -p "$out"
calls=${PROFILE_CALLS:-40000}
sequential=$((calls / 4))

bench/python/run.sh --prepare
python=$repo/build/bench-venv/bin/python
resolve_dir=$out/.node-path
mkdir -p "$resolve_dir"
ln -sfn "$package" "$resolve_dir/nevis-authcloud"
export NODE_PATH
NODE_PATH=$(realpath "$resolve_dir")

# name, calls, in flight, command. Node writes a perf map (--perf-basic-prof) so JavaScript frames
# have names in the profile, and its V8 log (which that flag turns on) into the profile folder.
scenarios=(
  "node-64|$calls|64|node --perf-basic-prof --logfile=$out/node-v8.log --no-logfile-per-isolate bench/profile/drive.js --calls $calls --concurrency 64"
  "core-64|$calls|64|$floor --concurrency 64 --calls $calls --warmup 64"
  "python-async-64|$calls|64|$python bench/profile/drive.py async --calls $calls --concurrency 64"
  "python-blocking-1|$sequential|1|$python bench/profile/drive.py blocking --calls $sequential"
  "core-1|$sequential|1|$floor --concurrency 1 --calls $sequential --warmup 1"
)

: >"$out/scenarios.tsv"
for scenario in "${scenarios[@]}"; do
  IFS='|' read -r name n in_flight command <<<"$scenario"
  echo "== bench-profile: $name ($n calls, $in_flight in flight)"
  # shellcheck disable=SC2086 # the command is a word list on purpose
  bench/lib/with-bench-sim.sh -- perf stat -x, -o "$out/$name.stat" \
    -e task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter -- $command >/dev/null
  # shellcheck disable=SC2086
  bench/lib/with-bench-sim.sh -- perf record -q -g -F 2999 -o "$out/$name.data" -- $command >/dev/null
  perf report -i "$out/$name.data" --stdio --no-children --sort dso,sym --percent-limit 0 -g none 2>/dev/null \
    >"$out/$name.txt"
  perf script -i "$out/$name.data" -F comm,tid,ip,sym,dso 2>/dev/null >"$out/$name.stacks"
  printf '%s\t%s\t%s\t%s\n' "$name" "$n" "$in_flight" "$command" >>"$out/scenarios.tsv"
done

python3 bench/profile/breakdown.py --dir "$out" --out "$out/breakdown.json"
python3 bench/report.py --results "$BENCH_OUT" --out "${BENCH_RESULTS:-bench/RESULTS.md}"
