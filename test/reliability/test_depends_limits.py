"""kernel-depends limits: a hub whose kernels each depend on the next one, 30,000 deep
(the recursive walk overflowed the stack: a segfault, 3,000 deep with a 512 KiB stack), or
whose kernel depends on 10,000 others. `kernels lock` stops with a clear error naming the
chain within seconds, after a bounded number of requests (64 levels, 1,000 kernels at most).

The repositories are synthesized by a front: every `rel/chain-N` (and `rel/leaf-N`, `rel/fan`)
is served from one real template repository, with a metadata.json made up for N (its tree
entry carries the made-up content's git blob id, so the lock's blob check passes)."""
from __future__ import annotations

import http.client
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary  # noqa: E402
from lock_support import metadata_json, write_project  # noqa: E402
from reliability import assert_clear_failure, git_blob_id, kernel_files, record  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
DEEP = 30_000
WIDE = 10_000
SYNTH = re.compile(r"^(.*?)/rel/(chain-(\d+)|leaf-(\d+)|fan)(/.*)?$")

TALLY = {"cases": 0, "held": 0}


def kernel_depends(name: str) -> list[dict]:
    if name == "fan":
        return [{"repo-id": f"rel/leaf-{i}", "version": 1} for i in range(WIDE)]
    if name.startswith("chain-"):
        n = int(name[6:])
        return [{"repo-id": f"rel/chain-{n + 1}", "version": 1}] if n + 1 < DEEP else []
    return []


class Synth:
    """The front's rule: serves rel/chain-N, rel/leaf-N and rel/fan from rel/template."""

    def __init__(self, hub_url: str):
        self.host, self.port = hub_url.split("//")[1].split(":")
        self.requests = 0

    def __call__(self, method, path):
        m = SYNTH.match(path)
        if not m:
            return None
        self.requests += 1
        name = m.group(2)
        meta = metadata_json(name.replace("-", ""), CU, kernel_depends(name)).encode()
        conn = http.client.HTTPConnection(self.host, int(self.port), timeout=30)
        try:
            conn.request(method, f"{m.group(1)}/rel/template{m.group(5) or ''}")
            r = conn.getresponse()
            body = r.read()
            headers = [(k, v) for k, v in r.getheaders() if k.lower() not in ("etag", "x-linked-etag")]
        finally:
            conn.close()
        clean = path.split("?", 1)[0]
        if r.status == 200 and "/tree/" in clean:
            entries = json.loads(body)
            for e in entries:
                if e["path"].endswith("/metadata.json"):
                    e["oid"], e["size"] = git_blob_id(meta), len(meta)
            body = json.dumps(entries).encode()
        elif r.status == 200 and clean.endswith("/metadata.json"):
            body = meta
        return r.status, headers, body


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("depends")
    files = {k: v for k, v in kernel_files("template", [CU], seed=2, so_size=100).items() if not k.endswith(".so")}
    with Hub(root=root / "hub") as hub:
        hub.commit("rel/template", write_tree(root / "src", files), branch="v1")
        synth = Synth(hub.url)
        with EvilFront(hub.url, rule=synth) as evil:
            yield {"root": root, "url": evil.url, "synth": synth}


def lock(world, tmp_path, root_repo: str, stack_kib: int | None = None):
    project = write_project(tmp_path / "proj", {root_repo: 1})
    env = base_env(world["url"], tmp_path / "home", None)

    def limit_stack():
        if stack_kib:
            resource.setrlimit(resource.RLIMIT_STACK, (stack_kib * 1024, stack_kib * 1024))

    world["synth"].requests = 0
    t0 = time.monotonic()
    p = subprocess.run([str(binary("kernels")), "lock", "--trust-remote-code", str(project)], env=env,
                       capture_output=True, text=True, timeout=60, preexec_fn=limit_stack)
    return p, time.monotonic() - t0, world["synth"].requests


def held(ok: bool, **figures) -> None:
    TALLY["cases"] += 1
    TALLY["held"] += int(ok)
    record("depends limits", dict(TALLY, **figures))


def test_a_30000_deep_chain_is_a_clear_error(world, tmp_path):
    """With a 512 KiB stack (the recursive walk crashed 3,000 deep with it)."""
    p, seconds, requests = lock(world, tmp_path, "rel/chain-0", stack_kib=512)
    first = next((l for l in p.stderr.splitlines() if l.startswith("error:")), "")
    ok = (p.returncode == 1 and "nest deeper than 64 levels: rel/chain-64 (version 1) is level 65" in first
          and seconds < 30 and requests <= 64 * 3)
    held(ok, deep_chain_seconds=round(seconds, 2), deep_chain_requests=requests)
    assert_clear_failure(p, "nest deeper than 64 levels", "while locking rel/chain-0 (version 1) from",
                         "(57 more)", "rel/chain-64 (version 1)")
    assert "nest deeper than 64 levels: rel/chain-64 (version 1) is level 65" in first, p.stderr
    assert seconds < 30 and requests <= 64 * 3, (seconds, requests)  # refs, tree, metadata per level
    assert not (tmp_path / "proj" / "kernels.lock").exists()


def test_a_10000_wide_fan_out_is_a_clear_error(world, tmp_path):
    p, seconds, requests = lock(world, tmp_path, "rel/fan")
    ok = p.returncode == 1 and "more than 1000 distinct kernels" in p.stderr and requests <= 3
    held(ok, fan_out_seconds=round(seconds, 2), fan_out_requests=requests)
    assert_clear_failure(p, "the kernel dependency graph has more than 1000 distinct kernels (reached "
                            "rel/leaf-0 (version 1))", "while locking rel/fan (version 1) from")
    assert requests <= 3, requests  # the fan's own refs, tree and metadata: no leaf is fetched
    assert seconds < 30


def test_a_chain_at_the_depth_limit_is_locked(world, tmp_path, monkeypatch):
    """64 levels (the chain ends there): locked in full."""
    monkeypatch.setattr(sys.modules[__name__], "DEEP", 64)
    p, seconds, requests = lock(world, tmp_path, "rel/chain-0")
    entries = json.loads((tmp_path / "proj" / "kernels.lock").read_text()) if p.returncode == 0 else []
    held(p.returncode == 0 and len(entries) == 64)
    assert p.returncode == 0, p.stderr
    assert sorted(e["dependency"]["repo-id"] for e in entries) == sorted(f"rel/chain-{i}" for i in range(64))
