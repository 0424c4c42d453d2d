#!/usr/bin/env bash
# Failover time on the local production copy (deploy/local-production.sh start first): a third instance with a
# 5 s lease runs a debate, a client follows it over SSE on api-1, the third instance is killed with SIGKILL;
# failover = kill -> the first event emitted after the kill reaching the client (published by whichever instance
# resumed the debate). Target: at most the lease time plus 1 s. Prints each run and the median. Usage: Benchmarks/failover.sh [runs]
set -eo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}; TTL=5
source .build/local-production/env
BIN="$(swift build -c release --show-bin-path)/aragora"
TOKEN=$("$BIN" token --loop-id admin)
results=()
for run in $(seq "$RUNS"); do
  mkdir -p .build/local-production/failover
  ARAGORA_INSTANCE_ID="failover-$run" ARAGORA_PORT=8083 ARAGORA_DATA_DIR=.build/local-production/failover \
    ARAGORA_LEASE_TTL=$TTL ARAGORA_DEMO_LATENCY_MS=500 ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=warning "$BIN" serve &
  PID=$!
  until curl -sf http://127.0.0.1:8083/readyz >/dev/null; do sleep 0.05; done
  ID=$(curl -s -X POST http://127.0.0.1:8083/api/debates -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d '{"question":"Failover?","rounds":5}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["debate_id"])')
  seconds=$(python3 - "$ID" "$TOKEN" "$PID" <<'PY'
import os, signal, socket, sys, time
debate, token, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", 8081))
s.sendall(f"GET /api/debates/{debate}/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n".encode())
s.settimeout(30)
start = time.time(); killed = None
while True:
    if killed is None and time.time() - start > 1:
        os.kill(pid, signal.SIGKILL); killed = time.time()
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    # The first event emitted after the kill: events emitted before it may still be on their way.
    import json, re
    stamps = [json.loads(m)["timestamp"] for m in re.findall(rb"data: (\{.*\})\n", chunk)]
    if killed is not None and any(t > killed for t in stamps):
        print(f"{time.time() - killed:.2f}"); break
PY
)
  kill -9 "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true
  echo "run $run: resumed elsewhere ${seconds} s after kill -9 (lease ${TTL} s)"
  results+=("$seconds")
done
printf '%s\n' "${results[@]}" | sort -n | awk -v ttl=$TTL '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "median %.2f s, worst %.2f s; lease + %.2f s (target <= lease + 1 s)\n", m, a[NR], a[NR]-ttl}'
