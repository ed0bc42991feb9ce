#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks (issue 20): its own data
# directory, its own postgres process on 127.0.0.1 and a free port, trust authentication,
# fsync off. Never the Debian default cluster, never systemd. Installs Debian's `postgresql`
# package when no server is installed (its binaries are in /usr/lib/postgresql/<ver>/bin, not
# on PATH; a `main` cluster the package install starts is stopped again).
#
# PostgreSQL refuses to run as root: run as root, the cluster belongs to the system user
# `signpost-pg` (created when missing; SIGNPOST_PG_USER overrides the name) and every
# PostgreSQL program runs as it (runuser); run as anyone else, it belongs to that user.
#
# Sourced (scripts/test.sh, bench/replicas.sh):
#   pg_cluster_start   creates a cluster under /tmp (SIGNPOST_PG_PARENT overrides), starts it,
#                      creates the role and database `signpost` (the role owns the database
#                      and may create databases; it is not a superuser), and exports
#                        SIGNPOST_TEST_POSTGRES=postgres://signpost@127.0.0.1:PORT/signpost
#                        SIGNPOST_TEST_POSTGRES_ADMIN=postgres://postgres@127.0.0.1:PORT/postgres
#                                                  (the superuser, for tests that need one)
#                        SIGNPOST_TEST_POSTGRES_TLS=<the first, over TLS, checked against
#                                                  the cluster's own CA in DIR/tls>
#                        SIGNPOST_TEST_PG_DATA=<the cluster's directory>
#                        SIGNPOST_TEST_PG_SCRIPT=<absolute path of this script>
#   pg_cluster_stop    stops the cluster pg_cluster_start made in this shell (fast mode) and
#                      deletes its directory; does nothing when none was started, so it is
#                      safe in an EXIT trap and safe to call twice.
#
# Run (a test can stop and restart the database under a running server):
#   bash scripts/pg.sh stop DIR     stops the cluster in DIR (fast mode: sessions are ended),
#                                   keeping its data; returns once it is down
#   bash scripts/pg.sh start DIR    starts it again on the same port; returns once it accepts
#                                   connections
#   bash scripts/pg.sh status DIR   exit 0 when it accepts connections, 3 when it does not
#   bash scripts/pg.sh new          creates and starts a cluster and prints the export lines:
#                                     eval "$(bash scripts/pg.sh new)"
#   bash scripts/pg.sh delete DIR   stops the cluster in DIR and deletes DIR
# DIR is $SIGNPOST_TEST_PG_DATA. Every wait is bounded (SIGNPOST_PG_TIMEOUT, 30 s); a cluster
# that does not stop in time is stopped with mode immediate, then killed.
#
# Layout of DIR: cluster/ (PGDATA), run/ (the unix socket), server.log, and the marker
# .signpost-pg that lets stop/delete refuse a directory this script did not make.

PG_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# shellcheck source=scripts/need.sh
source "$(dirname "${BASH_SOURCE[0]}")/need.sh"

PG_ROLE=signpost
PG_DB=signpost

_pg_say() { echo "pg.sh: $*" >&2; }

_pg_timeout() { echo "${SIGNPOST_PG_TIMEOUT:-30}"; }

# Sets PG_BIN to the newest installed server's bin directory, installing Debian's postgresql
# package when there is none.
_pg_find_bin() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/postgres" ]; then
    return 0
  fi
  # `need` installs when the command is missing; the server is not on PATH, so ask for a
  # command that never exists (as scripts/test.sh does for python3-venv).
  need /nonexistent/postgresql postgresql
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    _pg_say "no PostgreSQL server in /usr/lib/postgresql/*/bin after installing postgresql"
    return 1
  fi
  # The package creates the cluster `main` and, where it can, starts it. Ours never uses it:
  # stop it so it holds no port and no memory.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local ver cluster _port status _rest
    while read -r ver cluster _port status _rest; do
      if [ "$cluster" = main ] && [ "$status" = online ]; then
        _pg_say "stopping the Debian default cluster $ver/main the install started"
        # (through systemctl where systemd runs it, directly where not)
        pg_ctlcluster "$ver" main stop >&2 || true
      fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
  fi
}

# The system user that owns clusters made as root.
_pg_system_user() {
  local user="${SIGNPOST_PG_USER:-signpost-pg}"
  if ! getent passwd "$user" >/dev/null; then
    # Two scripts may race to create it: the loser's useradd fails, the user exists.
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$user" 2>/dev/null || getent passwd "$user" >/dev/null || {
      _pg_say "cannot create the system user $user"
      return 1
    }
  fi
  echo "$user"
}

# _pg_as USER COMMAND...: runs COMMAND as USER (directly when that is who we are), from /,
# in the C locale.
_pg_as() {
  local user="$1"
  shift
  if [ "$(id -un)" = "$user" ]; then
    (cd / && LC_ALL=C "$@")
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && LC_ALL=C runuser -u "$user" -- "$@")
  else
    (cd / && LC_ALL=C setpriv --reuid="$user" --regid="$user" --init-groups "$@")
  fi
}

