"""Tampering and path safety: a hub that serves bytes other than the ones the locked commit
names (or than the LFS oid), tree listings with unsafe or colliding names, and symlinks planted
in the cache. Every case is refused, nothing of the kernel is published, and nothing is written
outside the cache (a canary directory next to it is compared before and after)."""
from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, ours  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import (assert_clear_failure, check_cache, git_blob_id, kernel_files, record,  # noqa: E402
                         repo_tree, sha256_hex, tree_listing)

CU = "torch211-cxx11-cu130-x86_64-linux"
CPU = "torch211-cxx11-cpu-x86_64-linux"
REPO = "rel/tamper"
SO = f"build/{CU}/_tamper.abi3.so"
OPS = f"build/{CU}/_ops.py"
META = f"build/{CU}/metadata.json"
TOKEN = "hf_tamperWriteToken0123"

TALLY = {"cases": 0, "refused": 0}


def refused(ok: bool = True) -> None:
    TALLY["cases"] += 1
    TALLY["refused"] += int(ok)
    record("tamper", dict(TALLY))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("tamper")
    files = kernel_files("tamper", [CU, CPU], seed=3, so_size=200_000)
    with Hub(root=root / "hub", tokens=[TOKEN], extra_args=["--trusted-publisher", "rel"]) as hub:
        sha = hub.commit(REPO, write_tree(root / "src", files), branch="v1")
        # What a tampered metadata.json would pull in: a real, trusted, lockable kernel.
        hub.commit("rel/evil", write_tree(root / "evil", kernel_files("evil", [CU], seed=9, so_size=1000)),
                   branch="v1")
        expected = repo_tree(hub.git_dir(REPO), sha)
        yield {"root": root, "hub": hub, "sha": sha, "files": files, "expected": expected,
               "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


@pytest.fixture
def place(world, tmp_path):
    """HOME with a canary next to the cache ($HF_HOME = HOME/hf), and a project locked at the commit."""
    home = tmp_path / "home"
    (home / "canary").mkdir(parents=True)
    (home / "canary" / "keep.txt").write_text("untouched\n")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["sha"]}}], indent=2))
    before = tree_listing(tmp_path)
    yield {"home": home, "project": project, "tmp": tmp_path, "before": before}


def env_for(world, url, home):
    return base_env(url, home, world["torch"])


def cache_of(place) -> Path:
    return place["home"] / "hf" / "hub"


def assert_nothing_written(place, cache_allowed=True):
    """Outside HOME/hf nothing changed; inside it, no snapshot of the kernel and a sound cache."""
    after = tree_listing(place["tmp"])
    outside = {k: v for k, v in after.items() if not k.startswith("home/hf")}
    assert outside == {k: v for k, v in place["before"].items() if not k.startswith("home/hf")}
    cache = cache_of(place)
    check_cache(cache)
    snaps = cache / "kernels--rel--tamper" / "snapshots"
    assert not snaps.exists() or not any(p.is_symlink() for p in snaps.rglob("*")), list(snaps.rglob("*"))
    if not cache_allowed:
        assert not (cache / "kernels--rel--tamper").exists()


