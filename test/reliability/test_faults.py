"""Each fault kind of `kernels-hub serve --faults`, aimed at each step of `kernels download`,
`kernels lock` and `kernel-builder upload`: the command either completes with verified data or
fails with a clear error, and the cache / the hub's repositories are checked directly afterwards
(reliability.py). The randomised 100-fault run is test_random_faults.py."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary, ours, run  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import (assert_clear_failure, branch_head, check_cache, check_hub_branch, kernel_files,  # noqa: E402
                         local_build_tree, record, repo_tree, write_build_dir)

CU = "torch211-cxx11-cu130-x86_64-linux"
CPU = "torch211-cxx11-cpu-x86_64-linux"
VARIANTS = [CU, CPU, "torch-universal"]
REPO = "rel/kern"
UP = "rel/up"
TOKEN = "hf_reliabilityWriteToken42"

CASES = {"cases": 0, "survived": 0}


def survived(ok: bool = True) -> None:
    CASES["cases"] += 1
    CASES["survived"] += int(ok)
    record("deterministic_faults", dict(CASES))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    hub_root = root / "hub"
    with Hub(root=hub_root) as clean:
        sha = clean.commit(REPO, write_tree(root / "src", kernel_files("kern", VARIANTS, seed=1)), branch="v1")
        git_dir = clean.git_dir(REPO)
    torch = make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")
    yield {"root": root, "hub_root": hub_root, "sha": sha, "git_dir": git_dir, "torch": torch,
           "expected": {sha: repo_tree(git_dir, sha)}}


HUBS = [0]


def faulty_hub(world, *specs: str, extra=()) -> Hub:
    """A kernels-hub on the shared root with these --faults and a fault log of its own."""
    HUBS[0] += 1
    log = world["root"] / f"faults-{HUBS[0]}.log"
    args = ["--trusted-publisher", "rel", "--fault-log", str(log), *extra]
    for s in specs:
        args += ["--faults", s]
    hub = Hub(root=world["hub_root"], tokens=[TOKEN], extra_args=args)
    hub.fault_log = log
    return hub


def env_for(world, hub: Hub, home: Path, **extra) -> dict[str, str]:
    e = base_env(hub.url, home, world["torch"])
    e["HF_HUB_DOWNLOAD_TIMEOUT"] = "2"
    e.update(extra)
    return e


def write_lock(project: Path, sha: str) -> Path:
    project.mkdir(parents=True, exist_ok=True)
    (project / "kernels.lock").write_text(json.dumps(
        [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": sha}}], indent=2))
    return project


def faults_fired(hub: Hub, before: int = 0) -> list[str]:
    p = hub.fault_log
    return p.read_text().splitlines()[before:] if p.exists() else []


def fault_count(hub: Hub) -> int:
    return len(faults_fired(hub))


def check_download_ok(world, env, r, all_variants=False) -> None:
    assert r.returncode == 0, r.stderr
    cache = Path(env["HF_HOME"]) / "hub"
    stats = check_cache(cache, world["expected"], allow_incomplete=False)
    want = len([p for p in world["expected"][world["sha"]] if p.startswith("build/")]) if all_variants else 5
    assert stats["links"] == want, stats
    for line in r.stdout.splitlines():
        assert Path(line).is_dir()


# ---- kernels download ---------------------------------------------------------------------------

DOWNLOAD_CASES = [
    "500x2:/lfs-objects/",
    "502x1:/kernels/rel/kern/resolve/",
    "503x1:/api/kernels/rel/kern/tree/",
    "429=0x2:/lfs-objects/",
    "resetx2:/lfs-objects/",
    "truncatex2:/lfs-objects/",
    "resetx1:/kernels/rel/kern/resolve/",
    "truncatex1:/kernels/rel/kern/resolve/",
    "resetx1:/api/kernels/rel/kern/tree/",
    "truncatex1:/api/kernels/rel/kern/tree/",
    "stall=400x2:/lfs-objects/",
    "stall=5000x1:/lfs-objects/",
    "wrong-etagx4",
]


@pytest.mark.parametrize("spec", DOWNLOAD_CASES)
def test_download_survives(world, tmp_path, spec):
    with faulty_hub(world, spec) as hub:
        env = env_for(world, hub, tmp_path / "home")
        before = fault_count(hub)
        r = ours(["download", str(write_lock(tmp_path / "p", world["sha"])), "--all-variants"], env, timeout=90)
        fired = faults_fired(hub, before)
    assert fired, f"{spec} never fired"
    check_download_ok(world, env, r, all_variants=True)
    survived()


def test_download_refuses_a_corrupted_lfs_body_then_recovers(world, tmp_path):
    with faulty_hub(world, "corrupt-lfsx1") as hub:
        env = env_for(world, hub, tmp_path / "home")
        project = write_lock(tmp_path / "p", world["sha"])
        r = ours(["download", str(project)], env)
        assert faults_fired(hub)[0].startswith("corrupt-lfs GET /lfs-objects/")
        first = assert_clear_failure(r, "does not match commit", "expected sha256")
        assert first.startswith(f"error: {REPO} (variant {CU}): content of 'build/{CU}/_kern.abi3.so'")
        cache = Path(env["HF_HOME"]) / "hub"
        stats = check_cache(cache, world["expected"])
        assert stats["links"] == 0  # nothing of the kernel published
        again = ours(["download", str(project)], env)  # the fault is spent
    check_download_ok(world, env, again)
    survived()


def test_429_retry_after_is_honoured(world, tmp_path):
    with faulty_hub(world, "429=2x1:/api/kernels/rel/kern/tree/") as hub:
        env = env_for(world, hub, tmp_path / "home")
        before = len(hub.request_log())  # the log is shared by every hub on this root
        t0 = time.monotonic()
        r = ours(["download", str(write_lock(tmp_path / "p", world["sha"]))], env)
        elapsed = time.monotonic() - t0
        lines = hub.request_log()[before:]
    check_download_ok(world, env, r)
    assert elapsed >= 3.0, elapsed  # Retry-After 2 + 1 s, as huggingface_hub waits
    tree = [l for l in lines if "/tree/" in l]
    assert [l.split()[2] for l in tree[:2]] == ["429", "200"], tree
    survived()


# ---- kernels lock ---------------------------------------------------------------------------------

LOCK_CASES = [
    "500x1:/api/organizations/",
    "429=0x1:/api/kernels/rel/kern/refs",
    "resetx1:/api/kernels/rel/kern/refs",
    "truncatex1:/api/kernels/rel/kern/tree/",
    "resetx1:/kernels/rel/kern/resolve/",
    "truncatex2:/kernels/rel/kern/resolve/",
    "stall=300x2",
    "503x2:/api/kernels/rel/kern/tree/",
]


@pytest.fixture(scope="module")
def expected_lock(world, tmp_path_factory):
    d = tmp_path_factory.mktemp("lock-ref")
    with faulty_hub(world) as hub:
        project = write_project(d / "p", {REPO: 1})
        r = ours(["lock", str(project)], env_for(world, hub, d / "home"))
    assert r.returncode == 0, r.stderr
    text = (project / "kernels.lock").read_text()
    assert world["sha"] in text
    return text


@pytest.mark.parametrize("spec", LOCK_CASES)
def test_lock_survives(world, expected_lock, tmp_path, spec):
    with faulty_hub(world, spec) as hub:
        project = write_project(tmp_path / "p", {REPO: 1})
        r = ours(["lock", str(project)], env_for(world, hub, tmp_path / "home"))
        assert faults_fired(hub), f"{spec} never fired"
    assert r.returncode == 0, r.stderr
    assert (project / "kernels.lock").read_text() == expected_lock
    check_cache(tmp_path / "home" / "hf" / "hub", allow_incomplete=False)
    survived()


def test_lock_failure_keeps_the_old_lock(world, expected_lock, tmp_path):
    project = write_project(tmp_path / "p", {REPO: 1})
    (project / "kernels.lock").write_text("[]  old lock\n")
    with faulty_hub(world, "500:/api/kernels/rel/kern/refs") as hub:  # every time: retries exhausted
        r = ours(["lock", str(project)], env_for(world, hub, tmp_path / "home", KCPP_MAX_RETRIES="2"))
    assert_clear_failure(r, "HTTP 500")
    assert (project / "kernels.lock").read_text() == "[]  old lock\n"
    assert sorted(p.name for p in project.iterdir()) == ["kernels.lock", "pyproject.toml"]
    survived()


# ---- kernel-builder upload ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def upload_world(world):
    kernel = world["root"] / "up-kernel"
    state = {"kernel": kernel, "round": 0, "git_dir": world["hub_root"] / "repos" / "kernels" / "rel" / "up.git"}
    return state


def upload(world, hub, kernel, tmp_path):
    env = env_for(world, hub, tmp_path / "home", HF_TOKEN=TOKEN)
    return run([str(binary("kernel-builder")), "upload", str(kernel), "--repo-id", UP], env, timeout=120)


def new_round(upload_world) -> dict[str, str]:
    upload_world["round"] += 1
    write_build_dir(upload_world["kernel"], "up", [CU, CPU], seed=upload_world["round"], so_size=300_000)
    return local_build_tree(upload_world["kernel"])


UPLOAD_SURVIVES = [
    "resetx1:/lfs-objects/",          # PUT reset before the hub stores it: retried
    "truncatex1:/lfs-objects/",       # PUT stored, answer lost: retried with the same upload URL
    "500x1:/api/kernels/rel/up/preupload/",
    "resetx1:/kernels/rel/up.git/info/lfs/objects/batch",
    "truncatex1:/api/repos/create",   # created, answer lost: the retry gets 409 = exists
    "503x1:/api/kernels/rel/up/refs",
    "stall=300x1:/api/kernels/rel/up/commit/",
    "429=0x1:/api/kernels/rel/up/commit/",  # rate limited = refused before acting: sent again
]


@pytest.mark.parametrize("spec", UPLOAD_SURVIVES)
def test_upload_survives(world, upload_world, tmp_path, spec):
    expected = new_round(upload_world)
    with faulty_hub(world, spec) as hub:
        r = upload(world, hub, upload_world["kernel"], tmp_path)
        assert faults_fired(hub), f"{spec} never fired"
    assert r.returncode == 0, r.stderr
    check_hub_branch(world["hub_root"], upload_world["git_dir"], "v1", {"new": expected})
    survived()


def test_upload_survives_a_lost_branch_creation_answer(world, upload_world, tmp_path):
    """The branch is created but the answer is lost: the retried creation meets a branch that
    now exists (409), which is this upload's own, not a conflict."""
    expected = new_round(upload_world)
    with faulty_hub(world, "truncatex1:/api/kernels/rel/up/branch/v2") as hub:
        env = env_for(world, hub, tmp_path / "home", HF_TOKEN=TOKEN)
        r = run([str(binary("kernel-builder")), "upload", str(upload_world["kernel"]), "--repo-id", UP,
                 "--branch", "v2"], env, timeout=120)
        assert faults_fired(hub)
    assert r.returncode == 0, r.stderr
    check_hub_branch(world["hub_root"], upload_world["git_dir"], "v2", {"new": expected})
    survived()


