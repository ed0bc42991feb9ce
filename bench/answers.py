#!/usr/bin/env python3
"""Writes the server's whole JSON response to every question of the evaluation sets, asked as
`POST /api/v1/ask` at the default limit and at limit 20 (conversations turn by turn, each turn
sent with the previous answer's context) and as `GET /api/v1/ask?q=` (what bench/load.sh asks),
one line each, so two builds can be compared byte for byte: a performance change must leave
every line the same.

Usage: bench/answers.py URL OUT.txt [EVAL.jsonl ...]
  default sets: tests/data/dev.jsonl tests/data/reader-dev.jsonl tests/data/extra.jsonl
Compare: run it against the old build and the new one, then `cmp old.txt new.txt`.
"""
import json
import sys
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ["tests/data/dev.jsonl", "tests/data/reader-dev.jsonl", "tests/data/extra.jsonl"]


def fetch(request):
    with urllib.request.urlopen(request) as response:
        if response.status != 200:
            sys.exit(f"HTTP {response.status} for {request.full_url}")
        return response.read().decode()


def post(url, question, context, limit):
    body = {"q": question}
    if limit is not None:
        body["limit"] = limit
    if context is not None:
        body["context"] = context
    request = urllib.request.Request(
        url + "/api/v1/ask", data=json.dumps(body).encode(), method="POST"
    )
    request.add_header("content-type", "application/json")
    return fetch(request)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    url, out = sys.argv[1].rstrip("/"), sys.argv[2]
    sets = sys.argv[3:] or [str(REPO / s) for s in DEFAULT_SETS]
    lines = 0
    with open(out, "w") as f:
        for path in sets:
            for number, line in enumerate(Path(path).read_text().splitlines(), 1):
                if not line.strip():
                    continue
                case = json.loads(line)
                for limit in (None, 20):
                    context = None
                    for turn in case.get("turns") or [case]:
                        text = post(url, turn["q"], context, limit)
                        key = {"set": Path(path).name, "line": number, "limit": limit, "q": turn["q"]}
                        f.write(json.dumps(key) + "\t" + text + "\n")
                        lines += 1
                        context = json.loads(text).get("context")
                for turn in case.get("turns") or [case]:
                    query = urllib.parse.quote(turn["q"], safe="")
                    text = fetch(urllib.request.Request(f"{url}/api/v1/ask?q={query}"))
                    key = {"set": Path(path).name, "line": number, "get": True, "q": turn["q"]}
                    f.write(json.dumps(key) + "\t" + text + "\n")
                    lines += 1
    print(f"{out}: {lines} responses")


if __name__ == "__main__":
    main()
