#!/usr/bin/env python3
"""Builds cuda/activation as a torch extension the way kernel-builder does (torch-ext/torch_binding.cpp
and activation_cuda/activation.cu into one shared library, -DTORCH_EXTENSION_NAME=<id>
-DCUDA_KERNEL, include dirs: the project root and a registration.h), with the torch of this
Python, then checks the Python package (functions and layers) against torch's own activations and
the binding's argument checks. Needs torch with CUDA, nvcc and a GPU.

    python cuda/tests/torch_ext_check.py [--keep DIR [--build-only]] [--arch 90] [--compile]

Exit 0 when every check passes, 1 otherwise, 77 when torch/CUDA is missing (skip).
"""
from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "activation"
NAME = "_activation_kcpp_check"

REGISTRATION_H = r"""#pragma once
#include <Python.h>
#define KCPP_CONCAT_(A, B) A##B
#define KCPP_CONCAT(A, B) KCPP_CONCAT_(A, B)
#define KCPP_STRINGIFY_(A) #A
#define KCPP_STRINGIFY(A) KCPP_STRINGIFY_(A)
#define TORCH_LIBRARY_EXPAND(NAME, MODULE) TORCH_LIBRARY(NAME, MODULE)
#define TORCH_LIBRARY_IMPL_EXPAND(NAME, DEVICE, MODULE) TORCH_LIBRARY_IMPL(NAME, DEVICE, MODULE)
#define REGISTER_EXTENSION(NAME)                                                         \
  PyMODINIT_FUNC KCPP_CONCAT(PyInit_, NAME)() {                                          \
    static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, KCPP_STRINGIFY(NAME),     \
                                        nullptr, 0, nullptr};                            \
    return PyModule_Create(&module);                                                     \
  }
"""

OPS_PY = f"""import torch
from . import {NAME}
ops = torch.ops.{NAME}


def add_op_namespace_prefix(op_name: str):
    return f"{NAME}::{{op_name}}"
"""


