#!/usr/bin/env bash
# Compares two `aragora` binaries on the same machine, interleaved so that load from elsewhere hits both alike:
# GET /api/health, GET /api/debates/{id} (wrk, 64 connections) and the backlog of demo debates draining with no
# HTTP load. Prints each figure's median over ROUNDS and the ratio new / old. Loopback only.
# Usage: Benchmarks/ab-server.sh OLD_BINARY NEW_BINARY [ROUNDS]
set -euo pipefail
OLD=$1; NEW=$2; ROUNDS=${3:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
PORT=${BENCH_PORT:-18183}; URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d); trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"question":"Should we adopt a monorepo?","rounds":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
start() {
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  ARAGORA_DATA_DIR="$WORK/data" ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=error "$1" serve & PID=$!
  until curl -sf "$URL/healthz" >/dev/null; do sleep 0.02; done
}
stop() { kill $PID; wait $PID 2>/dev/null || true; }
rps() { wrk -t2 -c64 -d4s "$1" | awk '/Requests\/sec/ {print $2}'; }
completed() { curl -s "$URL/api/debates?status=completed&limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/'; }
measure() { # binary -> "health get drain"
  start "$1"
  local id; id=$(curl -s -X POST "$URL/api/debates" -H 'Content-Type: application/json' -d '{"question":"Benchmark?","rounds":3}' | sed 's/.*"debate_id":"\([^"]*\)".*/\1/')
  until curl -s "$URL/api/debates/$id" | grep -q '"status":"completed"'; do sleep 0.02; done
  local h g; h=$(rps "$URL/api/health"); g=$(rps "$URL/api/debates/$id")
  wrk -t2 -c32 -d2s -s "$WORK/post.lua" "$URL/api/debates" >/dev/null
  local d0 t0 d1 t1; d0=$(completed); t0=$(date +%s%N); sleep 5; d1=$(completed); t1=$(date +%s%N)
  stop
  echo "$h $g $(python3 -c "print(round(($d1 - $d0) / (($t1 - $t0) / 1e9), 1))")"
}
: > "$WORK/old"; : > "$WORK/new"
for _ in $(seq "$ROUNDS"); do measure "$OLD" >> "$WORK/old"; measure "$NEW" >> "$WORK/new"; done
python3 - "$WORK/old" "$WORK/new" "$ROUNDS" <<'PY'
import statistics, sys
rows = [[list(map(float, l.split())) for l in open(p)] for p in sys.argv[1:3]]
names = ["GET /api/health req/s", "GET /api/debates/{id} req/s", "backlog drain debates/s"]
print(f"A/B over {sys.argv[3]} interleaved rounds (medians): old -> new, ratio new/old")
for i, name in enumerate(names):
    o, n = statistics.median(r[i] for r in rows[0]), statistics.median(r[i] for r in rows[1])
    print(f"  {name}: {o:.0f} -> {n:.0f}, ratio {n / o:.3f}")
PY
