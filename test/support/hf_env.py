"""Isolates huggingface_hub in a test process: a fresh HF_HOME (removed at exit), no token,
no endpoint override, no telemetry/Xet/progress bars. huggingface_hub reads these when it is
imported, so call isolate() before importing it."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile


def isolate() -> str:
    home = tempfile.mkdtemp(prefix="kcpp-hf-home-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ.update({
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        "HF_HOME": home,
        "HF_HUB_CACHE": os.path.join(home, "hub"),
    })
    os.environ.pop("HF_TOKEN", None)
    os.environ.pop("HF_ENDPOINT", None)
    return home
