"""`kernel-builder build` end to end on a machine without torch's C++ headers: the relu-cpu
fixture (plain C-ABI native code) against a torch-shaped directory — variant name, layout,
metadata.json, digest (recomputed here), compat package, git provenance, atomic
replacement — and the failures: missing or bad build.toml, a --variant this machine cannot
build, a torch-depending kernel without torch headers, a compiler error. With nvcc present,
the CUDA path (per-kernel -gencode, metadata archs) is built too."""
from __future__ import annotations

import ctypes
import json
import platform
import py_compile
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from builder_support import builder_env, copy_fixture, expected_digest, kernel_builder  # noqa: E402
from fake_torch import make_torch_dir  # noqa: E402

MACHINE = platform.machine()
CPU_VARIANT = f"torch211-cxx11-cpu-{MACHINE}-linux"


@pytest.fixture(scope="module")
def torch_root(tmp_path_factory):
    # A CPU torch: the variant name must not depend on whether this machine has nvcc.
    return make_torch_dir(tmp_path_factory.mktemp("torch"), "2.11.0")


@pytest.fixture
def env(tmp_path, torch_root):
    return builder_env(tmp_path / "home", torch_root)


@pytest.fixture
def kdir(tmp_path):
    return copy_fixture("relu-cpu", tmp_path / "relu-cpu")


def error_lines(stderr: str) -> list[str]:
    assert any(l.startswith("hint:") for l in stderr.splitlines()), stderr
    return [l for l in stderr.splitlines() if l.startswith("error:")]


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                          capture_output=True, text=True).stdout.strip()


def build_ok(kdir: Path, env, *extra: str) -> Path:
    r = kernel_builder(["build", str(kdir), *extra], env)
    assert r.returncode == 0, r.stderr
    out = kdir / "build" / CPU_VARIANT
    assert r.stdout == f"{out}\n"
    assert f"Built {CPU_VARIANT}" in r.stderr
    return out


def test_builds_relu_cpu_without_torch_headers(kdir, env):
    out = build_ok(kdir, env)
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    so = [f for f in files if f.endswith(".abi3.so")]
    assert len(so) == 1, files
    m = re.fullmatch(r"(_relu_cpu_cpu_[a-z2-7]{13})\.abi3\.so", so[0])
    assert m, so  # not in git: upstream's random base32 u64
    ops_id = m.group(1)
    assert files == sorted(["__init__.py", "_ops.py", so[0], "metadata.json", "relu_cpu/__init__.py"])

    meta = json.loads((out / "metadata.json").read_text())
    assert list(meta) == ["name", "id", "version", "license", "python-depends", "kernel-depends", "backend",
                          "digest", "provenance"]
    assert meta["name"] == "relu-cpu"
    assert meta["id"] == ops_id
    assert meta["version"] == 1
    assert meta["license"] == "Apache-2.0"
    assert meta["python-depends"] == [] and meta["kernel-depends"] == []
    assert meta["backend"] == {"type": "cpu"}
    assert meta["provenance"] == {"kernel-builder": {"version": meta["provenance"]["kernel-builder"]["version"]}}
    assert meta["digest"]["algorithm"] == "sha256"
    assert meta["digest"]["files"] == expected_digest(out)
    assert not (out / "metadata.json").read_text().endswith("\n")  # serde's to_writer_pretty

    ops = (out / "_ops.py").read_text()
    assert f"ops = torch.ops.{ops_id}\n" in ops
    assert f'return f"{ops_id}::{{op_name}}"' in ops
    assert f'with_name("{ops_id}.abi3.so")' in ops
    assert (out / "__init__.py").read_bytes() == (kdir / "torch-ext" / "relu_cpu" / "__init__.py").read_bytes()
    assert "globals().update(" in (out / "relu_cpu" / "__init__.py").read_text()
    for py in out.rglob("*.py"):
        py_compile.compile(str(py), cfile=str(py) + ".check", doraise=True)
        Path(str(py) + ".check").unlink()

    # The library is plain C ABI and works without torch.
    lib = ctypes.CDLL(str(out / so[0]))
    lib.relu_cpu_f32.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    src = (ctypes.c_float * 5)(-2.0, -0.5, 0.0, 1.5, 3.0)
    dst = (ctypes.c_float * 5)()
    lib.relu_cpu_f32(dst, src, 5)
    assert list(dst) == [0.0, 0.0, 0.0, 1.5, 3.0]
    assert lib.relu_cpu_abi_version() == 1

    # The generated project stays for inspection; nothing half-written is left behind.
    work = kdir / "build" / ".kcpp-work" / CPU_VARIANT
    cmakelists = (work / "CMakeLists.txt").read_text()
    assert "find_package" not in cmakelists
    assert f'"TORCH_EXTENSION_NAME={ops_id}"' in cmakelists and '"CPU_KERNEL"' in cmakelists
    assert '"_GLIBCXX_USE_CXX11_ABI=1"' in cmakelists
    assert (work / "include" / "registration.h").is_file()
    assert sorted(p.name for p in (kdir / "build").iterdir()) == [".kcpp-work", CPU_VARIANT]


