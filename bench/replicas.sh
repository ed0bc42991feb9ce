#!/usr/bin/env bash
# More than one server (issue 20): three measurements on 127.0.0.1, not run in CI.
#
#   bench/replicas.sh [rolling]    two release replicas behind HAProxy with deploy/haproxy.cfg
#                                  (its ports replaced by free ones), each with its own data
#                                  directory and SQLite store; wrk asks through the balancer
#                                  for DURATION (30) s at CONNECTIONS (32) while the replicas
#                                  are restarted one after the other: replica 1 stopped
#                                  (SIGINT) at a third of the run and started again 5 s after
#                                  the signal, then, once HAProxy has it UP, replica 2 likewise
#                                  at two thirds. Prints the requests, the FAILED ones (socket
#                                  errors and non-2xx; target 0) and HAProxy's retries and
#                                  redispatches. Variants, by environment:
#                                    LOAD=feedback  POST /api/v1/feedback instead of GET asks
#                                    DRAIN=1        each replica put in maintenance through
#                                                   HAProxy's runtime API and left without a
#                                                   request before its SIGINT, ready after
#                                    LB=nginx       deploy/nginx.conf instead (passive checks)
#                                    DRAIN_SECS=0   the replicas close their port at once on
#                                                   SIGINT (default 3: they answer 503 to
#                                                   health checks and keep serving for 3 s,
#                                                   as deploy/signpost@.service sets)
#                                    RESTART=0      the control: no restart
#                                    LOG_ALL=1      HAProxy logs every request, not only the
#                                                   abnormal ones
#   bench/replicas.sh propagation  two replicas on one PostgreSQL store (a throwaway cluster
#                                  from scripts/pg.sh): 20 admin changes (a learned phrasing
#                                  taught through POST /admin/fixes, as bench/editor.py does)
#                                  on replica A, each timed until replica B serves it; median
#                                  and max (targets ≤ 2 s, ≤ 5 s). bench/replicas.py does the
#                                  asking.
#   bench/replicas.sh throughput   /api/v1/ask at CONNECTIONS (32) on one server with the
#                                  PostgreSQL store and with the SQLite store, in the same run:
#                                  ROUNDS (2) interleaved rounds of SECONDS_PER_POINT (10) s
#                                  each, as bench/load.sh runs its points; the PostgreSQL/SQLite
#                                  ratio of the mean requests/s (target ≥ 0.95).
#   bench/replicas.sh all          the three in turn (the first to fail stops the run).
#
# Environment: SIGNPOST_SERVER_BIN (default target/release/signpost-server), NO_BUILD=1 to
# skip cargo build, BENCH_WORK (scratch space, default target/bench; this run's files, logs
# included, are in its replicas/ folder).
# Installs wrk, haproxy or nginx (Debian) when missing, and PostgreSQL through scripts/pg.sh.
# Bounded: every wait has a deadline, wrk runs under timeout, and every process started here
# (replicas, the balancer, servers, the PostgreSQL cluster) is stopped by its own pid on exit.
source "$(dirname "$0")/lib.sh"
source "$REPO/scripts/pg.sh"

MODE="${1:-rolling}"
case "$MODE" in
  rolling | propagation | throughput | all) ;;
  *)
    echo "usage: bench/replicas.sh [rolling|propagation|throughput|all]" >&2
    exit 2
    ;;
esac

CORPUS="$REPO/corpus"
QUESTIONS="$REPO/tests/data/dev.jsonl"
RUN="$WORK/replicas"
rm -rf "$RUN"
mkdir -p "$RUN"
# Every path below is absolute; the servers run from the scratch directory, so that a build
# which takes a postgres:// store for a file name leaves its junk there, not in the checkout.
cd "$RUN"

# ---- processes started here, each stopped by its own pid ----------------------------------

declare -A REPLICA_PID=() REPLICA_PORT=() REPLICA_DATA=()

