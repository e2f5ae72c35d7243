#!/usr/bin/env bash
# Starts a throwaway registrar (Release build, temporary KEYLIME_DIR with generated TLS, SQLite or a
# throwaway database on a PostgreSQL server) on free 127.0.0.1 ports, drives it with
# keylime-registrar-load (register + activate over plain HTTP, software EK/AK) and prints the figures,
# then stops what it started, by PID, and drops the database it created.
#
# Usage: bench/run-registrar-load.sh [--postgres SERVER_URL] [--gc server|workstation]
#                                    [--registrar-env NAME=VALUE]... [--registrar-dll PATH]
#                                    [--registrar-log FILE] [load options...]
#   e.g. bench/run-registrar-load.sh --ek ecc --concurrency 32 --duration 20
#        bench/run-registrar-load.sh --postgres postgresql://keylime:keylime@127.0.0.1:5432/postgres --ek rsa
# --postgres names a server the user may CREATE DATABASE on; a database keylime_regload_<pid> is
# created for the run and dropped afterwards. Load options (--concurrency, --identities, --duration,
# --warmup, --ek, --ak) go to the load tool; --registrar and --registrar-pid are filled in here.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'run-registrar-load: %s\n' "$*" >&2; }

POSTGRES_URL=""
GC=""
REGISTRAR_DLL=""
REGISTRAR_LOG=""
REGISTRAR_ENV=()
LOAD_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) POSTGRES_URL="$2"; shift ;;
    --gc) GC="$2"; shift ;;
    --registrar-env) REGISTRAR_ENV+=("$2"); shift ;;
    --registrar-dll) REGISTRAR_DLL="$2"; shift ;;
    --registrar-log) REGISTRAR_LOG="$2"; shift ;;
    *) LOAD_ARGS+=("$1") ;;
  esac
  shift
done

# free_port (the one the other scripts use).
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh

WORK=$(mktemp -d -t keylime-regload.XXXXXX)
[ -n "$REGISTRAR_LOG" ] || REGISTRAR_LOG="$WORK/registrar.log"
REGISTRAR_PID=""
PG_DATABASE=""
cleanup() {
  if [ -n "$REGISTRAR_PID" ] && kill -0 "$REGISTRAR_PID" 2>/dev/null; then
    kill -TERM "$REGISTRAR_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$REGISTRAR_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$REGISTRAR_PID" 2>/dev/null || true
  fi
  if [ -n "$PG_DATABASE" ]; then
    psql "$POSTGRES_URL" -q -c "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1 || log "could not drop $PG_DATABASE"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

log "building the registrar and the load tool (Release)"
if [ -z "$REGISTRAR_DLL" ]; then
  dotnet build -c Release src/Registrar -v q -nologo >/dev/null
  REGISTRAR_DLL=src/Registrar/bin/Release/net10.0/Keylime.Registrar.dll
fi
dotnet build -c Release bench/RegistrarLoad -v q -nologo >/dev/null

DATABASE_URL=sqlite
if [ -n "$POSTGRES_URL" ]; then
  PG_DATABASE="keylime_regload_$$"
  psql "$POSTGRES_URL" -q -c "CREATE DATABASE $PG_DATABASE" >/dev/null
  # Same server and credentials, the new database.
  DATABASE_URL="${POSTGRES_URL%/*}/$PG_DATABASE"
fi

PORT=$(free_port)
TLS_PORT=$(free_port)
mkdir -p "$WORK/keylime"
cat >"$WORK/registrar.conf" <<CONF
[registrar]
ip = 127.0.0.1
port = $PORT
tls_port = $TLS_PORT
tls_dir = generate
# No tenant here: the HTTPS port is not exercised, so there is no cv_ca to trust.
trusted_client_ca = all
database_url = $DATABASE_URL
CONF

GC_ENV=()
case "$GC" in
  "") ;;
  server) GC_ENV=(DOTNET_gcServer=1) ;;
  workstation) GC_ENV=(DOTNET_gcServer=0) ;;
  *) log "--gc must be server or workstation"; exit 2 ;;
esac

# No tpm_cert_store: the load tool sends no EK certificate (a software EK has none).
env "${GC_ENV[@]}" "${REGISTRAR_ENV[@]}" KEYLIME_DIR="$WORK/keylime" KEYLIME_REGISTRAR_CONFIG="$WORK/registrar.conf" \
  KEYLIME_TENANT_TPM_CERT_STORE="$WORK/no-cert-store" \
  dotnet "$REGISTRAR_DLL" >"$REGISTRAR_LOG" 2>&1 &
REGISTRAR_PID=$!
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$PORT/version" >/dev/null 2>&1 && break
  kill -0 "$REGISTRAR_PID" 2>/dev/null || { tail -n 30 "$REGISTRAR_LOG" >&2; log "the registrar did not start"; exit 1; }
  sleep 0.2
done
log "registrar on http://127.0.0.1:$PORT (pid $REGISTRAR_PID, database ${DATABASE_URL%%://*}${GC:+, $GC GC})"

status=0
dotnet bench/RegistrarLoad/bin/Release/net10.0/keylime-registrar-load.dll \
  --registrar "http://127.0.0.1:$PORT" --registrar-pid "$REGISTRAR_PID" "${LOAD_ARGS[@]}" || status=$?
if [ "$status" != 0 ]; then
  log "load tool exited with $status; last registrar log lines:"
  tail -n 20 "$REGISTRAR_LOG" >&2
fi
exit "$status"
