"""`kernels benchmark` end to end on a machine without a GPU (CI, the dev machine): usage
errors (exit 2), the no-GPU message (exit 1, before anything is downloaded), and --dry-run,
which resolves, downloads (verified) and inspects a kernel — its library, torch.ops namespace
and declared op schemas — without torch or a GPU. The GPU runs are test/gpu/test_benchmark_gpu.py."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, ours  # noqa: E402

REPO = "org/act"
VARIANT = "torch211-cxx11-cu130-x86_64-linux"
NS = "_act_cuda_0a1b2c3"
SCHEMAS = [
    "silu_and_mul(Tensor! out, Tensor input) -> ()",
    "fatrelu_and_mul(Tensor! out, Tensor input, float threshold=0.) -> ()",
    "gelu_tanh(Tensor(a!) out, Tensor input) -> Tensor(a!)",
    "gelu(Tensor input) -> Tensor",  # functional form: reported, never called
]
NO_GPU = ("no CUDA driver found", "no CUDA device found", "built without CUDA support",
          "the CUDA driver cannot run")


def fake_library(schemas) -> bytes:
    """Bytes with the schema strings as NUL-terminated literals, as a TORCH_LIBRARY's m.def()s leave them."""
    return b"\x7fELF\x02\x01\x01\x00" + b"".join(s.encode() + b"\x00" for s in schemas) + bytes(range(256))


def write_variant(dest: Path, schemas=SCHEMAS) -> Path:
    files = {
        "metadata.json": json.dumps({"name": "act", "id": NS, "version": 1, "license": "Apache-2.0",
                                     "python-depends": [], "backend": {"type": "cuda"}}, indent=2) + "\n",
        "__init__.py": "from ._ops import ops\n",
        "_ops.py": f"import torch\nops = torch.ops.{NS}\n",
        f"{NS}.abi3.so": fake_library(schemas),
    }
    return write_tree(dest, files)


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-hub")
    src = root / "src"
    write_variant(src / "build" / VARIANT)
    write_variant(src / "build" / "torch29-cxx11-cu128-x86_64-linux")
    with Hub(root=root / "data") as h:
        h.commit(REPO, src, branch="v1")
        yield h


@pytest.fixture
def env(hub, tmp_path):
    torch_dir = make_torch_dir(tmp_path / "torch", version="2.11.0+cu130", cuda="13.0")
    return base_env(hub.url, tmp_path / "home", torch_dir)


def error_line(stderr: str) -> str:
    lines = [l for l in stderr.splitlines() if l.startswith("error:")]
    assert len(lines) == 1, stderr
    assert any(l.startswith("hint:") for l in stderr.splitlines()), stderr
    return lines[0]


