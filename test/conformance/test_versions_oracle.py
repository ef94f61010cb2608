"""`kernels versions` conformance: ours vs the Python oracle (kernels 0.17.x) on the same
kernels-hub, for five environments (torch-shaped package dirs and no torch). The same
torch-shaped directory serves both tools: the oracle imports it, our probe reads it."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub  # noqa: E402
from fixtures import REPO, VERSIONS  # noqa: E402
from kcpp import assert_same_versions_output, base_env, oracle, ours, write_variant_repo  # noqa: E402

ENVIRONMENTS = {
    "torch2.9-cu128": dict(version="2.9.1+cu128", cuda="12.8"),
    "torch2.10-cu126": dict(version="2.10.0+cu126", cuda="12.6"),
    "torch2.11-cu130": dict(version="2.11.0+cu130", cuda="13.0"),
    "torch2.11-cpu": dict(version="2.11.0+cpu", cuda=None),
    "no-torch": None,
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        for branch, variants in VERSIONS.items():
            src = write_variant_repo(root / f"src-{branch}", variants)
            h.commit(REPO, src, branch=branch)
        h.commit(REPO, write_variant_repo(root / "src-main", VERSIONS["v3"]), branch="main")
        yield h


def test_fixture_is_big_enough():
    distinct = {v for vs in VERSIONS.values() for v in vs if v != "not-a-variant"}
    assert len(VERSIONS) == 3 and len(distinct) >= 20


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_versions_matches_oracle(hub, tmp_path, env_name):
    spec = ENVIRONMENTS[env_name]
    torch_dir = make_torch_dir(tmp_path / "torch-env", **spec) if spec else None
    env = base_env(hub.url, tmp_path / "home", torch_dir)

    expected = oracle(["versions", REPO], env)
    assert expected.returncode == 0, expected.stderr
    got = ours(["versions", REPO], env)
    assert got.returncode == 0, got.stderr
    assert_same_versions_output(got.stdout, expected.stdout)
    # Both warn about the invalid directory name on stderr, never on stdout.
    assert "not-a-variant" in got.stderr and "not-a-variant" not in got.stdout


def test_backend_override_matches_oracle_message(hub, tmp_path):
    """Upstream's --backend validation error text (ours adds exit code 2)."""
    torch_dir = make_torch_dir(tmp_path / "t", version="2.11.0+cu130", cuda="13.0")
    env = base_env(hub.url, tmp_path / "home", torch_dir)
    got = ours(["versions", REPO, "--backend", "rocm"], env)
    assert got.returncode == 2
    assert "Invalid backend 'rocm', system supported backends: cpu, cuda" in got.stderr
    cpu = ours(["versions", REPO, "--backend", "cpu"], env)
    assert cpu.returncode == 0
    assert "torch211-cxx11-cpu-x86_64-linux compatible, preferred ✅" in cpu.stdout
