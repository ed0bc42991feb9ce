#!/usr/bin/env bash
# What the widget costs a council's page, in Chromium: CLS and long tasks with and without it,
# widget.js gzipped, and response-to-answer-on-screen time. Needs the debug server built
# (cargo build -p signpost-server) and the browser tests' npm packages (npm ci in
# tests/browser). RUNS=N sets loads per page (default 5). See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
exec node widget-impact.bench.mjs
