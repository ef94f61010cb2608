"""`kernels download` beside the Python oracle (kernels 0.17.2 + huggingface_hub 2.4) on the
same kernels-hub and the same kernels.lock: the cache trees are identical (paths, symlink
targets, blob names, modes) except for huggingface_hub's trees/<commit>.json, which we do not
write (see test_upstream_cache_loader_reads_our_download); huggingface_hub finds every file
of our download offline; each tool reuses the other's cache without transferring a body;
the messages are upstream's."""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, oracle, ours, run  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
CPU = "torch211-cxx11-cpu-x86_64-linux"
OLD = "torch29-cxx11-cpu-x86_64-linux"


def metadata() -> str:
    return json.dumps({"id": "_relu_1", "name": "relu", "version": 1, "license": "apache-2.0",
                       "python-depends": [], "backend": {"type": "cuda"}})


def kernel_tree(variants: list[str], seed: int) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {"README.md": "# kernel\n"}
    for v in variants:
        files[f"build/{v}/__init__.py"] = f"# {v}\nfrom ._ops import ops\n"
        files[f"build/{v}/_ops.py"] = "ops = None\n"
        files[f"build/{v}/metadata.json"] = metadata()
    files[f"build/{variants[0]}/_ops.so"] = b"\x7fELF\0" + hashlib.sha256(str(seed).encode()).digest() * 40000
    files[f"build/{variants[0]}/sub/deeper/x.py"] = "x = 1\n"
    files[f"build/{variants[0]}/__pycache__/a.cpython-311.pyc"] = b"\0pyc"
    files[f"build/{variants[0]}/stale.pyc"] = b"\0pyc"
    return files


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        h.shas = {}
        for repo, variants, seed in [("org/relu", [CU, CPU, "torch-universal"], 1), ("org/act", [CU, "torch-cuda"], 2),
                                     ("org/old", [OLD], 3)]:
            h.shas[repo] = h.commit(repo, write_tree(root / repo.replace("/", "_"), kernel_tree(variants, seed)),
                                    branch="v1")
        h.commit("org/old", write_tree(root / "old2", kernel_tree([CU], 4)), branch="v2")
        yield h


@pytest.fixture
def env(hub, tmp_path):
    torch_dir = make_torch_dir(tmp_path / "torch", version="2.11.0+cu130", cuda="13.0")
    return base_env(hub.url, tmp_path / "home", torch_dir)


def write_lock(project: Path, repos: list[str], shas: dict[str, str]) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    entries = [{"dependency": {"repo-id": r, "version": 1}, "lock": {"commit": shas[r]}} for r in sorted(repos)]
    (project / "kernels.lock").write_text(json.dumps(entries, indent=2))
    return project


