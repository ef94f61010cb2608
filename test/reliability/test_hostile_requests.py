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


# ---- 11: ref creation is atomic ---------------------------------------------------------------

def test_create_pr_race_every_commit_on_its_own_pr(hub):
    rounds, writers = 10, 8
    acknowledged: list[tuple[int, str]] = []
    failures: list[str] = []
    for rnd in range(rounds):
        barrier = threading.Barrier(writers)

        def write(i, rnd=rnd):
            body = ndjson(f"pr {rnd}.{i}", file_op(f"pr/{rnd}-{i}.txt", f"{rnd}-{i}\n".encode()))
            barrier.wait()
            r = commit(hub.url, "main", body, create_pr=True)
            if r.status == 200:
                j = r.json()
                acknowledged.append((int(j["pullRequestUrl"].rsplit("/", 1)[1]), j["commitOid"]))
            else:
                failures.append(r.text())

        threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    numbers = [n for n, _ in acknowledged]
    on_their_ref = [ref_of(hub, f"refs/pr/{n}") == oid for n, oid in acknowledged]
    tally("create_pr race: PR numbers unique", len(numbers) == len(set(numbers)))
    tally("create_pr race: every acknowledged commit on its refs/pr/N", all(on_their_ref) and acknowledged)
    # A PR is never refused for a race it did not lose: all writers get one.
    tally("create_pr race: no writer refused", failures == [] and len(acknowledged) == rounds * writers)


