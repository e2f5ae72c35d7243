#!/usr/bin/env bash
# The one-command stack: builds (Release), starts a verifier (push mode) and a registrar on
# 127.0.0.1, a manufactured swtpm, the push agent against them, enrolls the agent with the tenant,
# then prints each attestation verdict as it happens until Ctrl-C. Everything it started is
# stopped by PID on exit.
#
# Usage: scripts/run-stack.sh [options]
#   --postgres            PostgreSQL instead of SQLite: $KEYLIME_STACK_DATABASE_URL, or a throwaway
#                         cluster started here (like scripts/test.sh) when that is unset
#   --avoid-tpm           the agent's software TPM instead of swtpm (testing only)
#   --cycles N            non-interactive: exit 0 after N consecutive passing attestations
#   --until-pass          non-interactive: same as --cycles 1
#   --timeout S           non-interactive: give up (exit 3) after S seconds (default 300)
#   --quote-interval S    the verifier's quote_interval (default 2)
#   --uuid UUID           agent id (default: a fresh one per run)
#   --configuration C     build configuration (default Release)
#   --no-build            use the existing build
#   --agent-binary PATH   run this agent executable (a `dotnet publish` output, e.g. the Native AOT
#                         deployment build) instead of `dotnet <build>/keylime_push_model_agent.dll`
# Environment: KEYLIME_DIR (default ./.keylime) holds cv_ca/, the databases, conf/, logs/,
# swtpm/ and agent/; KEYLIME_STACK_DATABASE_URL (postgresql://user:pass@host:port[/name]) selects
# PostgreSQL: the stack uses the databases <name>_verifier and <name>_registrar (name default keylime).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

log() { printf 'run-stack: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

POSTGRES=0; AVOID_TPM=0; CYCLES=0; TIMEOUT=300; QUOTE_INTERVAL=2; UUID=""; CONFIGURATION=Release; BUILD=1; AGENT_BIN=""
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) POSTGRES=1 ;;
    --avoid-tpm) AVOID_TPM=1 ;;
    --cycles) CYCLES="$2"; shift ;;
    --until-pass) CYCLES=1 ;;
    --timeout) TIMEOUT="$2"; shift ;;
    --quote-interval) QUOTE_INTERVAL="$2"; shift ;;
    --uuid) UUID="$2"; shift ;;
    --configuration) CONFIGURATION="$2"; shift ;;
    --no-build) BUILD=0 ;;
    --agent-binary) AGENT_BIN="$2"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[ -n "${KEYLIME_STACK_DATABASE_URL:-}" ] && POSTGRES=1

DIR="${KEYLIME_DIR:-$ROOT/.keylime}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"
[ -n "$UUID" ] || UUID="$(cat /proc/sys/kernel/random/uuid)"
mkdir -p "$DIR/conf" "$DIR/logs"
PIDS=()     # every process started here, stopped in reverse order
PG_DIR=""

# --- clean-up ---------------------------------------------------------------------------------
stop_pid() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local i pid
  trap - EXIT INT TERM
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$PG_DIR" ]; then
    [ -f "$PG_DIR/data/postmaster.pid" ] && stop_pid "$(head -n 1 "$PG_DIR/data/postmaster.pid")"
    rm -rf "$PG_DIR"
  fi
  log "stopped everything it started"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

