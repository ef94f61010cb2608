"""`kernels lock` conformance: ours vs the Python oracle (kernels 0.17.2) on the same
kernels-hub (behind lock_support.TrustFront, which adds the organization overview that both
tools ask for the publisher trust check).

The main project has 7 dependencies: LFS (binary .so) and non-LFS files, a repo whose main
branch redirects elsewhere via kernel-status.toml, .pyc files and __pycache__ dirs in a tree,
noarch and tvm-ffi variants, an invalid variant directory, an old version (warning), and
transitive kernel-depends by version and by revision. kernels.lock must be byte-identical.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub  # noqa: E402
from kcpp import base_env, oracle, ours  # noqa: E402
from lock_support import TrustFront, write_kernel_repo, write_project  # noqa: E402

ARCH = ["torch29-cxx11-cu128-x86_64-linux", "torch210-cxx11-cu128-x86_64-linux", "torch211-cxx11-cu130-x86_64-linux",
        "torch211-cxx11-cpu-x86_64-linux", "torch211-cpu-aarch64-darwin", "torch211-cxx11-rocm71-x86_64-linux"]
PYC = {
    "build/torch211-cxx11-cu130-x86_64-linux/__pycache__/__init__.cpython-311.pyc": b"\xa7\r\r\n" + bytes(60),
    "build/torch211-cxx11-cu130-x86_64-linux/_ops.cpython-311.pyc": b"\xa7\r\r\n" + bytes(12),
    "build/torch-universal/__pycache__/__init__.cpython-312.pyc": b"\xcb\r\r\n" + bytes(30),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("lock")
    src = lambda name: root / "src" / name  # noqa: E731
    with Hub(root=root / "hub") as hub, \
            TrustFront(hub.url, trusted={"kernels-test", "acme"}, untrusted={"shady"}) as front:
        c = hub.commit
        c("kernels-test/activation", write_kernel_repo(src("act1"), "activation", ARCH + ["torch-universal"],
                                                       binary_so=True), branch="v1")
        c("kernels-test/activation", write_kernel_repo(src("act2"), "activation", ARCH[2:], binary_so=True),
          branch="v2")
        helpers = c("kernels-test/helpers", write_kernel_repo(src("helpers"), "helpers", ["torch-universal"]),
                    branch="v1")
        c("kernels-test/utils", write_kernel_repo(src("utils1"), "utils", ["torch-cpu", "torch-cuda"]), branch="v1")
        c("kernels-test/utils", write_kernel_repo(src("utils2"), "utils", ["torch-cpu"]), branch="v2")
        c("kernels-test/layer-norm", write_kernel_repo(
            src("ln"), "layer-norm", ARCH[:3] + ["tvm-ffi01-cu128-x86_64-linux", "not-a-variant"],
            kernel_depends=[{"repo-id": "kernels-test/utils", "version": 1},
                            {"repo-id": "kernels-test/helpers", "revision": helpers}]), branch="v2")
        c("kernels-test/old-name", write_kernel_repo(src("old1"), "old-name", ARCH[:2]), branch="v1")
        c("kernels-test/old-name", write_kernel_repo(
            src("oldmain"), "old-name", [],
            extra={"kernel-status.toml": 'kind = "redirect"\ndestination = "kernels-test/new-name"\n'}),
          branch="main")
        c("kernels-test/new-name", write_kernel_repo(src("new1"), "new-name", ARCH[3:]), branch="v1")
        c("kernels-test/pyc", write_kernel_repo(src("pyc"), "pyc", ARCH[2:3] + ["torch-universal"], extra=PYC,
                                                binary_so=True), branch="v1")
        c("kernels-test/big", write_kernel_repo(
            src("big"), "big", ["torch-cuda"],
            extra={"build/torch-cuda/weights.txt": "0123456789abcdef\n" * (11 * 65536)}), branch="v1")
        c("acme/noarch", write_kernel_repo(src("noarch"), "noarch", ["torch-cpu", "torch-cuda", "torch-xpu"]),
          branch="v3")
        c("shady/kernel", write_kernel_repo(src("shady"), "shady", ARCH[:1]), branch="v1")
        c("kernels-test/cycle-a", write_kernel_repo(src("cya"), "cycle-a", ARCH[:1], kernel_depends=[
            {"repo-id": "kernels-test/cycle-b", "version": 1}]), branch="v1")
        c("kernels-test/cycle-b", write_kernel_repo(src("cyb"), "cycle-b", ARCH[:1], kernel_depends=[
            {"repo-id": "kernels-test/cycle-a", "version": 1}]), branch="v1")
        yield hub, front, root


MAIN_DEPS = {
    "kernels-test/activation": 1,
    "kernels-test/layer-norm": 2,
    "kernels-test/old-name": 1,
    "kernels-test/pyc": 1,
    "kernels-test/big": 1,
    "acme/noarch": 3,
    "kernels-test/helpers": 1,
}


def run_both(world, tmp_path, deps):
    """Runs the oracle, then ours, on copies of one project; returns both results and locks."""
    hub, front, _ = world
    env = base_env(front.url, tmp_path / "home", None)
    out = {}
    for name, tool in (("oracle", oracle), ("ours", ours)):
        proj = write_project(tmp_path / name, deps)
        r = tool(["lock", str(proj)], env)
        lock = proj / "kernels.lock"
        out[name] = (r, lock.read_bytes() if lock.exists() else None)
    return out["oracle"], out["ours"]


def test_lock_is_byte_identical(world, tmp_path):
    hub, _, _ = world
    (expected, expected_lock), (got, got_lock) = run_both(world, tmp_path, MAIN_DEPS)
    assert expected.returncode == 0, expected.stderr
    assert got.returncode == 0, got.stderr
    assert got.stdout == expected.stdout == ""
    assert got_lock == expected_lock
    text = got_lock.decode()
    # What the fixture promises: 7 direct + 2 transitive dependencies, the redirect not followed.
    assert text.count('"repo-id"') == 9
    assert '"repo-id": "kernels-test/old-name"' in text and "new-name" not in text
    assert '"revision": ' in text and not text.endswith("\n")
    # Both warn about the old version and the invalid variant directory.
    for needle in ("You are using version 1 of 'kernels-test/activation', but version 2 is available.",
                   "'not-a-variant'"):
        assert needle in expected.stderr and needle in got.stderr


def test_fixture_has_lfs_and_pyc_files(world):
    """Guards the fixture itself: LFS and plain files, .pyc and __pycache__ in a tree."""
    import json
    import urllib.request
    hub, _, _ = world
    with urllib.request.urlopen(f"{hub.url}/api/kernels/kernels-test/pyc/tree/v1?recursive=true") as r:
        tree = json.load(r)
    paths = {e["path"]: e for e in tree if e["type"] == "file"}
    assert any(p.endswith(".pyc") for p in paths) and any("__pycache__" in p for p in paths)
    assert any("lfs" in e for e in paths.values()) and any("lfs" not in e for e in paths.values())


def test_same_hub_calls(world, tmp_path):
    """The same API calls (refs, build/ tree at the same commits, organization overviews)
    reach the hub, whatever their order. Files: the oracle HEADs (and GETs unless cached)
    every variant's metadata.json; we GET each distinct metadata.json content once (blob
    ids from one recursive listing of build/), so our files are a subset of its files."""
    hub, front, _ = world
    deps = {"kernels-test/layer-norm": 2, "acme/noarch": 3}

    def calls(tool, name):
        before, n = len(hub.request_log()), len(front.overview_requests)
        env = base_env(front.url, tmp_path / f"home-{name}", None)
        r = tool(["lock", str(write_project(tmp_path / name, deps))], env)
        assert r.returncode == 0, r.stderr
        api, files = set(), set()
        for line in hub.request_log()[before:]:
            method, path = line.split()[:2]
            if path.startswith("/api/agent-harnesses"):
                continue
            (files if "/resolve/" in path else api).add(path if "/resolve/" in path else (method, path))
        return api, files, set(front.overview_requests[n:])

    oracle_api, oracle_files, oracle_orgs = calls(oracle, "oracle")
    our_api, our_files, our_orgs = calls(ours, "ours")
    assert our_api == oracle_api
    assert our_orgs == oracle_orgs == {"kernels-test", "acme"}
    assert our_files and our_files <= oracle_files
    assert all(p.endswith("/metadata.json") for p in oracle_files)


@pytest.mark.parametrize("deps, needle", [
    ({"kernels-test/activation": 3}, "Version 3 not found, available versions: 1, 2"),
    ({"kernels-test/activation": 1, "kernels-test/cycle-a": 1}, "Cyclic kernel dependency detected: kernels-test/cycle-a"),
    ({"shady/kernel": 1}, "Kernel repository 'shady/kernel' is not from a trusted publisher"),
    ({"nobody/kernel": 1}, "Kernel repository 'nobody/kernel' could not verify publisher trust status"),
    ({"kernels-test/missing": 1}, "kernels-test/missing"),
])
def test_failures_agree(world, tmp_path, deps, needle):
    (expected, expected_lock), (got, got_lock) = run_both(world, tmp_path, deps)
    assert expected.returncode == 1 and got.returncode == 1
    assert expected_lock is None and got_lock is None
    assert needle in expected.stderr
    assert needle in got.stderr
    assert "Traceback" not in got.stderr
    assert got.stderr.startswith("error: ") or "\nerror: " in got.stderr


def test_version_specifier_string(world, tmp_path):
    """Upstream crashes (TypeError); we name the key, file:line:col and the fix."""
    (expected, _), (got, got_lock) = run_both(world, tmp_path, '"kernels-test/activation" = ">=0.0.2 && <0.1.0"\n')
    assert expected.returncode == 1 and "TypeError" in expected.stderr
    assert got.returncode == 1 and got_lock is None
    pyproject = tmp_path / "ours" / "pyproject.toml"
    assert got.stderr == (
        f'error: {pyproject}:6:29: "kernels-test/activation" = ">=0.0.2 && <0.1.0": version specifiers are not '
        "supported since kernels 0.15; the version must be an integer major version\n"
        'hint: write `"kernels-test/activation" = 1`: the kernel\'s major version, an integer '
        "(`kernels versions kernels-test/activation` lists them)\n")
