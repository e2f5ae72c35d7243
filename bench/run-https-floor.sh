#!/usr/bin/env bash
# The HTTPS floor of a push cycle on this machine: a Kestrel server that answers the cycle's three
# routes with fixed bodies (no database, no verification) and AGENTS client loops of POST + PATCH + GET,
# both on 127.0.0.1; prints cycles/s and each side's CPU per cycle. Compare with bench/run-loadgen.sh.
#
# Usage: bench/run-https-floor.sh [AGENTS (40)] [SECONDS (20)]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../scripts/lib/postgres.sh
. scripts/lib/postgres.sh   # free_port

AGENTS="${1:-40}"
SECONDS_MEASURED="${2:-20}"
dotnet build -c Release bench/HttpsFloor -v q -nologo >/dev/null
DLL=bench/HttpsFloor/bin/Release/net10.0/keylime-https-floor.dll
PORT=$(free_port)
dotnet "$DLL" server "$PORT" &
SERVER_PID=$!
trap 'kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "run-https-floor: the server did not start" >&2; exit 1; }
  sleep 0.1
done
dotnet "$DLL" client "https://127.0.0.1:$PORT/" "$AGENTS" "$SECONDS_MEASURED" "$SERVER_PID"
