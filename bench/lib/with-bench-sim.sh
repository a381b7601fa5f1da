#!/usr/bin/env bash
# Runs one benchmark command against a fresh simulator under the benchmark rules of bench/README.md:
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

# The simulator comes from scripts/with-sim.sh (pinned, quiet, and a pending operation must not
# time out while a long run polls it); this script then re-enters itself inside it as the second
# stage, which prepares the approval and runs the command.
if [ -z "${BENCH_SIM_STAGE:-}" ]; then
  export BENCH_SIM_STAGE=inside AUTHCLOUD_SIM_PREFIX="${sim_pin[*]}" \
    AUTHCLOUD_SIM_ARGS="--log warn --operation-timeout 86400" BENCH_SELF="$0" BENCH_ARGS="$*"
  exec "$(dirname "$0")/../../scripts/with-sim.sh" -- "$0" -- "$@"
fi
unset BENCH_SIM_STAGE AUTHCLOUD_SIM_PREFIX AUTHCLOUD_SIM_ARGS

# Reads the address line, enrols a user, confirms the enrolment and leaves one push approval
# pending; prints the three values on separate lines.
mapfile -t setup < <(python3 - <<'PY'
import json, os, sys, urllib.request
base, key = os.environ["NEVIS_AUTHCLOUD_BASE_URL"], os.environ["NEVIS_AUTHCLOUD_ACCESS_KEY"]

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
[ ${#setup[@]} -eq 3 ] || { echo "with-bench-sim: could not prepare the pending approval" >&2; exit 1; }
export BENCH_STATUS_TOKEN="${setup[2]}"
unset NEVIS_AUTHCLOUD_CA_FILE
# What a result file quotes as its command line.
export BENCH_COMMAND="$(realpath --relative-to="$PWD" "$BENCH_SELF") -- $BENCH_ARGS"
unset BENCH_SELF BENCH_ARGS

"${client_pin[@]}" "$@"
