"""A hostile hub against the client's transport (security issue 12, items 1–7): server-given URLs
that are not http(s) (file://, gopher://, dict://, ftp://) in a redirect, a tree listing's Link, an
LFS batch href; gzip bombs and endless bodies; a file body longer than the file; a server that
answers every ranged GET with a short 200; bodies dripped at 2 B/s. Each attack is aimed at
`kernels download`, `versions`, `lock` or `kernel-builder upload`; each must end in bounded time
and memory with exit 1 and a clear `error:`, touching no local file and reaching no local service.
The front is test/support/hostile_transport.py; figures go to the report as "hostile transport"."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hostile_transport import (HostileFront, Listener, drip, endless, gzip_bomb, long_body,  # noqa: E402
                               redirect, rewrite_json, short)
from hub import Hub, write_tree  # noqa: E402
from kcpp import Result, base_env, binary  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import assert_clear_failure, check_cache, kernel_files, record, write_build_dir  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
REPO = "hos/kern"
OPS = f"build/{CU}/_ops.py"          # "ops = 3\n": an 8-byte regular file
SO = f"build/{CU}/_kern.abi3.so"     # LFS
TOKEN = "hf_hostileWriteToken0123"
SECRET = "hf_the_users_secret_token_0000"
MIB = 1 << 20
RSS_LIMIT_MIB = 256                  # the 64 MiB default answer cap plus the program itself

TALLY = {"cases": 0, "held": 0}


def held(ok: bool = True) -> None:
    TALLY["cases"] += 1
    TALLY["held"] += int(ok)
    record("hostile transport", dict(TALLY))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    with Hub(root=root / "hub", tokens=[TOKEN], extra_args=["--trusted-publisher", "hos"]) as hub:
        sha = hub.commit(REPO, write_tree(root / "src", kernel_files("kern", [CU], seed=3, so_size=200_000)),
                         branch="v1")
        yield {"root": root, "hub": hub, "sha": sha,
               "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


@pytest.fixture
def place(tmp_path):
    """HOME, a secret file beside it (what a file:// URL would read) and a canary (what it would write)."""
    home = tmp_path / "home"
    home.mkdir()
    secret = tmp_path / "secret-token"
    secret.write_text(SECRET + "\n")
    canary = tmp_path / "canary"
    canary.write_text("canary: must stay as it is\n")
    return {"tmp": tmp_path, "home": home, "secret": secret, "canary": canary}


def env_for(world, front, place, **extra) -> dict[str, str]:
    e = base_env(front.url, place["home"], world["torch"])
    e.update(HF_HUB_DOWNLOAD_TIMEOUT="5", KCPP_MAX_RETRIES="2")
    e.update(extra)
    return e


def run_measured(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[Result, int]:
    """Runs CMD; returns its result and its peak RSS in MiB (wait4: this child only). A run past
    TIMEOUT is killed and fails the test (the attack made the tool hang)."""
    out, err = [Path(env["HOME"]).parent / f"run.{n}" for n in ("out", "err")]
    t0 = time.monotonic()
    with open(out, "w") as fo, open(err, "w") as fe:
        p = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - t0 > timeout:
            p.kill()
            pid, status, usage = os.wait4(p.pid, 0)
            p.returncode = -9
            raise AssertionError(f"{Path(cmd[0]).name} {cmd[1]} still running after {timeout:.0f} s, "
                                 f"peak RSS {usage.ru_maxrss // 1024} MiB:\n{err.read_text()[-3000:]}")
        time.sleep(0.05)
    p.returncode = os.waitstatus_to_exitcode(status)
    r = Result(p.returncode, out.read_text(), err.read_text(), time.monotonic() - t0)
    return r, usage.ru_maxrss // 1024


def kernels(args, env, timeout=45.0):
    return run_measured([str(binary("kernels")), *args], env, timeout)


def lock_project(world, place) -> Path:
    p = place["tmp"] / "proj"
    p.mkdir(exist_ok=True)
    (p / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["sha"]}}], indent=2))
    return p


def cache_files(place) -> dict[str, int]:
    root = place["home"] / "hf"
    return {p.relative_to(root).as_posix(): p.stat().st_size
            for p in root.rglob("*") if p.is_file() and not p.is_symlink()} if root.exists() else {}


