#!/usr/bin/env bash
# Measures the simulator's own status-polling throughput: builds authcloud-sim in release, creates
# one pending approval, hammers POST /api/v1/status with wrk (64 connections, ~10 s) and writes
# bench/sim-throughput.md with the figure, the machine, the date and the exact command.
#
#   bench/sim_throughput.sh            # DURATION=10s CONNECTIONS=64 THREADS=2 by default
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
  else
    sudo apt-get install -y wrk >/dev/null 2>&1 || { sudo apt-get update >/dev/null && sudo apt-get install -y wrk >/dev/null; }
  fi
fi

echo "== building authcloud-sim (release)"
cargo build --release -p nevis-authcloud-sim --bin authcloud-sim
target_dir=${CARGO_TARGET_DIR:-$repo/target}
if [ -n "${CARGO_BUILD_TARGET:-}" ]; then
  sim="$target_dir/$CARGO_BUILD_TARGET/release/authcloud-sim"
else
  sim="$target_dir/release/authcloud-sim"
fi

work=$(mktemp -d)
sim_pid=""
cleanup() {
  exec 9>&- 2>/dev/null || true
  if [ -n "$sim_pid" ]; then kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkfifo "$work/stdin"
"$sim" --listen 127.0.0.1:0 --exit-on-stdin-eof --log warn <"$work/stdin" >"$work/out" 2>"$work/log" &
sim_pid=$!
exec 9>"$work/stdin"
for _ in $(seq 1 100); do [ -s "$work/out" ] && break; sleep 0.05; done
json() { python3 -c 'import json,sys; d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1"; }
base=$(json baseUrl <"$work/out")
key=$(json accessKey <"$work/out")

echo "== creating a pending approval on $base"
auth=(-H "Authorization: Bearer $key" -H "Content-Type: application/json")
enrolled=$(curl -sf "${auth[@]}" -d '{"username":"bench-user"}' "$base/api/v1/users/enroll")
tx=$(echo "$enrolled" | json enrollment.transactionId)
curl -sf -X POST "$base/_sim/operations/$tx/accept" >/dev/null
approval=$(curl -sf "${auth[@]}" -d '{"username":"bench-user","channel":"push"}' "$base/api/v1/approval")
status_token=$(echo "$approval" | json statusToken)
curl -sf -H "Content-Type: application/json" -d "{\"statusToken\":\"$status_token\"}" "$base/api/v1/status" | grep -q '"pending"'

cat >"$work/status.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"statusToken":"$status_token"}'
LUA

command_line="wrk -t$threads -c$connections -d$duration --latency -s status.lua $base/api/v1/status"
echo "== $command_line"
wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$work/status.lua" "$base/api/v1/status" | tee "$work/wrk.txt"

rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt")
cpu=$(awk -F: '/model name/ {sub(/^ +/, "", $2); print $2; exit}' /proc/cpuinfo)
cat >"$repo/bench/sim-throughput.md" <<MD
# Simulator status-polling throughput

**${rps} requests/s** for \`POST /api/v1/status\` on one pending operation (target: ≥ 20,000 on 2 cores).

| | |
|---|---|
| date | $(date -u +%Y-%m-%dT%H:%M:%SZ) |
| machine | $(nproc) cores, ${cpu} |
| simulator | release build of \`authcloud-sim\`, plain HTTP on loopback, \`--log warn\` |
| load | wrk ${threads} threads, ${connections} connections, ${duration}, same machine (load tool and simulator share the cores) |
| non-2xx answers | ${non2xx:-0} |

Command (run by \`bench/sim_throughput.sh\`; \`status.lua\` sets method POST, \`Content-Type: application/json\` and the body \`{"statusToken":"…"}\`):

\`\`\`
${command_line}
\`\`\`

wrk output:

\`\`\`
$(cat "$work/wrk.txt")
\`\`\`
MD
echo "== wrote bench/sim-throughput.md (${rps} requests/s)"
