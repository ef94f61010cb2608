"""`kernels versions` end to end against a real kernels-hub: output forms, and the
failure modes (hub down, transient 5xx, missing repo/revision, model-only repo, bad id),
each with its exit code and a clear error within a bounded time."""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import base_env, ours, write_variant_repo  # noqa: E402

REPO = "org/relu"
V1 = ["torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cpu-x86_64-linux", "torch-cuda", "torch-universal"]
V2 = ["torch211-cxx11-cu128-x86_64-linux", "torch211-cxx11-cu126-x86_64-linux", "torch210-cxx11-cu130-x86_64-linux"]


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    faults = ["--inject", "500x2:/api/kernels/org/flaky/",
              # Stands in for a branch deleted between listing refs and listing its tree.
              "--inject", "404@RevisionNotFound:/api/kernels/org/gone/tree/"]
    with Hub(root=root / "data", extra_args=faults) as h:
        h.commit(REPO, write_variant_repo(root / "v1", V1), branch="v1")
        h.commit(REPO, write_variant_repo(root / "v2", V2), branch="v2")
        h.commit("org/noversions", write_variant_repo(root / "nv", V1), branch="main")
        h.commit("org/legacy", write_variant_repo(root / "legacy", V1), branch="v1", repo_type="model")
        h.commit("org/flaky", write_variant_repo(root / "flaky", V1), branch="v1")
        h.commit("org/gone", write_variant_repo(root / "gone", V1), branch="v1")
        yield h


def error_line(stderr: str) -> str:
    """The one `error:` line (retry warnings may come before it)."""
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def env(hub, tmp_path):
    torch_dir = make_torch_dir(tmp_path / "torch", version="2.11.0+cu130", cuda="13.0")
    return base_env(hub.url, tmp_path / "home", torch_dir)


def test_text_output(env):
    r = ours(["versions", REPO], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "Version 1:\n\n"
        "torch211-cxx11-cu130-x86_64-linux compatible, preferred ✅\n"
        "torch-cuda compatible ✅\n"
        "torch-universal compatible ✅\n"
        "torch211-cxx11-cpu-x86_64-linux: backend (cpu) does not match selected backend (cu130)\n"
        "Version 2:\n\n"
        "torch211-cxx11-cu128-x86_64-linux: CUDA version (12.8) is not compatible with system CUDA version (13.0)\n"
        "torch211-cxx11-cu126-x86_64-linux: CUDA version (12.6) is not compatible with system CUDA version (13.0)\n"
        "torch210-cxx11-cu130-x86_64-linux: Torch version (2.10) does not match environment Torch version (2.11)\n"
    )


def test_compact_output(env):
    r = ours(["versions", REPO, "--compact"], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "Version 1: torch-cuda, torch-universal, torch211-cxx11-cpu-x86_64-linux, torch211-cxx11-cu130-x86_64-linux ✅\n"
        "Version 2: torch210-cxx11-cu130-x86_64-linux, torch211-cxx11-cu126-x86_64-linux, "
        "torch211-cxx11-cu128-x86_64-linux\n"
    )


def test_json_output(env):
    r = ours(["versions", REPO, "--json"], env)
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["repo_id"] == REPO
    assert j["system"]["torch"] == "2.11.0+cu130" and j["system"]["backend"] == "cu130"
    assert [v["version"] for v in j["versions"]] == [1, 2]
    v1 = j["versions"][0]
    assert v1["ref"] == "refs/heads/v1" and len(v1["commit"]) == 40
    assert v1["preferred"] == "torch211-cxx11-cu130-x86_64-linux"
    assert sum(v["preferred"] for v in v1["variants"]) == 1
    rejected = [v for v in v1["variants"] if not v["compatible"]]
    assert rejected == [{"name": "torch211-cxx11-cpu-x86_64-linux", "compatible": False, "preferred": False,
                         "reason": "backend (cpu) does not match selected backend (cu130)"}]


