#!/usr/bin/env python3
"""Writes, one JSON line each, the answer a running Signpost server gives to every question of
the evaluation sets (conversations turn by turn, each turn sent with the previous answer's
context), so two builds can be compared byte for byte: a refactoring must leave every line
the same.

Usage: scripts/answer_snapshot.py URL OUT.jsonl [EVAL.jsonl ...]
  default sets: tests/data/dev.jsonl tests/data/reader-dev.jsonl tests/data/extra.jsonl
Compare: scripts/answer_snapshot.py URL before.jsonl (old build), again with after.jsonl
(new build), then `cmp before.jsonl after.jsonl`.
"""
import json
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ["tests/data/dev.jsonl", "tests/data/reader-dev.jsonl", "tests/data/extra.jsonl"]


def ask(url, question, context):
    body = {"q": question}
    if context is not None:
        body["context"] = context
    request = urllib.request.Request(
        url.rstrip("/") + "/api/v1/ask",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return response.read().decode()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    url, out = sys.argv[1], sys.argv[2]
    sets = sys.argv[3:] or [str(REPO / s) for s in DEFAULT_SETS]
    lines = 0
    with open(out, "w") as f:
        for path in sets:
            for number, line in enumerate(Path(path).read_text().splitlines(), 1):
                if not line.strip():
                    continue
                case = json.loads(line)
                context = None
                for turn in case.get("turns") or [case]:
                    text = ask(url, turn["q"], context)
                    f.write(json.dumps({"set": Path(path).name, "line": number, "q": turn["q"]}))
                    f.write("\t" + text + "\n")
                    lines += 1
                    context = json.loads(text).get("context")
    print(f"{out}: {lines} answers")


if __name__ == "__main__":
    main()
