#!/usr/bin/env bash
# The machine's ceiling for the benchmark endpoint: a native load generator (wrk; oha if wrk cannot
# be installed) against the simulator, at the concurrencies the bindings are measured at (1 =
# sequential, 64 in flight). Writes $BENCH_OUT/ceiling.json.
#
#   bench/ceiling/run.sh [--smoke]
#
# Installs wrk when it is missing (apt-get or Homebrew), or else builds oha into build/tools.
set -euo pipefail
cd "$(dirname "$0")/../.."

export BENCH_OUT=${BENCH_OUT:-target/bench}
mkdir -p "$BENCH_OUT"

# oha's last resort: a pinned version built once into build/tools.
OHA_VERSION=1.15.0
TOOLS=build/tools

install_wrk() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  if command -v apt-get >/dev/null 2>&1; then
    echo "== ceiling: installing wrk with apt-get" >&2
    "${sudo[@]}" apt-get install -y wrk >/dev/null 2>&1 \
      || { "${sudo[@]}" apt-get update >/dev/null 2>&1 && "${sudo[@]}" apt-get install -y wrk >/dev/null 2>&1; } \
      || return 1
  elif command -v brew >/dev/null 2>&1; then
    echo "== ceiling: installing wrk with Homebrew" >&2
    brew install wrk >/dev/null 2>&1 || return 1
  else
    return 1
  fi
  command -v wrk >/dev/null 2>&1
}

if command -v wrk >/dev/null 2>&1; then
  export BENCH_LOADGEN=wrk
elif install_wrk; then
  export BENCH_LOADGEN=wrk
elif [ -x "$TOOLS/bin/oha" ] || {
  echo "== ceiling: wrk unavailable; building oha $OHA_VERSION into $TOOLS (once)" >&2
  cargo install --locked --quiet --root "$TOOLS" --version "$OHA_VERSION" oha
}; then
  export BENCH_LOADGEN="$PWD/$TOOLS/bin/oha"
else
  echo "ceiling: no load generator: wrk could not be installed and oha could not be built" >&2
  exit 1
fi

exec bench/lib/with-bench-sim.sh -- python3 bench/ceiling/ceiling.py "$@"
