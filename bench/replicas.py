"""Admin changes on one replica reaching another (issue 20), run by `bench/replicas.sh
propagation`: two release replicas on one PostgreSQL store, each with its own data directory
and index, started one after the other on 127.0.0.1. Twenty gaps are fixed on replica A the
way an editor fixes them (POST /admin/fixes with a learned phrasing, the admin token and a
form token A issued, as bench/editor.py does), one after the other; for each, the time from
the apply click until replica B answers the taught phrasing with the taught entry is taken by
asking B until it does (and A likewise, for comparison). Targets: median ≤ 2 s, every one
≤ 5 s (the store's LISTEN/NOTIFY promise).

Usage: python3 bench/replicas.py propagation POSTGRES_URL
       python3 bench/replicas.py propagation --one-sqlite-server
The second form checks this script's own steps today, on one server with its SQLite store
asked as both A and B; it measures nothing about replicas.
Bounded: 20 changes, each given 10 s to arrive; every server is stopped by its own pid.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import benchserver
from benchserver import get

TOKEN = "replicas-bench-admin-token-0123"
ENTRY = "faq-05"
CHANGES = 20
PATIENCE = 10.0


def gaps():
    """Questions made of the corpus's own words, as people string them (as bench/editor.py
    makes its stored questions): each is taught to ENTRY in turn. Unlike near-identical
    phrasings, teaching one does not teach the next."""
    words = benchserver.corpus_words()
    openings = ["what is", "who ran", "where can i find", "tell me about", "is there a",
                "why was the", "can my council use the"]
    rng = random.Random(20)
    seen = set()
    while True:
        q = f"{rng.choice(openings)} {' '.join(rng.sample(words, 3))}"
        if q not in seen:
            seen.add(q)
            yield q


def answer_id(server, q):
    status, _, body = get(server, "/api/v1/ask?q=" + urllib.parse.quote(q))
    assert status == 200, (server.port, status, body)
    return (json.loads(body).get("answer") or {}).get("id")


def apply_fix(server, fix):
    headers = benchserver.admin_write_headers(server, TOKEN)
    headers.update({"Accept": "application/json",
                    "Content-Type": "application/x-www-form-urlencoded"})
    status, _, text = get(server, "/admin/fixes", headers, method="POST",
                          body=urllib.parse.urlencode(fix).encode(), timeout=60)
    assert status == 200, (status, text)


def tables_in(url):
    """How many tables the database at `url` holds outside the system schemas (psql: $PSQL)."""
    out = subprocess.run(
        [os.environ.get("PSQL", "psql"), "-X", "-Atq", url, "-c",
         "SELECT count(*) FROM information_schema.tables"
         " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"],
        check=True, capture_output=True, text=True, timeout=30)
    return int(out.stdout.strip() or 0)


def figures(name, seconds):
    ms = sorted(s * 1000 for s in seconds)
    return (f"{name:<40} n={len(ms):>2}  median {statistics.median(ms):6.0f} ms  "
            f"p90 {ms[int(0.9 * (len(ms) - 1))]:6.0f} ms  max {ms[-1]:6.0f} ms")


def propagation(store):
    work = tempfile.mkdtemp(prefix="replicas-", dir=os.environ.get("BENCH_RUN") or None)
    # The servers run from the scratch directory: a build without the PostgreSQL store takes
    # the URL for an SQLite file name, relative to where it runs.
    os.chdir(work)
    env = {"SIGNPOST_ADMIN_TOKEN": TOKEN}
    args = ["--rate-limit-per-minute", "0"]
    servers = []
    try:
        if store == "--one-sqlite-server":
            a = benchserver.Server("replica-a", work, args=args, env=env)
            servers.append(a)
            b = a
            print("self-check: one server with its SQLite store, asked as both A and B")
        else:
            # One after the other: the first creates the schema.
            a = benchserver.Server("replica-a", work, args=args + ["--store", store], env=env)
            servers.append(a)
            answer_id(a, "is there a helpline")
            time.sleep(1.5)  # the store's writer batches
            if tables_in(store) == 0:
                print(f"{benchserver.BIN} made no table in PostgreSQL: this build has no "
                      "PostgreSQL store (it took the URL for a file name)", file=sys.stderr)
                return 1
            b = benchserver.Server("replica-b", work, args=args + ["--store", store], env=env)
            servers.append(b)
        print(f"replica A on 127.0.0.1:{a.port}, replica B on 127.0.0.1:{b.port}")
        on_a, on_b, late, skipped = [], [], [], 0
        candidates = gaps()
        for n in range(CHANGES):
            # A question B does not answer with ENTRY yet: otherwise there is nothing to see.
            gap = next(candidates)
            while answer_id(b, gap) == ENTRY:
                skipped += 1
                assert skipped < 100, f"100 questions were already answered with {ENTRY}"
                gap = next(candidates)
            click = time.perf_counter()
            apply_fix(a, {"action": "phrasing", "entry": ENTRY, "question": gap})
            seen = {}
            while len(seen) < 2:
                now = time.perf_counter()
                if now - click > PATIENCE:
                    break
                for name, server in (("a", a), ("b", b)):
                    if name not in seen and answer_id(server, gap) == ENTRY:
                        seen[name] = time.perf_counter() - click
                time.sleep(0.005)
            if "b" not in seen:
                late.append(n + 1)
                seen["b"] = PATIENCE
            on_a.append(seen.get("a", PATIENCE))
            on_b.append(seen["b"])
            print(f"change {n + 1:>2}: served by A after {on_a[-1] * 1000:5.0f} ms, "
                  f"by B after {on_b[-1] * 1000:5.0f} ms  ({gap!r} taught to {ENTRY})")
        print()
        if skipped:
            print(f"({skipped} candidate questions skipped: already answered with {ENTRY})")
        print(figures("click to served by A (where it was made)", on_a))
        print(figures("click to served by B (the other replica)", on_b))
        if late:
            print(f"B did not serve changes {late} within {PATIENCE:.0f} s (counted as {PATIENCE:.0f} s)")
        ok = statistics.median(on_b) <= 2.0 and max(on_b) <= 5.0
        print("targets (on B: median ≤ 2 s, every change ≤ 5 s): " + ("met" if ok else "NOT met"))
        return 0 if ok else 1
    finally:
        for server in servers:
            server.stop()


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "propagation":
        print(__doc__, file=sys.stderr)
        return 2
    return propagation(sys.argv[2])


if __name__ == "__main__":
    sys.exit(main())
