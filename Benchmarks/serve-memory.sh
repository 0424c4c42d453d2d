#!/usr/bin/env bash
# Memory per debate in flight through `aragora serve` (store, event hub, runner included): N demo debates (3 agents
# x 3 rounds, 1 s per reply) all running at once on SQLite; peak RSS growth over the idle server, divided by N.
# Usage: Benchmarks/serve-memory.sh [N, default 2000]   (PostgreSQL: see Benchmarks/bench-database.sh)
# ARAGORA_BIN=path measures another build of aragora.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/bench-database.sh
bench_database
N=${1:-2000}
swift build -c release --product aragora >/dev/null
swift build -c release --product aragora-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
PORT=${BENCH_PORT:-18083}; URL="http://127.0.0.1:$PORT"
DATA=$(mktemp -d)
ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=error \
  ARAGORA_DEMO_LATENCY_MS=1000 ARAGORA_MAX_CONCURRENT_DEBATES=$N "${ARAGORA_BIN:-$BIN/aragora}" serve & PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
until curl -sf "$URL/healthz" >/dev/null; do sleep 0.01; done
# Warm up (first debates, pools, caches), then the baseline.
"$BIN/aragora-bench" open-loop "$URL" 20 1 >/dev/null
until [ "$(curl -s "$URL/api/debates/active" | sed 's/.*"total":\([0-9]*\).*/\1/')" = "0" ]; do sleep 0.2; done
sleep 1
base=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
peak=$base
"$BIN/aragora-bench" open-loop "$URL" "$N" 1 > "$DATA/sent.txt" &
SENDER=$!
t0=$(date +%s)
while :; do
  rss=$(awk '/VmRSS/ {print $2}' /proc/$PID/status); [ "$rss" -gt "$peak" ] && peak=$rss
  active=$(curl -s "$URL/api/debates/active" | sed 's/.*"total":\([0-9]*\).*/\1/')
  if ! kill -0 $SENDER 2>/dev/null && [ "$active" = "0" ]; then break; fi
  [ $(( $(date +%s) - t0 )) -gt 120 ] && { echo "still $active active after 120 s"; break; }
  sleep 0.05
done
wall=$(( $(date +%s) - t0 ))
echo "$N debates through aragora serve at once (1 s replies, $BENCH_DB_LABEL): $(cat "$DATA/sent.txt")"
echo "  all finished in about ${wall} s (one debate alone: about 10 s)"
echo "  RSS idle $((base / 1024)) MB, peak $((peak / 1024)) MB: $(python3 -c "print(round(($peak - $base) / $N, 1))") KB per debate in flight (target <= 50)"
