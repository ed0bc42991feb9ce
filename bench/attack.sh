#!/usr/bin/env bash
# Attack replay for issue 17: builds the release server, then bench/attack.py replays each
# finding (idle and trickling connections at a low file limit, shutdown with a half-sent
# head, searches that bypassed the search cap and the rate limit, a client's own Forwarded
# header behind a proxy, redaction variants, escape sequences and ;-split CSV cells in the
# report, a reindex failure's message, error shapes, a read-only store's log, old index
# generations) against servers on 127.0.0.1 and prints tried/failed per check.
#
# Usage: bench/attack.sh          (NO_BUILD=1 to skip cargo build)
# Bounded: each check makes a fixed number of requests; the whole run stops after 600 s of
# checks (timeout 900 s overall), and every server it starts is stopped by its own pid.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== cargo build --release -p signpost-server" >&2
  (cd "$REPO" && cargo build --release --quiet -p signpost-server)
fi
mkdir -p "$REPO/target"
exec timeout 900 python3 "$REPO/bench/attack.py"
