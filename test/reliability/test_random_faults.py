"""100 randomised faults (`kernels-hub serve --faults random:seed=...,count=100`) over rounds of
`kernel-builder upload` → `kernels lock` → `kernels download --all-variants`, each round
publishing a new build. After every run, whatever its outcome:
* it exited 0 with verified data, or 1 with a clear `error:` (never a crash or another code);
* the hub never holds a partial commit: each branch head is the previous head or a complete
  commit whose tree equals the local build, and every LFS object it names is stored intact;
* kernels.lock is the new pin (exit 0) or byte-identical to the old one;
* the shared cache holds no corrupt blob and no snapshot entry for an unverified file, and
  nothing is written outside $HF_HOME (a canary directory beside it).
The figures go to the reliability report (faults injected by kind, run outcomes)."""
from __future__ import annotations

import collections
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import base_env, binary, ours, run  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import (assert_clear_failure, branch_head, check_cache, check_hub_branch, git_blob_id,  # noqa: E402
                         local_build_tree, record, repo_tree, tree_listing, write_build_dir)

CU = "torch211-cxx11-cu130-x86_64-linux"
CPU = "torch211-cxx11-cpu-x86_64-linux"
REPO = "rnd/kern"
TOKEN = "hf_randomFaultsToken9876"
FAULTS = 100
SPEC = f"random:seed=7,rate=0.2,count={FAULTS},stall=800,retry-after=0"
MAX_ROUNDS = 40
MAX_SECONDS = 150


def outcome(r, stats: collections.Counter, failures: collections.Counter) -> bool:
    if r.returncode == 0:
        stats["runs_ok"] += 1
        return True
    try:
        first = assert_clear_failure(r)
    except AssertionError:
        stats["runs_other"] += 1
        raise
    stats["runs_clear_failure"] += 1
    causes = [l.strip() for l in r.stderr.splitlines() if l.startswith("  caused by:")]
    failures[(first[:100] + (" / " + causes[0][:110] if causes else ""))] += 1
    return False


def test_one_hundred_random_faults(tmp_path):
    hub_root, kernel = tmp_path / "hub", tmp_path / "kernel"
    home = tmp_path / "home"
    (home / "canary").mkdir(parents=True)
    (home / "canary" / "keep").write_text("x\n")
    torch = make_torch_dir(tmp_path / "torch", version="2.11.0+cu130", cuda="13.0")
    project = write_project(tmp_path / "proj", {REPO: 1})
    git_dir = hub_root / "repos" / "kernels" / "rnd" / "kern.git"

    def env(url):
        e = base_env(url, home, torch)
        e.update(HF_TOKEN=TOKEN, HF_HUB_DOWNLOAD_TIMEOUT="2")
        return e

    # Round 0 without faults: the repository, v1 and a first lock exist.
    write_build_dir(kernel, "kern", [CU, CPU], seed=0, so_size=400_000)
    with Hub(root=hub_root, tokens=[TOKEN], extra_args=["--trusted-publisher", "rnd"]) as clean:
        r = run([str(binary("kernel-builder")), "upload", str(kernel), "--repo-id", REPO], env(clean.url))
        assert r.returncode == 0, r.stderr
        r = ours(["lock", str(project)], env(clean.url))
        assert r.returncode == 0, r.stderr
    canary_before = {k: v for k, v in tree_listing(home).items() if not k.startswith("hf")}

    fault_log = tmp_path / "faults.log"
    stats: collections.Counter = collections.Counter()
    failures: collections.Counter = collections.Counter()  # first error line → runs
    args = ["--trusted-publisher", "rnd", "--faults", SPEC, "--fault-log", str(fault_log)]
    t0 = time.monotonic()
    with Hub(root=hub_root, tokens=[TOKEN], extra_args=args) as hub:
        e = env(hub.url)
        for rnd in range(1, MAX_ROUNDS + 1):
            injected = len(fault_log.read_text().splitlines()) if fault_log.exists() else 0
            if injected >= FAULTS or time.monotonic() - t0 > MAX_SECONDS:
                break
            # upload a new build
            old = {b: branch_head(git_dir, b) for b in ("main", "v1")}
            allowed = {b: {old[b]: {}} for b in old}
            write_build_dir(kernel, "kern", [CU, CPU], seed=rnd, so_size=400_000)
            allowed["v1"]["new"] = local_build_tree(kernel)
            allowed["main"]["new"] = {"README.md": git_blob_id((kernel / "build" / "CARD.md").read_bytes())}
            r = run([str(binary("kernel-builder")), "upload", str(kernel), "--repo-id", REPO], e, timeout=120)
            outcome(r, stats, failures)
            for b in ("main", "v1"):  # old head or a complete new commit, never anything else
                check_hub_branch(hub_root, git_dir, b, allowed[b])
            # lock
            before = (project / "kernels.lock").read_text()
            r = ours(["lock", str(project)], e, timeout=120)
            if outcome(r, stats, failures):
                pinned = json.loads((project / "kernels.lock").read_text())[0]["lock"]["commit"]
                assert pinned == branch_head(git_dir, "v1")
            else:
                assert (project / "kernels.lock").read_text() == before
            # download
            r = ours(["download", str(project), "--all-variants"], e, timeout=120)
            pinned = json.loads((project / "kernels.lock").read_text())[0]["lock"]["commit"]
            ok = outcome(r, stats, failures)
            cache = home / "hf" / "hub"
            snapshots = cache / "kernels--rnd--kern" / "snapshots"
            expected = {c.name: repo_tree(git_dir, c.name) for c in snapshots.iterdir()} if snapshots.exists() else {}
            check_cache(cache, expected)
            if ok:
                variant_files = {p: etag for p, etag in expected[pinned].items() if p.startswith("build/")}
                blobs = cache / "kernels--rnd--kern" / "blobs"
                left = [e for e in variant_files.values() if (blobs / f"{e}.incomplete").exists()]
                assert left == [], f".incomplete left after a successful download: {left}"
                links = {p.relative_to(snapshots / pinned).as_posix() for p in (snapshots / pinned).rglob("*")
                         if p.is_symlink()}
                assert links == set(variant_files), (links ^ set(variant_files))
            stats["rounds"] += 1
    lines = fault_log.read_text().splitlines()
    by_kind = collections.Counter(l.split()[0] for l in lines)
    record("faults", {"injected": len(lines), "by_kind": dict(by_kind), "rounds": stats["rounds"],
                      "runs_ok": stats["runs_ok"], "runs_clear_failure": stats["runs_clear_failure"],
                      "runs_other": stats["runs_other"], "corrupt_blobs": 0, "unverified_links": 0,
                      "partial_commits": 0, "seconds": round(time.monotonic() - t0, 1), "spec": SPEC,
                      "failures": dict(failures)})
    print(f"\n{len(lines)} faults in {stats['rounds']} rounds: {dict(by_kind)}; runs ok {stats['runs_ok']}, "
          f"clear failures {stats['runs_clear_failure']}", file=sys.stderr)
    for line, n in failures.most_common():
        print(f"  {n} x {line}", file=sys.stderr)
    assert len(lines) >= FAULTS, f"only {len(lines)} faults injected in {stats['rounds']} rounds"
    assert stats["runs_ok"] > 0
    assert {k: v for k, v in tree_listing(home).items() if not k.startswith("hf")} == canary_before
