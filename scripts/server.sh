#!/usr/bin/env bash
# Starting and stopping one Signpost server for the scripts (scripts/test.sh, bench/lib.sh,
# bench/loadcheck.sh). Source it; do not run it.
#
# server_start LOG COMMAND...
#   Runs COMMAND (a signpost-server told to listen on 127.0.0.1 port 0, with whatever
#   environment and flags the caller gives, e.g. `env SIGNPOST_DATA=… path/to/signpost-server`)
#   in the background, its output in LOG. Waits until it logs the address it serves on and
#   /healthz answers 200, then sets SERVER_PID and SERVER_URL. Gives up after
#   SERVER_START_SECS (600: a first build of a 1M-passage corpus), or as soon as the server
#   exits, printing its log and returning 1.
# server_stop
#   Stops the server started last: SIGINT (it drains and exits), SIGKILL after 5 s.
# stop_pid PID SIGNAL SECONDS
#   The same for any process: SIGNAL, then SIGKILL after SECONDS.
#
# Callers set their own EXIT trap that calls server_stop.

source "$(dirname "${BASH_SOURCE[0]}")/need.sh"
need curl

SERVER_PID=""
SERVER_URL=""

server_start() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  SERVER_URL=""
  local deadline=$((SECONDS + ${SERVER_START_SECS:-600}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited; its log:" >&2
      cat "$log" >&2
      SERVER_PID=""
      return 1
    fi
    if [ -z "$SERVER_URL" ]; then
      SERVER_URL=$(grep -so 'serving on http://127\.0\.0\.1:[0-9]*' "$log" | head -1 | sed 's/^serving on //' || true)
    fi
    if [ -n "$SERVER_URL" ] && curl -fs -o /dev/null --max-time 2 "$SERVER_URL/healthz"; then
      return 0
    fi
    sleep 0.005
  done
  echo "the server was not ready within ${SERVER_START_SECS:-600} s; its log:" >&2
  cat "$log" >&2
  server_stop
  return 1
}

server_stop() {
  if [ -n "$SERVER_PID" ]; then
    stop_pid "$SERVER_PID" INT 5
    SERVER_PID=""
  fi
}

# stop_pid PID SIGNAL SECONDS: sends SIGNAL, waits up to SECONDS for the process to exit,
# then SIGKILL; reaps it when it is this shell's child.
stop_pid() {
  local pid="$1" signal="$2" seconds="$3"
  kill -"$signal" "$pid" 2>/dev/null || true
  for _ in $(seq $((seconds * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
