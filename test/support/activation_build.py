"""Building copies of cuda/activation with our `kernel-builder` on the GPU machine (real torch),
for tests that need the compiled kernel: a faithful copy, or one a test changes first (a planted
bug, an op removed) to show that a check catches it.

    kernel = copy_activation(tmp / "act", edits={"activation_cuda/activation_kernels.cuh": [(old, new)]})
    proc = start_build(kernel, env)          # kernel-builder build KERNEL -v, in the background
    finish_build(proc)                        # waits; raises with the build's stderr tail on failure
"""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kcpp import SOURCE_DIR, binary


def has_cuda_torch() -> bool:
    """Whether the Python running the tests has torch with a usable CUDA GPU."""
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


# `pytestmark = needs_cuda_torch` in tests of the compiled kernel.
needs_cuda_torch = pytest.mark.skipif(not has_cuda_torch(), reason="needs torch with a CUDA GPU (run on the GPU machine)")


def copy_activation(dest: Path, edits: dict[str, list[tuple[str, str]]] | None = None,
                    capabilities: list[str] | None = None) -> Path:
    """Copies cuda/activation to DEST; EDITS {relative path: [(old, new), ...]} replace text that
    must occur (so a test never silently builds an unchanged kernel); CAPABILITIES replaces
    build.toml's cuda-capabilities (fewer archs build faster)."""
    shutil.copytree(SOURCE_DIR / "cuda" / "activation", dest, ignore=shutil.ignore_patterns("build"))
    for rel, changes in (edits or {}).items():
        path = dest / rel
        text = path.read_text()
        for old, new in changes:
            if old not in text:
                raise AssertionError(f"{rel}: text to replace not found: {old!r}")
            text = text.replace(old, new)
        path.write_text(text)
    if capabilities is not None:
        toml = dest / "build.toml"
        old = 'cuda-capabilities = ["8.0", "9.0"]'
        text = toml.read_text()
        if old not in text:
            raise AssertionError("build.toml: cuda-capabilities line not found")
        toml.write_text(text.replace(old, "cuda-capabilities = [" + ", ".join(f'"{c}"' for c in capabilities) + "]"))
    return dest


def builder_env(env: dict[str, str]) -> dict[str, str]:
    """ENV with the real torch's interpreter for the probe and on PATH."""
    env = dict(env)
    env["KERNELS_PYTHON"] = sys.executable
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    return env


def start_build(kernel: Path, env: dict[str, str]) -> subprocess.Popen:
    log_path = kernel.parent / f"{kernel.name}.build.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(binary("kernel-builder")), "build", str(kernel), "-v"], env=builder_env(env),
                                stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log_path  # type: ignore[attr-defined]
    return proc


def finish_build(proc: subprocess.Popen, timeout: float = 1800) -> str:
    rc = proc.wait(timeout=timeout)
    text = proc.log_path.read_text(errors="replace")  # type: ignore[attr-defined]
    if rc != 0:
        raise AssertionError(f"kernel-builder build failed ({rc}):\n{text[-4000:]}")
    return text
