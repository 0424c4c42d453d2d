#!/usr/bin/env bash
# A rolling deploy of both instances of the local production copy (deploy/local-production.sh) under a steady load
# through haproxy on :8080: every request must succeed, and every debate created during it must complete.
# Usage: Benchmarks/rolling-deploy.sh      (starts the local production copy if it is not running)
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.build/local-production
curl -sf http://localhost:8080/readyz >/dev/null 2>&1 || deploy/local-production.sh start > /dev/null
# shellcheck disable=SC1091
source "$DIR/env"
TOKEN=$("$DIR/bin/aragora" token --ttl 3600)
work=$(mktemp -d)
trap 'touch "$work/stop"; rm -rf "$work"' EXIT
python3 Benchmarks/steady-load.py http://localhost:8080 "$TOKEN" "$work/stop" "$work/ids" 6 > "$work/load.json" &
load=$!
sleep 3
start=$SECONDS
ARAGORA_DEPLOY_BIN="$PWD/$DIR/bin/aragora" ARAGORA_DEPLOY_ENV="$DIR/env" \
  ARAGORA_DEPLOY_INSTANCES="api-1=http://127.0.0.1:8081/api/health api-2=http://127.0.0.1:8082/api/health" \
  ARAGORA_DEPLOY_RESTART="deploy/local-production.sh restart {name}" \
  deploy/deploy.sh --rolling --no-pull --no-build
deploy_seconds=$((SECONDS - start))
sleep 3
touch "$work/stop"
wait $load
echo "load during the rolling deploy ($deploy_seconds s):"
python3 - "$work/load.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"  {s['requests']} requests in {s['seconds']} s, statuses {s['by_status']}, failed {len(s['failures'])}, debates created {s['created']}")
for f in s["failures"][:10]:
    print("  failure:", f)
PY
unfinished=$(python3 - "$work/ids" "$TOKEN" <<'PY'
import http.client, json, sys, time
ids = [l for l in open(sys.argv[1]).read().split() if l]
conn = http.client.HTTPConnection("localhost", 8080, timeout=30)
left = 0
for i in ids:
    for _ in range(100):
        conn.request("GET", f"/api/debates/{i}", headers={"Authorization": f"Bearer {sys.argv[2]}"})
        status = json.loads(conn.getresponse().read()).get("status")
        if status == "completed":
            break
        time.sleep(0.2)
    else:
        left += 1
        print(f"  {i}: {status}", file=sys.stderr)
print(left)
PY
)
echo "  debates created during the deploy not completed: $unfinished"
failed=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["failures"]))' "$work/load.json")
[ "$failed" = 0 ] && [ "$unfinished" = 0 ]
