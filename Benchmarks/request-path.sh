#!/usr/bin/env bash
# The request path against its limit: a bare Hummingbird 2 server answering a constant JSON body
# (`aragora-bench bare-server`) and `aragora serve` (SQLite, auth off, rate limits off, logs at warning), measured one
# after the other in the same run with the same wrk load (-t2 -c64), alternating REPS times; prints each route's
# median requests/s beside the bare server's and the ratio. Loopback only. Usage: Benchmarks/request-path.sh [seconds] [reps]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}; REPS=${2:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product aragora >/dev/null
swift build -c release --product aragora-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
DATA=$(mktemp -d); A=${BENCH_PORT:-18087}; B=$((A + 1))
ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$A ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=warning "$BIN/aragora" serve & APID=$!
"$BIN/aragora-bench" bare-server $B & BPID=$!
trap 'kill $APID $BPID 2>/dev/null || true; rm -rf "$DATA"' EXIT
until curl -sf "http://127.0.0.1:$A/healthz" >/dev/null && curl -sf "http://127.0.0.1:$B/healthz" >/dev/null; do sleep 0.05; done
rps() { wrk -t2 -c64 -d${DUR}s "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "route            aragora req/s   bare req/s   ratio   (wrk -t2 -c64 -d${DUR}s, median of $REPS, alternating)"
for route in /healthz /api/health /api/agents; do
  ours=(); bare=()
  for _ in $(seq "$REPS"); do
    ours+=("$(rps "http://127.0.0.1:$A$route")")
    bare+=("$(rps "http://127.0.0.1:$B$route")")
  done
  o=$(median "${ours[@]}"); b=$(median "${bare[@]}")
  printf "%-16s %13.0f %12.0f   %.2f\n" "$route" "$o" "$b" "$(awk "BEGIN {print $o / $b}")"
done
