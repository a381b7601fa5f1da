# Sourced by the benchmark scripts: finds the native load generator that measures the ceiling, and
# installs it when it is missing, then exports its path as BENCH_LOADGEN. wrk comes from apt-get or
# Homebrew; where neither can install it, oha (pinned) is built once into build/tools.
#
#   . bench/lib/loadgen.sh && find_loadgen || echo "no load generator"

BENCH_OHA_VERSION=1.15.0
BENCH_TOOLS=build/tools

install_wrk() {
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  if command -v apt-get >/dev/null 2>&1; then
    echo "== installing wrk with apt-get" >&2
    "${sudo[@]}" apt-get install -y wrk >/dev/null 2>&1 \
      || { "${sudo[@]}" apt-get update >/dev/null 2>&1 && "${sudo[@]}" apt-get install -y wrk >/dev/null 2>&1; } \
      || return 1
  elif command -v brew >/dev/null 2>&1; then
    echo "== installing wrk with Homebrew" >&2
    brew install wrk >/dev/null 2>&1 || return 1
  else
    return 1
  fi
  command -v wrk >/dev/null 2>&1
}

find_loadgen() {
  if [ -n "${BENCH_LOADGEN:-}" ] && [ -x "$BENCH_LOADGEN" ]; then
    return 0
  fi
  if command -v wrk >/dev/null 2>&1 || install_wrk; then
    BENCH_LOADGEN=$(command -v wrk)
  elif [ -x "$BENCH_TOOLS/bin/oha" ] || {
    echo "== wrk unavailable; building oha $BENCH_OHA_VERSION into $BENCH_TOOLS (once)" >&2
    cargo install --locked --quiet --root "$BENCH_TOOLS" --version "$BENCH_OHA_VERSION" oha
  }; then
    BENCH_LOADGEN="$PWD/$BENCH_TOOLS/bin/oha"
  else
    echo "no load generator: wrk could not be installed and oha could not be built" >&2
    return 1
  fi
  export BENCH_LOADGEN
}
