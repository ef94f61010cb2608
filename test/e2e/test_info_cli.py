"""`kernels info` end to end against a real kernels-hub: every failure path, each with its
message and exit code (upstream's message where it has one; `error:` + `hint:` where
upstream crashes with a traceback), and the stdout/stderr split."""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, ours  # noqa: E402
from lock_support import write_kernel_repo  # noqa: E402

REPO = "org/relu"
VARIANTS = ["torch211-cxx11-cu130-x86_64-linux", "torch-universal"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        h.commit(REPO, write_kernel_repo(root / "v1", "relu", VARIANTS), branch="v1")
        h.commit(REPO, write_kernel_repo(root / "v2", "relu", VARIANTS), branch="v2")
        h.commit("org/nobuild", write_tree(root / "nobuild", {"README.md": "# none\n"}), branch="main")
        h.commit("org/badnames", write_tree(root / "badnames", {"build/not-a-variant/x.py": "\n"}), branch="main")
        h.commit("org/legacy", write_kernel_repo(root / "legacy", "relu", VARIANTS), branch="v1", repo_type="model")
        yield h


@pytest.fixture
def env(hub, tmp_path):
    return base_env(hub.url, tmp_path / "home", None)


def error_line(stderr: str) -> str:
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, stderr
    assert any(l.startswith("hint:") for l in stderr.splitlines()), stderr
    return lines[0]


def fails(args, env, code, message):
    r = ours(["info", *args], env)
    assert r.returncode == code, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert message in error_line(r.stderr), r.stderr
    return r


def test_ok_text_and_json(env):
    r = ours(["info", REPO], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("Repository: org/relu\nRevision: v2\nName: relu\nVersion: 1\nMinimum kernels version: -\n"
                        "License: Apache-2.0\nUpstream: https://github.com/huggingface/kernels\nSource: -\n"
                        "Python dependencies: -\nBackends: cuda, universal\n")
    doc = json.loads(ours(["info", REPO, "--version", "1", "--json"], env).stdout)
    assert list(doc) == ["repo_id", "revision", "name", "version", "kernels_minver", "license", "upstream",
                         "source", "python_depends", "backends"]
    assert doc["revision"] == "v1" and doc["python_depends"] == []


def test_local_path_with_revision_or_version(tmp_path, env):
    d = write_kernel_repo(tmp_path / "k", "relu", VARIANTS)
    for flag in (["--revision", "main"], ["--version", "1"]):
        fails([str(d), *flag], env, 1, "--revision and --version cannot be used with a local path")


def test_both_revision_and_version(env):
    fails([REPO, "--revision", "v1", "--version", "1"], env, 1,
          "Only one of --revision or --version can be specified")


def test_version_not_an_int(env):
    fails([REPO, "--version", "one"], env, 2, "invalid int value: 'one'")


def test_version_python_int_spelling(env):
    r = ours(["info", REPO, "--version", "01", "--json"], env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["revision"] == "v1"


def test_version_not_found(env):
    fails([REPO, "--version", "7"], env, 1, "Version 7 not found, available versions: 1, 2")


def test_local_no_variants(tmp_path, env):
    d = write_tree(tmp_path / "empty", {"build/README": "x\n", "build/not-a-variant/x": "\n"})
    fails([str(d)], env, 1, f"No build variants found in: {d}/build")
    fails([str(tmp_path)], env, 1, f"No build variants found in: {tmp_path}/build")


def test_local_bad_metadata(tmp_path, env):
    d = write_tree(tmp_path / "k", {"build/torch-universal/metadata.json": '{"name": "relu"}'})
    r = fails([str(d)], env, 1, "cannot parse metadata")
    assert "missing field `id`" in r.stderr


def test_hub_no_build_dir(env):
    fails(["org/nobuild"], env, 1, "No build variants found in org/nobuild (revision: main)")


def test_hub_only_invalid_variant_names(env):
    r = fails(["org/badnames"], env, 1, "No build variants found in org/badnames (revision: main)")
    assert "not-a-variant" in r.stderr


def test_repo_not_found(env):
    r = ours(["info", "org/missing"], env)
    assert r.returncode == 1 and r.stdout == ""
    assert "org/missing" in error_line(r.stderr)


def test_model_only_repo(env):
    r = ours(["info", "org/legacy"], env)
    assert r.returncode == 1 and r.stdout == ""
    assert "exists only as a model repository" in error_line(r.stderr)


def test_revision_not_found(env):
    r = ours(["info", REPO, "--revision", "nope"], env)
    assert r.returncode == 1 and r.stdout == ""
    assert "nope" in error_line(r.stderr)


def test_invalid_repo_id_is_usage(env):
    r = ours(["info", "not/a/repo"], env)
    assert r.returncode == 2 and r.stdout == ""
    error_line(r.stderr)


def test_missing_argument_is_usage(env):
    r = ours(["info"], env)
    assert r.returncode == 2 and "kernel" in r.stderr


def test_hub_unreachable(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = base_env(f"http://127.0.0.1:{port}", tmp_path / "home", None)
    r = ours(["info", REPO], env, timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    error_line(r.stderr)
