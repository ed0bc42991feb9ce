#!/usr/bin/env bash
# Runs every Signpost test on a fresh machine: Rust unit and end-to-end tests, schemathesis
# against the running server's OpenAPI description, then the browser tests in Debian's
# Chromium. Installs what it needs (Chromium, schemathesis in a venv, npm packages) first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/need.sh
source scripts/server.sh
# pg_cluster_start / pg_cluster_stop: a throwaway PostgreSQL cluster for the store tests.
source scripts/pg.sh

# Whatever happens (a failure, Ctrl-C, SIGTERM), everything started below is stopped on exit:
# the schemathesis server and its data directory, and the PostgreSQL cluster and its data.
st_data=""
stop_st_server() {
  server_stop
  [ -z "$st_data" ] || rm -rf "$st_data"
  st_data=""
}
cleanup() {
  stop_st_server
  pg_cluster_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

need chromium

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo build --workspace --quiet
# The store tests run against PostgreSQL only when SIGNPOST_TEST_POSTGRES is set (a
# postgres:// URL); this command always sets it, with a cluster of its own (scripts/pg.sh),
# which also exports SIGNPOST_TEST_PG_DATA and SIGNPOST_TEST_PG_SCRIPT so a test can stop and
# restart the database under a running server (`bash "$SIGNPOST_TEST_PG_SCRIPT" stop|start
# "$SIGNPOST_TEST_PG_DATA"`).
pg_cluster_start
cargo test --workspace --quiet
pg_cluster_stop

echo "== schemathesis (the API against its own OpenAPI description)"
venv=target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # `python3 -m venv` fails until Debian's python3-venv is installed; no command tells.
    need /nonexistent/python3-venv python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
st_data="$(mktemp -d)"
# The rate limiter stays on, with an allowance one test client cannot exhaust.
server_start "$st_data/server.log" env SIGNPOST_ADDR=127.0.0.1:0 SIGNPOST_DATA="$st_data" \
  SIGNPOST_RATE_LIMIT_PER_MINUTE=100000000 SIGNPOST_RATE_LIMIT_BURST=1000000 \
  RUST_LOG=warn,signpost_server=info ./target/debug/signpost-server
st_url="$SERVER_URL"
# One worker: with several, hypothesis (under Python 3.11) can fail with "AST constructor
# recursion depth mismatch" describing its own filters, an error in the tool, not the API.
"$venv/bin/schemathesis" --config-file scripts/schemathesis.toml --no-color run \
  "$st_url/api/v1/openapi.json" --max-examples 50 --workers 1 --report junit \
  --report-dir target/schemathesis-report
stop_st_server

echo "== browser tests"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
