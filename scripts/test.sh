#!/usr/bin/env bash
# The test command: installs what the tests need (PostgreSQL, swtpm, tpm2-tools), starts a
# throwaway PostgreSQL cluster on a free 127.0.0.1 port, runs every test of Keylime.sln, stops
# PostgreSQL by PID (even on failure) and exits with the tests' status.
#
# Usage: scripts/test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Tpm]
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'test.sh: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else
    log "need root to run: $*"; return 1; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

install_missing() {
  local pkgs=()
  command -v swtpm >/dev/null || pkgs+=(swtpm)
  command -v swtpm_setup >/dev/null || pkgs+=(swtpm-tools)
  command -v tpm2_createek >/dev/null || pkgs+=(tpm2-tools)
  [ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || pkgs+=(postgresql)
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "installing ${pkgs[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  log "no free port found"; return 1
}

PG_DIR=""
PG_PID=""
cleanup() {
  local pid="$PG_PID"
  # The postmaster's own PID (PG_PID may be runuser's): fast shutdown, then make sure.
  [ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && pid=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [ -n "$PG_PID" ] && wait "$PG_PID" 2>/dev/null || true
  [ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
}
trap cleanup EXIT

start_postgres() {
  local bin port runas=()
  bin=$(pg_bin)
  PG_DIR=$(mktemp -d -t keylime-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root.
    chown postgres: "$PG_DIR"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U keylime >/dev/null
  port=$(free_port)
  "${runas[@]}" "$bin/postgres" -D "$PG_DIR/data" -h 127.0.0.1 -p "$port" -k "$PG_DIR" \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
    >"$PG_DIR/postgres.log" 2>&1 &
  PG_PID=$!
  for _ in $(seq 1 100); do
    "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    kill -0 "$PG_PID" 2>/dev/null || { cat "$PG_DIR/postgres.log" >&2; log "PostgreSQL did not start"; return 1; }
    sleep 0.2
  done
  export KEYLIME_TEST_POSTGRES="postgresql://keylime:keylime@127.0.0.1:$port/postgres"
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (pid $PG_PID)"
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
