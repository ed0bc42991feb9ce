"""Replays each finding of issue 17 against release servers on 127.0.0.1 and prints, per check,
how many attempts were made and how many failed (a failure is the old behaviour coming back).
Run through bench/attack.sh, which builds the release binary first. Every loop is bounded in
count and time; every server started here listens on 127.0.0.1 only and is stopped by its own
process id when its check ends.
"""

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

import benchserver
from benchserver import get

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SIGNPOST_SERVER_BIN", os.path.join(REPO, "target/release/signpost-server"))
CORPUS = os.path.join(REPO, "tests/fixtures/corpus")
WORK = tempfile.mkdtemp(prefix="signpost-attack-", dir=os.path.join(REPO, "target"))
TOKEN = "attack-admin-token-0123456789"
RESULTS = []


def Server(name, **options):
    """A release server for one check, its data and log under WORK."""
    return benchserver.Server(name, WORK, bin=BIN, **{"corpus": CORPUS, **options})


def admin_write_headers(server):
    return benchserver.admin_write_headers(server, TOKEN)


def q(text):
    return urllib.parse.quote(text, safe="")


def report(name, tried, failed, note=""):
    RESULTS.append((name, tried, failed, note))
    print(f"{name:<34} tried {tried:>6}  failed {failed:>4}  {note}", flush=True)


def timed_health(server, timeout=5):
    started = time.monotonic()
    status, _, _ = get(server, "/healthz", timeout=timeout)
    return status, (time.monotonic() - started) * 1000


# 1. Idle and trickling connections at a low file limit.
def idle_connections():
    server = Server("idle", prefix="ulimit -n 128;", args=["--rate-limit-per-minute", "0"])
    try:
        socks, trickle = [], []
        unanswered = 0
        for i in range(500):
            try:
                s = socket.create_connection(("127.0.0.1", server.port), timeout=2)
            except OSError:
                # A server that stopped accepting: stop after three, and count it.
                unanswered += 1
                if unanswered >= 3:
                    break
                continue
            s.setblocking(False)
            (socks if i % 2 == 0 else trickle).append(s)
        head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"x" * 64 + b"\r\n\r\n"
        sent = [0] * len(trickle)
        probes, during_ms = 0, []
        failed = 0
        started = time.monotonic()
        while time.monotonic() - started < 30:
            for i, s in enumerate(trickle):
                if sent[i] < len(head):
                    try:
                        s.send(head[sent[i]:sent[i] + 1])
                        sent[i] += 1
                    except OSError:
                        pass
            status, ms = timed_health(server)
            probes += 1
            during_ms.append(ms)
            failed += status != 200
            time.sleep(max(0.0, 1 - ms / 1000))
        closed = 0
        for s in socks + trickle:
            try:
                closed += s.recv(4096) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            s.close()
        status, after_ms = timed_health(server)
        asks = [get(server, "/api/v1/ask?q=" + q("is there a helpline"))[0] for _ in range(20)]
        failed += (status != 200) + sum(a != 200 for a in asks) + (closed < 490) + (unanswered > 0)
        log = server.log()
        opened = len(socks) + len(trickle)
        report("idle/trickling connections", probes + 1 + len(asks) + 2, failed,
               f"{opened} of 500 opened, held 30 s at ulimit -n 128: {closed} closed by the server; /healthz during "
               f"median {statistics.median(during_ms):.1f} ms, max {max(during_ms):.1f} ms; after "
               f"{after_ms:.1f} ms; cap log lines {log.count('the most allowed')}, "
               f"'Too many open files' {log.count('Too many open files')}")
    finally:
        server.stop()


# 1b. Shutdown with a half-sent request head.
def shutdown_half_sent():
    server = Server("shutdown", env={"SIGNPOST_SHUTDOWN_TIMEOUT_SECS": "60",
                                     "SIGNPOST_HEADER_READ_TIMEOUT_MS": "600000"})
    s = socket.create_connection(("127.0.0.1", server.port))
    s.send(b"GET /healthz HTTP/1.1\r\nHo")
    get(server, "/healthz")
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        server.proc.wait(30)
        took = time.monotonic() - started
    except subprocess.TimeoutExpired:
        took = None
    server.stop()
    s.close()
    failed = took is None or took > 5
    report("shutdown with a half-sent head", 1, int(failed),
           "exited in " + (f"{took * 1000:.0f} ms" if took is not None else "more than 30 s")
           + " (shutdown timeout 60 s)")


