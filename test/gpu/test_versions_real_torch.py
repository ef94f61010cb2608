"""On the GPU machine (real torch 2.11+cu130): our probe reads the real torch install the
way the oracle sees it when it imports torch, and `kernels versions` output equals the
oracle's. Skipped where no real torch is installed (CI, developer machines)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fixtures import REPO, VERSIONS  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import assert_same_versions_output, base_env, oracle, ours, write_variant_repo  # noqa: E402

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="needs a real torch install (run on the GPU machine)"
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        for branch, variants in VERSIONS.items():
            h.commit(REPO, write_variant_repo(root / f"src-{branch}", variants), branch=branch)
        yield h


def test_probe_reads_real_torch(tmp_path):
    import torch

    env = base_env("http://127.0.0.1:9", tmp_path, None)
    r = ours(["debug", "system"], env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    print(json.dumps(got, indent=2))
    assert got["torch"] == torch.__version__
    assert got["cxx11_abi"] == torch.compiled_with_cxx11_abi()
    if torch.version.cuda:
        assert got["backend"] == "cu" + torch.version.cuda.replace(".", "")


def test_versions_matches_oracle_with_real_torch(hub, tmp_path):
    env = base_env(hub.url, tmp_path / "home", None)
    expected = oracle(["versions", REPO], env)
    assert expected.returncode == 0, expected.stderr
    got = ours(["versions", REPO], env)
    assert got.returncode == 0, got.stderr
    print(got.stdout)
    print(f"wall time: ours {got.seconds:.3f}s, oracle {expected.seconds:.3f}s")
    assert_same_versions_output(got.stdout, expected.stdout)
