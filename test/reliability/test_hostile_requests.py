"""Hostile requests against a real kernels-hub (security issue 12, items 11-20): racing ref
writers, force-resets of main, bad branch names, forged inline LFS pointers, `.git` aliases in
commit paths, huge and junk bodies, a forged Host header, control bytes in the request target,
slowloris connections and the cost of paged tree listings. Every case checks what the server
did (git refs, the request log, the hub's peak RSS, timings), not only the status it answered.

Each case adds to the "hostile requests" section of the reliability report: cases / held."""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub, write_tree  # noqa: E402
from reliability import record  # noqa: E402

TOKEN = "hostile-test-token-4b1d"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REPO = "hostile/repo"
TALLY = {"cases": 0, "held": 0}


def tally(name: str, held: bool) -> None:
    """Counts one case for the README figure, then fails the test when it did not hold."""
    TALLY["cases"] += 1
    TALLY["held"] += bool(held)
    record("hostile requests", dict(TALLY))
    assert held, name


# ---- 18: control bytes in the request target are escaped in the log --------------------------

def test_request_log_escapes_control_bytes(hub):
    u = urlparse(hub.url)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"GET /api/models/x\x1b[31mred\x07\x9b/y HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        while s.recv(65536):
            pass
    time.sleep(0.1)
    raw = hub.request_log_path.read_bytes()
    lines = [line for line in raw.decode("latin-1").splitlines() if "red" in line]
    tally("ESC/BEL/C1 bytes of the request target escaped in the request log",
          lines and b"\x1b" not in raw and b"\x07" not in raw and b"\x9b" not in raw and "\\x1b" in lines[-1])