# 2. Every search takes a search place and counts against the rate limit.
def search_cap():
    server = Server("cap", args=["--max-concurrent-searches", "1", "--rate-limit-per-minute", "0"])
    try:
        counts = {}
        lock = threading.Lock()
        paths = ["/lookup?q=" + q("who led the planning project"), "/projects?q=planning",
                 "/api/v1/suggest?q=hel", "/api/v1/ask?q=" + q("is there a helpline")]

        def worker(n):
            for i in range(40):
                path = paths[(n + i) % len(paths)]
                status = get(server, path)[0]
                with lock:
                    counts[(path.split("?")[0], status)] = counts.get((path.split("?")[0], status), 0) + 1

        threads_before = threads_of(server.proc.pid)
        workers = [threading.Thread(target=worker, args=(n,)) for n in range(64)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
        threads_after = threads_of(server.proc.pid)
        tried = sum(counts.values())
        bad = sum(n for (p, s), n in counts.items() if s not in (200, 503))
        refused = {p: counts.get((p, 503), 0) for p in ("/lookup", "/projects")}
        failed = bad + sum(1 for n in refused.values() if n == 0)
        report("search cap on every search route", tried, failed,
               f"cap 1, 64 clients: 503s on /lookup {refused['/lookup']}, /projects "
               f"{refused['/projects']}; other statuses {bad}; server threads {threads_before} -> {threads_after}")
    finally:
        server.stop()


def threads_of(pid):
    # The shell execs the server, so the child's pid is the server's.
    try:
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"Threads:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return -1


def rate_limit_everywhere():
    server = Server("ratelimit", args=["--rate-limit-per-minute", "1", "--rate-limit-burst", "5"])
    try:
        for _ in range(5):
            get(server, "/api/v1/ask?q=helpline")
        paths = ["/lookup?q=helpline", "/projects?q=planning", "/api/v1/suggest?q=help", "/api/v1/ask?q=helpline"]
        statuses = [get(server, p)[0] for p in paths]
        failed = sum(s != 429 for s in statuses)
        report("rate limit on every search route", len(paths), failed,
               "after the allowance: " + ", ".join(f"{p.split('?')[0]} {s}" for p, s in zip(paths, statuses)))
    finally:
        server.stop()


# 3. A client's own Forwarded header behind a proxy that appends X-Forwarded-For.
def forwarded():
    server = Server("forwarded", args=["--trusted-proxies", "127.0.0.1", "--rate-limit-per-minute", "1",
                                       "--rate-limit-burst", "5"])
    try:
        statuses = [get(server, "/api/v1/ask?q=helpline",
                        {"X-Forwarded-For": "5.5.5.5", "Forwarded": f"for=10.0.0.{n}"})[0] for n in range(30)]
        ok = statuses.count(200)
        report("spoofed Forwarded behind a proxy", len(statuses), int(ok != 5),
               f"{ok} × 200 then {statuses.count(429)} × 429 (5 due)")
    finally:
        server.stop()


# 4 and 5. Redaction variants, escape sequences and the CSV guard, read back from the store.
VARIANTS = [
    ("call me on 07700  900123", ["900123"]),
    ("call me on 07700 - 900 123", ["900 123", "07700"]),
    ("call me on 07700/900123", ["900123"]),
    ("call me on 07700\u00a0900123", ["900123"]),
    ("call me on ０７７００ ９００１２３", ["900123"]),
    ("call me on ٠٧٧٠٠ ٩٠٠١٢٣", ["900123"]),
    ("ring 020  7946  0958", ["7946"]),
    ("card 4111  1111  1111  1111", ["1111"]),
    ("card 4111/1111/1111/1111", ["1111"]),
    ("card 4111_1111_1111_1111", ["1111"]),
    ("postcode SW1A-1AA", ["1AA"]),
    ("postcode SW1A\u00a01AA", ["1AA"]),
    ("ni qq 12 34 56 c", ["12 34 56"]),
    ("ni QQ.12.34.56.C", ["12.34.56"]),
    ("ni qq/12/34/56/c", ["12/34/56"]),
    ("mail jane @ example.com", ["example"]),
    ("mail jane (at) example (dot) com", ["example"]),
    ("mail jane@exámple.com", ["exámple", "example"]),
    ("mail jane＠example.com", ["example"]),
    ("mail jane@localhost", ["localhost"]),
]


def read_store(path):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT question FROM asks")]
    finally:
        conn.close()


def redaction_and_report():
    server = Server("redaction", args=["--rate-limit-per-minute", "0"])
    specials = ["clear \x1b[2J screen \x1b]0;pwned\x07 please", "hi;=cmd|' /C calc'!A0"]
    for text, _ in VARIANTS:
        get(server, "/api/v1/ask?q=" + q(text))
    for text in specials:
        get(server, "/api/v1/ask?q=" + q(text))
    server.stop()
    stored = read_store(os.path.join(server.data, "signpost.sqlite3"))
    normal = [unicodedata.normalize("NFKC", s).lower() for s in stored]
    failed = []
    for text, secrets in VARIANTS:
        for s in normal:
            if any(secret.lower() in s for secret in secrets) or re.search(r"\w\s*@\s*\w", s):
                failed.append(text)
                break
    report("redaction of realistic variants", len(VARIANTS), len(failed),
           ("survived: " + "; ".join(repr(f) for f in failed)) if failed else f"{len(stored)} questions stored, none raw")
    env = dict(os.environ, NO_COLOR="1")
    outputs = []
    for extra in ([], ["--csv", "most-asked"]):
        out = subprocess.run([BIN, "--data", server.data, "--corpus", CORPUS, "report", *extra],
                             capture_output=True, env=env, timeout=60)
        outputs.append(out.stdout.decode(errors="replace"))
    raw = sum(o.count("\x1b") + o.count("\x07") for o in outputs) + sum(
        "\x1b" in s or "\x07" in s for s in stored)
    report("escape sequences in the report", 2, int(raw > 0), f"{raw} raw control characters printed or stored")
    guarded = "\"hi;'=cmd" in outputs[1]
    cell = re.search(r'"?hi;[^\r\n]*', outputs[1])
    report("CSV guard for ;-split locales", 1, int(not guarded),
           "cell written as " + (cell.group(0)[:24] if cell else "(missing)"))


# 6. Reindex failures name no path.
def reindex_leak():
    corpus = os.path.join(WORK, "leak-corpus")
    shutil.copytree(CORPUS, corpus)
    with open(os.path.join(corpus, "faq/faq-11.md"), "w") as f:
        f.write("---\nid: faq-11\ntitle: What did the notes say?\n---\n"
                + "The fixture programme published many notes about neighbourhood services. " * 200 + "\n")
    data = os.path.join(WORK, "leak")
    subprocess.run([BIN, "--corpus", corpus, "--data", data, "eval", "/dev/null"], capture_output=True, timeout=120)
    server = Server("leak", data=data, corpus=corpus, prefix="trap '' XFSZ; ulimit -f 8;",
                    env={"SIGNPOST_ADMIN_TOKEN": TOKEN, "SIGNPOST_STORE": "off"})
    try:
        status, _, body = get(server, "/admin/reindex", admin_write_headers(server), method="POST")
        message = json.loads(body or "{}").get("error", {}).get("message", "")
        leaks = data in message or WORK in message or "os error" in message
        health = get(server, "/healthz")[0]
        report("reindex failure message", 1, int(status != 500 or leaks or health != 200),
               f"{status}: {message[:110]}")
    finally:
        server.stop()


# 7. Every rejection in the one error shape; NUL is 400.
def error_shapes():
    server = Server("errors", env={"SIGNPOST_ADMIN_TOKEN": TOKEN})
    try:
        cases = [("/api/v1/projects/%FF", "application/json"), ("/widget/%c0%ae.js", "application/json"),
                 ("/admin/export/%FF.csv", "application/json"), ("/projects/%FF", "text/html"),
                 ("/api/v1/ask?q=is%20there%00a%20helpline", "application/json")]
        failed, notes = 0, []
        for path, kind in cases:
            status, headers, _ = get(server, path, {"Authorization": f"Bearer {TOKEN}"})
            ctype = headers.get("content-type", headers.get("Content-Type", ""))
            ok = status == 400 and ctype.startswith(kind)
            failed += not ok
            notes.append(f"{path.split('?')[0]} {status}")
        report("error shapes (path decoding, NUL)", len(cases), failed, ", ".join(notes))
    finally:
        server.stop()


# 8. A read-only store under traffic logs once.
def read_only_store():
    data = os.path.join(WORK, "readonly")
    first = Server("readonly-first", data=data)
    get(first, "/api/v1/ask?q=helpline")
    first.stop()
    store = os.path.join(data, "signpost.sqlite3")
    os.chmod(store, 0o444)
    server = Server("readonly", data=data, args=["--rate-limit-per-minute", "0"])
    try:
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < 5 and n < 200:
            get(server, "/api/v1/ask?q=helpline")
            n += 1
            time.sleep(0.02)
        time.sleep(0.3)
        lines = server.log().count("marked read-only")
        report("read-only store log lines", n, int(lines > 1), f"{lines} line(s) for {n} asks over 5 s")
    finally:
        server.stop()
        os.chmod(store, 0o644)


# 9. Old generations, the first included, are deleted.
def generations():
    server = Server("generations", env={"SIGNPOST_ADMIN_TOKEN": TOKEN})
    try:
        statuses = [get(server, "/admin/reindex", admin_write_headers(server), method="POST")[0]
                    for _ in range(2)]
        left = sorted(d for d in os.listdir(server.data) if d.startswith("index"))
        failed = statuses != [200, 200] or left != ["index.gen-1", "index.gen-2"]
        report("old index generations", 2, int(failed), "after two reindexes: " + ", ".join(left))
    finally:
        server.stop()


def main():
    deadline = time.monotonic() + 600
    checks = [idle_connections, shutdown_half_sent, search_cap, rate_limit_everywhere, forwarded,
              redaction_and_report, reindex_leak, error_shapes, read_only_store, generations]
    print(f"Signpost attack replay (issue 17) against {BIN}, 127.0.0.1 only", flush=True)
    for check in checks:
        if time.monotonic() > deadline:
            report(check.__name__, 0, 1, "not run: the 600 s budget was spent")
            continue
        try:
            check()
        except Exception as e:  # a check that cannot run counts as failed
            report(check.__name__, 0, 1, f"could not run: {e}")
    failed = sum(1 for r in RESULTS if r[2])
    print(f"{len(RESULTS) - failed} checks passed, {failed} failed")
    shutil.rmtree(WORK, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