def test_git_tree_id_and_provenance(kdir, env):
    git(kdir, "init", "-q")
    git(kdir, "add", "-A")
    git(kdir, "commit", "-q", "-m", "init")
    commit, tree = git(kdir, "rev-parse", "HEAD"), git(kdir, "rev-parse", "HEAD^{tree}")
    meta = json.loads((build_ok(kdir, env) / "metadata.json").read_text())
    assert meta["id"] == f"_relu_cpu_cpu_{tree[:7]}"
    assert meta["provenance"]["kernel"] == {"commit": commit, "dirty": False}

    # A tracked change makes it dirty; the untracked build/ directory does not.
    with (kdir / "relu_cpu" / "relu_cpu.cpp").open("a") as f:
        f.write("// edited\n")
    out = build_ok(kdir, env)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["id"] == f"_relu_cpu_cpu_{tree[:7]}_dirty"
    assert meta["provenance"]["kernel"] == {"commit": commit, "dirty": True}
    assert (out / f"_relu_cpu_cpu_{tree[:7]}_dirty.abi3.so").is_file()
    assert len(list(out.glob("*.abi3.so"))) == 1  # the previous build was replaced as a whole


def test_verbose_prints_the_commands(kdir, env):
    r = kernel_builder(["build", str(kdir), "-v", "-j", "1"], env)
    assert r.returncode == 0, r.stderr
    assert re.search(r"^\$ \S*cmake -S \S+ -B \S+ -G ", r.stderr, re.M), r.stderr
    assert re.search(r"^\$ \S*cmake --build \S+ --parallel 1 --verbose$", r.stderr, re.M), r.stderr
    assert "relu_cpu.cpp" in r.stderr  # the compiler command line


def test_variant_option(kdir, env):
    build_ok(kdir, env, "--variant", CPU_VARIANT)
    other = f"torch211-cxx11-cu130-{MACHINE}-linux"
    r = kernel_builder(["build", str(kdir), "--variant", other], env)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    # The second line of the message continues it, indented (the error printer's rule).
    assert f"error: Unknown variant `{other}`.\n  Valid variants are: {CPU_VARIANT}\n" in r.stderr
    error_lines(r.stderr)


