#!/usr/bin/env bash
# Starts a local Authentication Cloud simulator, runs the given command with the simulator's
# address in the environment, and stops the simulator afterwards (also when the command fails or
# this script is killed: the simulator exits when its stdin closes).
#
#   scripts/with-sim.sh [--tls] -- COMMAND [ARGS...]
#
# The command sees NEVIS_AUTHCLOUD_BASE_URL, NEVIS_AUTHCLOUD_ACCESS_KEY and, with --tls,
# NEVIS_AUTHCLOUD_CA_FILE. AUTHCLOUD_SIM names the simulator binary. Two optional knobs, for
# callers with special needs (the benchmarks): AUTHCLOUD_SIM_PREFIX runs the simulator under a
# command (e.g. "taskset -c 0") and AUTHCLOUD_SIM_ARGS adds simulator flags (e.g. "--log warn").
set -euo pipefail

tls=()
while [ $# -gt 0 ]; do
  case "$1" in
    --tls) tls=(--tls); shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--tls] -- COMMAND [ARGS...]" >&2; exit 2; }

sim=${AUTHCLOUD_SIM:?AUTHCLOUD_SIM must name the authcloud-sim binary}
work=$(mktemp -d)
sim_pid=""
cleanup() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkfifo "$work/stdin"
args=(--listen 127.0.0.1:0 --exit-on-stdin-eof)
read -r -a prefix <<<"${AUTHCLOUD_SIM_PREFIX:-}"
read -r -a extra <<<"${AUTHCLOUD_SIM_ARGS:-}"
args+=("${extra[@]}")
if [ ${#tls[@]} -gt 0 ]; then
  args+=(--tls --ca-out "$work/ca.pem")
fi
"${prefix[@]}" "$sim" "${args[@]}" <"$work/stdin" >"$work/out" 2>"$work/log" &
sim_pid=$!
exec 9>"$work/stdin"

for _ in $(seq 1 200); do
  [ -s "$work/out" ] && break
  if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "authcloud-sim exited before it was ready:" >&2
    cat "$work/log" >&2
    exit 1
  fi
  sleep 0.05
done
line=$(head -n 1 "$work/out")
[ -n "$line" ] || { echo "authcloud-sim printed no address" >&2; cat "$work/log" >&2; exit 1; }

field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$line" "$1"; }
export NEVIS_AUTHCLOUD_BASE_URL="$(field baseUrl)"
export NEVIS_AUTHCLOUD_ACCESS_KEY="$(field accessKey)"
ca="$(field caPath)"
if [ -n "$ca" ]; then export NEVIS_AUTHCLOUD_CA_FILE="$ca"; fi
unset NEVIS_AUTHCLOUD_INSTANCE

"$@"
