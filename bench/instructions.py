#!/usr/bin/env python3
"""User-space instructions per ask and per /healthz of the whole release server, counted by
callgrind: repeatable where wrk's rates move by five points from run to run.

Starts target/release/signpost-server under `valgrind --tool=callgrind` (pinned to one core,
like bench/load.sh, with the rate limit off and the store on, as load.sh runs it) over a fresh
copy of the data folder, warms it up with every question twice, then, over one kept-alive
connection, sends N asks (`GET /api/v1/ask?q=`, rotating through the questions as
bench/ask.lua does) and N /healthz, zeroing callgrind's counters before each part and
dumping them after it (`callgrind_control`). Prints the instructions per request of each part,
over all threads and for the store's writer thread alone (which commits every 100 ms, so under
valgrind's slow pace it commits far more often per ask than under load).

Usage: bench/instructions.py [N] [QUESTIONS.jsonl]   (N default 580, questions tests/data/dev.jsonl)
Environment: SIGNPOST_SERVER_BIN, KEEP=1 keeps the callgrind files (printed).
"""
import glob
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def questions(path):
    out = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            case = json.loads(line)
            for turn in case.get("turns") or [case]:
                out.append(turn["q"])
    return out


def totals(files):
    """Instructions per file (thread), from each dump's `totals:` or `summary:` line."""
    result = {}
    for name in files:
        text = Path(name).read_text()
        m = re.search(r"^totals:\s+(\d+)", text, re.M) or re.search(r"^summary:\s+(\d+)", text, re.M)
        thread = re.search(r"^thread:\s*(\d+)", text, re.M)
        result[name] = (int(thread.group(1)) if thread else 0, int(m.group(1)) if m else 0)
    return result


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 580
    qs = questions(sys.argv[2] if len(sys.argv) > 2 else REPO / "tests/data/dev.jsonl")
    binary = os.environ.get("SIGNPOST_SERVER_BIN", str(REPO / "target/release/signpost-server"))
    work = Path(tempfile.mkdtemp(prefix="signpost-cg-"))
    data = work / "data"
    # Build the index first, outside valgrind.
    subprocess.run([binary, "--corpus", str(REPO / "corpus"), "--data", str(data), "eval",
                    str(REPO / "tests/data/dev.jsonl")], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    log = open(work / "server.log", "w")
    server = subprocess.Popen(
        ["taskset", "-c", "0", "valgrind", "--tool=callgrind", "--separate-threads=yes",
         f"--callgrind-out-file={work}/cg.out", binary, "--addr", "127.0.0.1:0",
         "--corpus", str(REPO / "corpus"), "--data", str(data), "--rate-limit-per-minute", "0",
         "serve"],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, NO_COLOR="1", RUST_LOG="info"))
    try:
        port = None
        deadline = time.time() + 300
        while port is None and time.time() < deadline:
            m = re.search(r"serving on http://127\.0\.0\.1:(\d+)", (work / "server.log").read_text())
            port = m and int(m.group(1))
            time.sleep(0.2)
        if port is None:
            sys.exit("the server did not start: " + (work / "server.log").read_text())
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

        def get(path):
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"HTTP {response.status} for {path}")

        asks = ["/api/v1/ask?q=" + urllib.parse.quote(q, safe="") for q in qs]
        for path in asks * 2:
            get(path)
        for _ in range(50):
            get("/healthz")
        time.sleep(0.5)

        def part(name, paths):
            subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True,
                           stdout=subprocess.DEVNULL)
            for path in paths:
                get(path)
            time.sleep(0.3)  # the store's writer commits what was asked
            before = set(glob.glob(f"{work}/cg.out*"))
            subprocess.run(["callgrind_control", "-d", name, str(server.pid)], check=True,
                           stdout=subprocess.DEVNULL)
            files = sorted(set(glob.glob(f"{work}/cg.out*")) - before)
            per_thread = totals(files)
            total = sum(t for _, t in per_thread.values())
            biggest = sorted(per_thread.items(), key=lambda kv: -kv[1][1])
            return total, biggest

        ask_total, ask_threads = part("asks", [asks[i % len(asks)] for i in range(n)])
        health_total, health_threads = part("healthz", ["/healthz"] * n)
        conn.close()
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"{n} requests each, {len(qs)} rotating questions, {binary}")
    for name, total, threads in (("ask", ask_total, ask_threads), ("healthz", health_total, health_threads)):
        parts = ", ".join(f"thread {tid}: {t / n / 1000:.1f}k" for _, (tid, t) in threads[:4] if t)
        print(f"{name:8} {total / n / 1000:8.1f}k instructions per request  ({parts})")
    print(f"ask − healthz {(ask_total - health_total) / n / 1000:.1f}k")
    if os.environ.get("KEEP") == "1":
        print(f"callgrind files in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