# _pg_check_dir DIR: DIR must be a cluster directory this script made.
_pg_check_dir() {
  local dir="$1"
  if [ -z "$dir" ] || [ ! -f "$dir/.signpost-pg" ] || [ ! -d "$dir/cluster" ]; then
    _pg_say "$dir is not a cluster directory made by scripts/pg.sh"
    return 1
  fi
}

_pg_owner() { stat -c %U "$1/cluster"; }

_pg_port() { sed -n "s/^port = \([0-9]*\)$/\1/p" "$1/cluster/signpost.conf"; }

# Whether a TCP socket listens on PORT (any address), from /proc/net/tcp{,6}.
_pg_port_listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v hex="$hex" '$4 == "0A" { split($2, a, ":"); if (a[2] == hex) found = 1 }
    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A port below the kernel's ephemeral range (so outgoing connections never sit on it) that
# nothing listens on. Another process may still take it before postgres binds: the caller
# retries with a new one when the start fails on the port.
_pg_candidate_port() {
  local low=32768 port
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  for _ in $(seq 100); do
    port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
    _pg_port_listening "$port" || {
      echo "$port"
      return 0
    }
  done
  _pg_say "found no free port"
  return 1
}

# _pg_wait_ready DIR: until pg_isready says the cluster accepts connections (bounded).
_pg_wait_ready() {
  local dir="$1" port deadline
  port=$(_pg_port "$dir")
  deadline=$((SECONDS + $(_pg_timeout)))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -t 2; then
      return 0
    fi
    sleep 0.1
  done
  _pg_say "the cluster in $dir did not accept connections within $(_pg_timeout) s; its log:"
  tail -n 30 "$dir/server.log" >&2 || true
  return 1
}

# _pg_start_dir DIR: starts the cluster in DIR (nothing when it already runs) and waits until
# it accepts connections.
_pg_start_dir() {
  local dir="$1" user
  _pg_check_dir "$dir" || return 1
  [ -n "${PG_BIN:-}" ] || _pg_find_bin || return 1
  user=$(_pg_owner "$dir")
  if _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/cluster" status >/dev/null 2>&1; then
    _pg_wait_ready "$dir"
    return
  fi
  # pg_ctl -w returns once the server is ready, or fails (the port taken, say) at once.
  if ! _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/cluster" -l "$dir/server.log" -w \
    -t "$(_pg_timeout)" start >/dev/null; then
    return 1
  fi
  _pg_wait_ready "$dir"
}

