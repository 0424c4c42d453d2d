#!/usr/bin/env bash
# Service benchmarks on loopback only, release build. Prints requests/s, p99 latency, debates/s and RSS.
# Usage: Benchmarks/server-bench.sh [--quick]   (quick: shorter runs, for a smoke test)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=${1:-}
DUR=10; POST_DUR=60; N1=1000; N2=10000
if [ "$QUICK" = "--quick" ]; then DUR=3; POST_DUR=5; N1=200; N2=1000; fi
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
  echo "$1: ${rps} req/s, p99 ${p99}, non-2xx ${errors:-0} (64 connections, ${DUR}s)"
}
wrk_report "GET /api/health" "$URL/api/health"
ID=$(curl -s -X POST "$URL/api/debates" -H 'Content-Type: application/json' -d '{"question":"Benchmark: monorepo?","rounds":3}' | sed 's/.*"debate_id":"\([^"]*\)".*/\1/')
until curl -s "$URL/api/debates/$ID" | grep -q '"status":"completed"'; do sleep 0.05; done
wrk_report "GET /api/debates/{id}" "$URL/api/debates/$ID"

# Sustained creation with demo agents (3 agents, 3 rounds each).
cat > "$DATA/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"question":"Should we adopt a monorepo?","rounds":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
completed() { curl -s "$URL/api/debates?status=completed&limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/'; }
before=$(completed); s0=$(date +%s%N)
out=$(wrk -t2 -c64 -d${POST_DUR}s -s "$DATA/post.lua" "$URL/api/debates")
after=$(completed); s1=$(date +%s%N)
queued=$(curl -s "$URL/api/health" | python3 -c "import json,sys; d=json.load(sys.stdin)['checks']['debates']; print(d['queued'] + d['active'])")
accepted=$(echo "$out" | awk '/requests in/ {print $1}')
errors=$(echo "$out" | awk '/Non-2xx/ {print $5}')
socket=$(echo "$out" | awk '/Socket errors/ {print $0}')
done_n=$((after - before))
echo "POST /api/debates for ${POST_DUR}s at 64 connections: accepted ${accepted} ($(python3 -c "print(round(${accepted} / ${POST_DUR}))")/s), non-2xx ${errors:-0} ${socket}"
echo "  completed during the run: ${done_n} = $(python3 -c "print(round($done_n / (($s1 - $s0) / 1e9), 1))") debates/s (target 500/s); still queued or running at the end: ${queued}"
# Throughput without competing HTTP load: the backlog draining for a few seconds.
d0=$(completed); t0=$(date +%s%N); sleep 5; d1=$(completed); t1=$(date +%s%N)
echo "  backlog draining with no HTTP load: $(python3 -c "print(round(($d1 - $d0) / (($t1 - $t0) / 1e9), 1))") debates/s"
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
