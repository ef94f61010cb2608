"""Interrupts: `kernels download` killed (SIGINT, SIGKILL) while a blob streams in — the rerun
resumes the `.incomplete` file with a Range request and completes; `kernels lock` killed while
its requests are in flight — the old kernels.lock is byte-identical and nothing else is left in
the project; a rerun writes the new lock."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary, ours  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import check_cache, kernel_files, record, repo_tree, sha256_hex  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
REPO = "int/kern"
SO = f"build/{CU}/_kern.abi3.so"
SO_SIZE = 6 << 20

TALLY = {"cases": 0, "recovered": 0}


def recovered() -> None:
    TALLY["cases"] += 1
    TALLY["recovered"] += 1
    record("interrupts", dict(TALLY))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupts")
    files = kernel_files("kern", [CU], seed=31, so_size=SO_SIZE)
    with Hub(root=root / "hub") as clean:
        old = clean.commit(REPO, write_tree(root / "old", kernel_files("kern", [CU], seed=30, so_size=1000)),
                           branch="v1")
        sha = clean.commit(REPO, write_tree(root / "src", files), branch="v1")
        expected = repo_tree(clean.git_dir(REPO), sha)
    return {"root": root, "hub_root": root / "hub", "sha": sha, "old": old, "files": files, "expected": expected,
            "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_download_resumes(world, tmp_path, sig):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["sha"]}}], indent=2))
    oid = sha256_hex(world["files"][SO])
    blobs = tmp_path / "home" / "hf" / "hub" / "kernels--int--kern" / "blobs"
    incomplete = blobs / f"{oid}.incomplete"
    # The LFS body pauses halfway (3 MiB in) long enough to interrupt the client there.
    with Hub(root=world["hub_root"], extra_args=["--faults", "stall=3000x1:/lfs-objects/"]) as hub:
        env = base_env(hub.url, tmp_path / "home", world["torch"])
        env["HF_HUB_DOWNLOAD_TIMEOUT"] = "60"
        p = subprocess.Popen([str(binary("kernels")), "download", str(project)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: incomplete.exists() and incomplete.stat().st_size >= 1 << 20, what="a partial blob")
        p.send_signal(sig)
        p.wait(timeout=10)
        assert p.returncode == -sig
        kept = incomplete.stat().st_size
        assert 0 < kept < SO_SIZE
        assert not (blobs / oid).exists()
        snapshots = tmp_path / "home" / "hf" / "hub" / "kernels--int--kern" / "snapshots"
        assert not snapshots.exists() or not any(x.is_symlink() for x in snapshots.rglob("*"))
        before = len(hub.request_log())
        r = ours(["download", str(project)], env)  # the one stall is spent
        lines = hub.request_log()[before:]
    assert r.returncode == 0, r.stderr
    assert [l for l in lines if "/lfs-objects/" in l] == [f"GET /lfs-objects/{oid} 206 {SO_SIZE - kept}"]
    assert (blobs / oid).read_bytes() == world["files"][SO]
    check_cache(tmp_path / "home" / "hf" / "hub", {world["sha"]: world["expected"]}, allow_incomplete=False)
    recovered()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_lock_keeps_the_old_lock(world, tmp_path, sig):
    project = write_project(tmp_path / "proj", {REPO: 1})
    old_text = json.dumps([{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["old"]}}],
                          indent=2)
    (project / "kernels.lock").write_text(old_text)
    log = tmp_path / "faults.log"
    args = ["--trusted-publisher", "int", "--faults", f"stall=3000x1:/api/kernels/{REPO}/tree/",
            "--fault-log", str(log)]
    with Hub(root=world["hub_root"], extra_args=args) as hub:
        env = base_env(hub.url, tmp_path / "home", world["torch"])
        env["HF_HUB_DOWNLOAD_TIMEOUT"] = "60"
        p = subprocess.Popen([str(binary("kernels")), "lock", str(project)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for(lambda: log.exists() and log.read_text().startswith("stall "), what="the stalled tree request")
        time.sleep(0.2)
        p.send_signal(sig)
        p.wait(timeout=10)
        assert p.returncode == -sig
        assert (project / "kernels.lock").read_text() == old_text
        assert sorted(x.name for x in project.iterdir()) == ["kernels.lock", "pyproject.toml"]
        r = ours(["lock", str(project)], env)
    assert r.returncode == 0, r.stderr
    assert world["sha"] in (project / "kernels.lock").read_text()
    recovered()
