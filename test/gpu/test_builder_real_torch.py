"""On the GPU machine (real torch with C++ headers, nvcc): `kernel-builder build` compiles the
relu-torch fixture — a torch extension with a cpu and a cuda kernel — into both variants,
and the results load the way kernels loads a variant (its directory as a package) and
through the compat package, and compute relu. relu-cpu (the ctypes path) is checked with
real torch.library too. Skipped where torch has no C++ headers (CI, developer machines)."""
from __future__ import annotations

import importlib.util
import json
import platform
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from builder_support import builder_env, copy_fixture, expected_digest, kernel_builder  # noqa: E402


def _torch_dir() -> Path | None:
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0])
    return d if (d / "include" / "torch" / "library.h").is_file() else None


TORCH_DIR = _torch_dir()
pytestmark = pytest.mark.skipif(TORCH_DIR is None, reason="needs a real torch with C++ headers (the GPU machine)")


def env_for(tmp_path: Path) -> dict[str, str]:
    env = builder_env(tmp_path / "home", None)
    env["KERNELS_TORCH_DIR"] = str(TORCH_DIR)
    env["KERNELS_PYTHON"] = sys.executable
    return env


def load_variant(variant_dir: Path, name: str):
    """As kernels' loader does: the variant directory imported as a package under a unique name."""
    spec = importlib.util.spec_from_file_location(name, variant_dir / "__init__.py",
                                                  submodule_search_locations=[str(variant_dir)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def variant_names():
    import torch

    v = torch.__version__.split("+")[0].split(".")
    base = f"torch{v[0]}{v[1]}-cxx11"
    cpu = f"{base}-cpu-{platform.machine()}-linux"
    cuda = f"{base}-cu{torch.version.cuda.replace('.', '')}-{platform.machine()}-linux" if torch.version.cuda else None
    return cpu, cuda


def test_torch_extension_cpu_and_cuda(tmp_path):
    import torch

    kdir = copy_fixture("relu-torch", tmp_path / "relu-torch")
    r = kernel_builder(["build", str(kdir), "-v"], env_for(tmp_path), timeout=900)
    print(r.stderr[-6000:])
    assert r.returncode == 0, r.stderr[-6000:]
    cpu, cuda = variant_names()
    built = r.stdout.split()
    assert str(kdir / "build" / cpu) in built

    out = kdir / "build" / cpu
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["backend"] == {"type": "cpu"}
    assert meta["digest"]["files"] == expected_digest(out)
    mod = load_variant(out, "relu_torch_cpu_variant")
    x = torch.randn(1000)
    torch.testing.assert_close(mod.relu(x), torch.relu(x))
    assert hasattr(torch.ops, meta["id"])

    if cuda and torch.cuda.is_available():
        out = kdir / "build" / cuda
        assert str(out) in built
        meta = json.loads((out / "metadata.json").read_text())
        assert meta["backend"] == {"type": "cuda", "archs": ["8.0", "9.0"]}
        assert meta["digest"]["files"] == expected_digest(out)
        mod = load_variant(out, "relu_torch_cuda_variant")
        for dtype in (torch.float32, torch.float16, torch.bfloat16):
            x = torch.randn(1 << 20, device="cuda", dtype=dtype)
            torch.testing.assert_close(mod.relu(x), torch.relu(x))
        # The compat package: `import relu_torch` with the variant directory on sys.path.
        sys.path.insert(0, str(out))
        try:
            import relu_torch

            x = torch.randn(4096, device="cuda")
            torch.testing.assert_close(relu_torch.relu(x), torch.relu(x))
        finally:
            sys.path.remove(str(out))


def test_ctypes_kernel_with_real_torch(tmp_path):
    import torch

    kdir = copy_fixture("relu-cpu", tmp_path / "relu-cpu")
    r = kernel_builder(["build", str(kdir)], env_for(tmp_path))
    assert r.returncode == 0, r.stderr
    cpu, _ = variant_names()
    mod = load_variant(kdir / "build" / cpu, "relu_cpu_variant")
    x = torch.randn(257, dtype=torch.float64)
    torch.testing.assert_close(mod.relu(x), torch.relu(x))
    out = torch.empty(257, dtype=torch.float64)
    mod.ops.relu(out, x)
    torch.testing.assert_close(out, torch.relu(x))
