#!/usr/bin/env bash
# The connection-flood load test of the hardening issue, on loopback: 20,000 idle or slow connections against a
# release server with its default ARAGORA_MAX_CONNECTIONS, while /healthz is probed every 50 ms.
# Usage: Benchmarks/connection-flood.sh [connections] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}; SECONDS_=${2:-20}
swift build -c release --product aragora >/dev/null
BIN="$(swift build -c release --show-bin-path)/aragora"
DATA=$(mktemp -d); PORT=${BENCH_PORT:-18090}
export ARAGORA_DATA_DIR="$DATA" ARAGORA_PORT=$PORT ARAGORA_LOG_LEVEL=warning
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT
"$BIN" serve & PID=$!
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do sleep 0.01; done
python3 Benchmarks/connection-flood.py --port "$PORT" --connections "$N" --seconds "$SECONDS_"
echo "server RSS after the flood: $(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$PID/status) MB, open descriptors: $(ls /proc/$PID/fd | wc -l)"
