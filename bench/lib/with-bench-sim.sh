#!/usr/bin/env bash
# Runs one benchmark command against a fresh simulator under the shared benchmark rules (issue 7):
# the simulator pinned to CPU 0, the command pinned to CPU 1, plain HTTP on loopback, and one
# pending push approval created before anything is measured, whose statusToken every contender polls.
#
#   bench/lib/with-bench-sim.sh -- COMMAND [ARGS...]
#
# AUTHCLOUD_SIM names the simulator binary (release for `make bench`, debug for the smoke run).
# The command sees NEVIS_AUTHCLOUD_BASE_URL, NEVIS_AUTHCLOUD_ACCESS_KEY, BENCH_STATUS_TOKEN and
# BENCH_PINNING (a sentence for the notes: how the two sides were pinned) and BENCH_COMMAND (this
# invocation, for the result file's `command`). On a machine with fewer than two CPUs (or without
# taskset) nothing is pinned and BENCH_PINNING says so.
set -euo pipefail

[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "usage: $0 -- COMMAND [ARGS...]" >&2; exit 2; }
sim=${AUTHCLOUD_SIM:?AUTHCLOUD_SIM must name the authcloud-sim binary}
[ -x "$sim" ] || { echo "with-bench-sim: $sim is not built" >&2; exit 1; }

# 1,000 calls in flight per client (and the simulator's side of them) need more than the common
# default of 1,024 descriptors; raise the soft limit as far as the hard one allows.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 16384 ]; then ulimit -n 16384; else ulimit -n "$hard"; fi

sim_pin=()
client_pin=()
if command -v taskset >/dev/null 2>&1 && [ "$(nproc --all)" -ge 2 ]; then
  sim_pin=(taskset -c 0)
  client_pin=(taskset -c 1)
  export BENCH_PINNING="simulator pinned to CPU 0 (taskset -c 0), client pinned to CPU 1 (taskset -c 1)"
else
  export BENCH_PINNING="not pinned (fewer than 2 CPUs or no taskset): client and simulator share the CPUs"
fi

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

# A pending operation must not time out while a long run polls it.
mkfifo "$work/stdin"
"${sim_pin[@]}" "$sim" --listen 127.0.0.1:0 --exit-on-stdin-eof --log warn --operation-timeout 86400 \
  <"$work/stdin" >"$work/out" 2>"$work/log" &
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

# Reads the address line, enrols a user, confirms the enrolment and leaves one push approval
# pending; prints the three values on separate lines.
mapfile -t setup < <(python3 - "$work/out" <<'PY'
import json, sys, urllib.request
line = json.loads(open(sys.argv[1]).readline())
base, key = line["baseUrl"], line["accessKey"]

def call(path, body=None, auth=False):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    if auth:
        request.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None

enrolled = call("/api/v1/users/enroll", {"username": "bench-user"}, auth=True)
call("/_sim/operations/%s/accept" % enrolled["enrollment"]["transactionId"])
token = call("/api/v1/approval", {"username": "bench-user", "channel": "push"}, auth=True)["statusToken"]
status = call("/api/v1/status", {"statusToken": token})["status"]
if status != "pending":
    sys.exit("the benchmark approval is %r, not pending" % status)
print(base)
print(key)
print(token)
PY
)
[ ${#setup[@]} -eq 3 ] || { echo "with-bench-sim: could not prepare the pending approval" >&2; cat "$work/log" >&2; exit 1; }
export NEVIS_AUTHCLOUD_BASE_URL="${setup[0]}"
export NEVIS_AUTHCLOUD_ACCESS_KEY="${setup[1]}"
export BENCH_STATUS_TOKEN="${setup[2]}"
unset NEVIS_AUTHCLOUD_INSTANCE NEVIS_AUTHCLOUD_CA_FILE
# What a result file quotes as its command line.
export BENCH_COMMAND="$(realpath --relative-to="$PWD" "$0") -- $*"

"${client_pin[@]}" "$@"
