# Sourced (not run) by scripts/test.sh, bench/run-loadgen.sh and bench/run-registrar-load.sh:
# a throwaway PostgreSQL cluster on a free 127.0.0.1 port, tuned for tests (durability off: it is
# deleted afterwards), stopped by the postmaster's PID. Uses the caller's log function when it has one.
#
#   pg_start DIR   initdb in DIR/data (user keylime, trust auth) and start the server (as root: as
#                  user postgres, so the folders above DIR must be reachable by it); sets PG_PID,
#                  PG_PORT and PG_URL (postgresql://keylime:keylime@127.0.0.1:PORT/postgres);
#                  PG_EXTRA_OPTS (an array of extra "-c name=value" server options) is passed on
#   pg_stop DIR    fast shutdown of that cluster (then KILL after 10 s); DIR itself is left to the caller
#   pg_bin         the newest installed /usr/lib/postgresql/*/bin, or nothing
#   free_port      a random free 127.0.0.1 TCP port

PG_PID=""
PG_PORT=""
PG_URL=""

pg_log() {
  if declare -F log >/dev/null; then log "$@"; else printf 'postgres.sh: %s\n' "$*" >&2; fi
}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  pg_log "no free port found"; return 1
}

pg_start() {
  local dir="$1" bin runas=()
  bin=$(pg_bin)
  [ -n "$bin" ] || { pg_log "PostgreSQL is not installed (scripts/test.sh installs it)"; return 1; }
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir"   # PostgreSQL refuses to run as root
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$bin/initdb" -D "$dir/data" -A trust -U keylime >/dev/null
  local attempt started
  # A port free when chosen can be taken before the postmaster binds it (another run starting alongside):
  # then it exits at once, and another port is tried.
  for attempt in 1 2 3; do
    PG_PORT=$(free_port)
    "${runas[@]}" "$bin/postgres" -D "$dir/data" -h 127.0.0.1 -p "$PG_PORT" -k "$dir" \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
      ${PG_EXTRA_OPTS[@]+"${PG_EXTRA_OPTS[@]}"} \
      >"$dir/postgres.log" 2>&1 &
    PG_PID=$!
    started=1
    for _ in $(seq 1 100); do
      "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q && break
      kill -0 "$PG_PID" 2>/dev/null || { started=0; break; }
      sleep 0.2
    done
    [ "$started" = 1 ] && break
    if [ "$attempt" = 3 ] || ! grep -q "could not create any TCP/IP sockets" "$dir/postgres.log"; then
      cat "$dir/postgres.log" >&2; pg_log "PostgreSQL did not start"; return 1
    fi
    pg_log "port $PG_PORT was taken meanwhile; trying another"
  done
  "$bin/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q || { pg_log "PostgreSQL did not accept connections in 20 s"; return 1; }
  PG_URL="postgresql://keylime:keylime@127.0.0.1:$PG_PORT/postgres"
  pg_log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (pid $PG_PID)"
}

pg_stop() {
  local dir="$1" pid="$PG_PID"
  # The postmaster's own PID (PG_PID may be runuser's): fast shutdown, then make sure.
  [ -n "$dir" ] && [ -f "$dir/data/postmaster.pid" ] && pid=$(head -n 1 "$dir/data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -n "$PG_PID" ]; then wait "$PG_PID" 2>/dev/null || true; fi
  PG_PID=""
}
