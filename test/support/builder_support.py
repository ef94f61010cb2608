"""Helpers for `kernel-builder build` tests: an environment whose system probe finds a given
torch, copies of the fixture kernels, and an independent check of a variant's digest
(upstream: kernels-data/src/digest.rs) written here in Python, not taken from our C++."""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
from pathlib import Path

from kcpp import Result, SOURCE_DIR, binary, run

FIXTURES = SOURCE_DIR / "test" / "fixtures" / "kernels"


def builder_env(home: Path, torch_root: Path | None) -> dict[str, str]:
    """Probe sees TORCH_ROOT/torch through PYTHONPATH (and no other torch: KERNELS_PYTHON is
    this interpreter, whose venv has none on the dev machine)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        "KERNELS_PYTHON": sys.executable,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for var in ("CUDA_HOME", "CUDA_PATH", "LD_LIBRARY_PATH"):
        if var in os.environ:
            env[var] = os.environ[var]
    if torch_root is not None:
        env["PYTHONPATH"] = str(torch_root)
    return env


def kernel_builder(args: list[str], env: dict[str, str], timeout: float = 600) -> Result:
    return run([str(binary("kernel-builder")), *args], env, timeout)


def copy_fixture(name: str, dest: Path) -> Path:
    shutil.copytree(FIXTURES / name, dest, ignore=shutil.ignore_patterns("build", "__pycache__"))
    return dest


def expected_digest(variant_dir: Path) -> dict[str, str]:
    """§7.3: every regular file (symlinks followed) except top-level metadata.json and
    metadata.json.sigstore, anything under __pycache__ and *.pyc; base64 SHA-256; key order."""
    files = {}
    for path in sorted(variant_dir.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(variant_dir)
        if len(rel.parts) == 1 and rel.name in ("metadata.json", "metadata.json.sigstore"):
            continue
        if "__pycache__" in rel.parts or rel.suffix == ".pyc":
            continue
        files[rel.as_posix()] = base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    return dict(sorted(files.items()))
