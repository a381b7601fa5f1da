#!/usr/bin/env bash
# Runs every benchmark and renders the report. Called by `make bench` (release builds,
# full counts, bench/RESULTS.md) and `make bench-smoke` (debug builds, --smoke counts, a throwaway
# report next to the results), which pass the artefacts to measure:
#
#   AUTHCLOUD_SIM       the simulator binary           BENCH_FFI           the ffi-overhead binary
#   BENCH_NODE_PACKAGE  the nevis-authcloud package    BENCH_NODE_ADDON    words on its build
#   BENCH_OUT           where the JSON results go      BENCH_RESULTS       the Markdown report
#   BENCH_CORE_FLOOR    the core-floor binary (the Rust core alone: the floor rows; optional)
#
#   bench/run.sh [--smoke]
#
# A benchmark that breaks does not stop the others; the run fails at the end if any broke. A missed
# performance target never fails the run: the report says met or missed.
set -uo pipefail
cd "$(dirname "$0")/.."

flags=()
[ "${1:-}" = "--smoke" ] && flags=(--smoke)
export BENCH_OUT=${BENCH_OUT:-target/bench}
export AUTHCLOUD_SIM=${AUTHCLOUD_SIM:?AUTHCLOUD_SIM must name the simulator binary}
ffi=${BENCH_FFI:?BENCH_FFI must name the ffi-overhead binary}
[ -n "${BENCH_CORE_FLOOR:-}" ] && export BENCH_CORE_FLOOR
results=${BENCH_RESULTS:-$BENCH_OUT/RESULTS.md}
mkdir -p "$BENCH_OUT"
steps=$BENCH_OUT/steps.tsv
: >"$steps"
[ -s "$BENCH_OUT/started-at" ] || date +%s >"$BENCH_OUT/started-at"
date +%s >"$BENCH_OUT/measuring-from"

# The native load generator, found (or installed) once: the ceiling benchmark uses it, and the Node
# and C benchmarks run it in their own rounds as the ceiling row (skipped when there is none).
. bench/lib/loadgen.sh
find_loadgen || echo "== bench: no load generator: the ceiling rows will be missing" >&2

failed=()
# step NAME COMMAND...: runs one benchmark script, recording its wall time and exit status.
step() {
  local name=$1
  shift
  echo "== bench: $name"
  local started status
  started=$(date +%s%N)
  "$@"
  status=$?
  local ms=$(( ($(date +%s%N) - started) / 1000000 ))
  printf '%s\t%d.%03d\t%s\t%s\n' "$name" $((ms / 1000)) $((ms % 1000)) "$status" "$*" >>"$steps"
  if [ "$status" -ne 0 ]; then
    echo "== bench: $name FAILED (exit $status)" >&2
    failed+=("$name")
  fi
}

step ceiling bench/ceiling/run.sh "${flags[@]}"
step c-ffi bench/lib/with-bench-sim.sh -- "$ffi" "${flags[@]}" --out "$BENCH_OUT/c-ffi.json"
step node bench/node/run.sh "${flags[@]}"
if [ -x bench/python/run.sh ]; then
  step python bench/python/run.sh "${flags[@]}"
else
  echo "== bench: python skipped: bench/python/run.sh does not exist" >&2
  printf 'python\t0\tskipped\tbench/python/run.sh is absent\n' >>"$steps"
fi

echo "== bench: report -> $results"
report_flags=()
[ ${#flags[@]} -gt 0 ] && report_flags=(--smoke)
if ! python3 bench/report.py --results "$BENCH_OUT" --out "$results" "${report_flags[@]}"; then
  failed+=(report)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "bench: broken: ${failed[*]}" >&2
  exit 1
fi