def test_variants_that_cannot_be_built_are_explained(kdir, env):
    toml = kdir / "build.toml"
    toml.write_text(toml.read_text().replace('backends = ["cpu"]', 'backends = ["cpu", "cuda", "rocm"]') +
                    '\n[kernel.relu_cuda]\nbackend = "cuda"\ndepends = []\nsrc = ["relu_cuda/relu.cu"]\n')
    r = kernel_builder(["build", str(kdir), "--variant", "torch-universal"], env)
    assert r.returncode == 2, r.stderr
    assert f"Valid variants are: {CPU_VARIANT}" in r.stderr
    causes = [l.strip() for l in r.stderr.splitlines() if "cannot build here:" in l]
    assert len(causes) == 2, r.stderr
    assert re.search(r"cannot build here: .+ because the torch at \S+/torch is built without CUDA", causes[0])
    assert causes[1] == "caused by: cannot build here: the rocm backend because kernels-cpp builds cpu and cuda " \
                        "kernels; rocm is not supported yet"
    # Without --variant the buildable ones are built and the others named as warnings.
    r = kernel_builder(["build", str(kdir)], env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("warning: cannot build here:") == 2


def test_missing_and_bad_build_toml(tmp_path, env, kdir):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = kernel_builder(["build", str(empty)], env)
    assert r.returncode == 1
    assert error_lines(r.stderr) == [f"error: Cannot open {empty}/build.toml for reading"]

    r = kernel_builder(["build", str(tmp_path / "nope")], env)
    assert r.returncode == 2
    assert error_lines(r.stderr) == [f"error: `{tmp_path / 'nope'}` is not a directory"]

    toml = kdir / "build.toml"
    toml.write_text(toml.read_text().replace('license = "Apache-2.0"', 'licence = "Apache-2.0"'))
    for cmd in (["build", str(kdir)], ["check-config", str(kdir)]):
        r = kernel_builder(cmd, env)
        assert r.returncode == 1, r.stderr
        [line] = error_lines(r.stderr)
        assert line.startswith(f"error: {toml}:9:1: unknown field `licence`, expected one of `name`, "), line
    assert not (kdir / "build").exists()


def test_check_config_is_silent_when_valid(kdir, env):
    r = kernel_builder(["check-config", str(kdir)], env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_torch_dependency_needs_torch_headers(kdir, env):
    toml = kdir / "build.toml"
    toml.write_text(toml.read_text().replace("depends = []", 'depends = ["torch"]'))
    r = kernel_builder(["build", str(kdir)], env)
    assert r.returncode == 1, r.stderr
    [line] = error_lines(r.stderr)
    assert re.fullmatch(r"error: \[kernel\.relu_cpu\] depends on torch, but the torch at \S+/torch has no C\+\+ "
                        r"development files", line), line
    assert re.search(r"caused by: missing \S+/torch/include/torch/library\.h", r.stderr)
    assert re.search(r"caused by: missing \S+/torch/lib/libtorch_cpu\.so", r.stderr)
    assert not (kdir / "build" / CPU_VARIANT).exists()


def test_compiler_error_shows_the_tail_and_keeps_the_previous_build(kdir, env):
    out = build_ok(kdir, env)
    before = (out / "metadata.json").read_text()
    (kdir / "relu_cpu" / "relu_cpu.cpp").write_text("this is not C++;\n")
    r = kernel_builder(["build", str(kdir)], env)
    assert r.returncode == 1
    [line] = error_lines(r.stderr)
    assert line == f"error: building {CPU_VARIANT} failed: cmake --build exited with status 1"
    assert "last lines of the output:" in r.stderr and "relu_cpu.cpp" in r.stderr
    assert "to reproduce, run:" in r.stderr and "--verbose" in r.stderr
    assert f"{kdir}/build/.kcpp-work/{CPU_VARIANT}/build.log" in r.stderr
    assert (out / "metadata.json").read_text() == before
    assert sorted(p.name for p in (kdir / "build").iterdir()) == [".kcpp-work", CPU_VARIANT]


def test_hash_rewrites_the_digest(kdir, env):
    out = build_ok(kdir, env)
    meta = json.loads((out / "metadata.json").read_text())
    (out / "extra.txt").write_text("data\n")
    r = kernel_builder(["hash", str(kdir)], env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == f"Hashing variant `{CPU_VARIANT}`...\n"
    after = json.loads((out / "metadata.json").read_text())
    assert after["digest"]["files"] == expected_digest(out)
    assert "extra.txt" in after["digest"]["files"]
    assert {k: v for k, v in after.items() if k != "digest"} == {k: v for k, v in meta.items() if k != "digest"}


def nvcc_version() -> str | None:
    nvcc = shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc" if Path("/usr/local/cuda/bin/nvcc").exists() else None)
    if not nvcc:
        return None
    m = re.search(r"release (\d+\.\d+)", subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout)
    return m.group(1) if m else None


@pytest.mark.skipif(nvcc_version() is None, reason="no nvcc on this machine")
def test_cuda_kernel_with_per_kernel_capabilities(tmp_path, kdir):
    cuda = nvcc_version()
    root = make_torch_dir(tmp_path / "cuda-torch", f"2.11.0+cu{cuda.replace('.', '')}", cuda=cuda)
    env = builder_env(tmp_path / "home", root)
    (kdir / "relu_cuda").mkdir()
    (kdir / "relu_cuda" / "relu.cu").write_text(
        '#include <stdint.h>\n__global__ void relu_kernel(float* o, const float* i, int64_t n) {\n'
        '  int64_t k = blockIdx.x * blockDim.x + threadIdx.x;\n  if (k < n) o[k] = i[k] > 0.f ? i[k] : 0.f;\n}\n'
        'extern "C" int relu_cuda_launch(float* o, const float* i, int64_t n) {\n'
        '  relu_kernel<<<(n + 255) / 256, 256>>>(o, i, n);\n  return 0;\n}\n')
    toml = kdir / "build.toml"
    toml.write_text(toml.read_text().replace('backends = ["cpu"]', 'backends = ["cpu", "cuda"]') +
                    '\n[kernel.relu_cuda]\nbackend = "cuda"\ndepends = []\nsrc = ["relu_cuda/relu.cu"]\n'
                    'cuda-capabilities = ["9.0"]\n')
    variant = f"torch211-cxx11-cu{cuda.replace('.', '')}-{MACHINE}-linux"
    r = kernel_builder(["build", str(kdir), "--variant", variant, "-v"], env)
    assert r.returncode == 0, r.stderr
    assert "-gencode=arch=compute_90,code=sm_90" in r.stderr  # the nvcc command line
    out = kdir / "build" / variant
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["backend"] == {"type": "cuda", "archs": ["9.0"]}
    assert meta["id"].startswith("_relu_cpu_cuda_")
    assert (out / f"{meta['id']}.abi3.so").is_file()
    assert meta["digest"]["files"] == expected_digest(out)
    assert '"CUDA_KERNEL"' in (kdir / "build" / ".kcpp-work" / variant / "CMakeLists.txt").read_text()
