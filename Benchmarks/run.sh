#!/usr/bin/env bash
# Builds release binaries and runs the committed benchmarks. Prints medians and ratios; targets are in
# docs/benchmarks.md. Pass --quick for a shorter run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product aragora-bench
swift build -c release --product aragora
bin=$(swift build -c release --show-bin-path)
ARAGORA_BIN="$bin/aragora" "$bin/aragora-bench" all "$@"
