"""cuda/: the activation kernel project and its torch-free kernels.

Compiles cuda/activation/activation_cuda/activation_kernels.cuh (through a small .cu that
instantiates every op and dtype, with torch's -D__CUDA_NO_HALF*__ flags) and the self-test with
nvcc, runs the self-test (exit 77 = no GPU here, skipped), and checks the project's layout:
build.toml (edition 5) parses and names the sources, torch_binding.cpp defines the 11
kernels-community/activation schemas and registers a CUDA implementation for each, and the Python
package exposes them. Compiling tests are skipped when nvcc is absent.
"""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CUDA = ROOT / "cuda"
PROJECT = CUDA / "activation"
HEADER = PROJECT / "activation_cuda" / "activation_kernels.cuh"
SELFTEST = CUDA / "tests" / "activation_selftest.cu"

SCHEMAS = {
    "silu_and_mul": "silu_and_mul(Tensor! out, Tensor input) -> ()",
    "mul_and_silu": "mul_and_silu(Tensor! out, Tensor input) -> ()",
    "gelu_and_mul": "gelu_and_mul(Tensor! out, Tensor input) -> ()",
    "gelu_tanh_and_mul": "gelu_tanh_and_mul(Tensor! out, Tensor input) -> ()",
    "fatrelu_and_mul": "fatrelu_and_mul(Tensor! out, Tensor input, float threshold) -> ()",
    "gelu_new": "gelu_new(Tensor! out, Tensor input) -> ()",
    "gelu_fast": "gelu_fast(Tensor! out, Tensor input) -> ()",
    "gelu_quick": "gelu_quick(Tensor! out, Tensor input) -> ()",
    "gelu_tanh": "gelu_tanh(Tensor! out, Tensor input) -> ()",
    "silu": "silu(Tensor! out, Tensor input) -> ()",
    "gelu": "gelu(Tensor! out, Tensor input) -> ()",
}
LAYERS = ["SiluAndMul", "MulAndSilu", "GeluAndMul", "GeluTanhAndMul", "FatreluAndMul", "FastGELU", "NewGELU",
          "QuickGELU", "Silu", "Gelu", "GeluTanh"]

TORCH_NVCC_FLAGS = ["-D__CUDA_NO_HALF_OPERATORS__", "-D__CUDA_NO_HALF_CONVERSIONS__",
                    "-D__CUDA_NO_BFLOAT16_CONVERSIONS__", "-D__CUDA_NO_HALF2_OPERATORS__",
                    "--expt-relaxed-constexpr"]


def find_nvcc() -> str | None:
    for cand in (os.environ.get("NVCC"), shutil.which("nvcc"), "/usr/local/cuda/bin/nvcc"):
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return cand
    return None


NVCC = find_nvcc()
needs_nvcc = pytest.mark.skipif(NVCC is None, reason="nvcc not found (PATH, $NVCC, /usr/local/cuda/bin)")


