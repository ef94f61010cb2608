"""kernels-hub over raw HTTP: Range (206/416), tree pagination via Link, %2F-encoded
revisions and paths, error headers, the LFS redirect and its second origin, fault
injection, tokens, the request log, the LFS size rule, CLI exit codes and clean shutdown."""
from __future__ import annotations

import hashlib
import http.client
import json
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from hub import Hub, write_tree  # noqa: E402

REPO = "org/relu"
MODEL = "org/model"
TOKEN = "hf_kernelshubtesttoken"
OPS = b"\x7fELF" + b"\x00\x01" * 50_000
README = b"# relu\nhello\n"
FILES = {
    "README.md": README,
    "build/torch-cuda/_ops.so": OPS,
    "build/torch-cuda/metadata.json": '{"a": 1}\n',
    "build/torch-cpu/__init__.py": "",
    "build/x/one.txt": "1\n",
    "build/x/two.txt": "2\n",
}
BIG_TEXT = b"a" * (10 * 1024 * 1024)  # exactly 10 MiB of text: LFS by size
NEARLY_BIG_TEXT = b"b" * (10 * 1024 * 1024 - 1)


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def request(url: str, method: str = "GET", headers: dict | None = None) -> Response:
    """One request, no redirect following, no content decoding."""
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, u.path + (f"?{u.query}" if u.query else ""), headers=headers or {})
        r = conn.getresponse()
        return Response(r.status, r.headers, r.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("hub")
    args = ["--inject", "500x2:/api/kernels/org/flaky/", "--inject", "429x1:/api/kernels/org/limited/"]
    with Hub(root=base / "root", tokens=[TOKEN], extra_args=args) as h:
        h.main = h.commit(REPO, write_tree(base / "main", FILES))
        h.v1 = h.commit(REPO, write_tree(base / "v1", {**FILES, "README.md": "v1\n"}), branch="v1")
        h.model = h.commit(MODEL, write_tree(base / "model", {"config.json": "{}\n"}), repo_type="model")
        h.commit("org/flaky", write_tree(base / "flaky", {"a.txt": "a"}))
        h.commit("org/limited", write_tree(base / "limited", {"a.txt": "a"}))
        h.commit("org/big", write_tree(base / "big", {"big.txt": BIG_TEXT, "nearly.txt": NEARLY_BIG_TEXT}))
        yield h


def test_refs_shape(hub):
    r = request(f"{hub.url}/api/kernels/{REPO}/refs")
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert list(body) == ["branches", "converts", "tags"]
    assert {b["name"]: b["targetCommit"] for b in body["branches"]} == {"main": hub.main, "v1": hub.v1}
    assert r.json()["branches"][0]["ref"] == "refs/heads/main"
    assert request(f"{hub.url}/api/kernels/{REPO}/refs?include_prs=1").json()["pullRequests"] == []


def test_regular_file_head_get_and_ranges(hub):
    url = f"{hub.url}/kernels/{REPO}/resolve/main/README.md"
    blob_sha1 = hashlib.sha1(b"blob %d\0" % len(README) + README).hexdigest()
    head = request(url, "HEAD")
    assert head.status == 200
    assert head.headers["ETag"] == f'"{blob_sha1}"'
    assert head.headers["Content-Length"] == str(len(README))
    assert head.headers["X-Repo-Commit"] == hub.main
    assert head.headers["Accept-Ranges"] == "bytes"
    assert head.body == b""
    assert request(url).body == README

    part = request(url, headers={"Range": "bytes=2-5"})
    assert part.status == 206
    assert part.body == README[2:6]
    assert part.headers["Content-Range"] == f"bytes 2-5/{len(README)}"
    assert request(url, headers={"Range": "bytes=-3"}).body == README[-3:]
    assert request(url, headers={"Range": "bytes=5-"}).body == README[5:]

    bad = request(url, headers={"Range": f"bytes={len(README)}-"})
    assert bad.status == 416
    assert bad.headers["Content-Range"] == f"bytes */{len(README)}"
    assert bad.headers["X-Error-Code"] == "RangeNotSatisfiable"


def test_lfs_redirect_to_second_origin(hub):
    sha256 = hashlib.sha256(OPS).hexdigest()
    url = f"{hub.url}/kernels/{REPO}/resolve/main/build/torch-cuda/_ops.so"
    head = request(url, "HEAD")
    assert head.status == 302
    assert head.headers["X-Linked-Etag"] == f'"{sha256}"'
    assert head.headers["X-Linked-Size"] == str(len(OPS))
    assert head.headers["X-Repo-Commit"] == hub.main
    assert head.headers["ETag"] == f'"{sha256}"'
    location = head.headers["Location"]
    loc, api = urlparse(location), urlparse(hub.url)
    assert loc.scheme == "http" and loc.hostname == api.hostname and loc.port != api.port
    assert loc.path == f"/lfs-objects/{sha256}"
    assert request(url).status == 302  # GET redirects the same way

    obj = request(location)
    assert obj.status == 200
    assert obj.body == OPS
    assert obj.headers["ETag"] == f'"{sha256}"'
    assert obj.headers["Content-Length"] == str(len(OPS))
    assert request(location, "HEAD").headers["Content-Length"] == str(len(OPS))
    part = request(location, headers={"Range": "bytes=100-"})
    assert part.status == 206
    assert part.body == OPS[100:]
    assert part.headers["Content-Range"] == f"bytes 100-{len(OPS) - 1}/{len(OPS)}"
    assert request(location, headers={"Range": f"bytes={len(OPS) + 10}-"}).status == 416
    # The LFS origin serves objects only.
    assert request(f"{loc.scheme}://{loc.netloc}/api/kernels/{REPO}/refs").status == 404
    missing = request(f"{loc.scheme}://{loc.netloc}/lfs-objects/{'0' * 64}")
    assert missing.status == 404 and missing.headers["X-Error-Code"] == "EntryNotFound"


def test_tree_pagination_follows_link(hub):
    first = f"{hub.url}/api/kernels/{REPO}/tree/main?recursive=true&expand=false&limit=2"
    full = request(f"{hub.url}/api/kernels/{REPO}/tree/main?recursive=1").json()
    assert [e["path"] for e in full] == sorted(e["path"] for e in full)
    pages, url = [], first
    while url:
        r = request(url)
        assert r.status == 200
        page = r.json()
        assert 1 <= len(page) <= 2
        pages.append(page)
        link = r.headers.get("Link")
        if link is None:
            url = None
            continue
        assert link.endswith('>; rel="next"')
        url = link[1:link.index(">")]
        assert url.startswith(f"{hub.url}/api/kernels/{REPO}/tree/main?")
        assert "recursive=true" in url and "limit=2" in url and "cursor=" in url
    assert [e for p in pages for e in p] == full
    assert len(pages) == (len(full) + 1) // 2


def test_encoded_revision_and_path(hub):
    base = f"{hub.url}/api/kernels/{REPO}/tree"
    encoded = request(f"{base}/refs%2Fheads%2Fv1/build%2Ftorch-cuda")
    segments = request(f"{base}/refs%2Fheads%2Fv1/build/torch-cuda")
    raw = request(f"{base}/refs/heads/v1/build/torch-cuda")
    assert encoded.status == segments.status == raw.status == 200
    assert encoded.json() == segments.json() == raw.json()
    assert [e["path"] for e in encoded.json()] == ["build/torch-cuda/_ops.so", "build/torch-cuda/metadata.json"]
    assert [e["type"] for e in request(f"{base}/main/build").json()] == ["directory"] * 3

    r = request(f"{hub.url}/kernels/{REPO}/resolve/refs%2Fheads%2Fv1/README.md")
    assert r.body == b"v1\n" and r.headers["X-Repo-Commit"] == hub.v1
    assert request(f"{hub.url}/kernels/{REPO}/resolve/{hub.v1[:8]}/README.md").body == b"v1\n"
    info = request(f"{hub.url}/api/kernels/{REPO}/revision/refs%2Fheads%2Fv1").json()
    assert info["sha"] == hub.v1 and info["repoType"] == "kernel" and info["id"] == REPO
    assert "siblings" not in info and "build/torch-cuda/_ops.so" in info["files"]


def test_model_routes(hub):
    assert request(f"{hub.url}/{MODEL}/resolve/main/config.json").body == b"{}\n"
    info = request(f"{hub.url}/api/models/{MODEL}").json()
    assert info["sha"] == hub.model and info["modelId"] == MODEL and info["siblings"] == [{"rfilename": "config.json"}]
    assert request(f"{hub.url}/kernels/{MODEL}/resolve/main/config.json").status == 404
    r = request(f"{hub.url}/api/kernels/{MODEL}/refs")
    assert r.status == 404 and r.headers["X-Error-Code"] == "RepoNotFound"


@pytest.mark.parametrize("path, status, code", [
    ("/api/kernels/org/missing/refs", 404, "RepoNotFound"),
    ("/api/kernels/org/relu/tree/nope", 404, "RevisionNotFound"),
    ("/api/kernels/org/relu/revision/nope", 404, "RevisionNotFound"),
    ("/api/kernels/org/relu/tree/main/nope", 404, "EntryNotFound"),
    ("/kernels/org/relu/resolve/nope/README.md", 404, "RevisionNotFound"),
    ("/api/kernels/org--x/relu/refs", 400, "BadRequest"),
    ("/api/kernels/org/relu/tree/main?recursive=maybe", 400, "BadRequest"),
    ("/api/kernels/org/relu/tree/main?cursor=zz", 400, "BadRequest"),
    ("/api/nothing/here", 404, "NotFound"),
])
def test_error_headers(hub, path, status, code):
    r = request(hub.url + path)
    assert r.status == status
    assert r.headers["X-Error-Code"] == code
    assert r.headers["X-Error-Message"]
    assert r.json() == {"error": r.headers["X-Error-Message"]}


def test_repo_not_found_message_and_entry_not_found_commit(hub):
    r = request(f"{hub.url}/api/kernels/org/missing/refs")
    assert r.headers["X-Error-Message"] == f"Repository Not Found for url: {hub.url}/api/kernels/org/missing/refs."
    r = request(f"{hub.url}/kernels/{REPO}/resolve/main/kernel-status.toml", "HEAD")
    assert r.status == 404
    assert r.headers["X-Error-Code"] == "EntryNotFound"
    assert r.headers["X-Repo-Commit"] == hub.main


def test_fault_injection_then_recovery(hub):
    url = f"{hub.url}/api/kernels/org/flaky/refs"
    for _ in range(2):
        r = request(url)
        assert r.status == 500
        assert r.headers["X-Error-Message"] == "injected fault"
    assert request(url).status == 200
    assert request(url).status == 200
    limited = request(f"{hub.url}/api/kernels/org/limited/refs")
    assert limited.status == 429 and limited.headers["Retry-After"] == "1"
    assert request(f"{hub.url}/api/kernels/org/limited/refs").status == 200


def test_tokens(hub):
    assert request(f"{hub.url}/api/kernels/{REPO}/refs").status == 200  # anonymous reads
    ok = request(f"{hub.url}/api/kernels/{REPO}/refs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status == 200
    bad = request(f"{hub.url}/api/kernels/{REPO}/refs", headers={"Authorization": "Bearer hf_wrong"})
    assert bad.status == 401
    assert bad.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    me = request(f"{hub.url}/api/whoami-v2", headers={"Authorization": f"Bearer {TOKEN}"})
    assert me.status == 200
    assert me.json()["name"] == "kernels-hub" and me.json()["auth"]["accessToken"]["role"] == "write"
    assert request(f"{hub.url}/api/whoami-v2").status == 401
    assert TOKEN not in (hub.root / "serve.stderr").read_text()
    assert not any(TOKEN in line for line in hub.request_log())


def test_lfs_decision_by_size(hub):
    tree = {e["path"]: e for e in request(f"{hub.url}/api/kernels/org/big/tree/main").json()}
    assert tree["big.txt"]["lfs"] == {"oid": hashlib.sha256(BIG_TEXT).hexdigest(), "size": len(BIG_TEXT),
                                      "pointerSize": tree["big.txt"]["lfs"]["pointerSize"]}
    assert tree["big.txt"]["size"] == len(BIG_TEXT)
    assert "lfs" not in tree["nearly.txt"]
    assert tree["nearly.txt"]["size"] == len(NEARLY_BIG_TEXT)
    head = request(f"{hub.url}/kernels/org/big/resolve/main/big.txt", "HEAD")
    obj = request(head.headers["Location"])
    assert hashlib.sha256(obj.body).hexdigest() == hashlib.sha256(BIG_TEXT).hexdigest()


def test_methods_other_than_get_are_refused(hub):
    # Read endpoints take GET/HEAD only (writes are other routes and need a token: 401).
    r = request(f"{hub.url}/api/kernels/{REPO}/refs", "POST", headers={"Content-Type": "application/json"})
    assert r.status == 405 and r.headers["X-Error-Code"] == "MethodNotAllowed"
    r = request(f"{hub.url}/api/repos/create", "POST", headers={"Content-Type": "application/json"})
    assert r.status == 401
    assert request(f"{hub.url}/api/kernels/{REPO}/refs").status == 200


def test_parallel_requests(hub):
    urls = [f"{hub.url}/kernels/{REPO}/resolve/main/README.md", f"{hub.url}/api/kernels/{REPO}/tree/main?recursive=1",
            f"{hub.url}/api/kernels/{REPO}/refs"] * 20
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda u: request(u).status, urls))
    assert statuses == [200] * len(urls)