cleanup() {
  local name
  for name in "${!REPLICA_PID[@]}"; do
    replica_stop "$name" >/dev/null 2>&1 || true
  done
  balancer_stop
  stop_server
  pg_cluster_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port below the ephemeral range that nothing listens on and this script has not handed
# out yet.
declare -A TAKEN_PORTS=()
free_port() {
  local low=32768 port
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  for _ in $(seq 200); do
    port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    [ -z "${TAKEN_PORTS[$port]:-}" ] || continue
    _pg_port_listening "$port" && continue
    TAKEN_PORTS[$port]=1
    echo "$port"
    return 0
  done
  echo "found no free port" >&2
  return 1
}

ms_since() { echo $(($(now_ms) - $1)); }

# replica_start NAME: starts the replica NAME on its port (REPLICA_PORT) and data directory
# (REPLICA_DATA), as deploy/signpost@.service runs it, and waits (at most 120 s) until /healthz answers 200. The log is appended
# to, so a restart keeps the first start's lines.
replica_start() {
  local name="$1" port="${REPLICA_PORT[$1]}" data="${REPLICA_DATA[$1]}" deadline
  mkdir -p "$data"
  env NO_COLOR=1 RUST_LOG="${RUST_LOG:-info}" "$SERVER_BIN" --addr "127.0.0.1:$port" \
    --corpus "$CORPUS" --data "$data" --rate-limit-per-minute 0 --trusted-proxies 127.0.0.1 \
    --drain-secs "${DRAIN_SECS:-3}" serve >>"$data.log" 2>&1 &
  REPLICA_PID[$name]=$!
  deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "${REPLICA_PID[$name]}" 2>/dev/null; then
      echo "replica $name exited; its log:" >&2
      tail -n 30 "$data.log" >&2
      unset "REPLICA_PID[$name]"
      return 1
    fi
    curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz" && return 0
    sleep 0.01
  done
  echo "replica $name did not answer /healthz within 120 s; its log:" >&2
  tail -n 30 "$data.log" >&2
  return 1
}

# replica_stop NAME: SIGINT (it drains and exits), SIGKILL after 40 s (the shutdown timeout
# is 30 s, then the store is flushed).
replica_stop() {
  local pid="${REPLICA_PID[$1]:-}"
  [ -n "$pid" ] || return 0
  stop_pid "$pid" INT 40
  unset "REPLICA_PID[$1]"
}

# ---- the balancer: HAProxy with deploy/haproxy.cfg, or nginx with deploy/nginx.conf --------

BALANCER_PID=""
LB_URL=""

# haproxy_start PORT1 PORT2: HAProxy in the foreground (its own pid) with everything from
# `defaults` down of deploy/haproxy.cfg, the replicas' and its own ports replaced, logging
# only abnormal requests (retried, redispatched, failed; all with LOG_ALL=1) and health-check
# changes to a file, with a runtime API socket of its own.
haproxy_start() {
  local lb_port
  lb_port=$(free_port)
  STATS_PORT=$(free_port)
  local dontlog="s/^\( *option httplog\)$/\1\n    option dontlog-normal/"
  [ "${LOG_ALL:-0}" != 1 ] || dontlog="s/^//"
  {
    echo "# Written by bench/replicas.sh from deploy/haproxy.cfg."
    echo "global"
    echo "    log stdout format raw local0"
    echo "    maxconn 4096"
    echo "    stats socket $RUN/haproxy.sock mode 600 level admin"
    echo
    sed -n '/^defaults/,$p' "$REPO/deploy/haproxy.cfg" |
      sed -e "s/127\.0\.0\.1:8081/127.0.0.1:$1/; s/127\.0\.0\.1:8082/127.0.0.1:$2/" \
        -e "s/^\( *bind\) :80$/\1 127.0.0.1:$lb_port/" \
        -e "s/^\( *bind\) 127\.0\.0\.1:8404$/\1 127.0.0.1:$STATS_PORT/" \
        -e "$dontlog"
  } >"$RUN/haproxy.cfg"
  if ! grep -q "bind 127.0.0.1:$lb_port" "$RUN/haproxy.cfg" ||
    ! grep -q "127.0.0.1:$2 check" "$RUN/haproxy.cfg"; then
    echo "could not template deploy/haproxy.cfg" >&2
    return 1
  fi
  haproxy -c -q -f "$RUN/haproxy.cfg"
  haproxy -db -f "$RUN/haproxy.cfg" >>"$RUN/haproxy.log" 2>&1 &  # appended: truncated after the warm-up
  BALANCER_PID=$!
  LB_URL="http://127.0.0.1:$lb_port"
  wait_state replica1 UP 30
  wait_state replica2 UP 30
}

# nginx_start PORT1 PORT2: nginx in the foreground (its own pid) with deploy/nginx.conf, the
# replicas' and its own ports replaced and its pid file and logs under the run directory.
nginx_start() {
  local lb_port deadline
  lb_port=$(free_port)
  sed -e "s/127\.0\.0\.1:8081/127.0.0.1:$1/; s/127\.0\.0\.1:8082/127.0.0.1:$2/" \
    -e "s|^\( *listen\) 80;$|\1 127.0.0.1:$lb_port;|" \
    -e "s|^pid .*|pid $RUN/nginx.pid;|" \
    -e "s|/var/log/nginx/access.log|$RUN/nginx-access.log|; s|/var/log/nginx/error.log|$RUN/nginx-error.log|" \
    "$REPO/deploy/nginx.conf" >"$RUN/nginx.conf"
  if ! grep -q "listen 127.0.0.1:$lb_port;" "$RUN/nginx.conf" ||
    ! grep -q "127.0.0.1:$2 " "$RUN/nginx.conf"; then
    echo "could not template deploy/nginx.conf" >&2
    return 1
  fi
  nginx -q -t -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log"
  nginx -c "$RUN/nginx.conf" -e "$RUN/nginx-error.log" -g 'daemon off;' >"$RUN/nginx.out" 2>&1 &
  BALANCER_PID=$!
  LB_URL="http://127.0.0.1:$lb_port"
  deadline=$((SECONDS + 30))
  until curl -fs -o /dev/null --max-time 2 "$LB_URL/healthz"; do
    if [ "$SECONDS" -ge "$deadline" ] || ! kill -0 "$BALANCER_PID" 2>/dev/null; then
      echo "nginx did not answer; its log:" >&2
      cat "$RUN/nginx.out" "$RUN/nginx-error.log" >&2
      return 1
    fi
    sleep 0.05
  done
}

balancer_stop() {
  [ -n "$BALANCER_PID" ] || return 0
  # SIGQUIT: both finish the requests they have, then exit.
  stop_pid "$BALANCER_PID" QUIT 10
  BALANCER_PID=""
}

# haproxy_cmd COMMAND: one command to HAProxy's runtime API (the stats socket); prints the
# answer.
haproxy_cmd() {
  python3 - "$RUN/haproxy.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while chunk := s.recv(65536):
    out += chunk
sys.stdout.write(out.decode())
PY
}

# haproxy_stat SERVER FIELD: one field of HAProxy's CSV statistics for a server of the backend.
haproxy_stat() {
  curl -fs --max-time 2 "http://127.0.0.1:$STATS_PORT/;csv;norefresh" | awk -F, -v server="$1" -v field="$2" '
    NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "signpost_replicas" && $2 == server { print $col[field] }'
}

# haproxy_total FIELD: FIELD summed over both replicas.
haproxy_total() {
  echo $(($(haproxy_stat replica1 "$1") + $(haproxy_stat replica2 "$1")))
}

# wait_idle SERVER SECONDS: until HAProxy has no session on SERVER.
wait_idle() {
  local deadline=$((SECONDS + $2)) current
  while [ "$SECONDS" -lt "$deadline" ]; do
    current=$(haproxy_stat "$1" scur || true)
    [ "$current" = 0 ] && return 0
    sleep 0.05
  done
  echo "HAProxy still had ${current:-?} sessions on $1 after $2 s" >&2
  return 1
}

# wait_state SERVER STATE SECONDS: until HAProxy's status for SERVER starts with STATE.
wait_state() {
  local deadline=$((SECONDS + $3)) status
  while [ "$SECONDS" -lt "$deadline" ]; do
    status=$(haproxy_stat "$1" status || true)
    [[ "$status" == "$2"* ]] && return 0
    sleep 0.05
  done
  echo "HAProxy did not see $1 $2 within $3 s (status: ${status:-none}); its log:" >&2
  tail -n 20 "$RUN/haproxy.log" >&2
  return 1
}

# ---- part 1: a rolling restart under load ------------------------------------------------

# Environment: LB (haproxy or nginx), LOAD (ask: GET /api/v1/ask, or feedback: POST
# /api/v1/feedback), DRAIN=1 (HAProxy only: put each replica in maintenance through the
# runtime API and wait until it has no request before stopping it, and ready after), RESTART=0
# (the control: the same run with no restart), LOG_ALL=1 (HAProxy logs every request).
rolling() {
  local duration="${DURATION:-30}" conns="${CONNECTIONS:-32}" load="${LOAD:-ask}"
  local lb="${LB:-haproxy}" drain="${DRAIN:-0}"
  local p1 p2 started t result name what version
  case "$load" in
    ask) what="GET /api/v1/ask over $(grep -c . "$QUESTIONS") rotating questions" ;;
    feedback) what="POST /api/v1/feedback (bench/ask.lua feedback)" ;;
    *)
      echo "LOAD is ask (GET /api/v1/ask, the default) or feedback (POST /api/v1/feedback)" >&2
      return 1
      ;;
  esac
  case "$lb" in
    haproxy) need haproxy ;;
    nginx)
      need nginx
      if [ "$drain" = 1 ]; then
        echo "DRAIN=1 needs HAProxy's runtime API (LB=haproxy)" >&2
        return 1
      fi
      ;;
    *)
      echo "LB is haproxy (the default) or nginx" >&2
      return 1
      ;;
  esac
  p1=$(free_port)
  p2=$(free_port)
  REPLICA_PORT[replica1]=$p1
  REPLICA_PORT[replica2]=$p2
  REPLICA_DATA[replica1]="$RUN/replica1"
  REPLICA_DATA[replica2]="$RUN/replica2"
  replica_start replica1
  replica_start replica2
  "${lb}_start" "$p1" "$p2"
  echo "== warm-up (3 s through $lb)" >&2
  timeout 40 wrk -t1 -c8 -d3s --timeout 5s -s "$BENCH_DIR/ask.lua" "$LB_URL" -- ask "$QUESTIONS" >/dev/null
  # What the balancer counted or logged during the warm-up is left out.
  local base_retries=0 base_redisp=0 error_from=0 access_from=0
  if [ "$lb" = haproxy ]; then
    version="HAProxy $(haproxy -v | awk 'NR == 1 {print $3}')"
    base_retries=$(haproxy_total wretr)
    base_redisp=$(haproxy_total wredis)
    : >"$RUN/haproxy.log"
  else
    version="nginx $(nginx -v 2>&1 | sed 's|.*nginx/||')"
    error_from=$(($(wc -l <"$RUN/nginx-error.log") + 1))
    access_from=$(($(wc -l <"$RUN/nginx-access.log") + 1))
  fi

  echo
  echo "Signpost rolling restart — two replicas (SQLite store each) behind $version ($REPO/deploy), wrk -t1 -c$conns for ${duration} s, $what"
  machine
  echo "binary: $SERVER_BIN"
  echo "unpinned: two replicas, the balancer and wrk share the machine's $(nproc) cores"
  if [ "${RESTART:-1}" = 0 ]; then
    echo "control run: no replica is restarted"
  elif [ "$drain" = 1 ]; then
    echo "each replica is put in maintenance in HAProxy and drained before SIGINT, made ready after its restart"
  else
    echo "each replica is stopped with SIGINT while it is in service, the balancer not told"
  fi
  echo
  timeout $((duration + 30)) wrk -t1 -c"$conns" -d"${duration}s" --timeout 5s \
    -s "$BENCH_DIR/ask.lua" "$LB_URL" -- "$load" "$QUESTIONS" >"$RUN/wrk.out" 2>&1 &
  local wrk_pid=$!
  started=$(now_ms)
  # at MS: sleeps until MS milliseconds after wrk started.
  at() {
    local wait_ms=$(($1 - $(ms_since "$started")))
    [ "$wait_ms" -le 0 ] || sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
  }
  # say TEXT: TEXT after the seconds since wrk started.
  say() { printf '%6.1f s  %s\n' "$(echo "$(ms_since "$started") / 1000" | bc -l)" "$1"; }
  local third=$((duration * 1000 / 3)) signalled restarted="replica1 replica2"
  [ "${RESTART:-1}" != 0 ] || restarted=""
  for name in $restarted; do
    if [ "$name" = replica1 ]; then at "$third"; else at $((2 * third)); fi
    if [ "$drain" = 1 ]; then
      haproxy_cmd "set server signpost_replicas/$name state maint" >/dev/null
      say "$name: put in maintenance in HAProxy (no new requests)"
      wait_idle "$name" 30
      say "$name: no request in flight through HAProxy"
    fi
    t=$(now_ms)
    signalled=$(ms_since "$started")
    say "$name: SIGINT"
    replica_stop "$name"
    say "$name: exited $(ms_since "$t") ms after the signal"
    if [ "$lb" = haproxy ] && [ "$drain" != 1 ]; then
      wait_state "$name" DOWN 30
      say "$name: DOWN in HAProxy (failed health checks)"
    fi
    at $((signalled + 5000))
    t=$(now_ms)
    replica_start "$name"
    say "$name: started again, /healthz 200 after $(ms_since "$t") ms"
    if [ "$lb" = haproxy ]; then
      [ "$drain" != 1 ] || haproxy_cmd "set server signpost_replicas/$name state ready" >/dev/null
      wait_state "$name" UP 30
      say "$name: UP in HAProxy again"
    fi
  done
  wait "$wrk_pid" || true
  result=$(grep '^RESULT' "$RUN/wrk.out" || true)
  if [ -z "$result" ]; then
    echo "wrk gave no result:" >&2
    cat "$RUN/wrk.out" >&2
    return 1
  fi
  local requests errors non2xx
  requests=$(field requests "$result")
  errors=$(field errors "$result")
  non2xx=$(field non2xx "$result")
  echo
  printf 'requests: %d (%.0f/s)  p50 %.2f ms  p99 %.2f ms\n' "$requests" "$(field rps "$result")" \
    "$(echo "$(field p50_us "$result") / 1000" | bc -l)" "$(echo "$(field p99_us "$result") / 1000" | bc -l)"
  echo "FAILED requests: $((errors + non2xx)) (socket errors $errors, non-2xx $non2xx)"
  if [ "$lb" = haproxy ]; then
    echo "HAProxy: $(($(haproxy_total wretr) - base_retries)) retries, $(($(haproxy_total wredis) - base_redisp)) redispatched to the other replica; $(grep -c '"[A-Z]* /' "$RUN/haproxy.log" || true) requests logged as abnormal"
    grep -h -e '^Server .* is DOWN' -e '^Server .* is UP' "$RUN/haproxy.log" | cut -d, -f1-2 | sed 's/^/  haproxy: /' || true
    grep -h '" *$' "$RUN/haproxy.log" | awk '$6 !~ /^2/' | head -n 5 | sed 's/^/  haproxy (failed): /' || true
  else
    tail -n +"$error_from" "$RUN/nginx-error.log" >"$RUN/nginx-error-run.log"
    echo "nginx: $(grep -c 'while connecting to upstream' "$RUN/nginx-error-run.log" || true) attempts refused by a stopped replica, $(grep -c 'upstream prematurely closed' "$RUN/nginx-error-run.log" || true) connections closed by a stopping replica before it answered, $(grep -c 'no live upstreams' "$RUN/nginx-error-run.log" || true) with no replica left (a GET is passed to the other replica; a POST is not)"
    # 499: wrk itself closed the connection, at the end of its run.
    tail -n +"$access_from" "$RUN/nginx-access.log" | awk '$9 !~ /^2/ && $9 != 499' | head -n 5 |
      sed 's/^/  nginx (failed): /' || true
  fi
  grep -h 'requests were still running' "$RUN"/replica*.log | sed 's/^/  replica: /' || true
  replica_stop replica1
  replica_stop replica2
  balancer_stop
  if [ $((errors + non2xx)) -gt 0 ]; then
    echo "target NOT met: requests failed during the rolling restart (logs in $RUN)" >&2
    return 1
  fi
  echo "target met: no request failed"
}