def nvcc(args: list[str], cwd: Path) -> None:
    r = subprocess.run([NVCC, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"nvcc {' '.join(args)}\n{r.stdout}\n{r.stderr}"
    ours = [l for l in (r.stdout + r.stderr).splitlines()
            if "warning" in l.lower() and ("activation" in l or "tu.cu" in l)]
    assert not ours, r.stdout + r.stderr


TU = r"""
#include "activation_kernels.cuh"

namespace act = kcpp::activation;
static_assert(act::kNumOps == 11, "11 ops");
static_assert(act::is_gated(act::Op::FatreluAndMul) && !act::is_gated(act::Op::GeluQuick), "gating");
static_assert(act::bytes_moved(act::Op::SiluAndMul, act::DType::F16, 2, 4) == 2 * (8 + 4) * 2, "bytes");

// Every op x dtype through the runtime dispatch, plus the typed overloads.
cudaError_t all_ops(void* out, const void* in, cudaStream_t s) {
  cudaError_t last = cudaSuccess;
  for (act::Op op : act::kAllOps)
    for (act::DType dt : act::kAllDTypes) {
      const cudaError_t e = act::launch(op, dt, out, in, 4, 64, s, 0.5f);
      if (e != cudaSuccess) last = e;
    }
  act::LaunchPlan plan;
  if (act::plan_launch(act::Op::Gelu, act::DType::BF16, out, in, 1, 1000, &plan) != cudaSuccess) return cudaErrorInvalidValue;
  act::launch(act::Op::Silu, static_cast<__half*>(out), static_cast<const __half*>(in), 2, 8, s);
  act::launch(act::Op::Gelu, static_cast<__nv_bfloat16*>(out), static_cast<const __nv_bfloat16*>(in), 2, 8, s);
  act::launch(act::Op::SiluAndMul, static_cast<float*>(out), static_cast<const float*>(in), 2, 8, s);
  return last;
}
"""


@needs_nvcc
def test_kernel_header_compiles_standalone_and_with_torch_flags(tmp_path):
    (tmp_path / "tu.cu").write_text(TU)
    base = ["-std=c++17", "-O3", "-arch=sm_90", f"-I{HEADER.parent}", "-Xcompiler=-Wall,-Wextra"]
    nvcc([*base, "-c", "tu.cu", "-o", "plain.o"], tmp_path)
    nvcc([*base, *TORCH_NVCC_FLAGS, "-c", "tu.cu", "-o", "torch_flags.o"], tmp_path)
    assert (tmp_path / "plain.o").stat().st_size > 0 and (tmp_path / "torch_flags.o").stat().st_size > 0


@needs_nvcc
def test_selftest_builds_and_runs_or_skips(tmp_path):
    exe = tmp_path / "activation_selftest"
    nvcc(["-std=c++17", "-O3", "-arch=sm_90", "-Xcompiler=-Wall,-Wextra", "-o", str(exe), str(SELFTEST)], tmp_path)
    r = subprocess.run([str(exe), "--quiet"], capture_output=True, text=True, timeout=600)
    if r.returncode == 77:
        assert "SKIP: no CUDA device" in r.stdout
        return
    # A GPU that runs sm_90 code (else every launch fails: exit 2 with the CUDA error).
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"^(\d+)/\1 cases passed$", r.stdout, re.M), r.stdout
    usage = subprocess.run([str(exe), "--bogus"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_build_toml_is_edition_5_and_names_the_sources():
    cfg = tomllib.loads((PROJECT / "build.toml").read_text())
    g = cfg["general"]
    assert (g["name"], g["version"], g["edition"], g["license"], g["backends"]) == \
        ("activation", 1, 5, "Apache-2.0", ["cuda"])
    assert g["hub"] == {"repo-id": "kernels-cpp/activation"}
    assert cfg["torch"]["src"] == ["torch-ext/torch_binding.cpp", "torch-ext/torch_binding.h"]
    assert set(cfg) == {"general", "torch", "kernel"}
    k = cfg["kernel"]["activation"]
    assert k["backend"] == "cuda" and k["depends"] == ["torch"]
    assert {"8.0", "9.0"} <= set(k["cuda-capabilities"])
    assert set(k) <= {"backend", "depends", "src", "include", "cxx-flags", "cuda-capabilities", "cuda-flags",
                      "cuda-minver"}
    for src in [*cfg["torch"]["src"], *k["src"]]:
        assert (PROJECT / src).is_file(), src
    assert "activation_cuda/activation_kernels.cuh" in k["src"]


def test_binding_defines_the_11_schemas_with_cuda_impls():
    text = (PROJECT / "torch-ext" / "torch_binding.cpp").read_text()
    assert '#include "registration.h"' in text
    assert "TORCH_LIBRARY_EXPAND(TORCH_EXTENSION_NAME, ops)" in text and "REGISTER_EXTENSION(TORCH_EXTENSION_NAME)" in text
    defs = re.findall(r'ops\.def\("([^"]+)"\)', text)
    assert sorted(defs) == sorted(SCHEMAS.values())
    impls = re.findall(r'ops\.impl\("(\w+)", torch::kCUDA, &(\w+)\)', text)
    assert sorted(impls) == sorted((op, op) for op in SCHEMAS)
    header = (PROJECT / "torch-ext" / "torch_binding.h").read_text()
    cu = (PROJECT / "activation_cuda" / "activation.cu").read_text()
    for op in SCHEMAS:
        extra = r",\s*double threshold" if op == "fatrelu_and_mul" else ""
        sig = rf"void {op}\(torch::Tensor &out, torch::Tensor const &input{extra}\)"
        assert re.search(sig + ";", header), op
        assert re.search(sig + r"\s*\{", cu), op
    # The kernels header names the same ops.
    assert sorted(re.findall(r'return "(\w+)";', HEADER.read_text().split("op_name(Op op)")[1].split("}")[0])) == \
        sorted(SCHEMAS)


def test_python_package_exposes_functions_and_layers():
    pkg = PROJECT / "torch-ext" / "activation"
    assert (pkg / "__init__.py").is_file() and not (pkg / "activation").exists()  # upstream's layout check
    init = ast.parse((pkg / "__init__.py").read_text())
    funcs = {n.name: n for n in init.body if isinstance(n, ast.FunctionDef)}
    assert set(funcs) == set(SCHEMAS)
    for name, fn in funcs.items():
        assert [a.arg for a in fn.args.args][:2] == ["out", "x"], name
        assert isinstance(fn.body[-1], ast.Return) and fn.body[-1].value.id == "out", name
    assert [a.arg for a in funcs["fatrelu_and_mul"].args.args] == ["out", "x", "threshold"]
    imports = [n for n in init.body if isinstance(n, ast.ImportFrom)]
    assert any(n.module == "_ops" and n.level == 1 and n.names[0].name == "ops" for n in imports)
    all_ = next(n.value for n in init.body if isinstance(n, ast.Assign) and n.targets[0].id == "__all__")
    assert set(ast.literal_eval(all_)) == set(SCHEMAS) | {"layers"}
    layers = ast.parse((pkg / "layers.py").read_text())
    classes = {n.name for n in layers.body if isinstance(n, ast.ClassDef)}
    assert set(LAYERS) <= classes
