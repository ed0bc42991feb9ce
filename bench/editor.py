"""The editor loop's targets (issue 16), measured against a release server on 127.0.0.1 with the
shipped corpus: the store is seeded with 1,000 distinct questions asked through the API, then
20 gaps are fixed one after the other, each previewed (POST /admin/preview: the evaluation
sets, the learned phrasings and the last 1,000 distinct stored questions, asked of the serving
engine and of one built with the fix) and applied (POST /admin/fixes), and the time from the
apply click to the new answer being served is taken by asking until it is. A plain reindex
(POST /admin/reindex) is timed in the same run as the baseline. Then the admin pages are timed
over a store of 400k questions. Run through bench/editor.sh.
Bounded: 1,000 asks, 20 previews, 20 fixes, 5 reindexes, 12 page loads.
"""

import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse

import benchserver
from benchserver import get

TOKEN = "editor-bench-admin-token-0123"
WORK = tempfile.mkdtemp(prefix="signpost-editor-", dir=os.path.join(benchserver.REPO, "target"))
STORED = 1000
# Words, not digits: each gap stays distinct after redaction.
NUMBERS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
           "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
           "seventeenth", "eighteenth", "nineteenth", "twentieth"]
FIXES = len(NUMBERS)


def ask(server, q):
    status, _, body = get(server, "/api/v1/ask?q=" + urllib.parse.quote(q))
    assert status == 200, (status, body)
    return json.loads(body)


def stored_questions():
    """1,000 distinct questions made of the corpus's own words, as people string them."""
    words = benchserver.corpus_words()
    openings = ["what is", "who ran", "how do i", "where can i find", "does the", "tell me about",
                "is there a", "when did the", "why was the", "can my council use the"]
    rng = random.Random(16)
    questions = set()
    while len(questions) < STORED:
        questions.add(f"{rng.choice(openings)} {' '.join(rng.sample(words, rng.randint(1, 3)))}")
    return sorted(questions)


def post_form(server, path, fields):
    headers = benchserver.admin_write_headers(server, TOKEN)
    headers.update({"Accept": "application/json",
                    "Content-Type": "application/x-www-form-urlencoded"})
    body = urllib.parse.urlencode(fields).encode()
    started = time.perf_counter()
    status, _, text = get(server, path, headers, method="POST", body=body, timeout=60)
    return status, json.loads(text or "{}"), time.perf_counter() - started


def figures(name, seconds):
    ms = sorted(s * 1000 for s in seconds)
    return (f"{name:<34} n={len(ms):>2}  median {statistics.median(ms):7.0f} ms  "
            f"p90 {ms[int(0.9 * (len(ms) - 1))]:7.0f} ms  max {ms[-1]:7.0f} ms")


BIG_STORE = 400_000


def big_store_pages():
    """The admin pages over a store of 400k questions (90 days of a busy council): the store is
    written directly with sqlite3 (the schema a first start creates), then a second server
    serves it and each page is fetched three times."""
    data = os.path.join(WORK, "big")
    first = benchserver.Server("big-init", WORK, data=data, env={"SIGNPOST_ADMIN_TOKEN": TOKEN})
    ask(first, "hello")
    first.stop()
    store = os.path.join(data, "signpost.sqlite3")
    words = ["council", "tax", "bin", "parsol", "crm", "money", "school", "bus", "planning",
             "website", "project", "smartcard", "benefit", "who", "led", "funding", "events",
             "helpline", "digital", "tv"]
    rng = random.Random(400)
    now = int(time.time())
    rows = []
    for _ in range(BIG_STORE):
        t = rng.randint(0, 4999)
        q = " ".join(random.Random(t).sample(words, 4))
        answer = None if t % 3 == 0 else f"faq-0{t % 9 + 1}"
        rows.append((now - rng.randint(0, 89 * 86400), f"site{t % 7}" if t % 2 else None, q,
                     answer, None if answer is None else (t % 100) / 100, 3,
                     " ".join(sorted(set(q.split()))), "faq" if answer else None))
    with sqlite3.connect(store) as db:
        db.executemany("INSERT INTO asks (at, site, question, answer_id, confidence, passages,"
                       " topic, answer_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    server = benchserver.Server("big", WORK, data=data, args=["--rate-limit-per-minute", "0"],
                                env={"SIGNPOST_ADMIN_TOKEN": TOKEN})
    try:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        print(f"admin pages over a store of {BIG_STORE:,} questions (5,000 topics, 90 days):")
        for path in ["/admin/queue", "/admin?since=90d", "/admin?since=30d", "/admin?since=7d"]:
            times = []
            for _ in range(3):
                started = time.perf_counter()
                status, _, _ = get(server, path, auth, timeout=60)
                assert status == 200, (path, status)
                times.append(time.perf_counter() - started)
            print(figures(f"GET {path}", times))
    finally:
        server.stop()


def main():
    server = benchserver.Server(
        "editor", WORK, args=["--rate-limit-per-minute", "0"],
        env={"SIGNPOST_ADMIN_TOKEN": TOKEN,
             "SIGNPOST_PREVIEW_SETS": ",".join(os.path.join(benchserver.REPO, "tests/data", f)
                                               for f in ("dev.jsonl", "reader-dev.jsonl"))})
    try:
        started = time.perf_counter()
        for q in stored_questions():
            ask(server, q)
        print(f"seeded {STORED} distinct stored questions in {time.perf_counter() - started:.1f} s")
        time.sleep(1.5)  # the store's writer batches; the preview reads what it has written

        reindex = []
        for _ in range(5):
            status, body, seconds = post_form(server, "/admin/reindex", {})
            assert status == 200, body
            reindex.append(seconds)

        previews, applies, served = [], [], []
        checked = []
        for n in range(FIXES):
            gap = f"our {NUMBERS[n]} parish council wants to join in with the shared toolkits"
            fix = {"action": "phrasing", "entry": "faq-05", "question": gap}
            status, body, seconds = post_form(server, "/admin/preview", fix)
            assert status == 200, body
            previews.append(seconds)
            checked.append(body["checked"])
            click = time.perf_counter()
            status, body, seconds = post_form(server, "/admin/fixes", fix)
            assert status == 200, body
            applies.append(seconds)
            deadline = click + 10
            while (ask(server, gap).get("answer") or {}).get("id") != "faq-05":
                assert time.perf_counter() < deadline, f"{gap!r} not served within 10 s"
            served.append(time.perf_counter() - click)

        print(f"each preview asked {min(checked)}–{max(checked)} distinct questions "
              f"(evaluation sets, learned phrasings, {STORED} stored)")
        print(figures("baseline: POST /admin/reindex", reindex))
        print(figures("preview (POST /admin/preview)", previews))
        print(figures("apply (POST /admin/fixes)", applies))
        print(figures("click to new answer served", served))
        base = statistics.median(reindex)
        print(f"ratios to the reindex baseline (medians): preview {statistics.median(previews) / base:.1f}x, "
              f"click to served {statistics.median(served) / base:.1f}x")
        ok = max(served) <= 2.0 and statistics.median(previews) <= 1.0
        print("targets (click to served ≤ 2 s every time; preview ≤ 1 s): " + ("met" if ok else "NOT met"))
    finally:
        server.stop()
    try:
        big_store_pages()
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