def assert_no_secret_in_cache(place) -> None:
    root = place["home"] / "hf"
    for p in root.rglob("*") if root.exists() else []:
        if p.is_file() and not p.is_symlink():
            assert SECRET.encode() not in p.read_bytes(), f"{p} holds the secret file's bytes"


def is_resolve(path: str, file: str) -> bool:
    return f"/resolve/" in path and path.split("?")[0].endswith(file)


def local_url(kind: str, place, listener) -> str:
    return {
        "file": f"file://{place['secret']}",
        "FILE": f"FILE://{place['secret']}",
        "gopher": f"gopher://127.0.0.1:{listener.port}/_SET%20pwned%201%0D%0A",
        "dict": f"dict://127.0.0.1:{listener.port}/info",
        "ftp": f"ftp://127.0.0.1:{listener.port}/x",
    }[kind]


# ---- items 1–3: URLs a server gives ----------------------------------------------------------------

@pytest.mark.parametrize("kind", ["file", "FILE", "gopher", "dict", "ftp"])
def test_download_refuses_a_redirect_off_http(world, place, kind):
    """HEAD resolve of an LFS file → 302 Location: file:///…/token (X-Linked-Size kept) made
    `kernels download` append the token to blobs/<oid>.incomplete again and again (each read is
    "progress" short of the size); gopher:// and dict:// reached local services."""
    with Listener() as listener:
        url = local_url(kind, place, listener)
        act = (lambda m, p: redirect(url) if m == "HEAD" and is_resolve(p, ".so") else None)
        with HostileFront(world["hub"].url, act) as front:
            r, _ = kernels(["download", str(lock_project(world, place))], env_for(world, front, place))
        assert listener.connections == [], listener.connections
    assert_no_secret_in_cache(place)
    assert_clear_failure(r, "refusing", url.split("://")[0] + "://")
    assert r.stdout == ""
    held()


def test_download_follows_a_relative_redirect(world, place):
    """The other side of the rule: a relative Location resolves against the request URL."""
    def relative_location(headers):
        return [(k, v.split("127.0.0.1", 1)[1].split("/", 1)[1] if k.lower() == "location" else v)
                for k, v in headers]

    def act(m, p):
        if m == "HEAD" and is_resolve(p, ".so"):
            def action(h):
                status, headers, _ = h.forward()
                h.send(status, [(k, "/" + v if k.lower() == "location" else v)
                                for k, v in relative_location(headers)], b"")
            return action
        return None
    with HostileFront(world["hub"].url, act) as front:
        r, _ = kernels(["download", str(lock_project(world, place))], env_for(world, front, place))
        assert any(m == "GET" and "/lfs-objects/" in p for m, p in front.requests)
    assert r.returncode == 0, r.stderr
    check_cache(place["home"] / "hf" / "hub", allow_incomplete=False)
    held()


@pytest.mark.parametrize("kind", ["file", "gopher"])
def test_lock_refuses_a_metadata_redirect_off_http(world, place, kind):
    with Listener() as listener:
        url = local_url(kind, place, listener)
        act = (lambda m, p: redirect(url) if m == "GET" and is_resolve(p, "metadata.json") else None)
        with HostileFront(world["hub"].url, act) as front:
            project = write_project(place["tmp"] / "lp", {REPO: 1})
            r, _ = kernels(["lock", str(project)], env_for(world, front, place))
        assert listener.connections == [], listener.connections
    assert_no_secret_in_cache(place)
    assert not (project / "kernels.lock").exists()
    assert_clear_failure(r, "refusing", url[:20])
    held()


@pytest.mark.parametrize("kind", ["gopher", "dict", "file"])
def test_versions_refuses_a_tree_link_off_http(world, place, kind):
    with Listener() as listener:
        url = local_url(kind, place, listener)

        def act(m, p):
            if m == "GET" and "/tree/" in p:
                return rewrite_json(lambda page: page,
                                    lambda headers: headers + [("Link", f'<{url}>; rel="next"')])
            return None
        with HostileFront(world["hub"].url, act) as front:
            r, _ = kernels(["versions", REPO], env_for(world, front, place))
        assert listener.connections == [], listener.connections
    assert_clear_failure(r, "refusing", "Link")
    held()


