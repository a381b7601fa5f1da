#!/usr/bin/env bash
# The Python benchmarks: the binding against requests/httpx/aiohttp, its memory and its
# start-up. Writes python-blocking.json, python-async.json, python-memory.json and
# python-startup.json to $BENCH_OUT in the shared benchmark layout.
#
#   bench/python/run.sh           release simulator + release wheel, full counts (~4 minutes)
#   bench/python/run.sh --smoke   debug simulator + the dev wheel of `make test-python`, tiny counts
#   bench/python/run.sh --prepare the release venv and wheel only, measuring nothing (bench/profile)
#
# It installs its own tools: a venv in build/bench-venv with the pinned competitors of
# requirements.txt, and the wheel under test. Each script gets a fresh simulator pinned to CPU 0
# and runs pinned to CPU 1 (scripts/with-sim.sh stops the simulator afterwards).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

smoke=0
prepare_only=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  --prepare) prepare_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--smoke | --prepare]" >&2; exit 2 ;;
esac

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/target}
export CARGO_BUILD_TARGET=${CARGO_BUILD_TARGET:-$(rustc -vV | sed -n 's/^host: //p')}
if [ $smoke -eq 1 ]; then
  export BENCH_OUT=${BENCH_OUT:-$CARGO_TARGET_DIR/bench-smoke}
  profile=debug
else
  export BENCH_OUT=${BENCH_OUT:-$CARGO_TARGET_DIR/bench}
  profile=release
fi
mkdir -p "$BENCH_OUT"
python=${PYTHON:-python3}
venv=$repo/build/bench-venv

# The venv, refreshed whenever requirements.txt changes.
requirements=$repo/bench/python/requirements.txt
stamp=$venv/.requirements
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "== bench venv: $venv (pinned competitors)"
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r "$requirements"
  cp "$requirements" "$stamp"
fi

# The simulator (AUTHCLOUD_SIM when the caller built one, as `make bench` does) and the wheel
# under test.
sim=${AUTHCLOUD_SIM:-$CARGO_TARGET_DIR/$CARGO_BUILD_TARGET/$profile/authcloud-sim}
if [ $smoke -eq 1 ]; then
  if [ ! -x "$sim" ]; then
    cargo build --locked -p nevis-authcloud-sim --bin authcloud-sim
  fi
  wheels=$repo/build/wheels
  if ! ls "$wheels"/*.whl >/dev/null 2>&1; then
    echo "== no dev wheel in $wheels yet: building it (make python-package)"
    make --no-print-directory python-package
  fi
else
  echo "== release build: authcloud-sim and the nevis_authcloud wheel"
  if [ -z "${AUTHCLOUD_SIM:-}" ] || [ ! -x "$sim" ]; then
    cargo build --locked --release -p nevis-authcloud-sim --bin authcloud-sim
  fi
  # BENCH_CARGO_PROFILE=profiling (bench/profile) builds the wheel with its symbols kept.
  cargo_profile=${BENCH_CARGO_PROFILE:-release}
  wheels=$repo/build/bench-wheels
  rm -rf "$wheels"
  "$venv/bin/maturin" build --locked --profile "$cargo_profile" -m bindings-python/Cargo.toml --out "$wheels"
fi
wheel=$(ls "$wheels"/*.whl | head -n 1)
wheel_stamp=$venv/.wheel
wheel_id="$profile ${BENCH_CARGO_PROFILE:-release} $(sha256sum "$wheel" | cut -d' ' -f1)"
if [ "$(cat "$wheel_stamp" 2>/dev/null)" != "$wheel_id" ]; then
  "$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
  echo "$wheel_id" >"$wheel_stamp"
fi

[ $prepare_only -eq 1 ] && exit 0

# One core each: the simulator on CPU 0, the client on CPU 1 (when the machine has two).
if [ "$(nproc --all)" -ge 2 ] && command -v taskset >/dev/null; then
  pin_sim=(taskset -c 0)
  pin_client=(taskset -c 1)
else
  echo "warning: fewer than 2 CPUs or no taskset: running unpinned" >&2
  pin_sim=()
  pin_client=()
fi

export AUTHCLOUD_SIM=$sim
flags=()
[ $smoke -eq 1 ] && flags=(--smoke)
started=$(date +%s)
for script in blocking async_throughput memory startup; do
  echo "== bench/python/$script.py ${flags[*]}"
  "${pin_sim[@]}" scripts/with-sim.sh -- "${pin_client[@]}" "$venv/bin/python" "bench/python/$script.py" "${flags[@]}"
done
echo "== Python benchmarks done in $(( $(date +%s) - started )) s; results in $BENCH_OUT"
