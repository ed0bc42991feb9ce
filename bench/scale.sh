#!/usr/bin/env bash
# Scaling curve: for each size, generates a synthetic corpus (signpost-indexer generate, seed 1),
# builds its index with the release indexer (passages/s), starts the release server on the
# existing index (time until /healthz answers), and measures ask latency at one connection
# with wrk rotating through the corpus's generated questions, and the server's resident memory.
#
# Usage: bench/scale.sh [SIZES...]       default: 10000 100000 1000000
# Environment: SECONDS_PER_POINT (10), NO_BUILD=1 to skip cargo build, REGENERATE=1 to write
#   the corpora again even when present.
# Scratch files (corpora, indexes, logs) go to target/bench/; the 1M corpus takes ~0.4 GB and
# its index ~0.7 GB. Every server is stopped on exit; every wrk run is bounded.

source "$(dirname "$0")/lib.sh"

SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
SECS="${SECONDS_PER_POINT:-10}"

need wrk
[ "${NO_BUILD:-0}" = 1 ] || build_release

echo "Signpost scaling curve — ${SECS} s of wrk -c1 per size, generated questions"
machine
echo "pinning: $PINNING"
echo
printf '%9s %11s %12s %10s %9s %9s %9s %10s %10s\n' passages "build s" "passages/s" "start ms" "p50 ms" "p99 ms" "ask/s" "RSS MiB" "index MiB"
for n in "${SIZES[@]}"; do
  gen="$WORK/gen-$n"
  if [ "${REGENERATE:-0}" = 1 ] || [ ! -f "$gen/questions.jsonl" ]; then
    "$INDEXER_BIN" generate --passages "$n" --seed 1 --out "$gen" >&2
  fi
  data="$WORK/scale-$n"
  rm -rf "$data" "$data.log"
  mkdir -p "$data"
  started=$(now_ms)
  "$INDEXER_BIN" build --corpus "$gen/corpus" --out "$data/index" >&2
  build_ms=$(($(now_ms) - started))
  index_mib=$(du -sm "$data/index" | cut -f1)
  start_server "$gen/corpus" "$data"
  start_ms=$SERVER_READY_MS
  # Warm-up: the first questions pay for opening postings and analysing passages.
  run_wrk 1 2 ask "$gen/questions.jsonl" >/dev/null
  result=$(run_wrk 1 "$SECS" ask "$gen/questions.jsonl")
  rss_mib=$(($(server_rss_kib) / 1024))
  stop_server
  failed=$(($(field errors "$result") + $(field non2xx "$result")))
  if [ "$failed" -gt 0 ]; then
    echo "FAILED at $n passages: $failed requests failed or were refused" >&2
    exit 1
  fi
  printf '%9d %11.1f %12.0f %10d %9.2f %9.2f %9.0f %10d %10d\n' "$n" \
    "$(echo "$build_ms / 1000" | bc -l)" "$(echo "$n * 1000 / $build_ms" | bc -l)" "$start_ms" \
    "$(echo "$(field p50_us "$result") / 1000" | bc -l)" \
    "$(echo "$(field p99_us "$result") / 1000" | bc -l)" \
    "$(field rps "$result")" "$rss_mib" "$index_mib"
done
