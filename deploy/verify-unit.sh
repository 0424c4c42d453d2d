#!/usr/bin/env bash
# Checks deploy/aragora.service with `systemd-analyze verify`, ExecStart pointed at this checkout's build (the
# unit itself names /usr/local/bin/aragora, where docs/runbook.md installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/aragora"
[ -x "$bin" ] || { echo "build first: swift build" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s#^ExecStart=/usr/local/bin/aragora#ExecStart=$bin#" deploy/aragora.service > "$dir/aragora.service"
# verify exits 0 on unknown keys and bad values (it only warns): any word from it is a failure here.
out=$(systemd-analyze verify "$dir/aragora.service" 2>&1) || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "$out" >&2; exit 1; }
echo "deploy/aragora.service: systemd-analyze verify passed, no warnings"
