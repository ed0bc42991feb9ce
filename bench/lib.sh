# Shared by the bench scripts: build the release binaries,
# install wrk, start and stop one release server on 127.0.0.1 (with scripts/server.sh, as
# scripts/test.sh and bench/loadcheck.sh do), and run one bounded wrk point. Source it; do not
# run it. Every server started here is stopped by the EXIT trap, whatever happens.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
SERVER_BIN="${SIGNPOST_SERVER_BIN:-$REPO/target/release/signpost-server}"
INDEXER_BIN="${SIGNPOST_INDEXER_BIN:-$REPO/target/release/signpost-indexer}"
# Scratch space (indexes, logs, generated corpora) stays out of git, under target/.
WORK="${BENCH_WORK:-$REPO/target/bench}"
mkdir -p "$WORK"

SERVER_LOG=""
# Milliseconds from launching the server to its first 200 from /healthz.
SERVER_READY_MS=""

# With two or more cores the server gets core 0 and wrk core 1, so neither steals the other's
# CPU; on one core both run unpinned and the figures say so.
if [ "$(nproc)" -ge 2 ]; then
  PIN_SERVER=(taskset -c 0)
  PIN_LOAD=(taskset -c 1)
  PINNING="server on core 0, wrk on core 1 (taskset)"
else
  PIN_SERVER=()
  PIN_LOAD=()
  PINNING="unpinned (one core)"
fi

source "$(dirname "${BASH_SOURCE[0]}")/../scripts/need.sh"
# server_start and server_stop, and the SERVER_PID and SERVER_URL they set.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/server.sh"

build_release() {
  echo "== cargo build --release (signpost-server, signpost-indexer)" >&2
  (cd "$REPO" && cargo build --release --quiet -p signpost-server -p signpost-indexer)
}

now_ms() { date +%s%3N; }

# start_server CORPUS_DIR DATA_DIR [extra server args...]
# Starts the release server on 127.0.0.1 (a free port) through scripts/server.sh, which waits
# until /healthz answers, and sets SERVER_PID, SERVER_URL and SERVER_READY_MS. Gives up after
# 600 s (a 1M-passage first build). The load generator is one client on one address making
# thousands of requests a second, so the per-client rate limit is off; every other setting is
# the server's default.
start_server() {
  local corpus="$1" data="$2"
  shift 2
  SERVER_LOG="$data.log"
  mkdir -p "$data"
  local started
  started=$(now_ms)
  server_start "$SERVER_LOG" env NO_COLOR=1 RUST_LOG="${RUST_LOG:-info}" "${PIN_SERVER[@]}" \
    "$SERVER_BIN" --addr 127.0.0.1:0 --corpus "$corpus" --data "$data" \
    --rate-limit-per-minute 0 "$@" serve
  SERVER_READY_MS=$(($(now_ms) - started))
}

stop_server() {
  server_stop
}
trap stop_server EXIT

# The server's resident memory in KiB, from /proc/PID/status.
server_rss_kib() {
  awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"
}

# run_wrk CONNECTIONS SECONDS MODE [QUESTIONS]
# MODE is "healthz" or "ask". Prints the RESULT line of bench/ask.lua. Bounded by timeout.
run_wrk() {
  local conns="$1" seconds="$2" mode="$3" questions="${4:-$REPO/tests/data/dev.jsonl}"
  timeout $((seconds + 30)) "${PIN_LOAD[@]}" wrk -t1 -c"$conns" -d"${seconds}s" --timeout 5s \
    -s "$BENCH_DIR/ask.lua" "$SERVER_URL" -- "$mode" "$questions" | grep '^RESULT'
}

# field NAME RESULT_LINE: one key=value out of a RESULT line.
field() {
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $2"
}

machine() {
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc: $(nproc)"
  lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|L2|L3)' | sed 's/  */ /g'
  echo "commit: $(cd "$REPO" && git rev-parse --short HEAD)$(cd "$REPO" && git diff --quiet || echo ' (dirty)')"
}