def test_request_log_lines(tmp_path):
    with Hub(root=tmp_path / "root") as h:
        h.commit(REPO, write_tree(tmp_path / "src", {"a.txt": "abc"}))
        assert h.request_log() == []
        request(f"{h.url}/api/kernels/{REPO}/refs")
        request(f"{h.url}/kernels/{REPO}/resolve/main/a.txt", "HEAD")
        request(f"{h.url}/kernels/{REPO}/resolve/main/a.txt")
        request(f"{h.url}/api/kernels/{REPO}/tree/refs%2Fheads%2Fmain?recursive=true")
        request(f"{h.url}/api/kernels/org/missing/refs?x=secret")
        lines = h.request_log()
    refs_len = len(lines[0].split()[3])
    assert refs_len > 0
    assert [line.rsplit(" ", 1)[0] for line in lines] == [
        f"GET /api/kernels/{REPO}/refs 200",
        f"HEAD /kernels/{REPO}/resolve/main/a.txt 200",
        f"GET /kernels/{REPO}/resolve/main/a.txt 200",
        f"GET /api/kernels/{REPO}/tree/refs%2Fheads%2Fmain 200",
        "GET /api/kernels/org/missing/refs 404",
    ]
    assert lines[1].endswith(" 0") and lines[2].endswith(" 3")
    assert all("secret" not in line for line in lines)


