#!/usr/bin/env bash
# Load benchmark: builds and starts the release server on 127.0.0.1 over a corpus, warms it
# up, then runs wrk against /healthz and /api/v1/ask (rotating through real questions, see
# bench/ask.lua) in the same run, at 1 and at 32 connections, 10 s per point. Prints
# requests/s, p50/p99 and the ask/healthz ratios the performance targets are stated in.
#
# Usage: bench/load.sh [CORPUS_DIR] [QUESTIONS_JSONL]
#   defaults: corpus/ and tests/data/dev.jsonl
# Environment: SECONDS_PER_POINT (10), CONNECTIONS ("1 32"), WARMUP_SECONDS (3),
#   NO_BUILD=1 to skip cargo build.
# Bounded: at most 2 × (warm-up + points × (SECONDS_PER_POINT + 30)) seconds of wrk, and the
# server is stopped on exit.

source "$(dirname "$0")/lib.sh"

CORPUS="${1:-$REPO/corpus}"
QUESTIONS="${2:-$REPO/tests/data/dev.jsonl}"
SECS="${SECONDS_PER_POINT:-10}"
CONNECTIONS="${CONNECTIONS:-1 32}"
WARMUP="${WARMUP_SECONDS:-3}"

need wrk
[ "${NO_BUILD:-0}" = 1 ] || build_release

DATA="$WORK/load-$(basename "$CORPUS")"
rm -rf "$DATA" "$DATA.log"
start_server "$CORPUS" "$DATA"
echo "== first start (building the index): ready in ${SERVER_READY_MS} ms" >&2
stop_server
start_server "$CORPUS" "$DATA"
echo "== start with the index built: ready in ${SERVER_READY_MS} ms" >&2

echo "== warm-up (${WARMUP} s each)" >&2
run_wrk 8 "$WARMUP" healthz >/dev/null
run_wrk 8 "$WARMUP" ask "$QUESTIONS" >/dev/null

echo
echo "Signpost load benchmark — $(basename "$CORPUS"), $(grep -c . "$QUESTIONS") rotating questions, ${SECS} s per point"
machine
echo "pinning: $PINNING; wrk -t1"
echo
printf '%-5s %-9s %12s %10s %10s %8s\n' conns endpoint "requests/s" "p50 ms" "p99 ms" errors
failed=0
for conns in $CONNECTIONS; do
  health=$(run_wrk "$conns" "$SECS" healthz)
  ask=$(run_wrk "$conns" "$SECS" ask "$QUESTIONS")
  for pair in "healthz|$health" "ask|$ask"; do
    name="${pair%%|*}"
    line="${pair#*|}"
    bad=$(($(field errors "$line") + $(field non2xx "$line")))
    failed=$((failed + bad))
    printf '%-5s %-9s %12.0f %10.3f %10.3f %8s\n' "$conns" "$name" "$(field rps "$line")" \
      "$(echo "$(field p50_us "$line") / 1000" | bc -l)" \
      "$(echo "$(field p99_us "$line") / 1000" | bc -l)" "$bad"
  done
  ratio_rps=$(echo "$(field rps "$ask") / $(field rps "$health")" | bc -l)
  ratio_p50=$(echo "$(field p50_us "$ask") / $(field p50_us "$health")" | bc -l)
  printf '      ask/healthz: throughput %.1f%%, median latency %.2f×\n' \
    "$(echo "$ratio_rps * 100" | bc -l)" "$ratio_p50"
done
echo
echo "server RSS after the run: $(($(server_rss_kib) / 1024)) MiB"
if [ "$failed" -gt 0 ]; then
  echo "FAILED: $failed requests failed or were refused; the figures above are not valid" >&2
  exit 1
fi
