#!/usr/bin/env bash
# The editor loop's targets (issue 16): builds the release server, then bench/editor.py seeds
# 1,000 distinct stored questions and times 20 previews and 20 fixes on the shipped corpus,
# from the apply click to the new answer being served, beside a plain reindex in the same run,
# then the admin pages over a store of 400k questions.
#
# Usage: bench/editor.sh          (NO_BUILD=1 to skip cargo build)
# Bounded: a fixed number of requests, 600 s at most; every server listens on 127.0.0.1 only
# and is stopped by its own pid.
source "$(dirname "$0")/lib.sh"

[ "${NO_BUILD:-0}" = 1 ] || build_release
echo "Signpost editor loop on the shipped corpus, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git -C "$REPO" rev-parse --short HEAD)"
exec timeout 600 python3 "$REPO/bench/editor.py"
