#!/usr/bin/env bash
# Compares two verifier builds side by side: each round runs bench/run-loadgen.sh once per build at the
# same time (each with its own verifier, throwaway PostgreSQL and load generator), the build that starts
# first alternating. Each side gets about half the machine, so the absolute figures are about half a single
# run's; but both sides see the same host speed, which drifts by ±10-20 % here from one minute to the next
# and hides changes of a few per cent between runs made one after the other.
#
# Usage: bench/run-loadgen-pair.sh DIR_A DIR_B [ROUNDS] [run-loadgen options...]
#   DIR_A, DIR_B: folders holding a Release build of Keylime.Verifier.dll (copy bin/Release/net10.0 aside)
#   e.g. bench/run-loadgen-pair.sh /tmp/before /tmp/after 3 --postgres --agents 40 --duration 30 --warmup 25 --ak ecc
# Prints one line per round: cycles/s and verifier, database and client CPU per cycle of each side.
set -euo pipefail
cd "$(dirname "$0")/.."

A=$1
B=$2
ROUNDS=${3:-3}
shift $(($# < 3 ? $# : 3))
[ -f "$A/Keylime.Verifier.dll" ] && [ -f "$B/Keylime.Verifier.dll" ] || { echo "usage: $0 DIR_A DIR_B [ROUNDS] [options]" >&2; exit 2; }

dotnet build -c Release bench/LoadGenerator -v q -nologo >/dev/null
OUT=$(mktemp -d -t keylime-pair.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

# run LABEL DIR [options]
run() { bench/run-loadgen.sh --no-build --verifier-dll "$2/Keylime.Verifier.dll" "${@:3}" >"$OUT/$1.$round" 2>&1; }
figure() { awk -v k="$2" 'index($0, k) == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) { print $i; exit } }' "$1"; }
# line LABEL DIR
line() {
  local f="$OUT/$1.$round"
  printf '%s: %s cycles/s, verifier %s ms, database %s ms, client %s ms, failures %s' "$2" \
    "$(figure "$f" 'cycles/s:')" "$(figure "$f" 'verifier CPU/cycle')" "$(figure "$f" 'database CPU/cycle')" \
    "$(figure "$f" 'client CPU/cycle')" "$(figure "$f" 'failures')"
}

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then first=(a "$A"); second=(b "$B"); else first=(b "$B"); second=(a "$A"); fi
  run "${first[@]}" "$@" & p1=$!
  sleep 0.5
  run "${second[@]}" "$@" & p2=$!
  wait "$p1" "$p2" || true
  echo "round $round | $(line a "$A") | $(line b "$B")"
done