# _pg_stop_dir DIR: stops the cluster in DIR (fast: sessions are ended, a checkpoint is
# written), immediate if that takes too long, then kills the postmaster. Returns once down.
_pg_stop_dir() {
  local dir="$1" user pid
  _pg_check_dir "$dir" || return 1
  [ -n "${PG_BIN:-}" ] || _pg_find_bin || return 1
  user=$(_pg_owner "$dir")
  if ! _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/cluster" status >/dev/null 2>&1; then
    return 0
  fi
  _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/cluster" -m fast -w -t "$(_pg_timeout)" stop \
    >/dev/null 2>&1 && return 0
  _pg_say "fast stop of $dir timed out; stopping it with mode immediate"
  _pg_as "$user" "$PG_BIN/pg_ctl" -D "$dir/cluster" -m immediate -w -t 10 stop \
    >/dev/null 2>&1 && return 0
  pid=$(head -n 1 "$dir/cluster/postmaster.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then
    _pg_say "killing postmaster $pid"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || return 0
      sleep 0.1
    done
  fi
  _pg_say "could not stop the cluster in $dir"
  return 1
}

# _pg_status_dir DIR: 0 when the cluster accepts connections, 3 when not.
_pg_status_dir() {
  local dir="$1"
  _pg_check_dir "$dir" || return 1
  [ -n "${PG_BIN:-}" ] || _pg_find_bin || return 1
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$(_pg_port "$dir")" -U postgres -d postgres -t 2; then
    echo "accepting connections on 127.0.0.1:$(_pg_port "$dir")"
    return 0
  fi
  echo "not accepting connections"
  return 3
}

# _pg_create: makes, starts and fills a new cluster; prints its directory.
_pg_create() {
  local user dir port attempt superuser=postgres
  # Its output (an install's messages) must not end up in the directory name printed below.
  [ -n "${PG_BIN:-}" ] || _pg_find_bin >&2 || return 1
  if [ "$(id -u)" -eq 0 ]; then
    user=$(_pg_system_user) || return 1
  else
    user=$(id -un)
  fi
  dir=$(mktemp -d "${SIGNPOST_PG_PARENT:-/tmp}/signpost-pg.XXXXXX") || return 1
  touch "$dir/.signpost-pg"
  mkdir -m 700 "$dir/cluster" "$dir/run"
  [ "$(id -un)" = "$user" ] || chown -R "$user:" "$dir"
  chmod 700 "$dir"
  if ! _pg_as "$user" timeout "$(_pg_timeout)" "$PG_BIN/initdb" -D "$dir/cluster" \
    -U "$superuser" -A trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
    _pg_say "initdb failed; its output:"
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  fi
  # Throwaway: trust, and only over the socket in run/ (mode 700) and 127.0.0.1.
  _pg_as "$user" tee "$dir/cluster/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
EOF
  echo "include = 'signpost.conf'" | _pg_as "$user" tee -a "$dir/cluster/postgresql.conf" >/dev/null
  # TLS, as a real database server offers it: a CA of its own (tls/ca.pem, for the tests that
  # check the certificate) and a server certificate it signed for 127.0.0.1.
  _pg_tls "$dir" "$user" || { rm -rf "$dir"; return 1; }
  for attempt in $(seq 10); do
    port=$(_pg_candidate_port) || break
    _pg_as "$user" tee "$dir/cluster/signpost.conf" >/dev/null <<EOF
# Written by scripts/pg.sh: a throwaway cluster for tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 300
shared_buffers = 32MB
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server.key'
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
EOF
    rm -f "$dir/server.log"
    if _pg_start_dir "$dir"; then
      if ! _pg_as "$user" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$port" \
        -U "$superuser" -d postgres \
        -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB" \
        -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" >&2; then
        _pg_say "could not create the role and database"
        _pg_stop_dir "$dir" || true
        rm -rf "$dir"
        return 1
      fi
      echo "$dir"
      return 0
    fi
    if grep -q 'could not bind\|Address already in use' "$dir/server.log" 2>/dev/null; then
      _pg_say "port $port was taken (attempt $attempt); trying another"
      continue
    fi
    break
  done
  _pg_say "the cluster did not start; its log:"
  tail -n 30 "$dir/server.log" >&2 || true
  _pg_stop_dir "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
  return 1
}

# _pg_tls DIR USER: a throwaway CA and a server certificate for 127.0.0.1 in DIR/tls, the key
# readable by USER only (PostgreSQL refuses a key others can read).
_pg_tls() {
  local dir="$1" user="$2" tls="$1/tls"
  need openssl
  mkdir -p "$tls"
  if ! {
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Signpost test CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.pem" &&
      openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$tls/server.key" -out "$tls/server.csr" &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/ext.cnf" &&
      openssl x509 -req -days 2 -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
        -CAcreateserial -extfile "$tls/ext.cnf" -out "$tls/server.pem"
  } >"$tls/openssl.log" 2>&1; then
    _pg_say "could not make the test certificates:"
    cat "$tls/openssl.log" >&2
    return 1
  fi
  chmod 600 "$tls/server.key" "$tls/ca.key"
  [ "$(id -un)" = "$user" ] || chown -R "$user:" "$tls"
}

# Export lines for a cluster directory.
_pg_exports() {
  local dir="$1" port
  port=$(_pg_port "$dir")
  printf 'export SIGNPOST_TEST_POSTGRES=%q\n' "postgres://$PG_ROLE@127.0.0.1:$port/$PG_DB"
  printf 'export SIGNPOST_TEST_POSTGRES_ADMIN=%q\n' "postgres://postgres@127.0.0.1:$port/postgres"
  # The same database over TLS with its certificate checked against the cluster's own CA.
  printf 'export SIGNPOST_TEST_POSTGRES_TLS=%q\n' \
    "postgres://$PG_ROLE@127.0.0.1:$port/$PG_DB?sslmode=verify-full&sslrootcert=$dir/tls/ca.pem"
  printf 'export SIGNPOST_TEST_PG_DATA=%q\n' "$dir"
  printf 'export SIGNPOST_TEST_PG_SCRIPT=%q\n' "$PG_SCRIPT"
}

# The cluster pg_cluster_start made in this shell: the only one pg_cluster_stop deletes (not
# one an inherited SIGNPOST_TEST_PG_DATA names).
_PG_STARTED_DIR=""

pg_cluster_start() {
  local dir
  [ -n "${PG_BIN:-}" ] || _pg_find_bin || return 1
  dir=$(_pg_create) || return 1
  _PG_STARTED_DIR="$dir"
  eval "$(_pg_exports "$dir")"
  _pg_say "PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$(_pg_port "$dir"), data in $dir"
}

pg_cluster_stop() {
  local dir="$_PG_STARTED_DIR"
  [ -n "$dir" ] || return 0
  if [ -f "$dir/.signpost-pg" ]; then
    _pg_stop_dir "$dir" || true
    rm -rf "$dir"
  fi
  _PG_STARTED_DIR=""
  unset SIGNPOST_TEST_POSTGRES SIGNPOST_TEST_POSTGRES_ADMIN SIGNPOST_TEST_PG_DATA
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  usage="usage: bash scripts/pg.sh start|stop|status|delete DIR, or bash scripts/pg.sh new"
  case "${1:-}" in
    start) _pg_start_dir "${2:?$usage}" ;;
    stop) _pg_stop_dir "${2:?$usage}" ;;
    status) _pg_status_dir "${2:?$usage}" ;;
    new)
      dir=$(_pg_create)
      _pg_exports "$dir"
      ;;
    delete)
      _pg_check_dir "${2:?$usage}"
      _pg_stop_dir "$2" || true
      rm -rf "$2"
      ;;
    *)
      echo "$usage" >&2
      exit 2
      ;;
  esac
fi