def cache_tree(root: Path) -> list[str]:
    """Every entry under ROOT: directories, files with their mode, symlinks with their target."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out.append(f"{rel} -> {os.readlink(p)}")
            elif p.is_dir():
                out.append(f"{rel}/")
            else:
                out.append(f"{rel} {oct(p.stat().st_mode & 0o777)}")
    return sorted(out)


def without_trees(entries: list[str]) -> list[str]:
    return [e for e in entries if "/trees/" not in e and not e.endswith("/trees/")]


def downloading_lines(stderr: str) -> list[str]:
    return [l for l in stderr.splitlines() if l.startswith("Downloading kernel: ")]


def body_requests(lines: list[str]) -> list[str]:
    return [l for l in lines if l.startswith("GET ") and ("/resolve/" in l or "/lfs-objects/" in l)]


@pytest.mark.parametrize("mode", [[], ["--all-variants"]], ids=["preferred", "all-variants"])
def test_same_cache_tree_as_python(hub, env, tmp_path, mode):
    project = write_lock(tmp_path / "proj", ["org/relu", "org/act"], hub.shas)
    py_cache, our_cache = tmp_path / "py-cache", tmp_path / "our-cache"
    py = oracle(["download", str(project), *mode], dict(env, KERNELS_CACHE=str(py_cache)))
    assert py.returncode == 0, py.stderr
    us = ours(["download", str(project), *mode], dict(env, KERNELS_CACHE=str(our_cache)))
    assert us.returncode == 0, us.stderr
    py_tree, our_tree = cache_tree(py_cache), cache_tree(our_cache)
    assert any("/trees/" in e for e in py_tree)  # huggingface_hub wrote its tree listing…
    assert without_trees(py_tree) == our_tree     # …and everything else is the same
    assert any(e.endswith(".lock 0o664") for e in our_tree)
    for blob in (our_cache / "kernels--org--relu" / "blobs").iterdir():
        assert blob.read_bytes() == (py_cache / "kernels--org--relu" / "blobs" / blob.name).read_bytes()
    assert downloading_lines(us.stderr) == downloading_lines(py.stderr)
    assert us.stderr == "".join(l + "\n" for l in downloading_lines(py.stderr))


def test_huggingface_hub_finds_every_file_offline(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    sha = hub.shas["org/relu"]
    for mode, cache in [([], tmp_path / "c1"), (["--all-variants"], tmp_path / "c2")]:
        py_cache = tmp_path / ("py-" + cache.name)
        assert oracle(["download", str(project), *mode], dict(env, KERNELS_CACHE=str(py_cache))).returncode == 0
        assert ours(["download", str(project), *mode], dict(env, KERNELS_CACHE=str(cache))).returncode == 0
        code = (
            "import os, sys\n"
            "from huggingface_hub import snapshot_download\n"
            f"p = snapshot_download('org/relu', repo_type='kernel', revision='{sha}', local_files_only=True,"
            " cache_dir=sys.argv[1])\n"
            "print(p)\n"
            "for d, _, fs in sorted(os.walk(p)):\n"
            "    for f in sorted(fs):\n"
            "        q = os.path.join(d, f)\n"
            "        print(os.path.relpath(q, p), os.path.getsize(q))\n")
        r = run([sys.executable, "-c", code, str(cache)], dict(env, HF_HUB_OFFLINE="1"))
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0] == str(cache.resolve() / "kernels--org--relu" / "snapshots" / sha)
        py_snapshot = py_cache / "kernels--org--relu" / "snapshots" / sha
        expected = sorted(f"{p.relative_to(py_snapshot)} {p.stat().st_size}"
                          for p in py_snapshot.rglob("*") if p.is_file())
        assert sorted(lines[1:]) == expected
        assert any(l.startswith(f"build/{CU}/sub/deeper/x.py ") for l in lines)


def test_upstream_cache_loader_reads_our_download(hub, env, tmp_path):
    """kernels' own cache-only resolution (what load_kernel uses after `kernels download`)
    works on our cache. On the cache Python `kernels download` leaves, huggingface_hub 2.4's
    trees/<commit>.json lists the repository's other variants, so the same call fails with
    IncompleteSnapshotError — the reason we do not write that file."""
    project = write_lock(tmp_path / "proj", ["org/relu"], hub.shas)
    sha = hub.shas["org/relu"]
    code = (
        "from kernels.hf_hub import _get_hf_api\n"
        "from kernels.resolver import resolve_hub_cache_kernel\n"
        "try:\n"
        f"    k = resolve_hub_cache_kernel(_get_hf_api(), 'org/relu', revision='{sha}', backend=None)\n"
        "    print('ok', k.variant_path)\n"
        "except Exception as e:\n"
        "    print('failed', type(e).__name__)\n")
    results = {}
    for who in ("ours", "python"):
        cache = tmp_path / who
        tool = ours if who == "ours" else oracle
        assert tool(["download", str(project)], dict(env, KERNELS_CACHE=str(cache))).returncode == 0
        r = run([sys.executable, "-c", code], dict(env, KERNELS_CACHE=str(cache), HF_HUB_OFFLINE="1"))
        assert r.returncode == 0, r.stderr
        results[who] = r.stdout.split()
    assert results["ours"] == ["ok", str((tmp_path / "ours").resolve() / "kernels--org--relu" / "snapshots" / sha /
                                          "build" / CU)]
    assert results["python"] == ["failed", "FileNotFoundError"]


@pytest.mark.parametrize("first", ["python", "ours"])
def test_each_tool_reuses_the_others_cache(hub, env, tmp_path, first):
    project = write_lock(tmp_path / "proj", ["org/relu", "org/act"], hub.shas)
    env = dict(env, KERNELS_CACHE=str(tmp_path / "cache"))
    a, b = (oracle, ours) if first == "python" else (ours, oracle)
    assert a(["download", str(project), "--all-variants"], env).returncode == 0
    before = len(hub.request_log())
    r = b(["download", str(project), "--all-variants"], env)
    assert r.returncode == 0, r.stderr
    assert body_requests(hub.request_log()[before:]) == []


def test_no_compatible_variant_message_is_upstreams(hub, env, tmp_path):
    project = write_lock(tmp_path / "proj", ["org/old", "org/relu"], hub.shas)
    py = oracle(["download", str(project)], dict(env, KERNELS_CACHE=str(tmp_path / "py")))
    us = ours(["download", str(project)], dict(env, KERNELS_CACHE=str(tmp_path / "us")))
    assert (py.returncode, us.returncode) == (1, 1)
    py_lines = [l for l in py.stderr.splitlines() if l.strip() and not l.startswith("Fetching ")]
    our_lines = [l for l in us.stderr.splitlines() if l.strip() and not l.startswith(("error:", "hint:"))]
    assert our_lines == py_lines
    assert f"However, version v2 of 'org/old' has a build compatible with your system ({CU})." in us.stderr


def test_python_reads_the_lock_we_download_from(hub, env, tmp_path):
    """The lock file these tests write is the format the oracle reads (kernels 0.17 `KernelLocks`)."""
    project = write_lock(tmp_path / "proj", ["org/act"], hub.shas)
    code = ("import sys\nfrom kernels._rust import KernelLocks\n"
            "locks = KernelLocks.from_json(open(sys.argv[1]).read())\n"
            "print([(d.repo_id, l.commit) for d, l in locks.items()])\n")
    r = run([sys.executable, "-c", code, str(project / "kernels.lock")], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str([("org/act", hub.shas["org/act"])])
