#!/usr/bin/env bash
# Starts a throwaway verifier (push mode, generated TLS in a temporary KEYLIME_DIR, SQLite or a
# throwaway PostgreSQL cluster) on a free 127.0.0.1 port, runs the load generator against it and
# prints its figures, then stops everything it started, by PID.
#
# Usage: bench/run-loadgen.sh [--postgres] [--pg-params QUERY] [--pg-stats FILE] [--quote-interval S] [--verifier-dll PATH]
#                             [--verifier-log FILE] [--verifier-env NAME=VALUE]... [--no-build] [loadgen options...]
#   e.g. bench/run-loadgen.sh --postgres --agents 100 --duration 30 --ak ecc
# Load generator options (--agents, --duration, --warmup, --cycles, --ak, --ima, ...) are passed on;
# --pg-params appends libpq/Npgsql connection parameters to the database_url (e.g.
# 'Max_Auto_Prepare=0' to measure without the verifier's default statement preparation).
# --pg-stats loads pg_stat_statements and writes the run's costliest statements (calls, mean execution
# and planning time in µs) to FILE.
# --verifier-env sets an environment variable for the verifier process only (e.g. a runtime knob such
# as DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0), so the client is left as it is.
# --no-build runs the load generator (and --verifier-dll) as last built, so two runs can go side by side:
# two builds at a time would race on the same output files.
# --verifier, --ca, --client-cert, --client-key, --verifier-pid and --database-pid are filled in here.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'run-loadgen: %s\n' "$*" >&2; }

POSTGRES=0
PG_PARAMS=""
PG_STATS=""
# Low enough that back-to-back cycles are never "premature" (the verifier rounds the wait to whole
# seconds) and the silence timeout (5 × interval, at least 1 s) stays above a cycle's latency.
QUOTE_INTERVAL=0.5
VERIFIER_DLL=""
VERIFIER_LOG=""
VERIFIER_ENV=()
NO_BUILD=0
LOADGEN_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) POSTGRES=1 ;;
    --pg-params) PG_PARAMS="$2"; shift ;;
    --pg-stats) PG_STATS="$2"; shift ;;
    --quote-interval) QUOTE_INTERVAL="$2"; shift ;;
    --verifier-dll) VERIFIER_DLL="$2"; shift ;;
    --verifier-log) VERIFIER_LOG="$2"; shift ;;
    --verifier-env) VERIFIER_ENV+=("$2"); shift ;;
    --no-build) NO_BUILD=1 ;;
    *) LOADGEN_ARGS+=("$1") ;;
  esac
  shift
done

# free_port, pg_start, pg_stop: the throwaway PostgreSQL cluster shared with scripts/test.sh.
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh

WORK=$(mktemp -d -t keylime-loadgen.XXXXXX)
[ -n "$VERIFIER_LOG" ] || VERIFIER_LOG="$WORK/verifier.log"
VERIFIER_PID=""
cleanup() {
  if [ -n "$VERIFIER_PID" ] && kill -0 "$VERIFIER_PID" 2>/dev/null; then
    kill -TERM "$VERIFIER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$VERIFIER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$VERIFIER_PID" 2>/dev/null || true
  fi
  pg_stop "$WORK/pg"
  rm -rf "$WORK"
}
trap cleanup EXIT

start_postgres() {
  [ -n "$PG_STATS" ] && PG_EXTRA_OPTS=(-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on)
  chmod 755 "$WORK"   # the postgres user (when run as root) must reach $WORK/pg
  pg_start "$WORK/pg"
  DATABASE_URL="$PG_URL${PG_PARAMS:+?$PG_PARAMS}"
}

if [ -z "$VERIFIER_DLL" ]; then
  VERIFIER_DLL=src/Verifier/bin/Release/net10.0/Keylime.Verifier.dll
  [ "$NO_BUILD" = 1 ] || { log "building the verifier (Release)"; dotnet build -c Release src/Verifier -v q -nologo >/dev/null; }
fi
[ "$NO_BUILD" = 1 ] || { log "building the load generator (Release)"; dotnet build -c Release bench/LoadGenerator -v q -nologo >/dev/null; }

DATABASE_URL=sqlite
[ "$POSTGRES" = 1 ] && start_postgres

PORT=$(free_port)
mkdir -p "$WORK/keylime"
cat >"$WORK/verifier.conf" <<EOF
[verifier]
mode = push
ip = 127.0.0.1
port = $PORT
tls_dir = generate
database_url = $DATABASE_URL
quote_interval = $QUOTE_INTERVAL
# A verdict may wait in the queue under load; the automatic 3 x quote_interval is too tight here.
verification_timeout = 30
# Every simulated agent connects from 127.0.0.1: the per-IP session limit would throttle enrollment.
session_create_rate_limit_per_ip = 0
EOF

env ${VERIFIER_ENV[@]+"${VERIFIER_ENV[@]}"} KEYLIME_DIR="$WORK/keylime" KEYLIME_VERIFIER_CONFIG="$WORK/verifier.conf" \
  dotnet "$VERIFIER_DLL" >"$VERIFIER_LOG" 2>&1 &
VERIFIER_PID=$!
CV_CA="$WORK/keylime/cv_ca"
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 "$VERIFIER_PID" 2>/dev/null || { tail -n 30 "$VERIFIER_LOG" >&2; log "the verifier did not start"; exit 1; }
  sleep 0.2
done
log "verifier on https://127.0.0.1:$PORT (pid $VERIFIER_PID, database $DATABASE_URL, quote_interval $QUOTE_INTERVAL)"

DB_PID_ARGS=()
[ "$POSTGRES" = 1 ] && DB_PID_ARGS=(--database-pid "$PG_PID")
status=0
dotnet bench/LoadGenerator/bin/Release/net10.0/keylime-loadgen.dll \
  --verifier "https://127.0.0.1:$PORT" --ca "$CV_CA/cacert.crt" \
  --client-cert "$CV_CA/client-cert.crt" --client-key "$CV_CA/client-private.pem" \
  --verifier-pid "$VERIFIER_PID" "${DB_PID_ARGS[@]}" "${LOADGEN_ARGS[@]}" || status=$?
if [ -n "$PG_STATS" ] && [ "$POSTGRES" = 1 ]; then
  "$(pg_bin)/psql" "$PG_URL" -X -q -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" \
    -c "SELECT calls, round((total_exec_time / NULLIF(calls, 0) * 1000)::numeric, 1) AS exec_us,
               plans, round((total_plan_time / NULLIF(plans, 0) * 1000)::numeric, 1) AS plan_us,
               left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS statement
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 20" >"$PG_STATS"
  log "statement costs written to $PG_STATS"
fi
if [ "$status" != 0 ]; then
  log "load generator exited with $status; last verifier log lines:"
  tail -n 20 "$VERIFIER_LOG" >&2
fi
exit "$status"
