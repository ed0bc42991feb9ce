#!/usr/bin/env python3
"""Writes, one JSON line each, the answer a running Signpost server gives to every question of
the evaluation sets (conversations turn by turn, each turn sent with the previous answer's
context), then the status and body of every API endpoint on the examples the API reference
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


def ask(url, question, context):
    """The answer's JSON text; anything but a 200 stops the snapshot (the sets are all valid
    questions, so an error means the server is not the one to compare)."""
    body = {"q": question}
    if context is not None:
        body["context"] = context
    status, text = call(url, "POST", "/api/v1/ask", json.dumps(body).encode())
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
                context = None
                for turn in case.get("turns") or [case]:
                    text = ask(url, turn["q"], context)
                    f.write(json.dumps({"set": Path(path).name, "line": number, "q": turn["q"]}))
                    f.write("\t" + text + "\n")
                    lines += 1
                    context = json.loads(text).get("context")
        for method, path, body in ENDPOINTS:
            status, text = call(url, method, path, body)
            f.write(json.dumps({"endpoint": f"{method} {path}", "body": (body or b"").decode()}))
            f.write(f"\t{status}\t{text}\n")
            lines += 1
    print(f"{out}: {lines} answers and responses")


if __name__ == "__main__":
    main()
