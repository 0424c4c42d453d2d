#!/usr/bin/env bash
# Service benchmarks on loopback only, release build. Prints requests/s, p99 latency, debates/s and RSS, each beside
# its target, then runs Benchmarks/overload-bench.sh (capacity, closed- and open-loop overload) and
# Benchmarks/serve-memory.sh (memory per debate in flight through the service).
# Usage: Benchmarks/server-bench.sh [--quick]   (quick: shorter runs, for a smoke test)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=${1:-}
DUR=10; N1=1000; N2=10000
if [ "$QUICK" = "--quick" ]; then DUR=3; N1=200; N2=1000; fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product aragora >/dev/null
BIN="$(swift build -c release --show-bin-path)/aragora"
DATA=$(mktemp -d); PORT=${BENCH_PORT:-18080}; URL="http://127.0.0.1:$PORT"
export ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=warning
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$PID/status; }

# Start to healthy (migrations on a fresh database included).
t0=$(date +%s%N); "$BIN" serve & PID=$!
until curl -sf "$URL/api/health" >/dev/null; do sleep 0.002; done
t1=$(date +%s%N)
echo "start to healthy: $(( (t1 - t0) / 1000000 )) ms (target <= 500 ms)"
sleep 1
echo "idle RSS: $(rss) MB (target <= 50 MB)"

wrk_report() { # name target
  local out; out=$(wrk -t2 -c64 -d${DUR}s --latency "$2")
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  echo "$1: ${rps} req/s, p99 ${p99}, non-2xx ${errors:-0} (64 connections, ${DUR}s)${3:+ · target $3}"
}
wrk_report "GET /api/health" "$URL/api/health" ">= 20000 req/s, p99 <= 5 ms"
ID=$(curl -s -X POST "$URL/api/debates" -H 'Content-Type: application/json' -d '{"question":"Benchmark: monorepo?","rounds":3}' | sed 's/.*"debate_id":"\([^"]*\)".*/\1/')
until curl -s "$URL/api/debates/$ID" | grep -q '"status":"completed"'; do sleep 0.05; done
wrk_report "GET /api/debates/{id}" "$URL/api/debates/$ID"

# Start the memory phase from an empty queue.
kill $PID; wait $PID 2>/dev/null || true; rm -rf "$DATA"/aragora.sqlite*
"$BIN" serve & PID=$!
until curl -sf "$URL/api/health" >/dev/null; do sleep 0.01; done

# Memory: finished debates live in the store, not in memory.
post_many() { python3 - "$PORT" "$1" <<'PY'
import http.client, sys, json
port, n = int(sys.argv[1]), int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(n):
    c.request("POST", "/api/debates", body=json.dumps({"question": f"Memory check {i}?", "rounds": 1}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
}
drain() { until [ "$(curl -s "$URL/api/debates/active" | sed 's/.*"count":\([0-9]*\).*/\1/')" = "0" ]; do sleep 0.1; done; }
post_many $N1; drain; sleep 1; m1=$(rss)
post_many $((N2 - N1)); drain; sleep 1; m2=$(rss)
echo "RSS after $N1 more finished debates: ${m1} MB; after $N2: ${m2} MB; ratio $(python3 -c "print(round($m2 / $m1, 3))") (target <= 1.10)"
kill $PID; wait $PID 2>/dev/null || true

Benchmarks/overload-bench.sh "$([ "$QUICK" = "--quick" ] && echo 5 || echo 20)"
Benchmarks/serve-memory.sh "$([ "$QUICK" = "--quick" ] && echo 500 || echo 2000)"
