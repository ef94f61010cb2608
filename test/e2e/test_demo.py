"""README command 1's main job (scripts/demo) runs to the end and shows a ✅ for the
machine it asks about."""
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from kcpp import BIN_DIR, SOURCE_DIR  # noqa: E402


def test_demo_runs(tmp_path):
    env = dict(os.environ, KCPP_BIN_DIR=str(BIN_DIR), NO_COLOR="1", HOME=str(tmp_path))
    p = subprocess.run([str(SOURCE_DIR / "scripts" / "demo")], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Version 3:" in p.stdout
    assert "torch211-cxx11-cu130-x86_64-linux compatible, preferred ✅" in p.stdout
    assert "Version 2: " in p.stdout  # the --compact form
    assert '"repo-id": "kernels-demo/activation"' in p.stdout  # kernels.lock
    assert "Kernel uploaded: " in p.stdout  # kernel-builder build-and-upload of the CPU example
    assert "torch211-cxx11-cpu-x86_64-linux compatible, preferred ✅" in p.stdout
    assert p.stdout.rstrip().endswith("/build/torch211-cxx11-cu130-x86_64-linux")  # where download put it