def test_concurrent_branch_creation_has_one_winner(hub):
    rounds, writers = 10, 8
    outcomes = []
    for rnd in range(rounds):
        barrier = threading.Barrier(writers)
        statuses: list[int] = []

        def create(rnd=rnd):
            barrier.wait()
            statuses.append(call(hub.url, "POST", f"/api/models/{REPO}/branch/race-{rnd}", "{}", AUTH).status)

        threads = [threading.Thread(target=create) for _ in range(writers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        outcomes.append(sorted(statuses))
    tally("concurrent POST branch/X: one 200, the rest 409",
          all(o == [200] + [409] * (writers - 1) for o in outcomes))


# ---- 12: main cannot be force-reset ------------------------------------------------------------

def test_main_overwrite_refused_other_branches_move_atomically(hub):
    main_before = ref_of(hub, "refs/heads/main")
    r = commit(hub.url, "v1", ndjson("on v1", file_op("v1.txt", b"v1\n")))
    assert r.status == 200, r.text()
    r = call(hub.url, "POST", f"/api/models/{REPO}/branch/main",
             json.dumps({"overwrite": True, "startingPoint": "v1"}), AUTH)
    tally("overwrite of main refused (403), main unchanged",
          r.status == 403 and ref_of(hub, "refs/heads/main") == main_before)
    # Other branches may be overwritten: one atomic move, no moment without the branch.
    call(hub.url, "POST", f"/api/models/{REPO}/branch/movable", "{}", AUTH)
    stop = threading.Event()
    missing = []

    def watch():
        while not stop.is_set():
            if ref_of(hub, "refs/heads/movable") is None:
                missing.append(1)

    watcher = threading.Thread(target=watch)
    watcher.start()
    statuses = []
    for i in range(20):
        start = "v1" if i % 2 == 0 else "main"
        statuses.append(call(hub.url, "POST", f"/api/models/{REPO}/branch/movable",
                             json.dumps({"overwrite": True, "startingPoint": start}), AUTH).status)
    stop.set()
    watcher.join()
    tally("overwrite of another branch moves it atomically",
          statuses == [200] * 20 and not missing and ref_of(hub, "refs/heads/movable") == main_before)


# ---- 13: bad branch names answer 400, never a server path --------------------------------------

@pytest.mark.parametrize("name", ["b" * 300, "main/sub", "v1/x/y", "a" * 256 + "/b"])
def test_bad_branch_name_is_400_without_server_path(hub, name):
    answers = [call(hub.url, "POST", f"/api/models/{REPO}/branch/{quote(name, safe='')}", "{}", AUTH),
               commit(hub.url, name, ndjson("x", file_op("x.txt", b"x")))]
    statuses = [a.status for a in answers]
    tally(f"branch name {name[:20]}...: 400 without a server path",
          statuses[0] == 400 and statuses[1] in (400, 404) and no_server_path(hub, *answers))


def test_branch_below_an_existing_one_and_above(hub):
    call(hub.url, "POST", f"/api/models/{REPO}/branch/top", "{}", AUTH)
    below = call(hub.url, "POST", f"/api/models/{REPO}/branch/{quote('top/sub', safe='')}", "{}", AUTH)
    call(hub.url, "POST", f"/api/models/{REPO}/branch/{quote('deep/leaf', safe='')}", "{}", AUTH)
    above = call(hub.url, "POST", f"/api/models/{REPO}/branch/deep", "{}", AUTH)
    tally("branch name colliding with an existing ref: 400 without a server path",
          below.status == 400 and above.status == 400 and no_server_path(hub, below, above))


# ---- 14: inline LFS pointers must name a stored object ---------------------------------------

def test_inline_lfs_pointer_to_missing_object_refused(hub):
    missing = hashlib.sha256(b"never uploaded").hexdigest()
    pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{missing}\nsize 14\n".encode()
    before = ref_of(hub, "refs/heads/main")
    r = commit(hub.url, "main", ndjson("forged pointer", file_op("forged.bin", pointer)))
    tally("inline LFS pointer to a missing object: 400, nothing committed",
          r.status == 400 and ref_of(hub, "refs/heads/main") == before)
    # A pointer whose object is stored (same size) is as good as an lfsFile operation.
    content = b"stored \x00 object" * 100
    oid = hashlib.sha256(content).hexdigest()
    r = commit(hub.url, "main", ndjson("real object", file_op("real.bin", content)))
    assert r.status == 200, r.text()
    good = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(content)}\n".encode()
    bad_size = f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {len(content) + 1}\n".encode()
    ok = commit(hub.url, "main", ndjson("pointer to stored", file_op("again.bin", good)))
    wrong = commit(hub.url, "main", ndjson("pointer, wrong size", file_op("wrong.bin", bad_size)))
    tally("inline LFS pointer to a stored object accepted, wrong size refused", ok.status == 200 and wrong.status == 400)


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


# ---- 16: bodies are refused on their headers ------------------------------------------------

def raw_post(url, path, total, headers: dict[str, str], chunk=1 << 20, timeout=10.0):
    """POSTs a TOTAL-byte body of zeros on a raw socket, reading the answer while sending."""
    u = urlparse(url)
    head = f"POST {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nContent-Length: {total}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    s = socket.create_connection((u.hostname, u.port), timeout=timeout)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.sendall(head.encode())
    s.setblocking(False)
    start = time.monotonic()
    sent, answer = 0, b""
    block = b"\0" * chunk
    try:
        while time.monotonic() - start < timeout:
            poller = select.poll()  # select() cannot take descriptors above 1023
            poller.register(s, select.POLLIN | (select.POLLOUT if sent < total else 0))
            events = dict(poller.poll(500))
            r = events.get(s.fileno(), 0) & (select.POLLIN | select.POLLHUP | select.POLLERR)
            w = events.get(s.fileno(), 0) & select.POLLOUT
            if r:
                try:
                    data = s.recv(65536)
                except (ConnectionResetError, BlockingIOError):
                    data = b""
                answer += data
                if b"\r\n\r\n" in answer or not data:
                    break
            elif w:
                try:
                    sent += s.send(block[: min(chunk, total - sent)])
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    break
    finally:
        s.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else None
    return status, sent, time.monotonic() - start


def test_unauthenticated_big_post_refused_on_headers(hub):
    total = 200 << 20
    status, sent, seconds = raw_post(hub.url, f"/api/models/{REPO}/commit/main", total,
                                     {"Content-Type": "application/x-ndjson"})
    tally(f"unauthenticated 200 MB POST: refused before the body ({status}, {sent >> 20} MiB sent, {seconds:.2f} s)",
          status in (401, 413) and sent < (32 << 20) and seconds < 3)
    status, sent, seconds = raw_post(hub.url, f"/api/models/{REPO}/commit/main", total,
                                     {"Content-Type": "application/x-ndjson", "Expect": "100-continue"})
    tally("unauthenticated POST with Expect: 100-continue: the error instead of 100, no body read",
          status in (401, 413) and sent < (32 << 20) and seconds < 3)
    # A JSON endpoint with a valid token still refuses a body too big to be JSON on its header.
    status, sent, seconds = raw_post(hub.url, f"/api/models/{REPO}/preupload/main", total, AUTH)
    tally("authenticated 200 MB preupload: 413 before the body", status == 413 and sent < (32 << 20) and seconds < 3)


# ---- 16b: commit bodies are streamed, not held in memory -------------------------------------

def test_big_bodies_with_a_token_keep_rss_bounded(tmp_path):
    with Hub(root=tmp_path / "hub", tokens=[TOKEN]) as h:
        call(h.url, "POST", "/api/repos/create", json.dumps({"name": "repo", "organization": "hostile",
                                                             "type": "model"}), AUTH)
        pid = h._proc.pid  # noqa: SLF001
        base = peak_rss_kib(pid)
        # 1 GiB of junk to the commit endpoint: refused at its first line, not buffered.
        status, sent, seconds = raw_post(h.url, f"/api/models/{REPO}/commit/main", 1 << 30,
                                         {**AUTH, "Content-Type": "application/x-ndjson"}, timeout=60)
        junk_growth = peak_rss_kib(pid) - base
        tally(f"1 GiB junk commit body with a token: 400, peak RSS +{junk_growth >> 10} MiB",
              status == 400 and junk_growth < (64 << 10) and sent < (256 << 20))
        # A 48 MiB inline file is streamed into the LFS store, not held (base64 + decoded) in memory.
        content = os.urandom(48 << 20)
        r = commit(h.url, "main", ndjson("big inline", file_op("big.bin", content)))
        growth = peak_rss_kib(pid) - base
        entries = call(h.url, "GET", f"/api/models/{REPO}/tree/main").json()
        lfs = {e["path"]: e.get("lfs", {}).get("oid") for e in entries}
        record("hostile requests", {"junk_1gib_rss_growth_mib": round(junk_growth / 1024, 1),
                                    "junk_1gib_sent_mib": round(sent / (1 << 20), 1),
                                    "inline_48mib_rss_growth_mib": round(growth / 1024, 1)})
        tally(f"48 MiB inline file with a token: committed to LFS, peak RSS +{growth >> 10} MiB",
              r.status == 200 and growth < (64 << 10) and lfs.get("big.bin") == hashlib.sha256(content).hexdigest())


# ---- 17: URLs come from the configured base, never from Host ------------------------------------

def test_forged_host_header_not_echoed(hub):
    evil = {"Host": "evil.example"}
    answers = []
    big = b"\0binary" * 10
    r = commit(hub.url, "main", ndjson("lfs file", file_op("lfs.bin", big)), headers=evil)
    answers.append(r)
    answers.append(commit(hub.url, "main", ndjson("pr", file_op("pr.txt", b"pr\n")), create_pr=True, headers=evil))
    answers.append(call(hub.url, "GET", f"/api/models/{REPO}/tree/main?limit=1", headers=evil))
    answers.append(call(hub.url, "GET", f"/{REPO}/resolve/main/lfs.bin", headers=evil))
    answers.append(call(hub.url, "GET", "/api/models/hostile/nope", headers=evil))
    batch = {"operation": "upload", "transfers": ["basic"],
             "objects": [{"oid": hashlib.sha256(b"x").hexdigest(), "size": 1}]}
    answers.append(call(hub.url, "POST", f"/{REPO}.git/info/lfs/objects/batch", json.dumps(batch), {**AUTH, **evil}))
    assert answers[2].headers.get("Link") and answers[3].status == 302, [a.text() for a in answers]
    tally("Host: evil.example in no Link, commitUrl, pullRequestUrl, Location, LFS href or error",
          all("evil.example" not in a.text() for a in answers))


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


# ---- 19: slowloris ------------------------------------------------------------------------------

def readable(sock: socket.socket, timeout: float) -> bool:
    """select() cannot take descriptors above 1023; poll() can."""
    p = select.poll()
    p.register(sock, select.POLLIN)
    return bool(p.poll(timeout * 1000))


def raise_fd_limit(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def test_slowloris_cannot_starve_the_api(tmp_path):
    idle = 1100
    raise_fd_limit(idle + 256)
    with Hub(root=tmp_path / "hub", tokens=[TOKEN]) as h:
        u = urlparse(h.url)
        socks = []
        try:
            for _ in range(idle):
                s = socket.create_connection((u.hostname, u.port), timeout=10)
                s.sendall(b"GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\n")  # headers never finished
                socks.append(s)
            time.sleep(0.5)
            # Another client (another address: the per-address cap is the attacker's) still gets answers.
            times = []
            for _ in range(5):
                t = time.monotonic()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10, source_address=("127.0.0.2", 0))
                try:
                    conn.request("GET", "/api/whoami-v2", headers=AUTH)
                    ok = conn.getresponse().status == 200
                except OSError:
                    ok = False
                finally:
                    conn.close()
                times.append(time.monotonic() - t if ok else 99.0)
            # Connections past the attacker's cap were answered 503 and closed at once.
            refused = 0
            for s in socks:
                if readable(s, 0):
                    try:
                        data = s.recv(256)
                    except OSError:
                        data = b""
                    refused += data.startswith(b"HTTP/1.1 503") or data == b""
        finally:
            for s in socks:
                s.close()
        record("hostile requests", {"slowloris_connections": idle, "slowloris_refused_503": refused,
                                    "slowloris_api_max_ms": round(max(times) * 1000, 1)})
        tally(f"API answers while {idle} slow connections are open (max {max(times):.2f} s)", max(times) < 2.0)
        tally(f"connections past the per-address cap refused at once ({refused} of {idle})", refused >= idle // 2)


def test_slow_headers_time_out(tmp_path):
    with Hub(root=tmp_path / "hub", extra_args=["--header-timeout", "2"]) as h:
        u = urlparse(h.url)
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        start = time.monotonic()
        closed_after = None
        request = b"GET /api/whoami-v2 HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
        try:
            for byte in request:  # one byte every 0.25 s: each read is quick, the headers never end
                s.sendall(bytes([byte]))
                if readable(s, 0.25):
                    closed_after = time.monotonic() - start
                    break
        except OSError:
            closed_after = time.monotonic() - start
        finally:
            s.close()
        tally(f"slow headers closed by the header timeout (after {closed_after} s)",
              closed_after is not None and closed_after < 4.0)
        # A keep-alive connection gets the same deadline for its next request.
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("GET", "/api/whoami-v2")
        conn.getresponse().read()
        sock = conn.sock
        start = time.monotonic()
        closed_after = None
        try:
            for byte in request:
                sock.sendall(bytes([byte]))
                if readable(sock, 0.25):
                    closed_after = time.monotonic() - start
                    break
        except OSError:
            closed_after = time.monotonic() - start
        finally:
            conn.close()
        tally(f"slow headers of a second keep-alive request closed (after {closed_after} s)",
              closed_after is not None and closed_after < 4.0)


# ---- 20: a page of a tree listing costs O(page) -------------------------------------------------

def test_tree_paging_cost_does_not_grow_with_the_tree(tmp_path):
    files = {f"d{i:03}/f{j:03}.txt": f"{i}-{j}\n" for i in range(100) for j in range(100)}
    with Hub(root=tmp_path / "hub") as h:
        h.commit("big/tree", write_tree(tmp_path / "src", files), branch="main", repo_type="model")
        base = "/api/models/big/tree/tree/main"

        def page(query: str) -> tuple[float, Answer]:
            best, answer = 99.0, None
            for _ in range(3):
                t = time.perf_counter()
                answer = call(h.url, "GET", f"{base}?{query}")
                best = min(best, time.perf_counter() - t)
            assert answer.status == 200, answer.text()
            return best, answer

        full, first = page("recursive=true&limit=1000")
        # Walk every page (limit 1000) and check the concatenation is the whole, sorted tree.
        paths, link = [e["path"] for e in first.json()], first.headers.get("Link")
        while link:
            nxt = urlparse(link.split(";")[0].strip("<> "))
            r = call(h.url, "GET", f"{nxt.path}?{nxt.query}")
            paths += [e["path"] for e in r.json()]
            link = r.headers.get("Link")
        expected = sorted(set(files) | {p.split("/")[0] for p in files})
        small_first, _ = page("recursive=true&limit=10")
        last_cursor = expected[-20].encode().hex()
        small_last, last = page(f"recursive=true&limit=10&cursor={last_cursor}")
        mid_cursor = "d050".encode().hex()
        small_mid, mid = page(f"recursive=true&limit=10&cursor={mid_cursor}")
        record("hostile requests", {"tree_page_10_ms": round(small_last * 1000, 2),
                                    "tree_page_1000_ms": round(full * 1000, 2)})
        tally("paged listing equals the whole sorted tree", paths == expected)
        tally("pages after a cursor are the next entries",
              [e["path"] for e in last.json()] == expected[-19:-9]
              and [e["path"] for e in mid.json()] == expected[expected.index("d050") + 1:expected.index("d050") + 11])
        tally(f"a 10-entry page costs O(page): last {small_last * 1000:.1f} ms, first {small_first * 1000:.1f} ms, "
              f"1000-entry page {full * 1000:.1f} ms",
              small_last < 0.3 * full and small_last < 3 * small_first + 0.005)
