"""Variant resolution: kernels-cpp against the upstream Python `kernels` oracle.

For a few machines (fake torch packages on PYTHONPATH, or no torch at all) the oracle's
``kernels.variants.resolve_variants`` trace is compared with ``kernels debug resolve``.
Lines are compared in upstream order, with each run of lines that share an upstream sort key
compared as a set (upstream feeds the sort from a set, so ties come out in arbitrary order).
A second check feeds the oracle the names sorted, so that its stable sort breaks ties by
name as kernels-cpp promises, and then requires identical output.

Environment: KCPP_BIN_DIR (the build directory with `kernels`), KCPP_SOURCE_DIR (the
repository, whose .venv holds the oracle).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("KCPP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ.get("KCPP_BIN_DIR", SOURCE_DIR / "build"))
ORACLE_PYTHON = SOURCE_DIR / ".venv" / "bin" / "python"
KERNELS = BIN_DIR / "kernels"

sys.path.insert(0, str(SOURCE_DIR / "test" / "support"))
from fake_torch import make_torch_dir  # noqa: E402

VARIANTS = [
    # torch 2.9
    "torch29-cxx11-cu126-x86_64-linux",
    "torch29-cxx11-cu128-x86_64-linux",
    "torch29-cxx11-cpu-x86_64-linux",
    "torch29-cxx11-cu128-aarch64-linux",
    "torch29-cxx98-cu128-x86_64-linux",
    "torch29-cxx11-rocm71-x86_64-linux",
    # torch 2.10
    "torch210-cxx11-cu126-x86_64-linux",
    "torch210-cxx11-cu128-x86_64-linux",
    "torch210-cxx11-cu130-x86_64-linux",
    "torch210-cxx11-cpu-x86_64-linux",
    "torch210-cxx11-rocm71-x86_64-linux",
    "torch210-cxx11-cu126-aarch64-linux",
    "torch210-cu126-x86_64-linux",
    # torch 2.11
    "torch211-cxx11-cu126-x86_64-linux",
    "torch211-cxx11-cu128-x86_64-linux",
    "torch211-cxx11-cu130-x86_64-linux",
    "torch211-cxx11-cpu-x86_64-linux",
    "torch211-cxx11-rocm71-x86_64-linux",
    "torch211-cxx11-cu130-aarch64-linux",
    "torch211-cxx11-cpu-aarch64-linux",
    # macOS
    "torch210-metal-aarch64-darwin",
    "torch210-cpu-aarch64-darwin",
    "torch211-metal-aarch64-darwin",
    # stable ABI, tvm-ffi
    "torch-stable-abi29-cu128-x86_64-linux",
    "torch-stable-abi210-cu130-x86_64-linux",
    "torch-stable-abi211-cpu-x86_64-linux",
    "torch-stable-abi212-cu130-x86_64-linux",
    "tvm-ffi01-cu128-x86_64-linux",
    "tvm-ffi01-cpu-x86_64-linux",
    # noarch
    "torch-cuda",
    "torch-cpu",
    "torch-rocm",
    "torch-metal",
    "torch-universal",
]

# name → fake torch (version, cuda) or None for no torch
ENVIRONMENTS = {
    "torch29-cu128": ("2.9.1+cu128", "12.8"),
    "torch210-cu126": ("2.10.0+cu126", "12.6"),
    "torch211-cu130": ("2.11.0+cu130", "13.0"),
    "torch211-cpu": ("2.11.0+cpu", None),
    "no-torch": None,
}

# Runs upstream's resolver and reports each trace line with upstream's own sort key (the
# sort_key function nested in kernels.variants._sort_variants).
ORACLE_SCRIPT = r"""
import json, sys, types
import kernels.variants as kv

names = json.loads(sys.argv[1])
backend = sys.argv[2] or None
code = next(c for c in kv._sort_variants.__code__.co_consts
            if isinstance(c, types.CodeType) and c.co_name == "sort_key")
sort_key = types.FunctionType(code, vars(kv))
try:
    _, trace = kv.resolve_variants([kv.parse_variant(n) for n in names], backend)
except ValueError as e:
    print(json.dumps({"error": str(e)}))
    sys.exit(0)
