"""Secrets: the token is sent to the endpoint's origin only — never after a redirect to another
host (two kernels-hub processes on 127.0.0.1 and 127.0.0.2, with recording fronts on
127.0.0.3) — and it never appears in any output: logs at every verbosity, --json / --output-json
files, error text, even when a server quotes it back in its error message."""
from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary, ours, run  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import kernel_files, record, write_build_dir  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
REPO = "sec/kern"
SECRET = "kcpp-Sup3rSecret-Token-7c1f"   # not hf_-shaped: pattern-based redaction cannot catch it
HF_SECRET = "hf_kcppSecretToken0123456789"
OTHER = "other-hub-token"

SCAN = {"outputs_scanned": 0, "leaks": 0, "cross_host_requests": 0}


def scan(*texts: str, secrets=(SECRET, HF_SECRET)) -> None:
    for t in texts:
        SCAN["outputs_scanned"] += 1
        leaked = [s for s in secrets if s in t]
        SCAN["leaks"] += bool(leaked)
        record("secrets", dict(SCAN))
        assert not leaked, f"token leaked:\n{t}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("secrets")
    hub_root = root / "hub"
    with Hub(root=hub_root) as clean:
        sha = clean.commit(REPO, write_tree(root / "src", kernel_files("kern", [CU], seed=5, so_size=150_000)),
                           branch="v1")
    # Hub B (another host, its own token: a leaked token would get 401 there) behind a recorder.
    with Hub(root=hub_root, tokens=[OTHER], extra_args=["--host", "127.0.0.2"]) as hub_b, \
            EvilFront(hub_b.url, host="127.0.0.3") as recorder:
        args = ["--lfs-url", recorder.url, "--trusted-publisher", "sec"]
        with Hub(root=hub_root, tokens=[SECRET, HF_SECRET], extra_args=args) as hub_a:
            yield {"root": root, "sha": sha, "a": hub_a, "b": hub_b, "recorder": recorder,
                   "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


def env_for(world, url, home, token=SECRET):
    e = base_env(url, home, world["torch"])
    e["HF_TOKEN"] = token
    return e


def lock_project(world, tmp_path) -> Path:
    p = tmp_path / "proj"
    p.mkdir()
    (p / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": world["sha"]}}], indent=2))
    return p


def assert_no_auth_crossed(recorder, since: int) -> int:
    reqs = recorder.requests[since:]
    assert reqs, "nothing went to the other host"
    for method, path, headers in reqs:
        assert not any(k.lower() == "authorization" for k in headers), (method, path, headers)
    SCAN["cross_host_requests"] += len(reqs)
    record("secrets", dict(SCAN))
    return len(reqs)


@pytest.mark.parametrize("token", [SECRET, HF_SECRET])
def test_lfs_redirect_to_another_host_carries_no_authorization(world, tmp_path, token):
    since = len(world["recorder"].requests)
    r = ours(["-vv", "download", str(lock_project(world, tmp_path)), "--json"],
             env_for(world, world["a"].url, tmp_path / "home", token))
    assert r.returncode == 0, r.stderr
    assert_no_auth_crossed(world["recorder"], since)
    assert not [l for l in world["b"].request_log() if " 401 " in l]
    scan(r.stdout, r.stderr)


def test_metadata_redirect_to_another_host_carries_no_authorization(world, tmp_path):
    """`kernels lock` follows redirects for metadata.json; the second host gets no token."""
    b = world["recorder"].url
    redirect = (lambda m, p: f"{b}{p}" if "/resolve/" in p and p.endswith("metadata.json") else None)
    since = len(world["recorder"].requests)
    with EvilFront(world["a"].url, redirect=redirect) as front:
        project = write_project(tmp_path / "proj", {REPO: 1})
        r = ours(["-vv", "lock", str(project)], env_for(world, front.url, tmp_path / "home"))
        sent = [h for _, p, h in front.requests if "/api/" in p]
    assert r.returncode == 0, r.stderr
    assert world["sha"] in (project / "kernels.lock").read_text()
    assert any(h.get("Authorization") == f"Bearer {SECRET}" for h in sent)  # the endpoint does get it
    assert_no_auth_crossed(world["recorder"], since)
    scan(r.stdout, r.stderr, (project / "kernels.lock").read_text())


# ---- the token in outputs -----------------------------------------------------------------------------

@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]])
def test_no_token_in_successful_outputs(world, tmp_path, verbosity):
    env = env_for(world, world["a"].url, tmp_path / "home")
    project = write_project(tmp_path / "lp", {REPO: 1})
    for args in (["versions", REPO, "--json"], ["lock", str(project)],
                 ["download", str(lock_project(world, tmp_path)), "--json"], ["info", REPO, "--json"]):
        r = ours([*verbosity, *args], env)
        assert r.returncode == 0, (args, r.stderr)
        scan(r.stdout, r.stderr)
    kernel = write_build_dir(tmp_path / "k", "kern", [CU], seed=11, so_size=50_000)
    out = tmp_path / "upload.json"
    r = run([str(binary("kernel-builder")), *verbosity, "upload", str(kernel), "--repo-id", "sec/up",
             "--output-json", str(out)], env)
    assert r.returncode == 0, r.stderr
    scan(r.stdout, r.stderr, out.read_text())


