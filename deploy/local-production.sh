#!/usr/bin/env bash
# A local copy of the runbook's production topology on one machine, so its commands can be tried verbatim against
# http://localhost:8080:
#   PostgreSQL behind PgBouncer in transaction mode (as Supabase's pooler), Redis over TLS with a password (as
#   Upstash), two `aragora serve` instances (api-1 on 8081, api-2 on 8082) and haproxy on 8080 in front of them,
#   checking /readyz, as Cloudflare's load balancer does.
# Usage: deploy/local-production.sh start | stop | status | restart api-N   (state in .build/local-production)
# The instances run .build/local-production/bin/aragora (copied from the release build at the first start);
# deploy/deploy.sh installs new builds there, as it installs /usr/local/bin/aragora on a server.
# `start` prints the environment to use with the aragora CLI (DATABASE_URL, REDIS_URL, ARAGORA_API_TOKEN, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.build/local-production"
export ARAGORA_SERVICES_DIR="$DIR/services" ARAGORA_TEST_PORT_OFFSET=2000   # PG 57432, PgBouncer 58432, Redis TLS 58380

stop() {
  for pidfile in "$DIR"/api-*.pid "$DIR"/haproxy.pid; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  scripts/test-services.sh stop || true
}

status() {
  for i in 1 2; do
    if [ -f "$DIR/api-$i.pid" ] && kill -0 "$(cat "$DIR/api-$i.pid")" 2>/dev/null; then echo "api-$i: running (pid $(cat "$DIR/api-$i.pid"))"; else echo "api-$i: stopped"; fi
  done
  curl -s http://localhost:8080/api/health || echo "load balancer: not answering"
}

# Starts instance N (api-N on port 8080+N) from $DIR/bin/aragora with the shared environment.
start_instance() {
  local i=$1
  mkdir -p "$DIR/api-$i"
  # shellcheck disable=SC1091
  (source "$DIR/env"; ARAGORA_INSTANCE_ID="api-$i" ARAGORA_PORT=$((8080 + i)) ARAGORA_DATA_DIR="$DIR/api-$i" \
    nohup "$DIR/bin/aragora" serve >> "$DIR/api-$i.log" 2>&1 & echo $! > "$DIR/api-$i.pid")
  for _ in $(seq 200); do curl -sf "http://127.0.0.1:$((8080 + i))/readyz" >/dev/null && return 0; sleep 0.1; done
  echo "api-$i did not become ready: $(tail -3 "$DIR/api-$i.log")" >&2
  return 1
}

# SIGTERM (the instance drains, then checkpoints and exits), then start it again: what systemctl restart does.
restart_instance() {
  local i=${1#api-}
  local pid
  pid=$(cat "$DIR/api-$i.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  start_instance "$i"
}

case "${1:-}" in
  stop) stop; exit 0 ;;
  status) status; exit 0 ;;
  restart) restart_instance "${2:?usage: $0 restart api-N}"; exit $? ;;
  start) ;;
  *) echo "usage: $0 start|stop|status|restart api-N" >&2; exit 64 ;;
esac

mkdir -p "$DIR/services"
command -v haproxy >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy) >&2
eval "$(scripts/test-services.sh)"
echo "building the release binary (the first time takes about 10 minutes)" >&2
swift build -c release --product aragora >&2
BIN="$(swift build -c release --show-bin-path)/aragora"

# The production database behind the pooler, and the instances' shared secrets.
psql "${ARAGORA_TEST_POSTGRES_URL%%\?*}" -qtc "SELECT 1 FROM pg_database WHERE datname = 'aragora'" | grep -q 1 \
  || psql "${ARAGORA_TEST_POSTGRES_URL%%\?*}" -qc "CREATE DATABASE aragora"
[ -f "$DIR/api-token" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/api-token"
# One receipt signing key for both instances (64 hex characters: an Ed25519 seed).
[ -f "$DIR/receipt-key" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DIR/receipt-key"
mkdir -p "$DIR/aragora.service.d"
cat > "$DIR/env" <<ENV
export DATABASE_URL='${ARAGORA_TEST_PGBOUNCER_URL%%/postgres*}/aragora?sslmode=disable'
export REDIS_URL='$ARAGORA_TEST_REDIS_TLS_URL'
export ARAGORA_REDIS_CA_FILE='$ARAGORA_TEST_REDIS_CA_FILE'
export ARAGORA_API_TOKEN='$(cat "$DIR/api-token")'
export ARAGORA_RECEIPT_KEY='$(cat "$DIR/receipt-key")'
export ARAGORA_ENV=production
export ARAGORA_TRUSTED_PROXIES=127.0.0.1
export ARAGORA_PUBLIC_URL=http://localhost:8080
# haproxy marks an instance down after two failed checks a second apart: drain a little longer than that.
export ARAGORA_DRAIN_SECONDS=3
# Per-token limits raised so the load tests (Benchmarks/rolling-deploy.sh) measure the deploy, not the limits.
export ARAGORA_RATE_LIMIT=60000 ARAGORA_CREATE_RATE_LIMIT=6000
ENV
# The runbook reads the token from a systemd drop-in; this one has the same shape.
echo "[Service]
Environment=\"ARAGORA_API_TOKEN=$(cat "$DIR/api-token")\"" > "$DIR/aragora.service.d/env.conf"
# shellcheck disable=SC1091
source "$DIR/env"
"$BIN" db migrate >&2

mkdir -p "$DIR/bin"
[ -x "$DIR/bin/aragora" ] || install -m 0755 "$BIN" "$DIR/bin/aragora"
for i in 1 2; do
  if ! { [ -f "$DIR/api-$i.pid" ] && kill -0 "$(cat "$DIR/api-$i.pid")" 2>/dev/null; }; then
    start_instance "$i"
  fi
done

cat > "$DIR/haproxy.cfg" <<CFG
global
    maxconn 8000
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
    timeout tunnel 1h
    option forwardfor
frontend api
    bind 127.0.0.1:8080
    default_backend aragora
backend aragora
    balance roundrobin
    # A request that cannot reach a dead instance goes to the other at once (it never reached the first, so this
    # is safe for POSTs too), instead of failing until the health check marks the instance down.
    retries 3
    option redispatch 1
    retry-on conn-failure
    option httpchk GET /readyz
    http-check expect status 200
    server api-1 127.0.0.1:8081 check inter 1s fall 2 rise 1
    server api-2 127.0.0.1:8082 check inter 1s fall 2 rise 1
CFG
[ -f "$DIR/haproxy.pid" ] && kill "$(cat "$DIR/haproxy.pid")" 2>/dev/null || true
haproxy -D -f "$DIR/haproxy.cfg" -p "$DIR/haproxy.pid"
for _ in $(seq 50); do curl -sf http://localhost:8080/readyz >/dev/null && break; sleep 0.1; done

echo "local production copy up: http://localhost:8080 -> api-1 (8081), api-2 (8082); PgBouncer, Redis TLS" >&2
echo "logs: $DIR/api-1.log $DIR/api-2.log; stop: deploy/local-production.sh stop" >&2
cat "$DIR/env"
