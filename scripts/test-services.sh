#!/usr/bin/env bash
# Starts the services the tests use, on loopback, private to this checkout (.build/test-services), and prints the
# environment the tests read. Idempotent: services already running are left alone.
#   PostgreSQL 15 (Debian's, run as the postgres user) on 127.0.0.1:55432, user aragora, SCRAM password;
#   PgBouncer (pool_mode = transaction, as Supabase's pooler) on 127.0.0.1:56432 in front of it.
# Usage: eval "$(scripts/test-services.sh)"      stop: scripts/test-services.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD/.build/test-services"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_PORT=55432; BOUNCER_PORT=56432; PASSWORD=aragora-test-password
RUN_AS=(); [ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)

if [ "${1:-}" = stop ]; then
  [ -f "$ROOT/pgbouncer.pid" ] && kill "$(cat "$ROOT/pgbouncer.pid")" 2>/dev/null || true
  [ -d "$ROOT/pg" ] && "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$ROOT/pg" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

need=()
[ -n "$PG_BIN" ] || need+=(postgresql)
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >&2
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

mkdir -p "$ROOT"
[ "$(id -u)" = 0 ] && chown postgres "$ROOT"

# PostgreSQL: a private cluster.
if [ ! -f "$ROOT/pg/PG_VERSION" ]; then
  echo "$PASSWORD" > "$ROOT/pwfile"; [ "$(id -u)" = 0 ] && chown postgres "$ROOT/pwfile"
  "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$ROOT/pg" -U aragora --pwfile="$ROOT/pwfile" --auth=scram-sha-256 -E UTF8 >/dev/null
  cat >> "$ROOT/pg/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$ROOT'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi
if ! "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$ROOT/pg" status >/dev/null 2>&1; then
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$ROOT/pg" -l "$ROOT/pg.log" -w start >/dev/null
fi

# PgBouncer in transaction mode: every database of the cluster, SCRAM auth from its userlist.
if ! { [ -f "$ROOT/pgbouncer.pid" ] && kill -0 "$(cat "$ROOT/pgbouncer.pid")" 2>/dev/null; }; then
  cat > "$ROOT/pgbouncer.ini" <<CONF
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $ROOT/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
logfile = $ROOT/pgbouncer.log
pidfile = $ROOT/pgbouncer.pid
CONF
  echo "\"aragora\" \"$PASSWORD\"" > "$ROOT/userlist.txt"
  [ "$(id -u)" = 0 ] && chown postgres "$ROOT/pgbouncer.ini" "$ROOT/userlist.txt"
  "${RUN_AS[@]}" "$PGBOUNCER" -d "$ROOT/pgbouncer.ini"
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$BOUNCER_PORT) 2>/dev/null && break; sleep 0.1; done
fi

echo "export ARAGORA_TEST_POSTGRES_URL=postgres://aragora:$PASSWORD@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
echo "export ARAGORA_TEST_PGBOUNCER_URL=postgres://aragora:$PASSWORD@127.0.0.1:$BOUNCER_PORT/postgres?sslmode=disable"
