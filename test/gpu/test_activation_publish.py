"""Issue 4 on the GPU machine (H100, real torch 2.11+cu130): `kernel-builder build` compiles
cuda/activation with CMake + nvcc against the installed torch, `kernel-builder upload` publishes
it to a kernels-hub, our `kernels lock` + `kernels download` fetch it back (verified), and the
Python `kernels` package loads the downloaded variant with `get_local_kernel`; every op is
called for fp32/fp16/bf16 and compared with torch's own activation functions.
Skipped where there is no real torch with CUDA (CI, developer machines)."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from activation_build import needs_cuda_torch  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import SOURCE_DIR, base_env, binary, ours, run  # noqa: E402
from lock_support import TrustFront  # noqa: E402


pytestmark = needs_cuda_torch

TOKEN = "kcpp-gpu-write-token"
REPO = "kernels-cpp/activation"

CHECK_OPS = r"""
import json, sys
from pathlib import Path
import torch
import torch.nn.functional as F
from kernels import get_local_kernel

kernel = get_local_kernel(Path(sys.argv[1]))
ops = ["silu_and_mul", "mul_and_silu", "gelu_and_mul", "gelu_tanh_and_mul", "fatrelu_and_mul",
       "gelu_new", "gelu_fast", "gelu_quick", "gelu_tanh", "silu", "gelu"]
import math
def ref(op, x):
    x = x.float()
    d = x.shape[-1] // 2
    a, b = x[..., :d], x[..., d:]
    return {
        "silu_and_mul": lambda: F.silu(a) * b,
        "mul_and_silu": lambda: a * F.silu(b),
        "gelu_and_mul": lambda: F.gelu(a) * b,
        "gelu_tanh_and_mul": lambda: F.gelu(a, approximate="tanh") * b,
        "fatrelu_and_mul": lambda: torch.where(a > 0.5, a, torch.zeros_like(a)) * b,
        "gelu_new": lambda: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3)))),
        "gelu_fast": lambda: 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
        "gelu_quick": lambda: x * torch.sigmoid(1.702 * x),
        "gelu_tanh": lambda: F.gelu(x, approximate="tanh"),
        "silu": lambda: F.silu(x),
        "gelu": lambda: F.gelu(x),
    }[op]()
results = []
torch.manual_seed(0)
for dtype, tol in ((torch.float32, 1e-5), (torch.float16, 1e-2), (torch.bfloat16, 1e-2)):
    for shape in ((8, 1024, 2048), (3, 7, 130), (1, 4096)):
        x = torch.randn(*shape, device="cuda", dtype=dtype) * 3
        for op in ops:
            gated = "_and_" in op
            out_shape = (*shape[:-1], shape[-1] // 2) if gated else shape
            out = torch.full(out_shape, float("nan"), device="cuda", dtype=dtype)
            fn = getattr(kernel, op)
            if op == "fatrelu_and_mul":
                fn(out, x, 0.5)
            else:
                fn(out, x)
            torch.cuda.synchronize()
            want = ref(op, x)
            got = out.float()
            err = (got - want).abs()
            rel = (err / want.abs().clamp_min(1e-6))
            ok = bool(torch.isfinite(got).all()) and bool((err <= tol * want.abs() + tol).all())
            results.append({"op": op, "dtype": str(dtype).replace("torch.", ""), "shape": list(shape),
                            "max_abs": float(err.max()), "ok": ok})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("gpu-publish")
    kernel = root / "activation"
    shutil.copytree(SOURCE_DIR / "cuda" / "activation", kernel, ignore=shutil.ignore_patterns("build"))
    with Hub(root=root / "hub", tokens=[TOKEN]) as hub, TrustFront(hub.url, trusted={"kernels-cpp"}) as front:
        env = base_env(hub.url, root / "home", None)
        env["KERNELS_PYTHON"] = sys.executable  # the real torch's interpreter
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
        env["HF_TOKEN"] = TOKEN
        r = run([str(binary("kernel-builder")), "build", str(kernel), "-v"], env, timeout=1800)
        print(r.stderr[-4000:])
        assert r.returncode == 0, r.stderr[-4000:]
        r = run([str(binary("kernel-builder")), "upload", str(kernel)], env, timeout=600)
        print(r.stdout, r.stderr)
        assert r.returncode == 0, r.stderr
        yield {"root": root, "kernel": kernel, "hub": hub, "front": front, "env": env}


def test_build_layout(published):
    variants = [p.name for p in (published["kernel"] / "build").iterdir() if (p / "metadata.json").exists()]
    assert variants == ["torch211-cxx11-cu130-x86_64-linux"], variants
    meta = json.loads((published["kernel"] / "build" / variants[0] / "metadata.json").read_text())
    print(json.dumps(meta, indent=2)[:2000])
    assert meta["backend"]["type"] == "cuda"


def test_lock_download_load_and_compare(published, tmp_path):
    env = {**published["env"], "HF_ENDPOINT": published["front"].url}
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.kernels.dependencies]\n"{REPO}" = 1\n')
    r = ours(["lock", str(tmp_path)], env)
    assert r.returncode == 0, r.stderr
    r = ours(["download", str(tmp_path)], env)
    assert r.returncode == 0, r.stderr
    snaps = list((Path(env["HF_HOME"]) / "hub" / "kernels--kernels-cpp--activation" / "snapshots").iterdir())
    assert len(snaps) == 1
    variant = snaps[0] / "build" / "torch211-cxx11-cu130-x86_64-linux"
    assert (variant / "metadata.json").exists()
    check = run([sys.executable, "-c", CHECK_OPS, str(snaps[0])], env, timeout=600)
    assert check.returncode == 0, check.stderr[-4000:]
    results = json.loads(check.stdout)
    for row in results:
        print(f"{row['op']:20s} {row['dtype']:9s} {str(row['shape']):16s} max_abs={row['max_abs']:.3g} "
              f"{'ok' if row['ok'] else 'FAIL'}")
    assert len(results) == 11 * 3 * 3
    assert all(r["ok"] for r in results)
