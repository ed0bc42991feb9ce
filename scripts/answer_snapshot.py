#!/usr/bin/env python3
"""Writes, one JSON line each, the answer a running Signpost server gives to every question of
the evaluation sets, asked as `POST /api/v1/ask` at the default limit and at limit 20
(conversations turn by turn, each turn sent with the previous answer's context) and as
`GET /api/v1/ask?q=` (what bench/load.sh asks), then the status and body of every API endpoint on the examples the API reference
documents and on the errors it lists, so two builds can be compared byte for byte: a
refactoring must leave every line the same.

Usage: scripts/answer_snapshot.py URL OUT.jsonl [EVAL.jsonl ...]
  default sets: tests/data/dev.jsonl tests/data/reader-dev.jsonl tests/data/extra.jsonl
Compare: scripts/answer_snapshot.py URL before.jsonl (old build), again with after.jsonl
(new build), then `cmp before.jsonl after.jsonl`.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETS = ["tests/data/dev.jsonl", "tests/data/reader-dev.jsonl", "tests/data/extra.jsonl"]


# Every endpoint on its documented examples, and the errors the reference lists.
ENDPOINTS = [
    ("GET", "/healthz", None),
    ("GET", "/api/v1/ask?q=what%20is%20parsol", None),
    ("GET", "/api/v1/ask?q=who%20led%20it&limit=2", None),
    ("GET", "/api/v1/ask", None),
    ("GET", "/api/v1/ask?q=parsol&limit=0", None),
    ("POST", "/api/v1/ask", b'{"q": "what did e-pay do", "limit": 3}'),
    ("POST", "/api/v1/ask", b'{"q": 5}'),
    ("POST", "/api/v1/ask", b"not json"),
    ("GET", "/api/v1/suggest?q=parso", None),
    ("GET", "/api/v1/suggest?q=smrt%20crd&limit=2", None),
    ("GET", "/api/v1/suggest", None),
    ("GET", "/api/v1/faq", None),
    ("GET", "/api/v1/projects", None),
    ("GET", "/api/v1/projects/business", None),
    ("GET", "/api/v1/projects/no-such-project", None),
    ("POST", "/api/v1/feedback", b'{"answer_id": "faq-01", "q": "what are the national projects", "helpful": true}'),
    ("POST", "/api/v1/feedback", b'{"answer_id": "", "helpful": "yes"}'),
    ("GET", "/api/v1/openapi.json", None),
]


def call(url, method, path, body):
    request = urllib.request.Request(url.rstrip("/") + path, data=body, method=method)
    if body is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def ask(url, question, context, limit):
    """The answer's JSON text; anything but a 200 stops the snapshot (the sets are all valid
    questions, so an error means the server is not the one to compare)."""
    body = {"q": question}
    if limit is not None:
        body["limit"] = limit
    if context is not None:
        body["context"] = context
    status, text = call(url, "POST", "/api/v1/ask", json.dumps(body).encode())
    return answered(question, status, text)


def ask_by_get(url, question):
    """The answer to `GET /api/v1/ask?q=`, as [`ask`] checks it."""
    status, text = call(url, "GET", "/api/v1/ask?q=" + urllib.parse.quote(question, safe=""), None)
    return answered(question, status, text)


def answered(question, status, text):
    if status != 200:
        sys.exit(f"{question!r}: HTTP {status}: {text}")
    return text


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
                turns = case.get("turns") or [case]
                for limit in (None, 20):
                    context = None
                    for turn in turns:
                        text = ask(url, turn["q"], context, limit)
                        key = {"set": Path(path).name, "line": number, "q": turn["q"]}
                        if limit is not None:
                            key["limit"] = limit
                        f.write(json.dumps(key) + "\t" + text + "\n")
                        lines += 1
                        context = json.loads(text).get("context")
                for turn in turns:
                    text = ask_by_get(url, turn["q"])
                    key = {"set": Path(path).name, "line": number, "get": True, "q": turn["q"]}
                    f.write(json.dumps(key) + "\t" + text + "\n")
                    lines += 1
        for method, path, body in ENDPOINTS:
            status, text = call(url, method, path, body)
            f.write(json.dumps({"endpoint": f"{method} {path}", "body": (body or b"").decode()}))
            f.write(f"\t{status}\t{text}\n")
            lines += 1
    print(f"{out}: {lines} answers and responses")


if __name__ == "__main__":
    main()
