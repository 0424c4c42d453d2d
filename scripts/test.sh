#!/usr/bin/env bash
# The test command: starts the services the tests use (scripts/test-services.sh: PostgreSQL and PgBouncer on
# loopback, installed from Debian's packages if missing) and runs `swift test` with their addresses.
# Arguments go to `swift test` (e.g. scripts/test.sh --filter DebateStoreConformance).
set -euo pipefail
cd "$(dirname "$0")/.."
# Assigned first: a failure to start a service stops here instead of running the tests without it.
services=$(scripts/test-services.sh)
eval "$services"
swift test "$@"
