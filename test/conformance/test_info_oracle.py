"""`kernels info` conformance: our stdout == the Python oracle's (kernels 0.17.2) on the same
kernels-hub and the same local directories, text and --json. Every variant of a fixture
carries the same metadata.json, so upstream's arbitrary "first variant" choice (set order;
ours: first by name) cannot change the output."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, oracle, ours  # noqa: E402

REPO = "org/info-kernel"
V1 = ["torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cpu-x86_64-linux", "torch-universal"]
V2 = ["torch211-cxx11-cu128-x86_64-linux", "torch211-cxx11-rocm71-x86_64-linux", "torch-npu", "not-a-variant"]
MAIN = ["torch210-cxx11-xpu20253-x86_64-linux"]

RICH = {
    "name": "info-kernel", "id": "_info_kernel_0a1b2c3", "version": 2, "kernels-minver": " 00.17.0",
    "license": "Apache-2.0 — “quoted” ✓", "upstream": "HTTPS://GitHub.COM:443/huggingface/kernels/./x/..",
    "source": "git@github.com:org/info kernel.git", "python-depends": ["einops", "nvidia-cutlass-dsl"],
    "backend": {"type": "cuda"}, "unknown-field": [1, 2],
}
PLAIN = {"name": "info-kernel", "id": "_x", "version": 1, "license": "MIT", "python-depends": [],
         "backend": {"type": "cpu"}}


def kernel_dir(dest: Path, variants: list[str], metadata: dict | str | None) -> Path:
    files = {}
    for v in variants:
        files[f"build/{v}/__init__.py"] = "ops = None\n"
        if metadata is not None:
            text = metadata if isinstance(metadata, str) else json.dumps(metadata, indent=2, ensure_ascii=False)
            files[f"build/{v}/metadata.json"] = text
    files["README.md"] = "# kernel\n"
    return write_tree(dest, files)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        h.commit(REPO, kernel_dir(root / "v1", V1, PLAIN), branch="v1")
        h.commit(REPO, kernel_dir(root / "v2", V2, RICH), branch="v2")
        h.commit(REPO, kernel_dir(root / "main", MAIN, {**RICH, "version": 9}), branch="main")
        # No v{N} branches: main is used. Metadata upstream rejects: omitted silently.
        h.commit("org/plain", kernel_dir(root / "plain", V1, {"name": "Bad Name"}), branch="main")
        # No metadata.json at all.
        h.commit("org/nometa", kernel_dir(root / "nometa", V2, None), branch="main")
        h.pinned = h.commit(REPO, kernel_dir(root / "pinned", ["torch-universal"], PLAIN), branch="pinned")
        yield h


@pytest.fixture
def env(hub, tmp_path):
    return base_env(hub.url, tmp_path / "home", None)


def same(args, env):
    expected = oracle(args, env)
    assert expected.returncode == 0, expected.stderr
    got = ours(args, env)
    assert got.returncode == 0, got.stderr
    assert got.stdout == expected.stdout
    return got


CASES = {
    "latest": [REPO],
    "version-1": [REPO, "--version", "1"],
    "version-2": [REPO, "--version", "2"],
    "revision-main": [REPO, "--revision", "main"],
    "revision-v1": [REPO, "--revision", "v1"],
    "no-versions": ["org/plain"],
    "no-metadata": ["org/nometa"],
}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("case", list(CASES))
def test_hub_matches_oracle(env, case, fmt):
    args = ["info", *CASES[case]] + (["--json"] if fmt == "json" else [])
    got = same(args, env)
    if case == "latest" and fmt == "text":
        assert "Revision: v2\n" in got.stdout and "Backends: cuda, npu, rocm\n" in got.stdout


def test_revision_by_commit_matches_oracle(hub, env):
    same(["info", REPO, "--revision", hub.pinned], env)


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("spelling", ["plain", "dot-slash", "trailing-slash"])
def test_local_directory_matches_oracle(tmp_path, env, fmt, spelling):
    d = kernel_dir(tmp_path / "k", V2 + ["torch29-cxx11-cu126-aarch64-linux"], RICH)
    (d / "build" / "README").write_text("a file, not a variant\n")
    (d / "build" / "torch-metal" ).mkdir()  # a variant without metadata.json
    arg = {"plain": str(d), "dot-slash": str(d) + "/./", "trailing-slash": str(d) + "//"}[spelling]
    same(["info", arg] + (["--json"] if fmt == "json" else []), env)


def test_local_without_metadata_matches_oracle(tmp_path, env):
    d = kernel_dir(tmp_path / "k", ["torch-universal", "torch211-cxx11-cpu-x86_64-linux"], None)
    for fmt in ([], ["--json"]):
        same(["info", str(d), *fmt], env)
