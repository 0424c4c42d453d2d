#!/usr/bin/env bash
# Checks the OpenAPI document against the running API with schemathesis (pinned, in .build/st-venv): every check,
# positive and negative examples, stateful sequences, against `aragora serve` on loopback with auth on.
# Any finding fails. Usage: scripts/schemathesis.sh [max-examples] [seed]   (CI uses the defaults)
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-25}; SEED=${2:-20261129}
VERSION=4.32.5
if ! .build/st-venv/bin/st --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv .build/st-venv
  .build/st-venv/bin/python -m pip install -q "schemathesis==$VERSION"
fi
swift build --product aragora >/dev/null
BIN="$(swift build --show-bin-path)/aragora"
DATA=$(mktemp -d); PORT=${ST_PORT:-18095}
export ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$PORT ARAGORA_API_TOKEN=schemathesis-secret ARAGORA_DISABLE_ALL_RATE_LIMITS=1 \
  ARAGORA_LOG_LEVEL=error
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" serve & PID=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.05; done
TOKEN=$("$BIN" token --loop-id admin)
# The WebSocket route cannot be exercised by an HTTP fuzzer: its handshake is tested in LiveStreams' tests.
timeout 600 .build/st-venv/bin/st run "http://127.0.0.1:$PORT/api/openapi.json" --url "http://127.0.0.1:$PORT" \
  --checks all --max-examples "$EXAMPLES" --seed "$SEED" --exclude-path /ws \
  -H "Authorization: Bearer $TOKEN" --no-color