free_port() { # preferred port if free, else a random free one
  local port="${1:-0}"
  for _ in $(seq 1 50); do
    if [ "$port" -gt 0 ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
    port=$(( 20000 + RANDOM % 30000 ))
  done
  die "no free port found"
}

wait_port() { # port pid name
  for _ in $(seq 1 600); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$DIR/logs/$3.log" >&2; die "$3 exited (log: $DIR/logs/$3.log)"; }
    sleep 0.1
  done
  die "$3 did not listen on 127.0.0.1:$1 (log: $DIR/logs/$3.log)"
}

bin() { echo "$ROOT/src/$1/bin/$CONFIGURATION/net10.0/$2"; }

# --- build ------------------------------------------------------------------------------------
if [ "$BUILD" = 1 ]; then
  log "building ($CONFIGURATION)"
  for p in Verifier Registrar PushAgent Tenant; do
    dotnet build "$ROOT/src/$p" -c "$CONFIGURATION" -nologo -v quiet >"$DIR/logs/build-$p.log" 2>&1 \
      || { tail -n 30 "$DIR/logs/build-$p.log" >&2; die "build of src/$p failed"; }
  done
fi
VERIFIER_DLL=$(bin Verifier Keylime.Verifier.dll)
REGISTRAR_DLL=$(bin Registrar Keylime.Registrar.dll)
AGENT_DLL=$(bin PushAgent keylime_push_model_agent.dll)
TENANT_DLL=$(bin Tenant keylime-tenant.dll)
for f in "$VERIFIER_DLL" "$REGISTRAR_DLL" "$AGENT_DLL" "$TENANT_DLL"; do [ -f "$f" ] || die "$f missing: build first"; done

# --- database ---------------------------------------------------------------------------------
start_postgres() {
  local bin port runas=()
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    log "installing postgresql"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || die "PostgreSQL is not installed and could not be installed"
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  PG_DIR=$(mktemp -d -t keylime-stack-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_DIR"; runas=(runuser -u postgres --); fi
  "${runas[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U keylime >/dev/null
  port=$(free_port 0)
  "${runas[@]}" "$bin/postgres" -D "$PG_DIR/data" -h 127.0.0.1 -p "$port" -k "$PG_DIR" >"$DIR/logs/postgres.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break; sleep 0.2; done
  KEYLIME_STACK_DATABASE_URL="postgresql://keylime:keylime@127.0.0.1:$port/keylime"
  log "throwaway PostgreSQL on 127.0.0.1:$port"
}
if [ "$POSTGRES" = 1 ]; then
  [ -n "${KEYLIME_STACK_DATABASE_URL:-}" ] || start_postgres
  base="${KEYLIME_STACK_DATABASE_URL%/}"
  rest="${base#*://}"
  if [[ "$rest" == */* ]]; then name="${rest##*/}"; base="${base%/*}"; else name=keylime; fi
  VERIFIER_DB="$base/${name}_verifier"
  REGISTRAR_DB="$base/${name}_registrar"
else
  VERIFIER_DB=sqlite
  REGISTRAR_DB=sqlite
fi

# --- configuration ----------------------------------------------------------------------------
VERIFIER_PORT=$(free_port 8881)
REGISTRAR_PORT=$(free_port 8890)
REGISTRAR_TLS_PORT=$(free_port 8891)
CERT_STORE="$DIR/tpm_cert_store"
rm -rf "$CERT_STORE"; mkdir -p "$CERT_STORE"   # only this run's swtpm CA
cat >"$DIR/conf/verifier.conf" <<EOF
[verifier]
mode = push
ip = 127.0.0.1
port = $VERIFIER_PORT
registrar_ip = 127.0.0.1
registrar_port = $REGISTRAR_TLS_PORT
tls_dir = generate
database_url = $VERIFIER_DB
quote_interval = $QUOTE_INTERVAL
EOF
cat >"$DIR/conf/registrar.conf" <<EOF
[registrar]
ip = 127.0.0.1
port = $REGISTRAR_PORT
tls_port = $REGISTRAR_TLS_PORT
tls_dir = default
database_url = $REGISTRAR_DB
EOF
cat >"$DIR/conf/tenant.conf" <<EOF
[tenant]
verifier_ip = 127.0.0.1
verifier_port = $VERIFIER_PORT
registrar_ip = 127.0.0.1
registrar_port = $REGISTRAR_TLS_PORT
tls_dir = default
tpm_cert_store = $CERT_STORE
require_ek_cert = $([ "$AVOID_TPM" = 1 ] && echo False || echo True)
retry_interval = 0.5
exponential_backoff = False
max_retries = 20
EOF
# Only our files: a system /etc/keylime must not leak into the stack.
export KEYLIME_DIR="$DIR"
export KEYLIME_VERIFIER_CONFIG="$DIR/conf/verifier.conf"
export KEYLIME_REGISTRAR_CONFIG="$DIR/conf/registrar.conf"
export KEYLIME_TENANT_CONFIG="$DIR/conf/tenant.conf"
SERVER_LOGGING=(--Logging:LogLevel:Default=Warning --Logging:LogLevel:Microsoft.Hosting.Lifetime=Information)

# --- TPM --------------------------------------------------------------------------------------
ensure_swtpm() {
  local pkgs=()
  command -v swtpm >/dev/null || pkgs+=(swtpm)
  command -v swtpm_setup >/dev/null || pkgs+=(swtpm-tools)
  command -v tpm2_pcrextend >/dev/null || pkgs+=(tpm2-tools)
  [ ${#pkgs[@]} -eq 0 ] && return 0
  log "installing ${pkgs[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1
}

start_swtpm() { # manufactured like tests/TestSupport/Swtpm.cs: EKs + certificates from a private local CA
  local s="$DIR/swtpm" port
  rm -rf "$s"; mkdir -p "$s/state" "$s/ca" "$s/ekcerts"
  printf 'statedir = %s/ca\nsigningkey = %s/ca/signkey.pem\nissuercert = %s/ca/issuercert.pem\ncertserial = %s/ca/certserial\n' \
    "$s" "$s" "$s" "$s" >"$s/swtpm-localca.conf"
  printf -- '--platform-manufacturer KeylimeStack\n--platform-version 2.1\n--platform-model swtpm\n' >"$s/swtpm-localca.options"
  printf 'create_certs_tool = %s\ncreate_certs_tool_config = %s/swtpm-localca.conf\ncreate_certs_tool_options = %s/swtpm-localca.options\nactive_pcr_banks = sha1,sha256\n' \
    "$(command -v swtpm_localca)" "$s" "$s" >"$s/swtpm_setup.conf"
  swtpm_setup --tpm2 --tpmstate "$s/state" --config "$s/swtpm_setup.conf" --createek --decryption --create-ek-cert \
    --create-platform-cert --pcr-banks sha1,sha256 --write-ek-cert-files "$s/ekcerts" --logfile "$s/swtpm_setup.log" >/dev/null 2>&1 \
    || return 1
  # The tenant (require_ek_cert) and the registrar trust the local CA that signed the EK certificate.
  cp "$s/ca/swtpm-localca-rootca-cert.pem" "$s/ca/issuercert.pem" "$CERT_STORE/"
  for _ in 1 2 3 4 5; do
    port=$(free_port 0)
    swtpm socket --tpm2 --tpmstate dir="$s/state" --server type=tcp,port="$port",bindaddr=127.0.0.1 \
      --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
      --log file="$s/swtpm.log",level=1 >"$DIR/logs/swtpm.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then PIDS+=("$pid"); SWTPM_PORT=$port; SWTPM_PID=$pid; return 0; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$pid"
  done
  return 1
}

SWTPM_PORT=""
if [ "$AVOID_TPM" = 0 ]; then
  if ensure_swtpm && start_swtpm; then
    log "swtpm     tcp 127.0.0.1:$SWTPM_PORT (pid $SWTPM_PID, state $DIR/swtpm)"
  else
    log "WARNING: swtpm is not available; falling back to the agent's software TPM (--avoid-tpm): NOT a TPM, testing only"
    AVOID_TPM=1
    sed -i 's/^require_ek_cert = .*/require_ek_cert = False/' "$DIR/conf/tenant.conf"
  fi
fi

# --- servers ----------------------------------------------------------------------------------
dotnet "$VERIFIER_DLL" "${SERVER_LOGGING[@]}" >"$DIR/logs/verifier.log" 2>&1 &
PIDS+=($!); VERIFIER_PID=$!
wait_port "$VERIFIER_PORT" "$VERIFIER_PID" verifier
log "verifier  https://127.0.0.1:$VERIFIER_PORT (pid $VERIFIER_PID, database $VERIFIER_DB)"
dotnet "$REGISTRAR_DLL" "${SERVER_LOGGING[@]}" >"$DIR/logs/registrar.log" 2>&1 &
PIDS+=($!); REGISTRAR_PID=$!
wait_port "$REGISTRAR_TLS_PORT" "$REGISTRAR_PID" registrar
log "registrar http://127.0.0.1:$REGISTRAR_PORT https://127.0.0.1:$REGISTRAR_TLS_PORT (pid $REGISTRAR_PID)"

# --- agent ------------------------------------------------------------------------------------
AGENT_DIR="$DIR/agent"
rm -rf "$AGENT_DIR"; mkdir -p "$AGENT_DIR"
: >"$AGENT_DIR/ascii_runtime_measurements"   # an IMA log the stack controls (empty: PCR 10 untouched)
cat >"$DIR/conf/agent.conf" <<EOF
[agent]
uuid = "$UUID"
keylime_dir = "$AGENT_DIR"
verifier_url = "https://127.0.0.1:$VERIFIER_PORT"
verifier_tls_ca_cert = "$DIR/cv_ca/cacert.crt"
registrar_ip = "127.0.0.1"
registrar_port = $REGISTRAR_PORT
ima_ml_path = "$AGENT_DIR/ascii_runtime_measurements"
measuredboot_ml_path = "$AGENT_DIR/binary_bios_measurements"
exponential_backoff_initial_delay = 1000
exponential_backoff_max_delay = 5000
exponential_backoff_max_retries = 100
attestation_interval_seconds = 2
EOF
AGENT_ARGS=()
[ "$AVOID_TPM" = 1 ] && AGENT_ARGS+=(--avoid-tpm)
AGENT_CMD=(dotnet "$AGENT_DLL")
if [ -n "$AGENT_BIN" ]; then
  [ -x "$AGENT_BIN" ] || die "--agent-binary $AGENT_BIN is not an executable"
  AGENT_CMD=("$AGENT_BIN")
fi
env KEYLIME_AGENT_CONFIG="$DIR/conf/agent.conf" KEYLIME_DIR="$AGENT_DIR" \
  ${SWTPM_PORT:+TCTI=swtpm:host=127.0.0.1,port=$SWTPM_PORT} \
  "${AGENT_CMD[@]}" "${AGENT_ARGS[@]}" >"$DIR/logs/agent.log" 2>&1 &
PIDS+=($!); AGENT_PID=$!
log "agent     $UUID (pid $AGENT_PID$([ "$AVOID_TPM" = 1 ] && echo ', --avoid-tpm'), log $DIR/logs/agent.log)"

tenant() { dotnet "$TENANT_DLL" "$@"; }

# --- enrollment -------------------------------------------------------------------------------
registered=0
for _ in $(seq 1 120); do
  kill -0 "$AGENT_PID" 2>/dev/null || { tail -n 30 "$DIR/logs/agent.log" >&2; die "the agent exited"; }
  if tenant -c regstatus -u "$UUID" >"$DIR/logs/regstatus.out" 2>&1; then
    registered=1; break
  fi
  sleep 0.5
done
[ "$registered" = 1 ] || { tail -n 30 "$DIR/logs/agent.log" >&2; die "the agent did not register (see $DIR/logs/agent.log)"; }
log "agent registered and activated; enrolling with keylime-tenant -c add --push-model -u $UUID"
tenant -c add --push-model -u "$UUID" >"$DIR/logs/tenant-add.log" 2>&1 \
  || { cat "$DIR/logs/tenant-add.log" >&2; die "keylime-tenant -c add failed"; }

# --- verdicts ---------------------------------------------------------------------------------
CURL=(curl -sS --max-time 10 --cacert "$DIR/cv_ca/cacert.crt" --cert "$DIR/cv_ca/client-cert.crt" --key "$DIR/cv_ca/client-private.pem")
field() { grep -o "\"$1\": *\"\{0,1\}[^,\"}]*" | head -n 1 | sed 's/.*: *"\{0,1\}//'; }
log "printing verdicts (Ctrl-C stops the stack)"
last_seen=""; last_status=""; passes=0; started=$SECONDS
while :; do
  kill -0 "$AGENT_PID" 2>/dev/null || { tail -n 30 "$DIR/logs/agent.log" >&2; die "the agent exited"; }
  latest=$("${CURL[@]}" "https://127.0.0.1:$VERIFIER_PORT/v3.0/agents/$UUID/attestations/latest" 2>/dev/null || true)
  status=$("${CURL[@]}" "https://127.0.0.1:$VERIFIER_PORT/v2.6/agents/$UUID" 2>/dev/null | field attestation_status || true)
  index=$(printf '%s' "$latest" | grep -o '/attestations/[0-9]*"' | head -n 1 | tr -dc 0-9 || true)
  evaluation=$(printf '%s' "$latest" | field evaluation || true)
  if [ -n "$index" ] && [ "$evaluation" != pending ] && [ -n "$evaluation" ] && [ "$index:$evaluation" != "$last_seen" ]; then
    reason=$(printf '%s' "$latest" | field failure_reason || true)
    printf '%s attestation %s: %s%s (status %s)\n' "$(date -u +%FT%TZ)" "$index" "$evaluation" \
      "$([ "$evaluation" = fail ] && echo " ($reason)")" "${status:-?}"
    last_seen="$index:$evaluation"
    if [ "$evaluation" = pass ]; then passes=$((passes + 1)); else passes=0; fi
    if [ "$CYCLES" -gt 0 ] && [ "$passes" -ge "$CYCLES" ]; then
      log "$passes consecutive attestations passed"; exit 0
    fi
  elif [ -n "$status" ] && [ "$status" != "$last_status" ] && [ "$status" != PASS ] && [ "$status" != PENDING ]; then
    printf '%s status %s\n' "$(date -u +%FT%TZ)" "$status"
  fi
  [ -n "$status" ] && last_status="$status"
  if [ "$CYCLES" -gt 0 ] && [ $((SECONDS - started)) -ge "$TIMEOUT" ]; then
    log "no $CYCLES consecutive passes within ${TIMEOUT}s"; tail -n 20 "$DIR/logs/agent.log" >&2; exit 3
  fi
  sleep 0.5
done
