#!/usr/bin/env bash
# The editor loop's targets (issue 16): builds the release server, then bench/editor.py seeds
# 1,000 distinct stored questions and times 20 previews and 20 fixes on the shipped corpus,
# from the apply click to the new answer being served, beside a plain reindex in the same run.
#
# Usage: bench/editor.sh          (NO_BUILD=1 to skip cargo build)
# Bounded: a fixed number of requests, 600 s at most; the server listens on 127.0.0.1 only and
# is stopped by its own pid.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== cargo build --release -p signpost-server" >&2
  (cd "$REPO" && cargo build --release --quiet -p signpost-server)
fi
mkdir -p "$REPO/target"
echo "Signpost editor loop on the shipped corpus, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$REPO" rev-parse --short HEAD)"
exec timeout 600 python3 "$REPO/bench/editor.py"
