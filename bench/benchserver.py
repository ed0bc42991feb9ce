"""A release Signpost server as a child process on 127.0.0.1, and a plain HTTP client, for the
Python benchmarks (bench/attack.py, bench/editor.py). Every server is stopped by its own
process id.
"""

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SIGNPOST_SERVER_BIN", os.path.join(REPO, "target/release/signpost-server"))


class Server:
    """The release server as a child process on 127.0.0.1, its log in a file."""

    def __init__(self, name, work, args=(), env=None, prefix="", data=None,
                 corpus=os.path.join(REPO, "corpus"), bin=BIN):
        self.data = data or os.path.join(work, name)
        os.makedirs(self.data, exist_ok=True)
        self.log_path = os.path.join(work, name + ".log")
        full_env = dict(os.environ, NO_COLOR="1", RUST_LOG="info")
        full_env.update(env or {})
        command = [bin, "--addr", "127.0.0.1:0", "--corpus", corpus, "--data", self.data, *args, "serve"]
        script = prefix + ' exec "$@"'
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(["sh", "-c", script, "sh", *command], env=full_env,
                                     stdout=subprocess.DEVNULL, stderr=self.log_file)
        deadline = time.time() + 120
        self.port = None
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name}: the server exited:\n{self.log()}")
            found = re.search(r"serving on http://127\.0\.0\.1:(\d+)", self.log())
            if found:
                self.port = int(found.group(1))
            time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError(f"{name}: the server did not start")

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, sig=signal.SIGINT, patience=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(patience)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def get(server, path, headers=None, method="GET", body=None, timeout=10):
    """(status, headers, body text); status 0 when the server did not answer in time."""
    request = urllib.request.Request(server.url(path), headers=headers or {}, method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")
    except (OSError, urllib.error.URLError):
        return 0, {}, ""


def admin_write_headers(server, token):
    """The admin token and a form token the server issued: what an admin write needs."""
    auth = {"Authorization": f"Bearer {token}"}
    issued = json.loads(get(server, "/admin/form-token", auth)[2] or "{}")
    return {**auth, "x-signpost-form-token": issued.get("form_token", "")}


def corpus_words():
    """The corpus's own words (3 to 13 letters, lower case, sorted, once each): what the
    benches make people's questions of."""
    words = []
    for folder in ("faq", "projects"):
        for name in sorted(os.listdir(os.path.join(REPO, "corpus", folder))):
            with open(os.path.join(REPO, "corpus", folder, name)) as f:
                words += [w.strip(".,;:()?!\"'").lower() for w in f.read().split()]
    return sorted({w for w in words if w.isalpha() and 3 < len(w) < 14})