def test_overrides_ask_about_another_machine(env):
    r = ours(["versions", REPO, "--torch", "2.10", "--cuda", "13.0"], env)
    assert r.returncode == 0, r.stderr
    assert "torch210-cxx11-cu130-x86_64-linux compatible, preferred ✅" in r.stdout
    r = ours(["versions", REPO, "--cpu", "aarch64"], env)
    assert "torch211-cxx11-cu130-x86_64-linux: CPU (x86_64) does not match system CPU (aarch64)" in r.stdout


def test_no_version_branches(env):
    r = ours(["versions", "org/noversions"], env)
    assert (r.returncode, r.stdout) == (0, "Repository does not support kernel versions: org/noversions\n")


def test_missing_repo(env):
    r = ours(["versions", "org/missing"], env)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == f"error: kernel repository 'org/missing' not found on {env['HF_ENDPOINT']}"
    assert "hint:" in r.stderr


def test_missing_revision(env):
    r = ours(["versions", "org/gone"], env)
    assert r.returncode == 1
    assert r.stdout == ""
    assert error_line(r.stderr) == "error: revision 'refs/heads/v1' not found in kernel repository 'org/gone'"
    assert "hint: list the repository's branches" in r.stderr


def test_model_only_repo_explains_kernel_repos(env):
    r = ours(["versions", "org/legacy"], env)
    assert r.returncode == 1
    assert "exists only as a model repository" in r.stderr
    assert "kernel-builder build-and-upload --repo-type kernel" in r.stderr


@pytest.mark.parametrize("bad", ["noslash", "a/b/c", "a--b/c", "-a/b", "a/b."])
def test_invalid_repo_id_is_usage_error(env, bad):
    r = ours(["versions", "--", bad], env)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: invalid repo id '{bad}'")


def test_unknown_flag_is_usage_error(env):
    r = ours(["versions", REPO, "--frobnicate"], env)
    assert r.returncode == 2 and r.stderr.startswith("error:")


def test_hub_not_running(env):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(env, HF_ENDPOINT=f"http://127.0.0.1:{port}", KCPP_MAX_RETRIES="2")
    r = ours(["versions", REPO], env, timeout=30)
    assert r.returncode == 1
    assert error_line(r.stderr) == f"error: cannot reach the Hub at http://127.0.0.1:{port}"
    assert r.stderr.count("retrying in") == 2
    assert r.seconds < 10


def test_transient_5xx_are_retried(hub, env):
    r = ours(["versions", "org/flaky"], env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "Version 1:" in r.stdout
    assert r.stderr.count("HTTP 500") == 2


def test_persistent_5xx_gives_up_with_clear_error(tmp_path):
    with Hub(root=tmp_path / "d", extra_args=["--inject", "503x100"]) as h:
        env = base_env(h.url, tmp_path / "home", None)
        env["KCPP_MAX_RETRIES"] = "2"
        r = ours(["versions", REPO], env, timeout=60)
    assert r.returncode == 1
    assert error_line(r.stderr).startswith("error: unexpected HTTP 503")
    assert r.stderr.count("retrying in") == 2
    assert r.seconds < 10


def test_offline_reads_the_cache(env, tmp_path):
    cache = tmp_path / "cache"
    sha = "1" * 40
    (cache / "kernels--org--relu" / "refs").mkdir(parents=True)
    (cache / "kernels--org--relu" / "refs" / "v1").write_text(sha)
    for v in ["torch211-cxx11-cu130-x86_64-linux", "torch-cpu"]:
        (cache / "kernels--org--relu" / "snapshots" / sha / "build" / v).mkdir(parents=True)
    env = dict(env, HF_HUB_OFFLINE="1", KERNELS_CACHE=str(cache), HF_ENDPOINT="http://127.0.0.1:9")
    r = ours(["versions", REPO], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == (
        "Version 1:\n\n"
        "torch211-cxx11-cu130-x86_64-linux compatible, preferred ✅\n"
        "torch-cpu: backend (cpu) does not match system backend (cuda) and is not universal\n"
    )
