"""Hostile requests against a real kernels-hub (security issue 12, items 11-20): racing ref
writers, force-resets of main, bad branch names, forged inline LFS pointers, `.git` aliases in
commit paths, huge and junk bodies, a forged Host header, control bytes in the request target,
slowloris connections and the cost of paged tree listings. Every case checks what the server
did (git refs, the request log, the hub's peak RSS, timings), not only the status it answered.

Each case adds to the "hostile requests" section of the reliability report: cases / held."""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub, write_tree  # noqa: E402
from reliability import record  # noqa: E402

TOKEN = "hostile-test-token-4b1d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REPO = "hostile/repo"
TALLY = {"cases": 0, "held": 0}


def tally(name: str, held: bool) -> None:
    """Counts one case for the README figure, then fails the test when it did not hold."""
    TALLY["cases"] += 1
    TALLY["held"] += bool(held)
    record("hostile requests", dict(TALLY))
    assert held, name


# ---- HTTP helpers ----------------------------------------------------------------------------

class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.headers.items()) + "\n" + self.body.decode("utf-8", "replace")


def call(url: str, method: str, path: str, body: bytes | str | None = None, headers=None, timeout=60) -> Answer:
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = body.encode() if isinstance(body, str) else body
        conn.request(method, path, body=data, headers=dict(headers or {}))
        r = conn.getresponse()
        return Answer(r.status, {k: v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def ndjson(summary: str, *ops: dict, parent: str | None = None) -> str:
    header = {"summary": summary, "description": ""}
    if parent:
        header["parentCommit"] = parent
    lines = [{"key": "header", "value": header}, *ops]
    return "\n".join(json.dumps(line) for line in lines) + "\n"


def file_op(path: str, content: bytes) -> dict:
    return {"key": "file", "value": {"content": base64.b64encode(content).decode(), "path": path,
                                     "encoding": "base64"}}


def commit(url: str, rev: str, body: str, create_pr=False, headers=None) -> Answer:
    q = "?create_pr=1" if create_pr else ""
    h = {**AUTH, "Content-Type": "application/x-ndjson", **(headers or {})}
    return call(url, "POST", f"/api/models/{REPO}/commit/{quote(rev, safe='')}{q}", body, h)


def git(hub: Hub, *args: str) -> str:
    return subprocess.run(["git", "-C", str(hub.git_dir(REPO, "model")), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def ref_of(hub: Hub, ref: str) -> str | None:
    r = subprocess.run(["git", "-C", str(hub.git_dir(REPO, "model")), "rev-parse", "--verify", "-q", ref],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    with Hub(root=root / "hub", tokens=[TOKEN]) as h:
        r = call(h.url, "POST", "/api/repos/create", json.dumps({"name": "repo", "organization": "hostile",
                                                                  "type": "model"}), AUTH)
        assert r.status == 200, r.text()
        r = commit(h.url, "main", ndjson("seed", file_op("README.md", b"hello\n")))
        assert r.status == 200, r.text()
        r = call(h.url, "POST", f"/api/models/{REPO}/branch/v1", "{}", AUTH)
        assert r.status == 200, r.text()
        yield h


def no_server_path(hub: Hub, *answers: Answer) -> bool:
    roots = {str(hub.root), str(hub.root.resolve()), "/tmp/"}
    return not any(r in a.text() for a in answers for r in roots)


# ---- 15: git's verify_path rules ---------------------------------------------------------------

DOTGIT_ALIASES = [
    ".git\u200c/config", "\u200c.git/config", ".g\u200dit/hooks/x", ".GIT/config", ".Git/config",
    ".git\ufeff/config", ".git\u202e/x", ".git\u206a/x", ".git./config", ".git /config", ".git. . /x",
    "git~1/config", "GIT~1/config", ".git::$INDEX_ALLOCATION/config", ".git:stream/x", "sub/.git/config",
    "sub/.git\u200f/config", ".gitmodules", "sub/.GITMODULES", "GI7EBA~1", ".gitmodules .", ".git",
    "a/../.git/config", "evil\x1b[2J.txt", "bad\\path.txt",
]


def test_dotgit_aliases_refused(hub):
    before = ref_of(hub, "refs/heads/main")
    refused = []
    for path in DOTGIT_ALIASES:
        r = commit(hub.url, "main", ndjson("alias", file_op(path, b"[core]\n\tfsmonitor = evil\n")))
        refused.append(r.status == 400)
        tally(f"commit path {path!r} refused", r.status == 400)
    assert all(refused)
    fsck = subprocess.run(["git", "-C", str(hub.git_dir(REPO, "model")), "fsck", "--strict"], capture_output=True,
                          text=True)
    tally("git fsck --strict clean, main unchanged by refused commits",
          fsck.returncode == 0 and ref_of(hub, "refs/heads/main") == before)
    ok = commit(hub.url, "main", ndjson("legit dotfiles", file_op(".gitattributes", b"*.bin filter=lfs\n"),
                                        file_op("docs/.gitignore", b"x\n"), file_op("a.git/b", b"b\n"),
                                        file_op("gitx~1/y", b"y\n")))
    tally("legitimate dot files still accepted", ok.status == 200)


# ---- 18: control bytes in the request target are escaped in the log --------------------------

def test_request_log_escapes_control_bytes(hub):
    u = urlparse(hub.url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"GET /api/models/x\x1b[31mred\x07\x9b/y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        while s.recv(65536):
            pass
    time.sleep(0.1)
    raw = hub.request_log_path.read_bytes()
    lines = [line for line in raw.decode("latin-1").splitlines() if "red" in line]
    tally("ESC/BEL/C1 bytes of the request target escaped in the request log",
          lines and b"\x1b" not in raw and b"\x07" not in raw and b"\x9b" not in raw and "\\x1b" in lines[-1])
