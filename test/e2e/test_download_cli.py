"""`kernels download` end to end against a real kernels-hub: output forms, the cache it
leaves, reuse of cached blobs (the hub's request log shows no file bodies on a second run),
resume of cut and interrupted transfers with Range, refusal of tampered content, and every
failure mode with its message and exit code."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary, ours  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
CPU = "torch211-cxx11-cpu-x86_64-linux"
OLD = "torch29-cxx11-cpu-x86_64-linux"
SO_SIZE = 3 * 1024 * 1024 + 17


def metadata(name: str = "relu") -> str:
    return json.dumps({"id": f"_{name}_1", "name": name, "version": 1, "license": "apache-2.0",
                       "python-depends": [], "backend": {"type": "cuda"}})


def pseudo_random(n: int, seed: int) -> bytes:
    out = bytearray(b"\x7fELF\x02\x01\x01\x00")  # binary (a NUL byte): stored as an LFS object
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


def kernel_tree(variants: list[str], so_seed: int = 1, meta: str | None = None) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {"README.md": "# kernel\n"}
    for v in variants:
        files[f"build/{v}/__init__.py"] = f"# {v}\nfrom ._ops import ops\n"
        files[f"build/{v}/_ops.py"] = "ops = None\n"
        files[f"build/{v}/metadata.json"] = metadata() if meta is None else meta
    files[f"build/{variants[0]}/_ops.so"] = pseudo_random(SO_SIZE, so_seed)
    files[f"build/{variants[0]}/sub/x.py"] = "x = 1\n"
    files[f"build/{variants[0]}/__pycache__/a.cpython-311.pyc"] = b"\0pyc"
    return files


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        h.shas = {}
        repos = {
            "org/relu": kernel_tree([CU, CPU, "torch-universal"]),
            "org/other": kernel_tree([CU], so_seed=2),
            "org/old": kernel_tree([OLD], so_seed=3),
            "org/tamper": kernel_tree([CU], so_seed=4),
            "org/nometa": {k: v for k, v in kernel_tree([CU], so_seed=5).items() if not k.endswith("metadata.json")},
            "org/badmeta": kernel_tree([CU], so_seed=6, meta='{"name": "Bad Name"}'),
            "org/nobuild": {"README.md": "nothing\n"},
        }
        for repo, files in repos.items():
            src = write_tree(root / repo.replace("/", "_"), files)
            h.shas[repo] = h.commit(repo, src, branch="v1")
        # org/old gets a newer version with a build for this machine (upstream's suggestion).
        h.commit("org/old", write_tree(root / "old_v2", kernel_tree([CU], so_seed=3)), branch="v2")
        yield h


@pytest.fixture
def env(hub, tmp_path):
    torch_dir = make_torch_dir(tmp_path / "torch", version="2.11.0+cu130", cuda="13.0")
    e = base_env(hub.url, tmp_path / "home", torch_dir)
    e["KERNELS_CACHE"] = str(tmp_path / "cache")
    return e


def write_lock(project: Path, repos: list[str], shas: dict[str, str]) -> Path:
    """kernels.lock as kernels 0.17.2 writes it (sorted by repo id, no trailing newline)."""
    project.mkdir(parents=True, exist_ok=True)
    entries = [{"dependency": {"repo-id": r, "version": 1}, "lock": {"commit": shas[r]}} for r in sorted(repos)]
    (project / "kernels.lock").write_text(json.dumps(entries, indent=2))
    return project


def snapshot(env, repo: str, sha: str) -> Path:
    ns, name = repo.split("/")
    return Path(env["KERNELS_CACHE"]).resolve() / f"kernels--{ns}--{name}" / "snapshots" / sha


def error_lines(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if l.startswith("error:")]


def new_requests(hub, before: int) -> list[str]:
    return hub.request_log()[before:]


def body_requests(lines: list[str]) -> list[str]:
    """GETs that carry file bodies (resolve or the LFS objects)."""
    return [l for l in lines if l.startswith("GET ") and ("/resolve/" in l or "/lfs-objects/" in l)]


def lfs_object(hub, content: bytes) -> Path:
    oid = hashlib.sha256(content).hexdigest()
    return hub.root / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


# ---- success ---------------------------------------------------------------------------

def test_downloads_the_preferred_variant(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    sha = hub.shas["org/relu"]
    r = ours(["download", str(project)], env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == f"Downloading kernel: org/relu (revision: {sha})\n"
    variant_dir = snapshot(env, "org/relu", sha) / "build" / CU
    assert r.stdout == f"{variant_dir}\n"
    so = variant_dir / "_ops.so"
    assert so.is_symlink() and os.readlink(so) == "../../../../blobs/" + hashlib.sha256(so.read_bytes()).hexdigest()
    assert os.readlink(variant_dir / "sub" / "x.py").startswith("../../../../../blobs/")
    assert (variant_dir / "sub" / "x.py").read_text() == "x = 1\n"
    assert not (variant_dir / "__pycache__").exists()
    assert sorted(p.name for p in (variant_dir.parent).iterdir()) == [CU]  # only the chosen variant
    assert not (snapshot(env, "org/relu", sha) / "README.md").exists()
    cache = Path(env["KERNELS_CACHE"])
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")
    assert not list((cache / "kernels--org--relu" / "blobs").glob("*.incomplete"))
    assert not (cache / "kernels--org--relu" / "refs").exists()  # revision is the commit: no ref


def test_second_run_transfers_no_file_bodies(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu", "org/other"], hub.shas)
    before = len(hub.request_log())
    first = ours(["download", str(project)], env)
    assert first.returncode == 0, first.stderr
    assert len(body_requests(new_requests(hub, before))) == 2 * 5  # 5 files per variant
    before = len(hub.request_log())
    second = ours(["download", str(project)], env)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    lines = new_requests(hub, before)
    assert body_requests(lines) == [] and not [l for l in lines if l.startswith("HEAD ")]
    assert len(lines) == 2 and all("/tree/" in l for l in lines), lines


def test_json_summary(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    sha = hub.shas["org/relu"]
    r = ours(["download", str(project), "--json"], env)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["ok"] is True and j["cache"] == str(Path(env["KERNELS_CACHE"]).resolve())
    (k,) = j["kernels"]
    assert (k["repo_id"], k["version"], k["commit"], k["status"]) == ("org/relu", 1, sha, "ok")
    (v,) = k["variants"]
    assert v["name"] == CU and v["path"] == str(snapshot(env, "org/relu", sha) / "build" / CU)
    assert v["files"] == 5 and v["fetched_files"] == 5 and v["reused_files"] == 0
    assert v["bytes"] == v["transferred_bytes"] > SO_SIZE
    assert v["hash"].startswith("sha256-") and len(v["hash"]) == 71
    again = json.loads(ours(["download", str(project), "--json"], env).stdout)["kernels"][0]["variants"][0]
    assert (again["fetched_files"], again["reused_files"], again["transferred_bytes"]) == (0, 5, 0)
    assert again["hash"] == v["hash"]


def test_all_variants(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    sha = hub.shas["org/relu"]
    r = ours(["download", str(project), "--all-variants", "--jobs", "3"], env)
    assert r.returncode == 0, r.stderr
    build = snapshot(env, "org/relu", sha) / "build"
    assert r.stdout.splitlines() == [str(build / v) for v in sorted([CU, CPU, "torch-universal"])]
    for v in (CU, CPU, "torch-universal"):
        assert (build / v / "metadata.json").is_symlink()


@pytest.mark.parametrize("var", ["KERNELS_CACHE", "HF_HUB_CACHE", "HF_HOME"])
def test_cache_location_from_the_environment(hub, env, tmp_path, var):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    env = {k: v for k, v in env.items() if k not in ("KERNELS_CACHE", "HF_HUB_CACHE", "HF_HOME")}
    env[var] = str(tmp_path / "place")
    r = ours(["download", str(project)], env)
    assert r.returncode == 0, r.stderr
    expected = (tmp_path / "place" / ("hub" if var == "HF_HOME" else "")).resolve()
    assert r.stdout.startswith(str(expected / "kernels--org--relu" / "snapshots") + "/")


# ---- no compatible variant ---------------------------------------------------------------

def test_no_compatible_variant_prints_the_trace_and_continues(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/old", "org/relu"], hub.shas)
    old = hub.shas["org/old"]
    r = ours(["download", str(project)], env)
    assert r.returncode == 1
    assert r.stderr == (
        f"Downloading kernel: org/old (revision: {old})\n"
        f"Cannot find a build variant for this system in org/old (revision: {old}):\n\n"
        f"{OLD}: Torch version (2.9) does not match environment Torch version (2.11)\n\n"
        f"However, version v2 of 'org/old' has a build compatible with your system ({CU}). Consider upgrading "
        "to that version by specifying the `version` argument.\n"
        f"Downloading kernel: org/relu (revision: {hub.shas['org/relu']})\n"
        "error: 1 of 2 locked kernels could not be downloaded: org/old\n"
        "hint: the messages above say why for each; kernels that succeeded are in the cache\n")
    assert r.stdout == f"{snapshot(env, 'org/relu', hub.shas['org/relu']) / 'build' / CU}\n"
    assert not snapshot(env, "org/old", old).exists()


def test_system_overrides_pick_another_variant(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    r = ours(["download", str(project), "--backend", "cpu"], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("/build/" + CPU)


# ---- verification ------------------------------------------------------------------------

def test_tampered_blob_is_refused(hub, env, tmp_path):
    """The LFS object behind a locked file changes on the hub: the pointer in the locked
    commit still names the original sha256, so the download must refuse it."""
    sha = hub.shas["org/tamper"]
    original = pseudo_random(SO_SIZE, 4)
    obj = lfs_object(hub, original)
    tampered = bytearray(original)
    tampered[SO_SIZE // 2] ^= 0xFF
    obj.write_bytes(bytes(tampered))
    try:
        project = write_lock(tmp_path / "proj", ["org/tamper"], hub.shas)
        r = ours(["download", str(project)], env)
    finally:
        obj.write_bytes(original)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert lines[0] == f"Downloading kernel: org/tamper (revision: {sha})"
    assert lines[1] == (f"error: org/tamper (variant {CU}): content of 'build/{CU}/_ops.so' does not match "
                        f"commit {sha}")
    assert lines[2] == (f"  caused by: expected sha256 {hashlib.sha256(original).hexdigest()}, downloaded content "
                        f"has {hashlib.sha256(bytes(tampered)).hexdigest()}")
    assert lines[3].startswith("  caused by: variant hash (git_lfs_concat): expected sha256-")
    assert "hint: the Hub served bytes that differ from what the locked commit records" in r.stderr
    assert error_lines(r.stderr)[-1] == "error: 1 of 1 locked kernels could not be downloaded: org/tamper"
    snapshots = Path(env["KERNELS_CACHE"]) / "kernels--org--tamper" / "snapshots"
    assert not snapshots.exists() or not any(snapshots.iterdir())
    blobs = Path(env["KERNELS_CACHE"]) / "kernels--org--tamper" / "blobs"
    assert hashlib.sha256(original).hexdigest() not in [p.name for p in blobs.iterdir()]
    assert not list(blobs.glob("*.incomplete"))
    # With the object restored, the same command succeeds.
    again = ours(["download", str(project)], env)
    assert again.returncode == 0, again.stderr


def test_recheck_replaces_a_damaged_cached_blob(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    assert ours(["download", str(project)], env).returncode == 0
    so = snapshot(env, "org/relu", hub.shas["org/relu"]) / "build" / CU / "_ops.so"
    blob = so.resolve()
    good = blob.read_bytes()
    blob.write_bytes(b"damaged")
    assert ours(["download", str(project)], env).returncode == 0  # trusted by name, like huggingface_hub
    assert blob.read_bytes() == b"damaged"
    r = ours(["download", str(project), "--recheck"], env)
    assert r.returncode == 0, r.stderr
    assert "does not match its name" in r.stderr
    assert so.read_bytes() == good


# ---- resume ------------------------------------------------------------------------------

class CutFront:
    """An HTTP front for a kernels-hub that routes the LFS redirect through itself and can
    cut the first LFS body after CUT bytes (closing the connection) or send it slowly."""

    def __init__(self, hub_url: str, cut: int | None = None, bytes_per_s: float | None = None):
        u = urlparse(hub_url)
        self.host, self.port = u.hostname, u.port
        self.cut = cut
        self.bytes_per_s = bytes_per_s
        self.url = ""

    def __enter__(self):
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _forward(self, method):
                path, port = self.path, front.port
                if path.startswith("/@"):  # "/@<port>/lfs-objects/…": the hub's second listener
                    port_s, path = path[2:].split("/", 1)
                    port, path = int(port_s), "/" + path
                conn = http.client.HTTPConnection(front.host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(method, path, headers=headers)
                resp = conn.getresponse()
                body = resp.read() if method != "HEAD" else b""
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() in ("connection", "transfer-encoding", "keep-alive"):
                        continue
                    if k.lower() == "location":
                        lu = urlparse(v)
                        if lu.port != front.port:
                            v = f"{front.url}/@{lu.port}{lu.path}"
                        else:
                            v = f"{front.url}{lu.path}"
                    self.send_header(k, v)
                self.end_headers()
                conn.close()
                if method == "HEAD":
                    return
                lfs = "/lfs-objects/" in path
                if lfs and front.cut is not None and "Range" not in self.headers:
                    cut, front.cut = front.cut, None
                    self.wfile.write(body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if lfs and front.bytes_per_s:
                    step = 64 * 1024
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i:i + step])
                        self.wfile.flush()
                        time.sleep(step / front.bytes_per_s)
                    return
                self.wfile.write(body)

            def do_GET(self):
                self._forward("GET")

            def do_HEAD(self):
                self._forward("HEAD")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def lfs_lines(lines: list[str]) -> list[str]:
    return [l for l in lines if "/lfs-objects/" in l]


def test_transfer_cut_mid_file_resumes_with_range(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/other"], hub.shas)
    cut = 1_000_000
    before = len(hub.request_log())
    with CutFront(hub.url, cut=cut) as front:
        r = ours(["download", str(project)], dict(env, HF_ENDPOINT=front.url))
    assert r.returncode == 0, r.stderr
    assert "interrupted at byte" in r.stderr  # the client's resume warning
    got = lfs_lines(new_requests(hub, before))
    assert got[0].startswith("GET /lfs-objects/") and got[0].endswith(f" 200 {SO_SIZE}")  # served whole, cut by the front
    assert got[1].endswith(f" 206 {SO_SIZE - cut}"), got
    so = snapshot(env, "org/other", hub.shas["org/other"]) / "build" / CU / "_ops.so"
    assert so.read_bytes() == pseudo_random(SO_SIZE, 2)


def test_incomplete_file_from_an_earlier_run_is_resumed(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/other"], hub.shas)
    content = pseudo_random(SO_SIZE, 2)
    oid = hashlib.sha256(content).hexdigest()
    blobs = Path(env["KERNELS_CACHE"]) / "kernels--org--other" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / f"{oid}.incomplete").write_bytes(content[:2_000_000])
    before = len(hub.request_log())
    r = ours(["download", str(project)], env)
    assert r.returncode == 0, r.stderr
    assert lfs_lines(new_requests(hub, before)) == [f"GET /lfs-objects/{oid} 206 {SO_SIZE - 2_000_000}"]
    assert (blobs / oid).read_bytes() == content
    assert not (blobs / f"{oid}.incomplete").exists()


def test_killed_download_resumes_on_the_next_run(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/other"], hub.shas)
    content = pseudo_random(SO_SIZE, 2)
    oid = hashlib.sha256(content).hexdigest()
    incomplete = Path(env["KERNELS_CACHE"]) / "kernels--org--other" / "blobs" / f"{oid}.incomplete"
    with CutFront(hub.url, bytes_per_s=1_500_000) as front:
        slow = dict(env, HF_ENDPOINT=front.url)
        p = subprocess.Popen([str(binary("kernels")), "download", str(project)], env=slow,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not incomplete.exists() or incomplete.stat().st_size < 1 << 20):
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait()
    kept = incomplete.stat().st_size
    assert 0 < kept < SO_SIZE
    before = len(hub.request_log())
    r = ours(["download", str(project)], env)
    assert r.returncode == 0, r.stderr
    assert lfs_lines(new_requests(hub, before)) == [f"GET /lfs-objects/{oid} 206 {SO_SIZE - kept}"]
    assert (incomplete.parent / oid).read_bytes() == content


def test_concurrent_processes_share_the_cache(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu", "org/other"], hub.shas)
    procs = [subprocess.Popen([str(binary("kernels")), "download", str(project), "--all-variants"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert len({o for o, _ in outs}) == 1
    so = snapshot(env, "org/relu", hub.shas["org/relu"]) / "build" / CU / "_ops.so"
    assert so.read_bytes() == pseudo_random(SO_SIZE, 1)


# ---- bad input ---------------------------------------------------------------------------

def test_missing_lock_file(env, tmp_path):
    (tmp_path / "proj").mkdir()
    r = ours(["download", str(tmp_path / "proj") + "/"], env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == (f"error: No kernels.lock file found in: {tmp_path / 'proj'}\n"
                        f"hint: run `kernels lock {tmp_path / 'proj'}` to create it from pyproject.toml\n")


def test_missing_project_dir(env, tmp_path):
    r = ours(["download", "./nowhere"], dict(env))
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == "error: No kernels.lock file found in: nowhere"


def test_malformed_lock_file(env, tmp_path):
    (tmp_path / "kernels.lock").write_text('[\n  {"dependency": {"repo-id": "org/relu", "version": 1},\n  "lock": ')
    r = ours(["download", str(tmp_path)], env)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(f"error: {tmp_path / 'kernels.lock'}:3:")
    assert "hint:" in r.stderr


def test_lock_file_in_the_old_format(env, tmp_path):
    (tmp_path / "kernels.lock").write_text(json.dumps(
        [{"repo_id": "org/relu", "sha": "a" * 40, "variants": {}}], indent=2))
    r = ours(["download", str(tmp_path)], env)
    assert r.returncode == 1
    assert r.stderr.startswith(f"error: {tmp_path / 'kernels.lock'}:3:16: unknown field `repo_id`")
    assert "format of kernels < 0.17" in r.stderr


def test_empty_lock_file_does_nothing(env, tmp_path):
    (tmp_path / "kernels.lock").write_text("[]")
    r = ours(["download", str(tmp_path)], env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("args", [["--jobs", "0"], ["--jobs", "x"], ["--frobnicate"], []])
def test_usage_errors(env, tmp_path, args):
    (tmp_path / "kernels.lock").write_text("[]")
    r = ours(["download", *([str(tmp_path)] if args else []), *args], env)
    assert r.returncode == 2
    assert r.stderr.startswith("error:") and "hint: run `kernels --help` for usage" in r.stderr


def test_invalid_repo_id_fails_its_entry_only_located_in_the_lock_file(hub, env, tmp_path):
    # kernels.lock takes any string as a repo id (as upstream's reader): a bad one fails that
    # entry with its position in the file; the other entries are downloaded.
    (tmp_path / "kernels.lock").write_text(json.dumps([
        {"dependency": {"repo-id": "not a repo", "version": 1}, "lock": {"commit": "a" * 40}},
        {"dependency": {"repo-id": "org/relu", "version": 1}, "lock": {"commit": hub.shas["org/relu"]}},
    ], indent=2))
    r = ours(["download", str(tmp_path)], env, timeout=60)
    assert r.returncode == 1
    errs = error_lines(r.stderr)
    assert errs[0] == (f"error: {tmp_path / 'kernels.lock'}:4:18: invalid repo id 'not a repo': "
                       "a repo id must have the form 'namespace/name'")
    assert errs[-1] == "error: 1 of 2 locked kernels could not be downloaded: not a repo"
    assert len(r.stdout.splitlines()) == 1 and "org--relu" in r.stdout


def run_failing(hub, env, tmp_path, repo: str, sha: str | None = None, extra=()) -> tuple[object, list[str]]:
    project = write_lock(tmp_path / "proj", [repo], {repo: sha or hub.shas[repo]})
    r = ours(["download", str(project), *extra], env, timeout=60)
    assert r.returncode == 1
    assert r.stdout == ""
    errs = error_lines(r.stderr)
    assert errs[-1] == f"error: 1 of 1 locked kernels could not be downloaded: {repo}"
    return r, errs


def test_repo_not_found(hub, env, tmp_path):
    r, errs = run_failing(hub, env, tmp_path, "org/missing", "b" * 40)
    assert errs[0] == f"error: kernel repository 'org/missing' not found on {hub.url}"


def test_commit_not_found(hub, env, tmp_path):
    r, errs = run_failing(hub, env, tmp_path, "org/relu", "c" * 40)
    assert errs[0] == f"error: revision '{'c' * 40}' not found in kernel repository 'org/relu'"


def test_no_build_directory(hub, env, tmp_path):
    sha = hub.shas["org/nobuild"]
    r, errs = run_failing(hub, env, tmp_path, "org/nobuild")
    assert errs[0] == f"error: org/nobuild has no build/ directory at {sha}"


def test_variant_without_metadata(hub, env, tmp_path):
    r, errs = run_failing(hub, env, tmp_path, "org/nometa")
    assert errs[0] == f"error: org/nometa (variant {CU}): build/{CU}/metadata.json is missing"
    assert not snapshot(env, "org/nometa", hub.shas["org/nometa"]).exists()


def test_variant_with_invalid_metadata(hub, env, tmp_path):
    r, errs = run_failing(hub, env, tmp_path, "org/badmeta")
    assert errs[0] == f"error: org/badmeta (variant {CU}): invalid metadata.json"
    assert f"caused by: build/{CU}/metadata.json:1:" in r.stderr
    assert not snapshot(env, "org/badmeta", hub.shas["org/badmeta"]).exists()
    # --all-variants does not read metadata, as upstream.
    r2 = ours(["download", str(tmp_path / "proj"), "--all-variants"], env)
    assert r2.returncode == 0, r2.stderr


def test_offline_mode(hub, env, tmp_path):
    r, errs = run_failing(hub, dict(env, HF_HUB_OFFLINE="1"), tmp_path, "org/relu")
    assert errs[0] == "error: cannot reach the Hub for kernel 'org/relu': offline mode is enabled"


def test_hub_not_running(hub, env, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(env, HF_ENDPOINT=f"http://127.0.0.1:{port}", KCPP_MAX_RETRIES="1")
    r, errs = run_failing(hub, env, tmp_path, "org/relu")
    assert errs[0] == f"error: cannot reach the Hub at http://127.0.0.1:{port}"


def test_unusable_cache_directory(hub, env, tmp_path):
    (tmp_path / "afile").write_text("x")
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    r = ours(["download", str(project)], dict(env, KERNELS_CACHE=str(tmp_path / "afile" / "cache")))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(f"error: cannot use {tmp_path / 'afile' / 'cache'} as the cache directory: ")
    assert "hint: set KERNELS_CACHE (or HF_HUB_CACHE / HF_HOME) to a writable directory" in r.stderr


def test_cache_that_cannot_take_locks(hub, env, tmp_path):
    cache = Path(env["KERNELS_CACHE"])
    cache.mkdir()
    (cache / ".locks").write_text("not a directory")  # works as root too, unlike chmod
    r, errs = run_failing(hub, env, tmp_path, "org/relu")
    assert errs[0].startswith("error: cannot store 'build/") and errs[0].endswith(f"(variant {CU}) in the cache")
    assert f"caused by: cannot create lock file {cache.resolve() / '.locks'}/kernels--org--relu/" in r.stderr
    assert "hint: check that the cache directory is writable" in r.stderr
    assert not snapshot(env, "org/relu", hub.shas["org/relu"]).exists()
