#!/usr/bin/env bash
# One instance on SQLite against instances on PostgreSQL (through PgBouncer) + Redis (TLS), release builds, loopback.
# Needs the local production copy's services (deploy/local-production.sh start). Rate limits off, auth off.
# Prints requests/s for health and stored-debate reads, debates completed per second (queue bounded at 1,000, so a
# run measures the drain of at most that many), and the ratios (postgres+redis / sqlite).
# Usage: Benchmarks/topology-bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-8}
source .build/local-production/env
unset ARAGORA_API_TOKEN ARAGORA_ENV ARAGORA_PUBLIC_URL
BIN="$(swift build -c release --show-bin-path)/aragora"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
start() { # port database-url redis-url
  mkdir -p "/tmp/topo-$1"; rm -f "/tmp/topo-$1"/aragora.sqlite*
  DATABASE_URL="$2" REDIS_URL="$3" ARAGORA_INSTANCE_ID="bench-$1" ARAGORA_PORT=$1 ARAGORA_DATA_DIR="/tmp/topo-$1" \
    ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_MAX_QUEUED_DEBATES=1000 ARAGORA_LOG_LEVEL=error "$BIN" serve & PIDS+=($!)
  until curl -sf "http://127.0.0.1:$1/readyz" >/dev/null; do sleep 0.05; done
}
PG_URL="$DATABASE_URL"
start 8095 "" ""
start 8096 "$PG_URL" "$REDIS_URL"
start 8097 "$PG_URL" "$REDIS_URL"
rps() { wrk -t2 -c64 -d${DUR}s "$1" | awk '/Requests\/sec/ {print $2}'; }
ratio() { python3 -c "print(f'{$2 / $1:.2f}')"; }
create() { curl -s -X POST "http://127.0.0.1:$1/api/debates" -H 'Content-Type: application/json' -d '{"question":"Bench?","rounds":2}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["debate_id"])'; }
S_ID=$(create 8095); P_ID=$(create 8096); sleep 1
s_h=$(rps http://127.0.0.1:8095/api/health); p_h=$(rps http://127.0.0.1:8096/api/health)
echo "GET /api/health: sqlite ${s_h}/s, postgres+redis ${p_h}/s, ratio $(ratio "$s_h" "$p_h")"
s_r=$(rps "http://127.0.0.1:8095/api/debates/$S_ID"); p_r=$(rps "http://127.0.0.1:8096/api/debates/$P_ID")
echo "GET /api/debates/{id}: sqlite ${s_r}/s, postgres+redis ${p_r}/s, ratio $(ratio "$s_r" "$p_r")"
# Reads spread over both PostgreSQL instances at once (each gets half the connections).
wrk -t1 -c32 -d${DUR}s "http://127.0.0.1:8096/api/debates/$P_ID" > /tmp/topo-a.txt & WRK=$!
wrk -t1 -c32 -d${DUR}s "http://127.0.0.1:8097/api/debates/$P_ID" > /tmp/topo-b.txt; wait "$WRK"  # not the servers
both=$(cat /tmp/topo-a.txt /tmp/topo-b.txt | awk '/Requests\/sec/ {s += $2} END {print s}')
echo "GET /api/debates/{id} on two postgres+redis instances together: ${both}/s, ratio to one sqlite $(ratio "$s_r" "$both")"
cat > /tmp/topo-post.lua <<'LUA'
wrk.method = "POST"
wrk.body = '{"question":"Throughput?","rounds":2}'
wrk.headers["Content-Type"] = "application/json"
LUA
completed() { curl -s "http://127.0.0.1:$1/api/debates?status=completed&limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
throughput() { # port -> debates completed per second over the run and its drain
  local before t0 t1 after
  before=$(completed "$1"); t0=$(date +%s.%N)
  wrk -t2 -c16 -d${DUR}s -s /tmp/topo-post.lua "http://127.0.0.1:$1/api/debates" >/dev/null
  until [ "$(curl -s "http://127.0.0.1:$1/api/debates/active" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')" = 0 ]; do sleep 0.2; done
  t1=$(date +%s.%N); after=$(completed "$1")
  python3 -c "print(round(($after - $before) / ($t1 - $t0), 1))"
}
s_c=$(throughput 8095); p_c=$(throughput 8096)
echo "POST /api/debates then completion (2 rounds, demo agents, 16 connections): sqlite ${s_c}/s, postgres+redis ${p_c}/s, ratio $(ratio "$s_c" "$p_c")"
