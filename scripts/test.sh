#!/usr/bin/env bash
# Runs every Signpost test on a fresh machine: Rust unit and end-to-end tests, then the
# browser tests in Debian's Chromium. Installs what it needs (Chromium, npm packages) first.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "== cargo test"
cargo build --workspace --quiet
cargo test --workspace --quiet

echo "== browser tests"
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && npm test)
