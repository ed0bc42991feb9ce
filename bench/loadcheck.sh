#!/usr/bin/env bash
# Load check: the release server on 127.0.0.1 under wrk for a bounded time (30 s, 64
# connections by default), asking the dev-set questions in turn. Reports requests/s, p50/p99
# latency and errors, and fails on any non-2xx response or socket error. The rate limiter
# stays on, configured so the one load client's allowance covers the run. Installs wrk
# (Debian package) when missing. Run by hand or in a long CI job:
#     bash bench/loadcheck.sh            DURATION=10s CONNECTIONS=32 bash bench/loadcheck.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-30s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"

source scripts/need.sh
source scripts/server.sh
need wrk

echo "== building the release server"
cargo build --release --quiet -p signpost-server

work="$(mktemp -d)"
cleanup() {
  server_stop
  rm -rf "$work"
}
trap cleanup EXIT

# The questions, URL-encoded, as a Lua table.
python3 - "$work/paths.lua" <<'PY'
import json, sys, urllib.parse
questions = []
for name in ("tests/data/dev.jsonl", "tests/data/extra.jsonl"):
    try:
        with open(name, encoding="utf-8") as f:
            questions += [json.loads(line)["q"] for line in f if line.strip()]
    except FileNotFoundError:
        pass
questions = questions or ["is there a helpline"]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    out.write("return {\n")
    for q in questions:
        out.write('  "/api/v1/ask?q=%s",\n' % urllib.parse.quote_plus(q))
    out.write("}\n")
print(f"== {len(questions)} questions")
PY

# Rate limiting on, with an allowance the single load client cannot exhaust in the run.
server_start "$work/server.log" env SIGNPOST_ADDR=127.0.0.1:0 SIGNPOST_DATA="$work/data" \
  SIGNPOST_RATE_LIMIT_PER_MINUTE=100000000 SIGNPOST_RATE_LIMIT_BURST=1000000 \
  SIGNPOST_MAX_CONCURRENT_SEARCHES="$CONNECTIONS" RUST_LOG=warn,signpost_server=info \
  ./target/release/signpost-server
url="$SERVER_URL"
echo "== server at $url; wrk for $DURATION with $CONNECTIONS connections, $THREADS threads"

LOADCHECK_PATHS="$work/paths.lua" wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
  -s bench/loadcheck.lua "$url" | tee "$work/wrk.txt"

summary="$(grep '^loadcheck:' "$work/wrk.txt")"
non2xx="$(sed -n 's/.* non2xx=\([0-9]*\).*/\1/p' <<<"$summary")"
socket_errors="$(sed -n 's/.* socket_errors=\([0-9]*\).*/\1/p' <<<"$summary")"
if [ "$non2xx" != "0" ] || [ "$socket_errors" != "0" ]; then
  echo "FAIL: $non2xx non-2xx responses, $socket_errors socket errors"
  exit 1
fi
echo "OK: zero non-2xx responses, zero socket errors"
