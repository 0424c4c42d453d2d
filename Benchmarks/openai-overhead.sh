#!/usr/bin/env bash
# The OpenAI-compatible endpoint's overhead over POST /api/debates for the same debate (release build, loopback,
# demo agents with no latency so the service's own work is what differs). Prints medians and ratios.
# Usage: Benchmarks/openai-overhead.sh [debates] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product aragora >/dev/null
BIN="$(swift build -c release --show-bin-path)/aragora"
DATA=$(mktemp -d); PORT=${BENCH_PORT:-18086}
echo '{"bench": {"agents": ["demo:skeptic", "demo:pragmatist", "demo:visionary"], "rounds": '"${2:-2}"', "consensus": "majority"}}' > "$DATA/panels.json"
export ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$PORT ARAGORA_DISABLE_ALL_RATE_LIMITS=1 ARAGORA_LOG_LEVEL=warning ARAGORA_PANELS_FILE="$DATA/panels.json"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" serve & PID=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.02; done
python3 Benchmarks/openai-overhead.py "$PORT" "${1:-100}" "${2:-2}"
