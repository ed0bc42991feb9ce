#!/usr/bin/env bash
# Runs every Signpost test on a fresh machine: Rust unit and end-to-end tests, schemathesis
# against the running server's OpenAPI description, then the browser tests in Debian's
# Chromium. Installs what it needs (Chromium, schemathesis in a venv, npm packages) first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/need.sh
source scripts/server.sh

need chromium

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo build --workspace --quiet
cargo test --workspace --quiet

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
stop_st_server() { server_stop; rm -rf "$st_data"; }
trap stop_st_server EXIT
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
trap - EXIT

echo "== browser tests"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
