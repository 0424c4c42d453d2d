#!/usr/bin/env bash
# Debates completed per second from outside: a fresh `aragora serve` (SQLite, default configuration but rate limits
# off and logs at warning) on loopback, CLIENTS clients posting N zero-latency 3x3 demo debates (each posts the next
# once answered; a 503 is retried), timed from the first post to the last completion (`aragora-bench closed-loop`).
# Runs REPS times on fresh data and prints each run and the median. ARAGORA_BIN=path measures another build.
# Usage: Benchmarks/throughput.sh [N] [CLIENTS] [REPS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-3000}; CLIENTS=${2:-16}; REPS=${3:-3}
swift build -c release --product aragora >/dev/null
swift build -c release --product aragora-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
PORT=${BENCH_PORT:-18083}; URL="http://127.0.0.1:$PORT"
export ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=warning
PID=; DATA=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; [ -n "$DATA" ] && rm -rf "$DATA"; PID=; DATA=; }
trap stop EXIT
rates=()
for i in $(seq "$REPS"); do
  stop; DATA=$(mktemp -d)
  ARAGORA_DATA_DIR="$DATA" "${ARAGORA_BIN:-$BIN/aragora}" serve & PID=$!
  until curl -sf "$URL/healthz" >/dev/null; do sleep 0.01; done
  out=$("$BIN/aragora-bench" closed-loop "$URL" "$N" "$CLIENTS")
  echo "run $i: $out"
  rates+=("$(echo "$out" | sed 's/.*completed\/s \([0-9.]*\).*/\1/')")
done
med=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}')
echo "completed from outside: median $med debates/s over $REPS runs of $N debates, $CLIENTS clients (target >= 500)"
