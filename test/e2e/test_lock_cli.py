"""`kernels lock` / `kernels lock --check` end to end against a real kernels-hub (behind
lock_support.TrustFront for the organization overview): the file written, --check's
verdicts, every bad input with its message and exit code (1 failure, 2 usage), atomic
writes, concurrency, retries."""
from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub  # noqa: E402
from kcpp import base_env, ours  # noqa: E402
from lock_support import TrustFront, write_kernel_repo, write_project  # noqa: E402

V = ["torch211-cxx11-cu130-x86_64-linux", "torch211-cxx11-cpu-x86_64-linux", "torch-universal"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("lock-e2e")
    src = lambda name: root / "src" / name  # noqa: E731
    faults = ["--inject", "503x2:/api/kernels/org/flaky/refs"]
    with Hub(root=root / "hub", extra_args=faults) as hub, \
            TrustFront(hub.url, trusted={"org"}, untrusted={"shady"}) as front:
        shas = {
            "relu1": hub.commit("org/relu", write_kernel_repo(src("relu1"), "relu", V), branch="v1"),
            "relu2": hub.commit("org/relu", write_kernel_repo(src("relu2"), "relu", V[:1]), branch="v2"),
            "norm": hub.commit("org/norm", write_kernel_repo(src("norm"), "norm", V, kernel_depends=[
                {"repo-id": "org/relu", "version": 2}]), branch="v1"),
            "flaky": hub.commit("org/flaky", write_kernel_repo(src("flaky"), "flaky", V[:1]), branch="v1"),
        }
        hub.commit("shady/x", write_kernel_repo(src("shady"), "shady", V[:1]), branch="v1")
        for i in range(10):
            hub.commit(f"org/k{i}", write_kernel_repo(src(f"k{i}"), f"k{i}", V), branch="v1")
        yield hub, front, shas, root


@pytest.fixture
def env(world, tmp_path):
    _, front, _, _ = world
    return base_env(front.url, tmp_path / "home", None)


def lock_entries(path: Path) -> list[tuple[str, object, str]]:
    out = []
    for e in json.loads(path.read_text()):
        d = e["dependency"]
        out.append((d["repo-id"], d.get("version", d.get("revision")), e["lock"]["commit"]))
    return out


def test_lock_writes_upstreams_format(world, env, tmp_path):
    _, _, shas, _ = world
    proj = write_project(tmp_path / "p", {"org/relu": 1, "org/norm": 1})
    r = ours(["lock", str(proj)], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    assert r.stderr == "warning: You are using version 1 of 'org/relu', but version 2 is available.\n"
    text = (proj / "kernels.lock").read_text()
    assert text.startswith('[\n  {\n    "dependency": {\n      "repo-id": "org/norm",\n      "version": 1\n    },')
    assert text.endswith("\n  }\n]")
    assert lock_entries(proj / "kernels.lock") == [
        ("org/norm", 1, shas["norm"]), ("org/relu", 1, shas["relu1"]), ("org/relu", 2, shas["relu2"])]
    assert sorted(p.name for p in proj.iterdir()) == ["kernels.lock", "pyproject.toml"]  # no temp files left


def test_check_up_to_date_then_stale(world, env, tmp_path):
    hub, _, shas, root = world
    proj = write_project(tmp_path / "p", {"org/relu": 2})
    assert ours(["lock", str(proj)], env).returncode == 0
    lock = proj / "kernels.lock"
    before = (lock.read_bytes(), lock.stat().st_mtime_ns)

    r = ours(["lock", "--check", str(proj)], env)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"{lock} is up to date (1 kernel locked)\n", "")

    # A new commit on v2: the locked sha is no longer the head of its branch.
    new = hub.commit("org/relu", write_kernel_repo(root / "src" / "relu2b", "relu", V[1:]), branch="v2")
    try:
        r = ours(["lock", "--check", str(proj)], env)
        assert r.returncode == 1
        assert r.stdout == ""
        assert r.stderr == (
            f"error: {lock} is out of date (1 difference)\n"
            f"  caused by: org/relu (version 2): locked at {shas['relu2']}, but branch v2 is now at {new}\n"
            f"hint: run `kernels lock {proj}` and commit the updated kernels.lock\n")
        assert (lock.read_bytes(), lock.stat().st_mtime_ns) == before  # --check writes nothing
    finally:  # restore v2 for the other tests
        hub.commit("org/relu", write_kernel_repo(root / "src" / "relu2c", "relu", V[:1]), branch="v2")


def test_check_missing_lock_and_missing_dependency(world, env, tmp_path):
    proj = write_project(tmp_path / "p", {"org/relu": 1})
    r = ours(["lock", "--check", str(proj)], env)
    assert r.returncode == 1
    assert r.stderr == (f"error: {proj}/kernels.lock does not exist\n"
                        f"hint: run `kernels lock {proj}` and commit kernels.lock\n")
    assert not (proj / "kernels.lock").exists()

    assert ours(["lock", str(proj)], env).returncode == 0
    write_project(proj, {"org/relu": 1, "org/norm": 1})  # a dependency added after locking
    r = ours(["lock", "--check", str(proj)], env)
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert lines[1] == f"error: {proj}/kernels.lock is out of date (2 differences)"
    assert lines[2] == "  caused by: org/norm (version 1): not locked"
    assert lines[3] == "  caused by: org/relu (version 2): not locked (required by org/norm (version 1))"

    write_project(proj, {"org/norm": 1})  # and one removed
    assert ours(["lock", str(proj)], env).returncode == 0
    write_project(proj, {"org/relu": 2})
    r = ours(["lock", "--check", str(proj)], env)
    assert r.returncode == 1
    assert "  caused by: org/norm (version 1): locked, but no longer a dependency" in r.stderr


def test_check_malformed_and_old_format_lock(env, tmp_path):
    proj = write_project(tmp_path / "p", {"org/relu": 1})
    (proj / "kernels.lock").write_text('[\n  {\n    "dependency": {"repo-id": "org/relu"},\n    "lock": {}\n  }\n]')
    r = ours(["lock", "--check", str(proj)], env)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == (
        f"error: {proj}/kernels.lock:3:19: either `version` or `revision` must be specified")
    (proj / "kernels.lock").write_text('[\n  {\n    "repo_id": "org/relu",\n    "sha": "' + "0" * 40 +
                                       '",\n    "variants": {}\n  }\n]')
    r = ours(["lock", "--check", str(proj)], env)
    assert r.returncode == 1
    assert f"{proj}/kernels.lock:3:16: unknown field `repo_id`" in r.stderr
    assert "format of kernels < 0.17" in r.stderr


@pytest.mark.parametrize("body, message, col", [
    ('"org/relu" = ">=0.0.2 && <0.1.0"\n',
     '"org/relu" = ">=0.0.2 && <0.1.0": version specifiers are not supported since kernels 0.15; '
     "the version must be an integer major version", "6:14"),
    ('"org/relu" = "1"\n', '"org/relu" = "1": version specifiers are not supported since kernels 0.15; '
     "the version must be an integer major version", "6:14"),
    ('"org/relu" = 1.5\n', '"org/relu" = 1.5: the version must be an integer major version', "6:14"),
    ('"org/relu" = true\n', '"org/relu" = true: the version must be an integer major version', "6:14"),
    ('"org/relu" = -1\n', '"org/relu" = -1: the version must not be negative', "6:14"),
])
def test_bad_versions(env, tmp_path, body, message, col):
    proj = write_project(tmp_path / "p", body)
    r = ours(["lock", str(proj)], env)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == (f"error: {proj}/pyproject.toml:{col}: {message}\n"
                        'hint: write `"org/relu" = 1`: the kernel\'s major version, an integer '
                        "(`kernels versions org/relu` lists them)\n")
    assert not (proj / "kernels.lock").exists()


def test_bad_pyprojects(env, tmp_path):
    def fails(text: str | None, *, mkdir=True):
        proj = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
        if mkdir:
            proj.mkdir()
        if text is not None:
            (proj / "pyproject.toml").write_text(text)
        r = ours(["lock", str(proj)], env)
        assert r.returncode == 1, r.stderr
        assert not (proj / "kernels.lock").exists()
        return proj, r.stderr.splitlines()

    proj, err = fails('[project]\nname = "x"\n')
    assert err[0] == f"error: {proj}/pyproject.toml has no [tool.kernels.dependencies] table"
    assert err[1].startswith("hint: declare the kernels the project uses")
    proj, err = fails("[tool.kernels.dependencies]\n")
    assert err[0] == f"error: No kernels found to lock: [tool.kernels.dependencies] in {proj}/pyproject.toml is empty"
    proj, err = fails('[tool.kernels.dependencies]\n"org/relu" = 1\n"org/norm" = \n')
    assert err[0].startswith(f"error: {proj}/pyproject.toml:3:") and "invalid TOML" in err[0]
    proj, err = fails("[tool.kernels]\ndependencies = 3\n")
    assert err[0] == f"error: {proj}/pyproject.toml:2:16: `tool.kernels.dependencies` must be a table, not 3"
    proj, err = fails("[tool.kernels.dependencies]\nrelu = 1\n")
    assert err[0].startswith(f"error: {proj}/pyproject.toml:2:1: invalid repo id 'relu'")
    proj, err = fails(None)
    assert err[0] == f"error: {proj}/pyproject.toml does not exist"
    proj, err = fails(None, mkdir=False)
    assert err[0] == f"error: {proj} is not a directory"


def test_hub_failures(world, env, tmp_path):
    def fails(deps):
        proj = write_project(tmp_path / f"p{len(list(tmp_path.iterdir()))}", deps)
        r = ours(["lock", str(proj)], env)
        assert r.returncode == 1, r.stderr
        assert not (proj / "kernels.lock").exists()
        return proj, r.stderr.splitlines()

    proj, err = fails({"org/relu": 3})
    assert err[0] == "error: org/relu: Version 3 not found, available versions: 1, 2"
    assert err[1] == f"  caused by: while locking org/relu (version 3) from {proj}/pyproject.toml:6:1"
    _, err = fails({"org/absent": 1})
    assert err[0].startswith("error: kernel repository 'org/absent' not found")
    _, err = fails({"shady/x": 1})
    assert err[0] == "error: Kernel repository 'shady/x' is not from a trusted publisher"
    assert err[-1].startswith("hint: only kernels from publishers the Hub marks as trusted")
    _, err = fails({"nobody/x": 1})
    assert err[0] == "error: Kernel repository 'nobody/x' could not verify publisher trust status"
    assert "HTTP 404" in err[1]


def test_trust_remote_code_skips_the_check(world, tmp_path):
    hub, _, shas, _ = world
    env = base_env(hub.url, tmp_path / "home", None)  # straight to kernels-hub: no --trusted-publisher
    proj = write_project(tmp_path / "p", {"org/relu": 2})
    r = ours(["lock", str(proj)], env)
    assert r.returncode == 1 and "is not from a trusted publisher" in r.stderr
    r = ours(["lock", "--trust-remote-code", str(proj)], env)
    assert r.returncode == 0, r.stderr
    [(repo, version, commit)] = lock_entries(proj / "kernels.lock")  # (v2 moves in another test)
    assert (repo, version, len(commit)) == ("org/relu", 2, 40)


def test_failed_run_keeps_the_old_lock(env, tmp_path):
    proj = write_project(tmp_path / "p", {"org/relu": 1})
    assert ours(["lock", str(proj)], env).returncode == 0
    before = (proj / "kernels.lock").read_bytes()
    write_project(proj, {"org/relu": 1, "org/absent": 1})
    assert ours(["lock", str(proj)], env).returncode == 1
    assert (proj / "kernels.lock").read_bytes() == before
    assert sorted(p.name for p in proj.iterdir()) == ["kernels.lock", "pyproject.toml"]


def test_transient_errors_are_retried(world, env, tmp_path):
    _, _, shas, _ = world
    proj = write_project(tmp_path / "p", {"org/flaky": 1})
    r = ours(["lock", str(proj)], env)
    assert r.returncode == 0, r.stderr
    assert lock_entries(proj / "kernels.lock") == [("org/flaky", 1, shas["flaky"])]


def test_hub_down(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = base_env(f"http://127.0.0.1:{port}", tmp_path / "home", None)
    env["KCPP_MAX_RETRIES"] = "1"
    proj = write_project(tmp_path / "p", {"org/relu": 1})
    t0 = time.monotonic()
    r = ours(["lock", "--trust-remote-code", str(proj)], env)
    assert r.returncode == 1
    errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    assert errors == [f"error: cannot reach the Hub at http://127.0.0.1:{port}"]
    assert time.monotonic() - t0 < 10


def test_offline(env, tmp_path):
    env = dict(env, HF_HUB_OFFLINE="1")
    proj = write_project(tmp_path / "p", {"org/relu": 1})
    r = ours(["lock", str(proj)], env)
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == "error: kernels lock needs the Hub, but offline mode is enabled"


def test_usage_errors(env, tmp_path):
    for args in (["lock"], ["lock", "--bogus", str(tmp_path)], ["lock", "--jobs", "0", str(tmp_path)],
                 ["lock", str(tmp_path), str(tmp_path)]):
        r = ours(args, env)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith("error: ") and "hint: run `kernels --help` for usage" in r.stderr


def test_dependencies_resolve_concurrently(world, tmp_path):
    """10 dependencies behind a front that delays each forwarded request by 100 ms: one
    after the other that is 10 x 4 requests (refs, tree, 2 distinct metadata.json) x 0.1 s
    = 4 s, and upstream's order of calls (a HEAD and GET per variant) takes longer still."""
    hub, _, _, _ = world
    with TrustFront(hub.url, trusted={"org"}, delay_s=0.1) as slow:
        env = base_env(slow.url, tmp_path / "home", None)
        proj = write_project(tmp_path / "p", {f"org/k{i}": 1 for i in range(10)})
        t0 = time.monotonic()
        r = ours(["lock", str(proj)], env)
        elapsed = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    assert len(lock_entries(proj / "kernels.lock")) == 10
    assert elapsed < 2.5, elapsed


def test_second_lock_reads_metadata_from_the_cache(world, env, tmp_path):
    """Like upstream (hf_hub_download), metadata.json is kept in the HF cache: a second lock
    sends no metadata GET; a damaged cached blob is detected and fetched again."""
    hub, _, _, _ = world
    proj = write_project(tmp_path / "p", {"org/k7": 1})

    def metadata_gets() -> int:
        return sum(1 for line in hub.request_log() if "/org/k7/resolve/" in line and "metadata.json" in line)

    before = metadata_gets()
    assert ours(["lock", str(proj)], env).returncode == 0
    first = metadata_gets() - before
    assert first >= 1
    first_lock = (proj / "kernels.lock").read_bytes()
    assert ours(["lock", str(proj)], env).returncode == 0
    assert metadata_gets() - before == first  # nothing fetched the second time
    assert (proj / "kernels.lock").read_bytes() == first_lock
    blobs = list((Path(env["HF_HOME"]) / "hub" / "kernels--org--k7" / "blobs").iterdir())
    assert blobs
    for b in blobs:
        b.write_text("damaged")
    assert ours(["lock", str(proj)], env).returncode == 0
    assert metadata_gets() - before == 2 * first