# ---- part 2: admin changes on one replica reach the other -----------------------------------

# bench_pg: this run's PostgreSQL cluster (scripts/pg.sh), started once.
bench_pg() {
  [ -n "$_PG_STARTED_DIR" ] || pg_cluster_start
}

# pg_store_used: fails unless the server put its tables in the PostgreSQL database. A build
# without the PostgreSQL store takes the URL for an SQLite file name and runs happily.
pg_store_used() {
  local tables
  tables=$("$PG_BIN/psql" -X -Atq "$SIGNPOST_TEST_POSTGRES" -c \
    "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
  if [ "${tables:-0}" -eq 0 ]; then
    echo "the server made no table in PostgreSQL: $SERVER_BIN has no PostgreSQL store (it took the URL for a file name)" >&2
    return 1
  fi
}

propagation() {
  bench_pg
  echo
  echo "Signpost propagation — two replicas on one PostgreSQL store ($("$PG_BIN/postgres" -V | awk '{print $3}'), scripts/pg.sh), 20 learned phrasings taught on A, each asked of B until B serves it"
  machine
  echo "binary: $SERVER_BIN"
  echo
  # bench/replicas.py starts both replicas (bench/benchserver.py) and stops them by pid.
  timeout 600 env BENCH_RUN="$RUN" SIGNPOST_SERVER_BIN="$SERVER_BIN" PSQL="$PG_BIN/psql" \
    python3 "$BENCH_DIR/replicas.py" propagation "$SIGNPOST_TEST_POSTGRES"
}

# ---- part 3: ask throughput, PostgreSQL store against SQLite store -------------------------

# cpu_ticks PID...: the CPU time (user + system, in clock ticks) the processes have used.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# asks_rows: the rows in the PostgreSQL store's table asks (0 before there is one).
asks_rows() {
  "$PG_BIN/psql" -X -Atq "$SIGNPOST_TEST_POSTGRES" -c 'SELECT count(*) FROM asks' 2>/dev/null || echo 0
}

throughput() {
  local secs="${SECONDS_PER_POINT:-10}" conns="${CONNECTIONS:-32}" rounds="${ROUNDS:-2}"
  local store line rps round postmaster rows_before pid
  bench_pg
  # The server has core 0 (lib.sh), wrk core 1; the database joins wrk on core 1 (PG_CORE=1,
  # the default), so the server's core is its own with either store, or the server on core 0
  # (PG_CORE=0), so the load generator's is. Backends forked later inherit the affinity.
  local pg_core="${PG_CORE:-1}"
  postmaster=$(head -n 1 "$SIGNPOST_TEST_PG_DATA/cluster/postmaster.pid")
  if [ "$(nproc)" -ge 2 ]; then
    for pid in "$postmaster" $(pgrep -P "$postmaster"); do
      taskset -a -p -c "$pg_core" "$pid" >/dev/null
    done
  fi
  declare -A total=([sqlite]=0 [postgres]=0)
  echo
  echo "Signpost ask throughput by store — /api/v1/ask, $conns connections, ${secs} s per point, $rounds interleaved rounds"
  machine
  echo "binary: $SERVER_BIN"
  echo "pinning: $PINNING; PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') (scripts/pg.sh, fsync off) on core $pg_core"
  echo
  # Round to round the requests/s of one configuration vary by a fifth on a shared VM; the
  # CPU the server and the database spent per answer varies far less, so it is printed too.
  declare -A cpu=([sqlite]=0 [postgres]=0)
  local hz ticks_before ticks_after cpu_us pg_pids
  hz=$(getconf CLK_TCK)
  printf '%-6s %-9s %12s %10s %10s %8s %14s\n' round store "requests/s" "p50 ms" "p99 ms" errors "CPU µs/answer"
  local failed=0
  rows_before=$(asks_rows)
  for round in $(seq "$rounds"); do
    for store in sqlite postgres; do
      if [ "$store" = sqlite ]; then
        start_server "$CORPUS" "$RUN/throughput-sqlite"
      else
        start_server "$CORPUS" "$RUN/throughput-postgres" --store "$SIGNPOST_TEST_POSTGRES"
      fi
      run_wrk 8 3 ask "$QUESTIONS" >/dev/null || {
        echo "the warm-up against the $store store gave no result (server log: $SERVER_LOG)" >&2
        return 1
      }
      # After the warm-up: the store may make its tables once the server serves.
      [ "$store" = sqlite ] || pg_store_used
      # The server and, for PostgreSQL, the database's processes (its backends included).
      pg_pids=()
      [ "$store" = sqlite ] || read -r -a pg_pids <<<"$postmaster $(pgrep -P "$postmaster" | tr '\n' ' ')"
      ticks_before=$(cpu_ticks "$SERVER_PID" "${pg_pids[@]}")
      line=$(run_wrk "$conns" "$secs" ask "$QUESTIONS") || {
        echo "wrk against the $store store gave no result (server log: $SERVER_LOG)" >&2
        return 1
      }
      # Everything written: the store's last batch is in the figure.
      sleep 0.3
      ticks_after=$(cpu_ticks "$SERVER_PID" "${pg_pids[@]}")
      stop_server
      rps=$(field rps "$line")
      total[$store]=$(echo "${total[$store]} + $rps" | bc -l)
      cpu_us=$(echo "($ticks_after - $ticks_before) * 1000000 / $hz / ($rps * $secs)" | bc -l)
      cpu[$store]=$(echo "${cpu[$store]} + $cpu_us" | bc -l)
      failed=$((failed + $(field errors "$line") + $(field non2xx "$line")))
      printf '%-6s %-9s %12.0f %10.3f %10.3f %8s %14.1f\n' "$round" "$store" "$rps" \
        "$(echo "$(field p50_us "$line") / 1000" | bc -l)" \
        "$(echo "$(field p99_us "$line") / 1000" | bc -l)" \
        "$(($(field errors "$line") + $(field non2xx "$line")))" "$cpu_us"
    done
  done
  local ratio
  ratio=$(echo "${total[postgres]} / ${total[sqlite]}" | bc -l)
  printf '\nmean requests/s: SQLite %.0f, PostgreSQL %.0f; PostgreSQL/SQLite %.3f (target ≥ 0.95: %s)\n' \
    "$(echo "${total[sqlite]} / $rounds" | bc -l)" "$(echo "${total[postgres]} / $rounds" | bc -l)" \
    "$ratio" "$(if [ "$(echo "$ratio >= 0.95" | bc -l)" = 1 ]; then echo met; else echo NOT met; fi)"
  printf 'mean CPU per answer (server + database): SQLite %.1f µs, PostgreSQL %.1f µs; SQLite/PostgreSQL %.3f, the throughput one core of each would give relative to SQLite\n' \
    "$(echo "${cpu[sqlite]} / $rounds" | bc -l)" "$(echo "${cpu[postgres]} / $rounds" | bc -l)" \
    "$(echo "${cpu[sqlite]} / ${cpu[postgres]}" | bc -l)"
  echo "questions the PostgreSQL store recorded in the run: $(($(asks_rows) - rows_before)) (table asks)"
  if [ "$failed" -gt 0 ]; then
    echo "FAILED: $failed requests failed; the figures above are not valid" >&2
    return 1
  fi
}

need wrk
[ "${NO_BUILD:-0}" = 1 ] || build_release
# Called plainly, not in a `||` list, so that `set -e` holds inside them: any failing step
# stops the run (and the EXIT trap stops everything it started).
case "$MODE" in
  rolling) rolling ;;
  propagation) propagation ;;
  throughput) throughput ;;
  all)
    rolling
    propagation
    throughput
    ;;
esac
