#!/usr/bin/env bash
# The runbook's deploy: pull, release build, install (keeping the previous binary), migrate, restart, and wait
# until /api/health says "healthy"; if an instance does not get there, put the previous binary back, restart it,
# and fail loudly.
#   deploy/deploy.sh [--rolling] [--no-pull] [--no-build]
#   --rolling: one instance at a time, each healthy before the next (never all down). Without it all restart at once.
# Where and what (defaults for one systemd instance per host):
#   ARAGORA_DEPLOY_BIN        the binary the service runs            (/usr/local/bin/aragora)
#   ARAGORA_DEPLOY_INSTANCES  "NAME=HEALTH_URL ..." in restart order  ("local=http://localhost:8080/api/health")
#   ARAGORA_DEPLOY_RESTART    restart command, {name} replaced        ("sudo systemctl restart aragora")
#   ARAGORA_DEPLOY_ENV        a file of the service's environment for `aragora db migrate`: a systemd drop-in
#                             (Environment= lines) or a shell file   (/etc/systemd/system/aragora.service.d/env.conf)
#   ARAGORA_DEPLOY_TIMEOUT    seconds to wait for healthy            (90)
#   ARAGORA_DEPLOY_NEW        the binary to deploy                   (this checkout's release build)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN_TARGET=${ARAGORA_DEPLOY_BIN:-/usr/local/bin/aragora}
INSTANCES=${ARAGORA_DEPLOY_INSTANCES:-"local=http://localhost:8080/api/health"}
RESTART=${ARAGORA_DEPLOY_RESTART:-"sudo systemctl restart aragora"}
ENV_FILE=${ARAGORA_DEPLOY_ENV:-/etc/systemd/system/aragora.service.d/env.conf}
TIMEOUT=${ARAGORA_DEPLOY_TIMEOUT:-90}
rolling=0; pull=1; build=1
for arg in "$@"; do
  case "$arg" in
    --rolling) rolling=1 ;; --no-pull) pull=0 ;; --no-build) build=0 ;;
    *) echo "usage: $0 [--rolling] [--no-pull] [--no-build]" >&2; exit 64 ;;
  esac
done
say() { echo "deploy: $*" >&2; }

if [ $pull = 1 ]; then say "git pull"; git pull --ff-only >&2; fi
if [ $build = 1 ]; then say "release build"; swift build -c release --product aragora >&2; fi
NEW=${ARAGORA_DEPLOY_NEW:-"$(swift build -c release --show-bin-path)/aragora"}
[ -x "$NEW" ] || { say "no release build at $NEW"; exit 1; }
say "new build: $("$NEW" --version)"

# Install: the previous binary kept beside it for the rollback; the new one moved into place in one rename.
if [ -x "$BIN_TARGET" ]; then cp -p "$BIN_TARGET" "$BIN_TARGET.prev"; say "previous: $("$BIN_TARGET.prev" --version)"; fi
cp "$NEW" "$BIN_TARGET.new" && chmod 0755 "$BIN_TARGET.new" && mv -f "$BIN_TARGET.new" "$BIN_TARGET"

# Migrate once, with the service's own environment (migrations are additive: the old binary keeps working).
if [ -f "$ENV_FILE" ]; then
  if grep -q '^Environment=' "$ENV_FILE"; then
    while IFS= read -r line; do
      line=${line#Environment=}; line=${line#\"}; line=${line%\"}
      export "${line?}"
    done < <(grep '^Environment=' "$ENV_FILE")
  else
    # shellcheck disable=SC1090
    source "$ENV_FILE"
  fi
fi
say "aragora db migrate"
"$BIN_TARGET" db migrate >&2

healthy() {  # URL: waits until its status is "healthy"
  local deadline=$((SECONDS + TIMEOUT)) body
  while [ $SECONDS -lt $deadline ]; do
    body=$(curl -s --max-time 3 "$1" || true)
    case "$body" in *'"status":"healthy"'*) return 0 ;; esac
    sleep 1
  done
  say "not healthy after ${TIMEOUT}s: $1 answered: ${body:-nothing}"
  return 1
}

rollback() {  # NAMES...: previous binary back, restart them, wait
  say "ROLLING BACK to the previous binary"
  [ -f "$BIN_TARGET.prev" ] || { say "no previous binary to roll back to"; exit 1; }
  cp -p "$BIN_TARGET.prev" "$BIN_TARGET.new" && mv -f "$BIN_TARGET.new" "$BIN_TARGET"
  for pair in $INSTANCES; do
    local name=${pair%%=*} url=${pair#*=}
    for failed in "$@"; do
      [ "$failed" = "$name" ] || continue
      eval "${RESTART//\{name\}/$name}" >&2 || true
      healthy "$url" || say "$name is still unhealthy after the rollback: look at its logs now"
    done
  done
  say "DEPLOY FAILED: rolled back $* to $("$BIN_TARGET" --version)"
  exit 1
}

if [ $rolling = 1 ]; then
  for pair in $INSTANCES; do
    name=${pair%%=*}; url=${pair#*=}
    say "restarting $name"
    eval "${RESTART//\{name\}/$name}" >&2 || rollback "$name"
    healthy "$url" || rollback "$name"
    say "$name healthy"
  done
else
  names=()
  for pair in $INSTANCES; do names+=("${pair%%=*}"); say "restarting ${pair%%=*}"; eval "${RESTART//\{name\}/${pair%%=*}}" >&2 || rollback "${names[@]}"; done
  for pair in $INSTANCES; do healthy "${pair#*=}" || rollback "${names[@]}"; say "${pair%%=*} healthy"; done
fi
say "done: $("$BIN_TARGET" --version) on $(echo "$INSTANCES" | wc -w) instance(s)"
