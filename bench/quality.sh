#!/usr/bin/env bash
# Answer quality on FAQ collections nobody working on Signpost wrote: builds the release
# server and runs `signpost-server quality`, which imports each collection's faq.jsonl into a
# scratch corpus with the indexer's importer, indexes it, and asks every query of its
# queries-dev.jsonl with no threshold (P@1, hit@3, MRR, ECE) and with the threshold as served
# (coverage, precision), beside plain BM25 baselines computed by the same binary in the same
# run. Needs only the Rust toolchain; takes seconds once built.
#
# Usage: bench/quality.sh [COLLECTION_DIR...]
#   default: tests/data/external/stackfaq and tests/data/external/covidfaq
# Environment: NO_BUILD=1 to skip cargo build.

source "$(dirname "$0")/lib.sh"

[ $# -gt 0 ] || set -- "$REPO/tests/data/external/stackfaq" "$REPO/tests/data/external/covidfaq"
[ "${NO_BUILD:-0}" = 1 ] || build_release

echo "Signpost answer quality on external FAQ collections"
machine
echo
started=$(now_ms)
RUST_LOG="${RUST_LOG:-warn}" "$SERVER_BIN" quality "$@"
echo "whole run: $(($(now_ms) - started)) ms (every import, index, ask and baseline)"