@pytest.mark.parametrize("args, message", [
    ([], "error: missing the kernel: REPO (with --version N, --revision R or REPO@vN) or PATH"),
    ([REPO], "error: must specify either --version N, --revision R or REPO@vN"),
    ([f"{REPO}@1"], "error: version must be prefixed with 'v'"),
    ([REPO, "--version", "1", "--revision", "main"], "error: --version and --revision cannot be used together"),
    ([f"{REPO}@v1", "--version", "1"], f"error: `{REPO}@v1` names a revision; do not pass --version or --revision as well"),
    ([f"{REPO}@v1", "--ops", "silu_and_mul,relu"], "error: --ops: unknown op 'relu'"),
    ([f"{REPO}@v1", "--dtypes", "fp64"], "error: --dtypes: unknown dtype 'fp64'"),
    ([f"{REPO}@v1", "--workloads", "3x5"], "error: --workloads: bad shape '3x5': the last dimension (5) must be even: "
                                           "gated ops read 2d and write d"),
    ([f"{REPO}@v1", "--iterations", "0"], "error: --iterations must be between 1 and 100000, got 0"),
    ([f"{REPO}@v1", "--warmup", "-1"], "error: --warmup must be >= 0, got -1"),
    ([f"{REPO}@v1", "--iterations", "many"], "error: Could not convert: --iterations = many"),
    (["--reference-only", f"{REPO}@v1"], "error: --reference-only takes no kernel (REPO or PATH)"),
    (["./no/such/dir"], "error: `./no/such/dir` is neither a directory nor a Hub repo id"),
])
def test_usage_errors(env, hub, args, message):
    before = len(hub.request_log())
    r = ours(["benchmark", *args], env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert error_line(r.stderr).startswith(message), r.stderr
    assert len(hub.request_log()) == before  # nothing was asked of the Hub


def test_local_path_rejects_revisions(env, tmp_path):
    v = write_variant(tmp_path / "variant")
    r = ours(["benchmark", str(v), "--version", "1"], env)
    assert r.returncode == 2
    assert error_line(r.stderr) == "error: --revision and --version cannot be used with a local path"


@pytest.mark.parametrize("args", [["LOCAL"], [f"{REPO}@v1"], ["--reference-only"], ["--reference-only", "--torch-eager"]])
def test_no_gpu_is_a_clear_failure_before_any_download(env, hub, tmp_path, args):
    v = write_variant(tmp_path / "variant")
    args = [str(v) if a == "LOCAL" else a for a in args]
    before = len(hub.request_log())
    r = ours(["benchmark", *args], env)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == ""
    line = error_line(r.stderr)
    assert any(m in line for m in NO_GPU), r.stderr
    assert "--dry-run" in r.stderr  # the hint says what works without a GPU
    assert len(hub.request_log()) == before
    assert not (Path(env["HF_HOME"]) / "hub").exists()


def test_dry_run_local_variant_reports_schemas(env, tmp_path):
    v = write_variant(tmp_path / "variant")
    r = ours(["benchmark", str(v), "--dry-run", "--dtypes", "fp16", "--workloads", "decode"], env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == f"Kernel   {v}, variant variant"
    assert lines[1] == f"         torch.ops.{NS} from {NS}.abi3.so"
    assert lines[2] == "Plan     --dry-run: nothing is run"
    rows = {l.split()[0]: l for l in lines[6:17]}
    assert len(rows) == 11
    assert rows["silu_and_mul"].endswith("planned")
    assert rows["fatrelu_and_mul"].endswith("planned")
    assert rows["gelu_tanh"].endswith("planned")  # -> Tensor(a!) returning out is callable
    assert rows["gelu"].endswith("unsupported")
    assert rows["silu"].endswith("not provided")
    assert ("unsupported gelu: schema `gelu(Tensor input) -> Tensor` differs from gelu(Tensor! out, Tensor input) -> (): "
            "1 argument instead of 2") in lines
    assert f"not provided silu: {NS}.abi3.so declares no op torch.ops.{NS}.silu" in lines
    assert lines[-1] == "11 cases: 3 planned, 7 not provided, 1 unsupported"


def test_dry_run_hub_downloads_the_preferred_variant_verified(env, hub, tmp_path):
    out = tmp_path / "plan.json"
    r = ours(["benchmark", f"{REPO}@v1", "--dry-run", "--json", "--ops", "silu_and_mul,silu", "--dtypes", "bf16,fp32",
              "--workloads", "large,2x4096", "--output", str(out)], env)
    assert r.returncode == 0, r.stderr
    assert "Downloading kernel: org/act (revision: " in r.stderr
    assert f"Results saved to: {out}" in r.stderr
    report = json.loads(r.stdout)
    assert json.loads(out.read_text()) == report
    k = report["kernel"]
    assert k["repo_id"] == REPO and k["revision"] == "v1" and len(k["commit"]) == 40
    assert k["variant"] == VARIANT  # the torch 2.11 / CUDA 13.0 build of the probed (fake) torch
    assert k["namespace"] == NS
    assert Path(k["path"]).is_relative_to(Path(env["HF_HOME"]) / "hub" / "kernels--org--act" / "snapshots")
    cases = [(c["op"], c["dtype"], c["workload"], c["status"]) for c in report["results"]]
    assert cases == [
        ("silu_and_mul", "bf16", "large", "planned"), ("silu_and_mul", "bf16", "2x4096", "planned"),
        ("silu_and_mul", "fp32", "large", "planned"), ("silu_and_mul", "fp32", "2x4096", "planned"),
        ("silu", "bf16", "large", "not_provided"), ("silu", "bf16", "2x4096", "not_provided"),
        ("silu", "fp32", "large", "not_provided"), ("silu", "fp32", "2x4096", "not_provided"),
    ]
    large = report["results"][0]
    assert large["input_shape"] == [8, 4096, 8192] and large["output_shape"] == [8, 4096, 4096]
    assert large["bytes"] == 8 * 4096 * (8192 + 4096) * 2
    assert report["summary"] == {"cases": 8, "pass": 0, "fail": 0, "not_provided": 4, "unsupported": 0, "error": 0,
                                 "planned": 4, "timed": 0, "ok": True}
    # A second run finds the verified variant in the cache: nothing is downloaded again.
    before = [l for l in hub.request_log() if "/resolve/" in l]
    r = ours(["benchmark", f"{REPO}@v1", "--dry-run", "--ops", "silu_and_mul"], env)
    assert r.returncode == 0, r.stderr
    assert [l for l in hub.request_log() if "/resolve/" in l] == before


def test_dry_run_hub_errors(env):
    r = ours(["benchmark", REPO, "--version", "7", "--dry-run"], env)
    assert r.returncode == 1
    assert error_line(r.stderr) == "error: Version 7 not found, available versions: 1"
    r = ours(["benchmark", "org/missing@v1", "--dry-run"], env)
    assert r.returncode == 1
    assert "org/missing" in error_line(r.stderr)


def test_dry_run_kernel_without_the_ops_fails(env, tmp_path):
    v = write_variant(tmp_path / "variant", schemas=["relu(Tensor! out, Tensor input) -> ()"])
    r = ours(["benchmark", str(v), "--dry-run", "--workloads", "decode", "--dtypes", "fp16"], env)
    assert r.returncode == 1
    assert error_line(r.stderr) == "error: the kernel provides none of the requested ops"
    assert r.stdout.splitlines()[-1] == "11 cases: 0 planned, 11 not provided"
