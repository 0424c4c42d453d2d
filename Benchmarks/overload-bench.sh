#!/usr/bin/env bash
# Overload on loopback, release build, SQLite: does the service degrade gracefully instead of collapsing?
#   capacity: a backlog of demo debates (3 agents x 3 rounds) draining with no HTTP load, in debates/s;
#   closed loop: wrk hammering POST /api/debates with 64 connections (each retries the moment it is answered);
#   open loop: POST /api/debates at a constant 2x and 5x capacity (aragora-bench open-loop), whatever the answers.
# Each prints completions/s in the second half of the load, once the queue has filled (and its ratio to capacity;
# target >= 0.9), and the p50/p99 of the creations that were accepted. Usage: Benchmarks/overload-bench.sh [SECONDS per load, default 30]
# PostgreSQL through PgBouncer instead of SQLite: set BENCH_POSTGRES_ADMIN_URL and BENCH_PGBOUNCER_URL (see
# Benchmarks/bench-database.sh). ARAGORA_MAX_CONCURRENT_DEBATES is 64 here (default 16): see docs/benchmarks.md.
# ARAGORA_BIN=path measures another build of aragora.
set -euo pipefail
cd "$(dirname "$0")/.."
. Benchmarks/bench-database.sh
DUR=${1:-30}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
swift build -c release --product aragora >/dev/null
swift build -c release --product aragora-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"
PORT=${BENCH_PORT:-18081}; URL="http://127.0.0.1:$PORT"
export ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=error ARAGORA_MAX_CONCURRENT_DEBATES=${ARAGORA_MAX_CONCURRENT_DEBATES:-64}
PID=; DATA=
stop() { [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null; [ -n "$DATA" ] && rm -rf "$DATA"; PID=; DATA=; }
trap stop EXIT
fresh() { stop; bench_database; DATA=$(mktemp -d); ARAGORA_DATA_DIR="$DATA" "${ARAGORA_BIN:-$BIN/aragora}" serve & PID=$!; until curl -sf "$URL/healthz" >/dev/null; do sleep 0.01; done; }
completed() { curl -s "$URL/api/debates?status=completed&limit=1" | sed 's/.*"total":\([0-9]*\).*/\1/'; }
waiting() { curl -s "$URL/api/health" | python3 -c "import json,sys; d=json.load(sys.stdin)['checks']['debates']; print(d['queued'] + d['active'])"; }
rate() { python3 -c "print(round(($2 - $1) / $3, 1))"; }
# Completions per second in the second half of a load: the steady state, once the queue has filled.
steady() { sleep "$(python3 -c "print($DUR / 2)")"; local a b; a=$(completed); sleep "$(python3 -c "print($DUR / 2 - 1)")"; b=$(completed)
           done_rate=$(rate "$a" "$b" "$(python3 -c "print($DUR / 2 - 1)")"); }

# Capacity: 8,000 debates posted (the queue takes 5,000 at a time; the rest are refused), then the drain measured
# while a backlog remains. 4,000 used to be posted: a build draining 650/s finished them inside the window, which
# then counted idle time.
fresh
"$BIN/aragora-bench" open-loop "$URL" 8000 2 >/dev/null
sleep 1; c0=$(completed); sleep 5; c1=$(completed)
CAP=$(rate "$c0" "$c1" 5)
left=$(waiting)
echo "database: $BENCH_DB_LABEL"
echo "capacity (backlog draining, no HTTP load): $CAP debates/s (target >= 500); still waiting: $left"
[ "$left" -gt 0 ] || echo "  the backlog ran out inside the window: capacity is underestimated"

# Closed loop: wrk floods creation; a prober sends 20 creations/s alongside to time the accepted ones.
fresh
cat > "$DATA/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"question":"Should we adopt a monorepo?","rounds":3}'
wrk.headers["Content-Type"] = "application/json"
LUA
"$BIN/aragora-bench" open-loop "$URL" 20 "$DUR" > "$DATA/probe.txt" &
PROBE=$!
wrk -t2 -c64 -d${DUR}s -s "$DATA/post.lua" "$URL/api/debates" > "$DATA/wrk.txt" &
WRK=$!
steady
wait $WRK; wait $PROBE
out=$(cat "$DATA/wrk.txt")
echo "closed loop (wrk, 64 connections, ${DUR}s): $(echo "$out" | awk '/Requests\/sec/ {print $2}') requests/s answered, completions $done_rate/s = $(python3 -c "print(round($done_rate / $CAP, 2))") of capacity (target >= 0.9)"
echo "  prober (20/s): $(cat "$DATA/probe.txt")"

# Open loop at 2x and 5x capacity.
for k in 2 5; do
  fresh
  "$BIN/aragora-bench" open-loop "$URL" "$(python3 -c "print($k * $CAP)")" "$DUR" > "$DATA/open.txt" &
  GEN=$!
  steady
  wait $GEN
  res=$(cat "$DATA/open.txt")
  echo "open loop at ${k}x capacity ($(python3 -c "print(round($k * $CAP))")/s, ${DUR}s): completions $done_rate/s = $(python3 -c "print(round($done_rate / $CAP, 2))") of capacity (target >= 0.9)"
  echo "  $res (ms, accepted creations)"
done
