#!/usr/bin/env bash
# The test command: installs what the tests need (PostgreSQL, swtpm, tpm2-tools, clang and
# zlib1g-dev for the Native AOT agent), starts a
# throwaway PostgreSQL cluster on a free 127.0.0.1 port, runs every test of Keylime.sln, stops
# PostgreSQL by PID (even on failure) and exits with the tests' status.
#
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Tpm]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }
# shellcheck source=lib/postgres.sh
. scripts/lib/postgres.sh

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    log "need root to run: $*"; return 1; fi
}

install_missing() {
  local pkgs=()
  command -v swtpm >/dev/null || pkgs+=(swtpm)
  command -v swtpm_setup >/dev/null || pkgs+=(swtpm-tools)
  command -v tpm2_createek >/dev/null || pkgs+=(tpm2-tools)
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || pkgs+=(postgresql)
  # Native AOT publish of the agent (AotAgentTests): the linker driver and libz.
  command -v clang >/dev/null || pkgs+=(clang)
  dpkg -s zlib1g-dev >/dev/null 2>&1 || pkgs+=(zlib1g-dev)
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing ${pkgs[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

PG_DIR=""
cleanup() {
  [ -n "$PG_DIR" ] || return 0
  pg_stop "$PG_DIR"
  rm -rf "$PG_DIR"
}
trap cleanup EXIT

start_postgres() {
  PG_DIR=$(mktemp -d -t keylime-pg.XXXXXX)
  pg_start "$PG_DIR"
  export KEYLIME_TEST_POSTGRES="$PG_URL"
}

install_missing
start_postgres

status=0
out=$(mktemp)
dotnet test Keylime.sln --blame-hang-timeout 10m "$@" 2>&1 | tee "$out" || status=$?
# A plain closing line for readers of the log: totals over every test project.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "%d passed, %d failed\n", p, f }' "$out" | tr -d ','  | sed 's/ passed / passed, /'
rm -f "$out"
exit "$status"