def echo_front(world):
    return EvilFront(world["a"].url, echo_auth=True)


@pytest.mark.parametrize("token", [SECRET, HF_SECRET])
def test_no_token_in_error_text_even_when_the_server_quotes_it(world, tmp_path, token):
    with echo_front(world) as evil:
        env = env_for(world, evil.url, tmp_path / "home", token)
        project = write_project(tmp_path / "lp", {REPO: 1})
        kernel = write_build_dir(tmp_path / "k", "kern", [CU], seed=12, so_size=50_000)
        for args in (["-vv", "versions", REPO, "--json"], ["-vv", "lock", str(project)],
                     ["-vv", "download", str(lock_project(world, tmp_path)), "--json"]):
            r = ours(args, env)
            assert r.returncode == 1, (args, r.stdout, r.stderr)
            assert "error:" in r.stderr
            scan(r.stdout, r.stderr)
        r = run([str(binary("kernel-builder")), "-vv", "upload", str(kernel), "--repo-id", "sec/up2"], env)
        assert r.returncode == 1
        scan(r.stdout, r.stderr)
        assert any(k.lower() == "authorization" for _, _, h in evil.requests for k in h)  # it was quoted back


def test_no_token_in_rejection_and_network_errors(world, tmp_path):
    kernel = write_build_dir(tmp_path / "k", "kern", [CU], seed=13, so_size=50_000)
    with Hub(root=tmp_path / "h2", tokens=[OTHER]) as other:  # rejects our token
        env = env_for(world, other.url, tmp_path / "home")
        r = run([str(binary("kernel-builder")), "-vv", "upload", str(kernel), "--repo-id", "sec/up3"], env)
        assert r.returncode == 1 and "rejected the token" in r.stderr, r.stderr
        scan(r.stdout, r.stderr)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(env_for(world, f"http://127.0.0.1:{port}", tmp_path / "home"), KCPP_MAX_RETRIES="0")
    for args in (["-vv", "versions", REPO, "--json"], ["-vv", "download", str(lock_project(world, tmp_path))]):
        r = ours(args, env)
        assert r.returncode == 1
        scan(r.stdout, r.stderr)


def test_server_logs_hold_no_token(world, tmp_path):
    """A -vv kernels-hub logs every request: neither its stderr nor its request log shows the
    token it was sent (or configured with)."""
    with Hub(root=world["a"].root, tokens=[SECRET], extra_args=["-vv"]) as h:
        env = env_for(world, h.url, tmp_path / "home")
        assert ours(["versions", REPO], env).returncode == 0
        logs = [(h.root / "serve.stderr").read_text(errors="replace"), "\n".join(h.request_log())]
    scan(*logs)