lines = kv.variants_trace_str(trace).split("\n") if trace else []
print(json.dumps({"lines": lines, "keys": [list(sort_key(d)) for d in trace]}))
"""


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "KERNELS_TORCH_DIR", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(name, None)
    env["HF_HUB_OFFLINE"] = "1"
    env["NO_COLOR"] = "1"
    # Our probe looks at the interpreter the oracle runs on (no torch, no tvm_ffi there).
    env["KERNELS_PYTHON"] = str(ORACLE_PYTHON)
    return env


@pytest.fixture(scope="module")
def kernels_debug_resolve() -> list[str]:
    """The command prefix for `kernels debug resolve`, or skip."""
    if not ORACLE_PYTHON.exists():
        pytest.skip(f"oracle interpreter missing: {ORACLE_PYTHON} (run scripts/setup)")
    if not KERNELS.exists():
        pytest.skip(f"kernels binary missing: {KERNELS}")
    help_run = subprocess.run(
        [str(KERNELS), "debug", "resolve", "--help"], capture_output=True, text=True, env=_base_env()
    )
    if help_run.returncode != 0:
        pytest.skip("`kernels debug resolve` is not available in this build")
    if "--variants" in help_run.stdout:
        return [str(KERNELS), "debug", "resolve", "--variants"]
    return [str(KERNELS), "debug", "resolve"]


@pytest.fixture(scope="module")
def environments(tmp_path_factory) -> dict[str, dict[str, str]]:
    envs = {}
    for name, torch in ENVIRONMENTS.items():
        env = _base_env()
        if torch is not None:
            version, cuda = torch
            root = make_torch_dir(tmp_path_factory.mktemp(name), version, cuda=cuda)
            env["PYTHONPATH"] = str(root)
        envs[name] = env
    return envs


def oracle(names: list[str], env: dict[str, str], backend: str | None = None) -> dict:
    run = subprocess.run(
        [str(ORACLE_PYTHON), "-c", ORACLE_SCRIPT, json.dumps(names), backend or ""],
        capture_output=True,
        text=True,
        env=env,
        cwd=SOURCE_DIR / "test",
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def ours(cmd: list[str], names: list[str], env: dict[str, str], backend: str | None = None):
    args = cmd + [",".join(names)]
    if backend is not None:
        args += ["--backend", backend]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)


def tie_groups(lines: list[str], keys: list[list[int]]) -> list[set[str]]:
    groups: list[set[str]] = []
    last = None
    for line, key in zip(lines, keys):
        if key != last:
            groups.append(set())
            last = key
        groups[-1].add(line)
    return groups


def regroup(lines: list[str], sizes: list[int]) -> list[set[str]]:
    out, i = [], 0
    for n in sizes:
        out.append(set(lines[i : i + n]))
        i += n
    return out


def check_against_oracle(cmd, names, env, backend=None):
    expected = oracle(names, env, backend)
    run = ours(cmd, names, env, backend)
    assert "error" not in expected, expected
    assert run.returncode == 0, run.stderr
    got = run.stdout.rstrip("\n").split("\n") if run.stdout.strip() else []
    assert len(got) == len(expected["lines"]), (got, expected["lines"])
    groups = tie_groups(expected["lines"], expected["keys"])
    assert regroup(got, [len(g) for g in groups]) == groups, "\n".join(got)
    return expected, got


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_trace_matches_oracle(kernels_debug_resolve, environments, env_name):
    expected, _ = check_against_oracle(kernels_debug_resolve, VARIANTS, environments[env_name])
    assert len(expected["lines"]) == len(VARIANTS)


@pytest.mark.parametrize("env_name", list(ENVIRONMENTS))
def test_ties_are_broken_by_name(kernels_debug_resolve, environments, env_name):
    # Given names in sorted order, upstream's stable sort leaves ties in name order.
    names = sorted(VARIANTS)
    expected = oracle(names, environments[env_name])
    run = ours(kernels_debug_resolve, list(reversed(names)), environments[env_name])
    assert run.returncode == 0, run.stderr
    assert run.stdout.rstrip("\n").split("\n") == expected["lines"]


@pytest.mark.parametrize("env_name", ["torch211-cu130", "no-torch"])
def test_backend_cpu_override_matches_oracle(kernels_debug_resolve, environments, env_name):
    check_against_oracle(kernels_debug_resolve, VARIANTS, environments[env_name], backend="cpu")


def test_invalid_backend_message_matches_oracle(kernels_debug_resolve, environments):
    env = environments["torch211-cu130"]
    expected = oracle(VARIANTS, env, backend="rocm")
    assert expected["error"] == "Invalid backend 'rocm', system supported backends: cpu, cuda"
    run = ours(kernels_debug_resolve, VARIANTS, env, backend="rocm")
    assert run.returncode == 2
    assert expected["error"] in run.stderr


def test_fake_torch_is_what_the_oracle_sees(environments):
    if not ORACLE_PYTHON.exists():
        pytest.skip(f"oracle interpreter missing: {ORACLE_PYTHON}")
    script = (
        "import kernels, torch; from kernels.backends import _backend; "
        "print(torch.__version__, torch.version.cuda, torch.compiled_with_cxx11_abi(), _backend().variant_str)"
    )
    run = subprocess.run(
        [str(ORACLE_PYTHON), "-c", script], capture_output=True, text=True, env=environments["torch211-cu130"]
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2.11.0+cu130", "13.0", "True", "cu130"]
