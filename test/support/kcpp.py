"""Shared helpers for kernels-cpp's e2e and conformance tests: locating binaries, running
ours and the Python oracle with the same environment, fixtures for kernel repos, and
comparing traces whose tied entries upstream orders arbitrarily."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hub import write_tree

SOURCE_DIR = Path(os.environ.get("KCPP_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN_DIR = Path(os.environ.get("KCPP_BIN_DIR", SOURCE_DIR / "build"))
VENV_BIN = Path(sys.executable).parent


def binary(name: str) -> Path:
    p = BIN_DIR / name
    if not p.exists():
        raise FileNotFoundError(f"{p} not built (set KCPP_BIN_DIR)")
    return p


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float = 0.0


def base_env(hub_url: str, home: Path, torch_dir: Path | None) -> dict[str, str]:
    """One environment for both tools: same hub, same cache home, same torch-shaped dir
    (on PYTHONPATH: the oracle imports it, our probe reads its files)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "HF_HOME": str(home / "hf"),
        "HF_ENDPOINT": hub_url,
        # Not HF_HUB_DISABLE_TELEMETRY: with it kernels 0.17.2 + huggingface_hub 2.4 send an
        # illegal User-Agent ending in "; " and the oracle fails before any request.
        "HF_HUB_DISABLE_XET": "1",
        "NO_COLOR": "1",
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        # Our probe looks at this interpreter's site-packages (no torch there).
        "KERNELS_PYTHON": sys.executable,
        "KCPP_RETRY_BASE_MS": "20",
    }
    if "LD_LIBRARY_PATH" in os.environ:  # carried shared libraries (GPU machine)
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    # Extra import paths for the oracle where it is installed with --target (GPU machine).
    paths = [str(torch_dir)] if torch_dir is not None else []
    if os.environ.get("KCPP_ORACLE_PYTHONPATH"):
        paths.append(os.environ["KCPP_ORACLE_PYTHONPATH"])
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run(cmd: list[str], env: dict[str, str], timeout: float = 120) -> Result:
    import time

    t0 = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)


def ours(args: list[str], env: dict[str, str], timeout: float = 120) -> Result:
    return run([str(binary("kernels")), *args], env, timeout)


ORACLE_MAIN = "import sys; sys.argv[0] = 'kernels'; from kernels.cli import main; main()"


def oracle_cmd() -> list[str]:
    """The Python `kernels` CLI, run by this interpreter (works without its entry-point script)."""
    return [sys.executable, "-c", ORACLE_MAIN]


def oracle(args: list[str], env: dict[str, str], timeout: float = 300) -> Result:
    return run([*oracle_cmd(), *args], env, timeout)


def write_variant_repo(dest: Path, variants: list[str], extra: dict[str, bytes | str] | None = None) -> Path:
    """A kernel repo tree: build/<variant>/{__init__.py, metadata.json, _ops.py} per variant."""
    for v in variants:
        d = dest / "build" / v
        d.mkdir(parents=True, exist_ok=True)
        (d / "__init__.py").write_text(f"# {v}\nfrom ._ops import ops\n")
        (d / "_ops.py").write_text("ops = None\n")
        (d / "metadata.json").write_text(json.dumps({"version": 1, "python-depends": []}, indent=2) + "\n")
    return write_tree(dest, extra or {})


# ---- upstream sort key, to compare tied runs as sets ---------------------------------

def upstream_sort_key(name: str, accepted: bool) -> tuple:
    """kernels/variants.py _sort_variants' key (ties there fall back to set order)."""
    from kernels.variants import ArchVariant, Torch, TorchStableAbi, parse_variant
    from kernels.backends import CANN, CUDA, ROCm, XPU

    v = parse_variant(name)
    d = 0 if accepted else 1
    if isinstance(v, ArchVariant):
        if isinstance(v.framework, TorchStableAbi):
            f, ab = 0, (-v.framework.version.major, -v.framework.version.minor)
        elif isinstance(v.framework, Torch):
            f, ab = 1, (0, 1 if v.framework.cxx11_abi is not None else 0)
        else:
            f, ab = 2, (0, 0)
        b = -v.arch.backend.version.minor if isinstance(v.arch.backend, (CUDA, ROCm, XPU, CANN)) else 0
        return (d, f, *ab, b)
    return (d, 2, 0, 0, 1 if v.arch.backend_name == "universal" else 0)


def _line_name(line: str) -> tuple[str, bool]:
    if line.endswith("✅"):
        return line.split(" ", 1)[0], True
    return line.split(": ", 1)[0], False


def tie_groups(trace_lines: list[str]) -> list[frozenset[str]]:
    """Consecutive lines with equal upstream keys, as sets. The 'preferred' marker is
    dropped inside a tied group of accepted variants (which one upstream prefers there
    is set order)."""
    groups: list[tuple[tuple, set[str]]] = []
    for line in trace_lines:
        name, accepted = _line_name(line)
        key = upstream_sort_key(name, accepted)
        if groups and groups[-1][0] == key:
            groups[-1][1].add(line)
        else:
            groups.append((key, {line}))
    out = []
    for _, lines in groups:
        if len(lines) > 1:
            lines = {l.replace(" compatible, preferred ✅", " compatible ✅") for l in lines}
        out.append(frozenset(lines))
    return out


def version_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Splits `kernels versions` output into (header, trace lines) per version."""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith("Version ") and line.endswith(":"):
            blocks.append((line, []))
        elif line and blocks:
            blocks[-1][1].append(line)
    return blocks


def assert_same_versions_output(ours_text: str, oracle_text: str) -> None:
    """Same lines in upstream's order; tied runs compared as sets."""
    assert len(ours_text.splitlines()) == len(oracle_text.splitlines()), (ours_text, oracle_text)
    assert [bool(l) for l in ours_text.splitlines()] == [bool(l) for l in oracle_text.splitlines()]
    assert ours_text.endswith("\n") == oracle_text.endswith("\n")
    a, b = version_blocks(ours_text), version_blocks(oracle_text)
    if not a and not b:
        assert ours_text == oracle_text
        return
    assert [h for h, _ in a] == [h for h, _ in b]
    for (h, la), (_, lb) in zip(a, b):
        assert tie_groups(la) == tie_groups(lb), f"{h}\nours:\n" + "\n".join(la) + "\noracle:\n" + "\n".join(lb)
