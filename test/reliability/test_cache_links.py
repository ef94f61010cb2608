"""Symbolic links planted in the cache, at every directory level below its root (the repo
folder `kernels--org--k/`, its `blobs/` and `snapshots/`, `.locks/`, `.locks/kernels--org--k/`):
`kernels download` and `kernels check` stop with a clear error naming the link, `kernels lock`
warns and caches nothing, and nothing is ever written through the link (the directory it
points at stays empty). The cache root itself may be a link. And the modes: an `.incomplete`
blob is the owner's alone (0600 & ~umask) while it holds unverified bytes; the finished blob
gets huggingface_hub's 0666 & ~umask — under umask 022, 077 and 002."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary, ours  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import assert_clear_failure, check_cache, kernel_files, record, tree_listing  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
REPO = "rel/links"
FOLDER = "kernels--rel--links"
LEVELS = [FOLDER, f"{FOLDER}/blobs", f"{FOLDER}/snapshots", ".locks", f".locks/{FOLDER}"]

TALLY = {"cases": 0, "held": 0}


def held(ok: bool) -> None:
    TALLY["cases"] += 1
    TALLY["held"] += int(ok)
    record("cache links", dict(TALLY))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("links")
    files = kernel_files("links", [CU], seed=11, so_size=300_000)
    with Hub(root=root / "hub", extra_args=["--trusted-publisher", "rel"]) as hub:
        sha = hub.commit(REPO, write_tree(root / "src", files), branch="v1")
        yield {"hub": hub, "sha": sha, "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


@pytest.fixture
def place(world, tmp_path):
    home = tmp_path / "home"
    outside = tmp_path / "outside"
    outside.mkdir()
    project = write_project(tmp_path / "proj", {REPO: 1})
    (project / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["sha"]}}], indent=2))
    return {"home": home, "cache": home / "hf" / "hub", "outside": outside, "project": project,
            "env": base_env(world["hub"].url, home, world["torch"])}


def plant(place, rel: str) -> Path:
    link = place["cache"] / rel
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(place["outside"], target_is_directory=True)
    return link


@pytest.mark.parametrize("rel", LEVELS)
def test_download_refuses_a_linked_directory(place, rel):
    link = plant(place, rel)
    r = ours(["download", str(place["project"])], place["env"])
    ok = r.returncode == 1 and f"{link} is a symbolic link" in r.stderr and not any(place["outside"].iterdir())
    held(ok)
    assert_clear_failure(r, f"{link} is a symbolic link", "remove the link")
    assert list(place["outside"].iterdir()) == []
    assert r.stdout == ""


@pytest.mark.parametrize("rel", [FOLDER, f"{FOLDER}/blobs", f".locks/{FOLDER}"])
def test_check_refuses_a_linked_directory(place, rel):
    link = plant(place, rel)
    r = ours(["check", REPO], place["env"])
    ok = r.returncode == 1 and "is a symbolic link" in r.stderr and not any(place["outside"].iterdir())
    held(ok)
    assert_clear_failure(r, f"{link} is a symbolic link")
    assert list(place["outside"].iterdir()) == []


@pytest.mark.parametrize("rel", [FOLDER, f"{FOLDER}/blobs"])
def test_lock_caches_nothing_through_a_link(place, rel):
    """The lock does not depend on the cache: it is written, with a warning; nothing goes through."""
    link = plant(place, rel)
    r = ours(["lock", str(place["project"])], place["env"])
    ok = r.returncode == 0 and f"{link} is a symbolic link" in r.stderr and not any(place["outside"].iterdir())
    held(ok)
    assert r.returncode == 0, r.stderr
    assert f"{link} is a symbolic link" in r.stderr, r.stderr
    assert list(place["outside"].iterdir()) == []


def test_a_linked_cache_root_is_followed(place):
    """The root is the user's to choose: HF_HUB_CACHE may point at a link."""
    real = place["outside"] / "real-cache"
    real.mkdir()
    place["cache"].parent.mkdir(parents=True)
    place["cache"].symlink_to(real, target_is_directory=True)
    r = ours(["download", str(place["project"])], place["env"])
    held(r.returncode == 0)
    assert r.returncode == 0, r.stderr
    check_cache(real, allow_incomplete=False)
    assert (real / FOLDER / "snapshots").is_dir()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_incomplete_and_blob_modes(world, place, umask):
    """While a transfer waits, blobs/<oid>.incomplete exists: 0600 & ~umask; afterwards every
    blob is 0666 & ~umask (huggingface_hub's)."""
    def slow(method, path):
        if method == "GET" and "/resolve/" in path:
            time.sleep(1.0)  # then forward: the .incomplete file exists meanwhile
        return None

    with EvilFront(world["hub"].url, rule=slow) as evil:
        env = dict(place["env"], HF_ENDPOINT=evil.url)
        p = subprocess.Popen([str(binary("kernels")), "download", str(place["project"]), "--jobs", "1"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=lambda: os.umask(umask))
        seen = {}
        blobs = place["cache"] / FOLDER / "blobs"
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:
            for f in blobs.glob("*.incomplete") if blobs.is_dir() else []:
                try:
                    st = f.lstat()
                    seen.setdefault(f.name[:-len(".incomplete")], set()).add((stat.S_IMODE(st.st_mode), st.st_size))
                except FileNotFoundError:
                    pass
            time.sleep(0.05)
        out, err = p.communicate(timeout=60)
    blob_modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in blobs.iterdir()}
    sizes = {f.name: f.stat().st_size for f in blobs.iterdir()}
    # While it holds fewer bytes than the blob (unverified): the owner's alone. (At the very
    # end, verified and about to be renamed, it may be seen with the final mode.)
    partial = {(name, mode) for name, obs in seen.items() for mode, size in obs if size < sizes.get(name, 0)}
    ok = (p.returncode == 0 and partial and {m for _, m in partial} == {0o600 & ~umask}
          and set(blob_modes.values()) == {0o666 & ~umask})
    held(bool(ok))
    assert p.returncode == 0, err
    assert partial, f"no partial .incomplete file observed: {seen}"
    assert {m for _, m in partial} == {0o600 & ~umask}, {(n, oct(m)) for n, m in partial}
    assert set(blob_modes.values()) == {0o666 & ~umask}, {k: oct(v) for k, v in blob_modes.items()}
    check_cache(place["cache"], allow_incomplete=False)