def flip_middle(data: bytes) -> bytes:
    b = bytearray(data)
    b[len(b) // 2] ^= 0x01
    return bytes(b)


# ---- bytes that differ from the commit ------------------------------------------------------------

@pytest.mark.parametrize("target,rewrite", [
    ("lfs-flip", lambda p, b: flip_middle(b) if "/lfs-objects/" in p else b),
    ("lfs-swap", lambda p, b: bytes(reversed(b)) if "/lfs-objects/" in p else b),
    ("regular-flip", lambda p, b: flip_middle(b) if p.endswith("/_ops.py") else b),
    ("regular-longer", lambda p, b: b + b"#" if p.endswith("/__init__.py") else b),
    ("metadata", lambda p, b: b.replace(b'"version": 1', b'"version": 2') if p.endswith("metadata.json") else b),
])
def test_download_refuses_bytes_that_differ_from_the_commit(world, place, target, rewrite):
    with EvilFront(world["hub"].url, body_rewrite=rewrite) as evil:
        r = ours(["download", str(place["project"])], env_for(world, evil.url, place["home"]))
    first = assert_clear_failure(r)
    assert "does not match commit" in first or "ended at byte" in r.stderr or "does not match" in r.stderr, r.stderr
    assert r.stdout == ""
    assert_nothing_written(place)
    refused()


def test_lock_refuses_a_metadata_json_that_differs_from_the_tree(world, place):
    """kernels lock reads kernel-depends from metadata.json: bytes other than the tree's blob id
    must not decide what gets locked."""
    evil_meta = json.loads(world["files"][META])
    evil_meta["kernel-depends"] = [{"repo-id": "rel/evil", "version": 1}]
    evil_bytes = (json.dumps(evil_meta, indent=2) + "\n").encode()
    project = write_project(place["tmp"] / "lockproj", {REPO: 1})
    (project / "kernels.lock").write_text("[]")
    rewrite = lambda p, b: evil_bytes if p.endswith(META) and "/rel/tamper/" in p else b  # noqa: E731
    with EvilFront(world["hub"].url, body_rewrite=rewrite) as evil:
        r = ours(["lock", str(project)], env_for(world, evil.url, place["home"]))
    assert_clear_failure(r, "metadata.json", "does not match the commit", "expected git blob id")
    assert "rel/evil" not in (project / "kernels.lock").read_text()
    assert (project / "kernels.lock").read_text() == "[]"
    blobs = cache_of(place) / "kernels--rel--tamper" / "blobs"
    assert not blobs.exists() or git_blob_id(evil_bytes) not in os.listdir(blobs)
    refused()


def test_corrupt_lfs_fault_of_the_hub_itself_is_refused(world, place, tmp_path):
    with Hub(root=world["hub"].root, extra_args=["--faults", "corrupt-lfs"]) as bad:
        r = ours(["download", str(place["project"])], env_for(world, bad.url, place["home"]))
    assert_clear_failure(r, "does not match commit", "expected sha256")
    assert_nothing_written(place)
    refused()


def test_tampered_incomplete_prefix_is_not_kept(world, place):
    """A `.incomplete` file whose prefix was altered: the resumed blob does not verify, so it is
    fetched again from byte 0 and the bad prefix never reaches a blob."""
    data = world["files"][SO]
    oid = sha256_hex(data)
    blobs = cache_of(place) / "kernels--rel--tamper" / "blobs"
    blobs.mkdir(parents=True)
    (blobs / f"{oid}.incomplete").write_bytes(flip_middle(data[:100_000]))
    r = ours(["download", str(place["project"])], env_for(world, world["hub"].url, place["home"]))
    assert r.returncode == 0, r.stderr
    assert (blobs / oid).read_bytes() == data
    check_cache(cache_of(place), {world["sha"]: world["expected"]}, allow_incomplete=False)
    refused()


def test_hub_refuses_lfs_uploads_and_commits_that_do_not_match(world):
    """The other direction: an LFS PUT whose bytes do not hash to the announced oid, and a
    commit naming an LFS object that was never stored, are both refused with 400."""
    url = world["hub"].url
    content = b"\0genuine object" * 100
    oid = sha256_hex(content)
    batch = {"operation": "upload", "transfers": ["basic"], "hash_algo": "sha256",
             "objects": [{"oid": oid, "size": len(content)}]}
    req = urllib.request.Request(f"{url}/kernels/{REPO}.git/info/lfs/objects/batch", json.dumps(batch).encode(),
                                 {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/vnd.git-lfs+json"})
    with urllib.request.urlopen(req) as r:
        href = json.load(r)["objects"][0]["actions"]["upload"]["href"]
    tampered = content[:-1] + b"!"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(href, tampered, method="PUT"))
    assert e.value.code == 400
    ghost = "f" * 64
    ndjson = (json.dumps({"key": "header", "value": {"summary": "ghost"}}) + "\n" +
              json.dumps({"key": "lfsFile", "value": {"path": "build/x.so", "algo": "sha256", "oid": ghost,
                                                      "size": 10}}) + "\n").encode()
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(
            f"{url}/api/kernels/{REPO}/commit/v1", ndjson,
            {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}))
    assert e.value.code == 400
    assert repo_tree(world["hub"].git_dir(REPO), "v1") == world["expected"]
    refused()
    refused()


# ---- unsafe and colliding tree entries -------------------------------------------------------------

def add_entry(path, like=OPS, kind="file"):
    def rewrite(entries):
        model = next((e for e in entries if e["path"] == like), None)
        if model is None:
            return entries
        extras = [dict(model, path=p, type=kind) for p in (path if isinstance(path, tuple) else (path,))]
        return entries + extras
    return rewrite


UNSAFE = {
    "dotdot": f"build/{CU}/../../../../../escape.py",
    "dotdot-inner": f"build/{CU}/layers/../../{CPU}/_ops.py",
    "absolute": "/tmp/kcpp-absolute-escape.py",
    "absolute-build": f"/build/{CU}/abs.py",
    "backslash": f"build/{CU}/..\\..\\..\\escape.py",
    "nul": f"build/{CU}/evil\u0000.py",
    "control": f"build/{CU}/evil\n.py",
    "empty-component": f"build/{CU}//x.py",
    "dot-component": f"build/{CU}/./x.py",
    "trailing-slash": f"build/{CU}/x/",
    "duplicate": OPS,
    "case-collision": f"build/{CU}/_OPS.py",
    "file-vs-dir": f"build/{CU}/layers",
    "file-over-variant-dir": f"build/{CU}",
    # Found while closing the issue: one file on macOS (NFC vs NFD), and a file inside a file
    # whose names differ only in case.
    "normalisation-collision": (f"build/{CU}/caf\u00e9.py", f"build/{CU}/cafe\u0301.py"),
    "case-file-inside-file": f"build/{CU}/_OPS.py/x.py",
}


@pytest.mark.parametrize("name", sorted(UNSAFE))
@pytest.mark.parametrize("mode", ["preferred", "all-variants"])
def test_unsafe_tree_entries_are_refused_before_any_write(world, place, name, mode):
    path = UNSAFE[name]
    like = f"build/{CU}/__init__.py" if name == "duplicate" else OPS  # a duplicate with other content
    with EvilFront(world["hub"].url, tree_rewrite=add_entry(path, like)) as evil:
        args = ["download", str(place["project"])] + (["--all-variants"] if mode == "all-variants" else [])
        r = ours(args, env_for(world, evil.url, place["home"]))
        fetched = [p for m, p, _ in evil.requests if "/resolve/" in p or "/lfs-objects/" in p]
    first = assert_clear_failure(r)
    assert REPO in first, first
    assert fetched == [], fetched  # refused from the listing alone: no file was requested
    assert_nothing_written(place, cache_allowed=False)
    assert not Path("/tmp/kcpp-absolute-escape.py").exists()
    refused()


def test_lfs_oid_that_is_not_a_sha256_is_refused(world, place):
    def rewrite(entries):
        for e in entries:
            if e.get("lfs"):
                e["lfs"]["oid"] = "../../../../etc/passwd"
        return entries
    with EvilFront(world["hub"].url, tree_rewrite=rewrite) as evil:
        r = ours(["download", str(place["project"])], env_for(world, evil.url, place["home"]))
    assert_clear_failure(r, "LFS sha256")
    assert_nothing_written(place, cache_allowed=False)
    refused()


# ---- symlinks planted in the cache ------------------------------------------------------------------

def test_symlinked_snapshot_directory_is_not_written_through(world, place):
    outside = place["tmp"] / "outside"
    outside.mkdir()
    variant = cache_of(place) / "kernels--rel--tamper" / "snapshots" / world["sha"] / "build" / CU
    variant.parent.mkdir(parents=True)
    variant.symlink_to(outside, target_is_directory=True)
    place["before"] = tree_listing(place["tmp"])
    r = ours(["download", str(place["project"])], env_for(world, world["hub"].url, place["home"]))
    assert_clear_failure(r, "symbolic link")
    assert list(outside.iterdir()) == []
    refused()


def test_symlinked_incomplete_and_blob_files_are_replaced_not_followed(world, place):
    victim = place["tmp"] / "victim.bin"
    victim.write_bytes(b"precious")
    blobs = cache_of(place) / "kernels--rel--tamper" / "blobs"
    blobs.mkdir(parents=True)
    so_oid = sha256_hex(world["files"][SO])
    ops_oid = git_blob_id(world["files"][OPS].encode())
    (blobs / f"{so_oid}.incomplete").symlink_to(victim)  # would be truncated / appended to
    (blobs / ops_oid).symlink_to(victim)                 # would be served as _ops.py
    locks = cache_of(place) / ".locks" / "kernels--rel--tamper"
    locks.mkdir(parents=True)
    (locks / f"{so_oid}.lock").symlink_to(place["tmp"] / "created-by-lock")
    r = ours(["download", str(place["project"])], env_for(world, world["hub"].url, place["home"]))
    assert r.returncode == 0, r.stderr
    assert victim.read_bytes() == b"precious"
    assert not (place["tmp"] / "created-by-lock").exists()
    assert not (blobs / ops_oid).is_symlink() and (blobs / ops_oid).read_bytes() == world["files"][OPS].encode()
    check_cache(cache_of(place), {world["sha"]: world["expected"]}, allow_incomplete=False)
    refused()