def build(work: Path, arch: str) -> Path:
    import torch
    import torch.utils.cpp_extension as ce

    def paths(fn):
        try:
            return fn(device_type="cuda")
        except TypeError:  # torch < 2.6
            return fn(cuda=True)

    inc = paths(ce.include_paths)
    libs = paths(ce.library_paths)
    cuda_home = ce.CUDA_HOME or "/usr/local/cuda"
    nvcc = str(Path(cuda_home) / "bin" / "nvcc")
    reg = work / "reg"
    reg.mkdir(parents=True, exist_ok=True)
    (reg / "registration.h").write_text(REGISTRATION_H)
    abi = f"-D_GLIBCXX_USE_CXX11_ABI={int(torch._C._GLIBCXX_USE_CXX11_ABI)}"
    common = [f"-DTORCH_EXTENSION_NAME={NAME}", "-DCUDA_KERNEL", abi, f"-I{reg}", f"-I{ROOT}",
              f"-I{sysconfig.get_paths()['include']}"] + [f"-I{p}" for p in inc]
    # One host compiler for both TUs (nvcc: -ccbin). Mixing compilers (e.g. $CXX from another GCC
    # install) can pull a second, static libstdc++ into the library; formatting a TORCH_CHECK
    # message then crashes on locale facets.
    cxx = shutil.which(os.environ.get("KCPP_CXX", "c++")) or "c++"
    jobs = [
        [cxx, "-O2", "-std=c++17", "-fPIC", *common, "-c", str(ROOT / "torch-ext/torch_binding.cpp"),
         "-o", str(work / "torch_binding.o")],
        [nvcc, "-ccbin", cxx, "-O3", "-std=c++17", "-Xcompiler", "-fPIC", *ce.COMMON_NVCC_FLAGS,
         f"-gencode=arch=compute_{arch},code=sm_{arch}", *common, "-c",
         str(ROOT / "activation_cuda/activation.cu"), "-o", str(work / "activation.o")],
    ]
    procs = [subprocess.Popen(j, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for j in jobs]
    for j, p in zip(jobs, procs):
        out, _ = p.communicate()
        if p.returncode != 0:
            print(" ".join(j))
            print(out)
            raise SystemExit(f"compile failed: {Path(j[-3]).name}")
        if out.strip():
            print(out)
    pkg = work / "pkg" / "activation"
    pkg.mkdir(parents=True, exist_ok=True)
    for f in (ROOT / "torch-ext/activation").glob("*.py"):
        shutil.copy(f, pkg / f.name)
    (pkg / "_ops.py").write_text(OPS_PY)
    so = pkg / f"{NAME}.so"
    link = [cxx, "-shared", str(work / "torch_binding.o"), str(work / "activation.o"), "-o", str(so)]
    link += [f"-L{p}" for p in libs] + [f"-Wl,-rpath,{p}" for p in libs]
    link += ["-lc10", "-lc10_cuda", "-ltorch", "-ltorch_cpu", "-ltorch_cuda", f"-L{cuda_home}/lib64", "-lcudart"]
    r = subprocess.run(link, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print(" ".join(link))
        print(r.stdout)
        raise SystemExit("link failed")
    return work / "pkg"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="build directory to keep (default: a temporary one)")
    ap.add_argument("--arch", default=None, help="SM version, e.g. 90 (default: the GPU's)")
    ap.add_argument("--compile", action="store_true", help="also run a layer under torch.compile")
    ap.add_argument("--build-only", action="store_true", help="build the package (with --keep) and stop")
    args = ap.parse_args()
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        print("SKIP: no torch")
        return 77
    if not torch.cuda.is_available():
        print("SKIP: no CUDA device")
        return 77
    major, minor = torch.cuda.get_device_capability()
    arch = args.arch or f"{major}{minor}"
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="act-torch-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name()}, building in {work} for sm_{arch}")
    sys.path.insert(0, str(build(work, arch)))
    if args.build_only:
        print(f"built {work / 'pkg' / 'activation'}")
        return 0
    import activation  # noqa: E402
    from activation import layers  # noqa: E402

    failures = 0

    def check(ok: bool, what: str) -> None:
        nonlocal failures
        print(f"{'PASS' if ok else 'FAIL'} {what}")
        failures += 0 if ok else 1

    def close(got, ref, dtype) -> tuple[bool, float]:
        rtol, atol = (1e-5, 1e-6) if dtype == torch.float32 else (1e-2, 1e-3)
        err = (got.double() - ref).abs()
        bound = atol + rtol * ref.abs()
        return bool((err <= bound).all()) and bool(torch.isfinite(got).all()), float((err / bound).max())

    s2pi = math.sqrt(2.0 / math.pi)
    refs = {
        "silu_and_mul": lambda a, b: F.silu(a) * b,
        "mul_and_silu": lambda a, b: a * F.silu(b),
        "gelu_and_mul": lambda a, b: F.gelu(a) * b,
        "gelu_tanh_and_mul": lambda a, b: F.gelu(a, approximate="tanh") * b,
        "fatrelu_and_mul": lambda a, b: torch.where(a > 0.3, a, torch.zeros_like(a)) * b,
        "gelu_new": lambda a: 0.5 * a * (1.0 + torch.tanh(s2pi * (a + 0.044715 * a**3))),
        "gelu_fast": lambda a: 0.5 * a * (1.0 + torch.tanh(a * 0.7978845608 * (1.0 + 0.044715 * a * a))),
        "gelu_quick": lambda a: a * torch.sigmoid(1.702 * a),
        "gelu_tanh": lambda a: F.gelu(a, approximate="tanh"),
        "silu": F.silu,
        "gelu": F.gelu,
    }
    gated = ["silu_and_mul", "mul_and_silu", "gelu_and_mul", "gelu_tanh_and_mul", "fatrelu_and_mul"]
    dev = "cuda"
    g = torch.Generator(device=dev).manual_seed(0)

    def call(op, out, x):
        fn = getattr(activation, op)
        return fn(out, x, 0.3) if op == "fatrelu_and_mul" else fn(out, x)

    for dtype in (torch.float32, torch.float16, torch.bfloat16):
        for op, ref in refs.items():
            is_gated = op in gated
            worst, ok_all, n = 0.0, True, 0
            for shape in [(1,), (7,), (3, 8), (5, 64), (33, 1000), (7, 4099), (2, 5, 256), (4096, 16)]:
                d = shape[-1]
                in_shape = shape[:-1] + ((2 * d,) if is_gated else (d,))
                for layout in ("packed", "strided-in", "strided-out"):
                    pad = 8 if layout == "strided-in" else 0
                    base = torch.randn(in_shape[:-1] + (in_shape[-1] + pad,), generator=g, device=dev) * 3
                    x = base.to(dtype)[..., : in_shape[-1]]
                    if layout == "strided-out" and len(shape) > 1:
                        out = torch.full(shape[:-1] + (d + 16,), float("nan"), device=dev, dtype=dtype)[..., :d]
                    else:
                        out = torch.full(shape, float("nan"), device=dev, dtype=dtype)
                    r = call(op, out, x)
                    torch.cuda.synchronize()
                    xd = x.double()
                    expect = ref(xd[..., :d], xd[..., d:]) if is_gated else ref(xd)
                    ok, w = close(out, expect, dtype)
                    ok_all &= ok and r is out
                    worst = max(worst, w)
                    n += 1
            check(ok_all, f"{op} {str(dtype)[6:]}: {n} shapes/layouts vs torch (worst {worst:.3f} of tolerance)")

    # torch's own low-precision kernels agree too (silu_and_mul, fp16 and bf16).
    for dtype in (torch.float16, torch.bfloat16):
        x = torch.randn(64, 2 * 512, device=dev, dtype=dtype)
        out = activation.silu_and_mul(torch.empty(64, 512, device=dev, dtype=dtype), x)
        check(torch.allclose(out.float(), (F.silu(x[:, :512]) * x[:, 512:]).float(), atol=1e-2, rtol=1e-2),
              f"silu_and_mul {str(dtype)[6:]} allclose to torch's {str(dtype)[6:]} result")

    # Layers: output shapes and values.
    x = torch.randn(2, 3, 128, device=dev, dtype=torch.float16)
    for cls, op in [(layers.SiluAndMul, "silu_and_mul"), (layers.MulAndSilu, "mul_and_silu"),
                    (layers.GeluAndMul, "gelu_and_mul"), (layers.GeluTanhAndMul, "gelu_tanh_and_mul"),
                    (layers.FastGELU, "gelu_fast"), (layers.NewGELU, "gelu_new"), (layers.QuickGELU, "gelu_quick"),
                    (layers.Silu, "silu"), (layers.Gelu, "gelu"), (layers.GeluTanh, "gelu_tanh")]:
        y = cls()(x)
        xd = x.double()
        expect = refs[op](xd[..., :64], xd[..., 64:]) if op in gated else refs[op](xd)
        check(y.shape == expect.shape and close(y, expect, torch.float16)[0], f"layers.{cls.__name__} {tuple(y.shape)}")
    y = layers.FatreluAndMul(threshold=0.3)(x)
    check(close(y, refs["fatrelu_and_mul"](x.double()[..., :64], x.double()[..., 64:]), torch.float16)[0],
          "layers.FatreluAndMul(threshold=0.3)")
    xt = torch.randn(128, 6, device=dev, dtype=torch.float16).t()  # last stride != 1: the layer copies
    check(close(layers.SiluAndMul()(xt), refs["silu_and_mul"](xt.double()[..., :64], xt.double()[..., 64:]),
                torch.float16)[0], "layers.SiluAndMul on a transposed input")

    # In place (elementwise), another stream, another device guard.
    x = torch.randn(1000, device=dev)
    expect = F.silu(x.double())
    activation.silu(x, x)
    check(close(x, expect, torch.float32)[0], "silu in place")
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        x = torch.randn(256, 2048, device=dev, dtype=torch.bfloat16)
        out = activation.gelu_and_mul(torch.empty(256, 1024, device=dev, dtype=torch.bfloat16), x)
    s.synchronize()
    check(close(out, refs["gelu_and_mul"](x.double()[:, :1024], x.double()[:, 1024:]), torch.bfloat16)[0],
          "gelu_and_mul on a side stream")
    check(activation.silu(torch.empty(0, 8, device=dev), torch.empty(0, 8, device=dev)).shape == (0, 8), "empty tensor")

    # Argument checks: each is a RuntimeError with the op's name.
    f16 = dict(device=dev, dtype=torch.float16)
    bad = [
        ("cpu input", lambda: activation.silu_and_mul(torch.empty(4, 8), torch.empty(4, 16))),
        ("dtype mismatch", lambda: activation.silu_and_mul(torch.empty(4, 8, device=dev), torch.empty(4, 16, **f16))),
        ("float64", lambda: activation.gelu(torch.empty(4, device=dev, dtype=torch.float64),
                                            torch.empty(4, device=dev, dtype=torch.float64))),
        ("odd last dim", lambda: activation.silu_and_mul(torch.empty(4, 3, **f16), torch.empty(4, 7, **f16))),
        ("wrong out shape", lambda: activation.silu_and_mul(torch.empty(4, 16, **f16), torch.empty(4, 16, **f16))),
        ("shape mismatch", lambda: activation.gelu(torch.empty(4, 9, **f16), torch.empty(4, 8, **f16))),
        ("last stride", lambda: activation.gelu(torch.empty(8, 4, **f16), torch.empty(4, 8, **f16).t())),
        ("overlap", lambda: (lambda t: activation.silu_and_mul(t[:, :8], t))(torch.empty(4, 16, **f16))),
        ("partial overlap", lambda: (lambda t: activation.gelu(t[1:], t[:-1]))(torch.empty(9, **f16))),
        ("expanded out", lambda: activation.gelu(torch.empty(1, 8, **f16).expand(4, 8), torch.empty(4, 8, **f16))),
    ]
    for what, fn in bad:
        try:
            fn()
            torch.cuda.synchronize()
            check(False, f"rejects {what} (no error)")
        except RuntimeError as e:
            msg = str(e).splitlines()[0]
            check(True, f"rejects {what}: {msg[:110]}")

    if args.compile:
        try:
            m = torch.compile(layers.SiluAndMul(), fullgraph=True)
            x = torch.randn(32, 256, device=dev, dtype=torch.float16)
            y = m(x)
            check(close(y, refs["silu_and_mul"](x.double()[:, :128], x.double()[:, 128:]), torch.float16)[0],
                  "torch.compile(layers.SiluAndMul(), fullgraph=True)")
        except Exception as e:  # noqa: BLE001
            check(False, f"torch.compile: {type(e).__name__}: {str(e).splitlines()[0][:200]}")

    print(f"\n{'all checks passed' if failures == 0 else f'{failures} check(s) failed'}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