@pytest.mark.parametrize("spec,applied", [("500x1:/api/kernels/rel/up/commit/v1", False),
                                          ("resetx1:/api/kernels/rel/up/commit/v1", False),
                                          ("truncatex1:/api/kernels/rel/up/commit/v1", True)])
def test_failed_commit_leaves_old_or_complete_head(world, upload_world, tmp_path, spec, applied):
    old_expected = new_round(upload_world)
    with faulty_hub(world) as hub:  # a clean round first, so that the branch has an old head
        assert upload(world, hub, upload_world["kernel"], tmp_path / "a").returncode == 0
    old = branch_head(upload_world["git_dir"], "v1")
    expected = new_round(upload_world)
    with faulty_hub(world, spec) as hub:
        r = upload(world, hub, upload_world["kernel"], tmp_path / "b")
        assert faults_fired(hub)
    needle = f"HTTP {spec[:3]}" if spec[0].isdigit() else "may or may not have been applied"
    assert_clear_failure(r, needle, "Cannot create commit on branch `v1`")
    head = check_hub_branch(world["hub_root"], upload_world["git_dir"], "v1", {old: old_expected, "new": expected})
    assert (head != old) == applied
    with faulty_hub(world) as hub:  # a re-run completes (or finds nothing left to do)
        again = upload(world, hub, upload_world["kernel"], tmp_path / "c")
    assert again.returncode == 0, again.stderr
    assert ("No changes to upload." in again.stderr) == applied
    check_hub_branch(world["hub_root"], upload_world["git_dir"], "v1", {"new": expected})
    survived()