def set_action_href(action: str, url: str):
    def fn(answer):
        for o in answer.get("objects", []):
            if action in o.get("actions", {}):
                o["actions"][action]["href"] = url
        return answer
    return fn


@pytest.mark.parametrize("action,kind", [("upload", "file"), ("upload", "FILE"), ("upload", "gopher"),
                                         ("verify", "file"), ("verify", "dict")])
def test_upload_refuses_an_lfs_href_off_http(world, place, action, kind):
    """actions.upload.href = file:///… made `kernel-builder upload` write the .so over that file."""
    kernel = write_build_dir(place["tmp"] / "k", "kern", [CU], seed=100 + len(TALLY) + TALLY["cases"],
                             so_size=60_000)
    before = place["canary"].read_bytes()
    with Listener() as listener:
        url = {"file": f"file://{place['canary']}", "FILE": f"FILE://{place['canary']}"}.get(
            kind) or local_url(kind, place, listener)
        act = (lambda m, p: rewrite_json(set_action_href(action, url))
               if m == "POST" and p.endswith("/info/lfs/objects/batch") else None)
        with HostileFront(world["hub"].url, act) as front:
            env = env_for(world, front, place, HF_TOKEN=TOKEN)
            r, _ = run_measured([str(binary("kernel-builder")), "upload", str(kernel), "--repo-id", "hos/up"],
                                env, 60)
            puts = front.count("PUT", "/lfs-objects/")
        assert listener.connections == [], listener.connections
    assert place["canary"].read_bytes() == before, "the canary was overwritten"
    if action == "upload":
        assert puts == 0
    assert_clear_failure(r, "refusing", url[:20])
    held()


# ---- item 4: answers too large ------------------------------------------------------------------------

def bounded_failure(r: Result, rss_mib: int, *needles: str) -> None:
    assert rss_mib < RSS_LIMIT_MIB, f"peak RSS {rss_mib} MiB"
    assert_clear_failure(r, *needles)


@pytest.mark.parametrize("command", ["versions", "lock", "download"])
def test_a_gzip_bomb_is_cut_at_the_answer_limit(world, place, command):
    """1 MiB of gzip that decodes to 1 GiB of JSON whitespace: refs for versions, the tree listing
    for lock and download. Memory stays near the 64 MiB cap; the error names the cap's variable."""
    target, prefix = ("/refs", b'{"branches": [') if command == "versions" else ("/tree/", b"[")
    act = (lambda m, p: gzip_bomb(prefix, 1 << 30) if m == "GET" and target in p else None)
    with HostileFront(world["hub"].url, act) as front:
        env = env_for(world, front, place)
        args = {"versions": ["versions", REPO], "lock": ["lock", str(write_project(place["tmp"] / "lp", {REPO: 1}))],
                "download": ["download", str(lock_project(world, place))]}[command]
        r, rss = kernels(args, env)
        gets = front.count("GET", target)
    bounded_failure(r, rss, "64 MiB", "KCPP_MAX_RESPONSE_MB")
    assert gets == 1, f"{gets} GETs: an answer over the limit is not asked for again"
    held()


def test_an_endless_tree_listing_is_cut_at_the_answer_limit(world, place):
    entry = b'{"type": "file", "path": "build/x/f.py", "oid": "' + b"0" * 40 + b'", "size": 1},'
    act = (lambda m, p: endless(b"[", entry) if m == "GET" and "/tree/" in p else None)
    with HostileFront(world["hub"].url, act) as front:
        r, rss = kernels(["download", str(lock_project(world, place))], env_for(world, front, place))
    bounded_failure(r, rss, "64 MiB", "KCPP_MAX_RESPONSE_MB")
    held()


def test_the_answer_limit_is_configurable(world, place):
    act = (lambda m, p: gzip_bomb(b'{"branches": [', 64 * MIB) if m == "GET" and "/refs" in p else None)
    with HostileFront(world["hub"].url, act) as front:
        r, _ = kernels(["versions", REPO], env_for(world, front, place, KCPP_MAX_RESPONSE_MB="2"))
    assert_clear_failure(r, "2 MiB", "KCPP_MAX_RESPONSE_MB")
    held()


# ---- item 5: a file body longer than the file ------------------------------------------------------