def test_cli_errors_and_exit_codes(tmp_path):
    binary = Hub(root=tmp_path / "unused").binary
    def run(*args):
        return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=60)

    usage = run("commit", "--root", str(tmp_path))
    assert usage.returncode == 2 and usage.stderr.startswith("error: ")
    assert run("frobnicate").returncode == 2
    bad_id = run("commit", "--root", str(tmp_path), "bad--id/x", "--from", str(tmp_path))
    assert bad_id.returncode == 2 and "invalid repo id" in bad_id.stderr
    missing = run("commit", "--root", str(tmp_path / "r"), "org/x", "--from", str(tmp_path / "nope"))
    assert missing.returncode == 1 and missing.stderr.startswith("error: not a directory")
    bad_spec = run("serve", "--root", str(tmp_path), "--inject", "700x1")
    assert bad_spec.returncode == 2 and "STATUS" in bad_spec.stderr
    src = write_tree(tmp_path / "src", {"a": "a"})
    assert run("commit", "--root", str(tmp_path / "r"), "org/x", "--from", str(src)).returncode == 0
    assert run("branch", "--root", str(tmp_path / "r"), "org/x", "v1", "--from", "main").returncode == 0
    again = run("branch", "--root", str(tmp_path / "r"), "org/x", "v1", "--from", "main")
    assert again.returncode == 1 and "already exists" in again.stderr
    norev = run("branch", "--root", str(tmp_path / "r"), "org/x", "v2", "--from", "nope")
    assert norev.returncode == 1 and "Invalid rev id: nope" in norev.stderr
    assert run("--help").returncode == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown(tmp_path, sig):
    h = Hub(root=tmp_path / "root").__enter__()
    try:
        request(f"{h.url}/api/whoami-v2")
        proc = h._proc
        start = time.monotonic()
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - start < 5
    finally:
        h.__exit__(None, None, None)