# ---- the faults themselves, on the wire ---------------------------------------------------------

def raw_get(url: str, path: str, method: str = "GET", body: bytes | None = None, headers=None):
    """(status, headers, body, error): the body as far as it came, and how it ended."""
    import http.client
    from urllib.parse import urlparse
    u = urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        try:
            data, err = r.read(), None
        except http.client.IncompleteRead as e:
            data, err = e.partial, "incomplete"
        except ConnectionResetError:
            data, err = b"", "reset"
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data, err
    except ConnectionResetError:
        return None, {}, b"", "reset"
    finally:
        conn.close()


def test_fault_kinds_on_the_wire(world):
    """What each kind does to an answer, seen by a plain HTTP client (man kernels-hub, FAULT SPECS)."""
    ops = f"/kernels/{REPO}/resolve/v1/build/{CU}/_ops.py"
    so = f"/kernels/{REPO}/resolve/v1/build/{CU}/_kern.abi3.so"
    with faulty_hub(world) as clean:
        _, h, good_ops, _ = raw_get(clean.url, ops)
        _, lh, _, _ = raw_get(clean.url, so, "HEAD")
        lfs_path = "/" + lh["location"].split("/", 3)[3]
        _, _, good_so, _ = raw_get(clean.url, lfs_path)
    with faulty_hub(world, f"truncatex1:{ops}", f"resetx1:{lfs_path}", f"stall=700x1:{ops}",
                    f"corrupt-lfsx1:{lfs_path}", f"wrong-etagx1:{ops}", f"429=7x1:{ops}",
                    "resetx1:/api/repos/create", "truncatex1:/api/repos/create") as hub:
        status, h1, body, err = raw_get(hub.url, ops)
        assert (status, err) == (200, "incomplete") and int(h1["content-length"]) == len(good_ops)
        assert len(body) == len(good_ops) // 2
        status, _, body, err = raw_get(hub.url, lfs_path)
        assert err == "reset" and len(body) < len(good_so)
        t0 = time.monotonic()
        status, _, body, err = raw_get(hub.url, ops)
        assert (status, body, err) == (200, good_ops, None) and time.monotonic() - t0 >= 0.7
        status, _, body, err = raw_get(hub.url, lfs_path)
        assert status == 200 and len(body) == len(good_so) and err is None
        assert sum(a != b for a, b in zip(body, good_so)) == 1
        status, h2, body, _ = raw_get(hub.url, ops)
        assert status == 200 and body == good_ops and h2["etag"] != h["etag"]
        status, h3, _, _ = raw_get(hub.url, ops)
        assert status == 429 and h3["retry-after"] == "7" and h3["x-error-message"] == "injected fault"
        create = json.dumps({"name": "wire", "organization": "rel", "type": "kernel"}).encode()
        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        _, _, _, err = raw_get(hub.url, "/api/repos/create", "POST", create, auth)
        assert err == "reset" and not (world["hub_root"] / "repos" / "kernels" / "rel" / "wire.git").exists()
        _, _, _, err = raw_get(hub.url, "/api/repos/create", "POST", create, auth)
        assert err == "incomplete" and (world["hub_root"] / "repos" / "kernels" / "rel" / "wire.git").exists()
        assert [l.split()[0] for l in faults_fired(hub)] == ["truncate", "reset", "stall", "corrupt-lfs", "wrong-etag",
                                                           "429", "reset", "truncate"]