@pytest.mark.parametrize("shape", ["content-length", "endless"])
def test_an_over_long_file_body_stops_at_the_files_size(world, place, shape):
    """GET of an 8-byte file answered with Content-Length 300 MB (or an endless chunked body) wrote
    hundreds of MiB into the cache."""
    body = long_body(300_000_000) if shape == "content-length" else endless(b"", b"A" * 4096, headers=())
    act = (lambda m, p: body if m == "GET" and is_resolve(p, "_ops.py") else None)
    with HostileFront(world["hub"].url, act) as front:
        r, _ = kernels(["download", str(lock_project(world, place))], env_for(world, front, place))
    files = cache_files(place)
    assert sum(files.values()) < MIB, files
    check_cache(place["home"] / "hf" / "hub")
    assert not any(p.is_symlink() for p in (place["home"] / "hf").rglob("*")), "a snapshot was published"
    assert_clear_failure(r, "_ops.py", "8 bytes")
    held()


# ---- item 6: ranged GETs answered with a short 200 ------------------------------------------------------

def test_short_200s_to_ranged_gets_end_in_bounded_attempts(world, place):
    """Each 200 restarted the file at byte 0 and each byte reset the retry budget: 4,287 GETs for
    an 8-byte file in 90 s. Attempts per file are now bounded whatever the progress."""
    act = (lambda m, p: short(b"ops ") if m == "GET" and is_resolve(p, "_ops.py") else None)
    with HostileFront(world["hub"].url, act) as front:
        r, _ = kernels(["download", str(lock_project(world, place))], env_for(world, front, place), timeout=30)
        gets = front.count("GET", "_ops.py")
    assert gets <= 12, f"{gets} GETs"  # 4 × (KCPP_MAX_RETRIES + 1)
    assert r.seconds < 20
    assert_clear_failure(r, "_ops.py", "attempts")
    held()


# ---- item 7: dripping servers ----------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["lfs-file", "refs"])
def test_a_body_dripped_at_2_bytes_per_second_times_out(world, place, target):
    """Below KCPP_LOW_SPEED_LIMIT (1024 B/s) for KCPP_LOW_SPEED_TIME (30 s; 2 s here) a transfer is
    cut, and a dripped attempt does not count as progress for the retry budget."""
    if target == "refs":
        act = (lambda m, p: drip(10_000_000, 0.5, [("Content-Type", "application/json")])
               if m == "GET" and "/refs" in p else None)
        args = ["versions", REPO]
    else:
        # The file's true length (a longer one is refused at once: item 5), dripped.
        act = (lambda m, p: drip(200_000, 0.5) if m == "GET" and "/lfs-objects/" in p else None)
        args = ["download", str(lock_project(world, place))]
    with HostileFront(world["hub"].url, act) as front:
        env = env_for(world, front, place, KCPP_LOW_SPEED_TIME="2", HF_HUB_DOWNLOAD_TIMEOUT="2",
                      KCPP_MAX_RETRIES="1")
        r, _ = kernels(args, env, timeout=40)
    assert r.seconds < 20, r.seconds  # 2 attempts × 2 s + backoff
    assert_clear_failure(r, "1024 bytes/s")
    held()


def test_an_api_answer_has_an_overall_deadline(world, place):
    """8 KiB/s is above the low-speed limit, but an API answer may not take longer than
    KCPP_API_TIMEOUT (300 s; 2 s here)."""
    def act(m, p):
        if m == "GET" and "/refs" in p:
            def action(h):
                h.send_response(200)
                h.send_header("Content-Type", "application/json")
                h.send_header("Content-Length", "60000000")
                h.end_headers()
                h.close_connection = True
                end = h.deadline()
                while time.monotonic() < end:
                    h.wfile.write(b" " * 4096)
                    h.wfile.flush()
                    time.sleep(0.5)
            return action
        return None
    with HostileFront(world["hub"].url, act) as front:
        env = env_for(world, front, place, KCPP_API_TIMEOUT="2", KCPP_MAX_RETRIES="1")
        r, _ = kernels(["versions", REPO], env, timeout=40)
    assert r.seconds < 15, r.seconds
    assert_clear_failure(r, "KCPP_API_TIMEOUT")
    held()
