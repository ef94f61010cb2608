"""Shared pieces of the reliability suite (test/reliability): kernel fixtures, direct checks of
the Hugging Face cache and of kernels-hub's bare repositories, a "clear error" predicate, and
the measured-figures report.

Invariants checked by looking at the files, never by asking the tools:
* check_cache(cache): every blob's sha256 / git blob id equals its name; every snapshot entry
  is a relative symlink to an existing blob of this repository (and, when EXPECTED gives the
  commit's tree, to the blob that tree names for that path); nothing but blobs, `.incomplete`
  files and symlinks; no leftover temporary links.
* repo_tree(git_dir, rev): the files of a commit as {path: etag} (LFS pointers resolved to
  their sha256), read with git from the hub's bare repository.

The report ($KCPP_RELIABILITY_REPORT, else $KCPP_BIN_DIR/reliability-report.json) is one JSON
object; each test merges its figures under a section (record()); reliability_table() renders
the summary table that test/reliability/conftest.py prints after a run.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path

from hub import write_tree
from kcpp import BIN_DIR, Result
from lock_support import metadata_json

HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
LFS_POINTER = re.compile(rb"^version https://git-lfs.github.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$")


# ---- hashing and fixtures ------------------------------------------------------------------

def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def pseudo_random(n: int, seed: int) -> bytes:
    """N bytes starting with an ELF magic (a NUL: kernels-hub stores the file in LFS)."""
    out = bytearray(b"\x7fELF\x02\x01\x01\x00")
    block = hashlib.sha256(b"seed-%d" % seed).digest()
    while len(out) < n:
        block = hashlib.sha256(block).digest()
        out += block * 64
    return bytes(out[:n])


def kernel_files(name: str, variants: list[str], seed: int, so_size: int = 1 << 20) -> dict[str, bytes | str]:
    """A kernel repo: per variant metadata.json, __init__.py, _ops.py, a nested file and an LFS .so."""
    files: dict[str, bytes | str] = {"README.md": f"# {name}\n"}
    for i, v in enumerate(variants):
        d = f"build/{v}"
        files[f"{d}/metadata.json"] = metadata_json(name, v)
        files[f"{d}/__init__.py"] = f"# {name} {v} {seed}\nfrom ._ops import ops\n"
        files[f"{d}/_ops.py"] = f"ops = {seed}\n"
        files[f"{d}/layers/__init__.py"] = f"LAYER = {i}\n"
        files[f"{d}/_{name.replace('-', '_')}.abi3.so"] = pseudo_random(so_size + i * 4099, seed * 100 + i)
    return files


def write_build_dir(kernel_dir: Path, name: str, variants: list[str], seed: int, so_size: int = 1 << 20) -> Path:
    """A kernel directory `kernel-builder upload` accepts: build/<variant>/... plus build/CARD.md."""
    files = {k: v for k, v in kernel_files(name, variants, seed, so_size).items() if k.startswith("build/")}
    files["build/CARD.md"] = f"# {name}\n\nround {seed}\n"
    for old in (kernel_dir / "build").glob("*/*") if (kernel_dir / "build").exists() else []:
        if old.is_file():
            old.unlink()
    return write_tree(kernel_dir, files)


def local_build_tree(kernel_dir: Path) -> dict[str, str]:
    """{repo path: expected etag} of the files `kernel-builder upload` puts on the version branch."""
    out = {}
    for p in sorted((kernel_dir / "build").rglob("*")):
        if not p.is_file() or p.parent == kernel_dir / "build":
            continue
        data = p.read_bytes()
        lfs = b"\0" in data[:8000] or len(data) >= 10 << 20
        out["build/" + p.relative_to(kernel_dir / "build").as_posix()] = sha256_hex(data) if lfs else git_blob_id(data)
    return out


# ---- the hub's storage, read with git ----------------------------------------------------------

def git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", str(git_dir), *args], input=input, capture_output=True,
                          check=True, timeout=60).stdout


def branch_head(git_dir: Path, branch: str) -> str | None:
    p = subprocess.run(["git", "--git-dir", str(git_dir), "rev-parse", "--verify", "-q", f"refs/heads/{branch}"],
                       capture_output=True, text=True, timeout=60)
    return p.stdout.strip() if p.returncode == 0 else None


def repo_tree(git_dir: Path, rev: str) -> dict[str, str]:
    """{path: etag} of the files at REV: the LFS sha256 for pointer files, else the git blob id."""
    listing = git(git_dir, "ls-tree", "-r", "-z", rev).decode().split("\0")
    entries = []
    for line in filter(None, listing):
        meta, path = line.split("\t", 1)
        _mode, kind, oid = meta.split()
        if kind == "blob":
            entries.append((path, oid))
    batch = git(git_dir, "cat-file", "--batch", input="".join(f"{oid}\n" for _, oid in entries).encode())
    out, pos = {}, 0
    for path, oid in entries:
        header_end = batch.index(b"\n", pos)
        size = int(batch[pos:header_end].split()[2])
        content = batch[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1
        m = LFS_POINTER.match(content)
        out[path] = m.group(1).decode() if m else oid
    return out


def lfs_object_path(hub_root: Path, oid: str) -> Path:
    return hub_root / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


def check_hub_branch(hub_root: Path, git_dir: Path, branch: str, allowed: dict[str, dict[str, str]]) -> str:
    """The branch head is one of ALLOWED ({commit or "tree": expected files}): either an allowed
    commit, or a commit whose tree (restricted to build/ when the expectation is) equals one of the
    expected trees; every LFS object it names is stored and hashes to its oid. Returns the head."""
    head = branch_head(git_dir, branch)
    assert head is not None, f"branch {branch} vanished"
    if head in allowed:
        return head
    files = repo_tree(git_dir, head)
    for oid in files.values():
        if HEX64.match(oid):
            obj = lfs_object_path(hub_root, oid)
            assert obj.is_file(), f"{branch}@{head} names LFS object {oid}, which the store lacks"
            assert sha256_hex(obj.read_bytes()) == oid, f"LFS object {oid} is corrupt in the store"
    for expected in allowed.values():
        got = {p: e for p, e in files.items() if p.startswith("build/")} if all(
            p.startswith("build/") for p in expected) else files
        if got == expected:
            return head
    raise AssertionError(f"branch {branch} is at {head}, a commit matching no expected tree: "
                         f"{sorted(files)}")


# ---- the cache -----------------------------------------------------------------------------------

def check_cache(cache: Path, expected: dict[str, dict[str, str]] | None = None,
                allow_incomplete: bool = True) -> dict[str, int]:
    """Asserts the cache invariants (module docstring); EXPECTED: {commit: {path: etag}}.
    Returns counts: blobs, links, incomplete."""
    stats = {"blobs": 0, "links": 0, "incomplete": 0}
    if not cache.exists():
        return stats
    for repo in sorted(p for p in cache.iterdir() if p.is_dir() and "--" in p.name):
        blobs = repo / "blobs"
        names = set()
        for b in sorted(blobs.iterdir()) if blobs.exists() else []:
            if b.name.endswith(".incomplete"):
                assert allow_incomplete, f"{b} left behind"
                assert HEX64.match(b.name[:-11]) or HEX40.match(b.name[:-11]), b
                stats["incomplete"] += 1
                continue
            assert not b.is_symlink() and b.is_file(), f"{b} is not a regular file"
            data = b.read_bytes()
            if HEX64.match(b.name):
                assert sha256_hex(data) == b.name, f"corrupt blob {b}"
            elif HEX40.match(b.name):
                assert git_blob_id(data) == b.name, f"corrupt blob {b}"
            else:
                raise AssertionError(f"unexpected file in blobs/: {b}")
            names.add(b.name)
            stats["blobs"] += 1
        snapshots = repo / "snapshots"
        for commit_dir in sorted(snapshots.iterdir()) if snapshots.exists() else []:
            for dirpath, dirnames, filenames in os.walk(commit_dir):
                for n in dirnames + filenames:
                    p = Path(dirpath) / n
                    assert not n.endswith(".tmp"), f"leftover temporary link {p}"
                    if p.is_symlink():
                        target = os.readlink(p)
                        assert not target.startswith("/"), f"absolute link {p} -> {target}"
                        real = (p.parent / target).resolve()
                        assert real.parent == blobs.resolve(), f"{p} -> {target} leaves blobs/"
                        assert real.name in names, f"{p} -> {target}: no such verified blob"
                        rel = p.relative_to(commit_dir).as_posix()
                        if expected is not None and commit_dir.name in expected:
                            want = expected[commit_dir.name].get(rel)
                            assert want == real.name, f"{p} -> {real.name}, but {commit_dir.name} has {want}"
                        stats["links"] += 1
                    else:
                        assert p.is_dir(), f"{p} is neither a link nor a directory"
    return stats


def tree_listing(root: Path) -> dict[str, str]:
    """{relative path: sha256 or 'dir'/'link:TARGET'} of everything under ROOT (canary checks)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = sha256_hex(p.read_bytes())
    return out


# ---- errors ----------------------------------------------------------------------------------------

def assert_clear_failure(r: Result, *needles: str) -> str:
    """Exit 1 with `error:` lines (no crash, no traceback, no abort); returns the first error line."""
    text = r.stderr
    assert r.returncode == 1, f"exit {r.returncode}\n{text}"
    for bad in ("Traceback", "terminate called", "what():", "Segmentation", "core dumped", "Aborted"):
        assert bad not in text, text
    errors = [l for l in text.splitlines() if l.startswith("error:")]
    assert errors, text
    for n in needles:
        assert n in text, f"{n!r} not in\n{text}"
    return errors[0]


# ---- the report ------------------------------------------------------------------------------------

def report_path() -> Path:
    env = os.environ.get("KCPP_RELIABILITY_REPORT")
    return Path(env) if env else BIN_DIR / "reliability-report.json"


def record(section: str, values: dict) -> None:
    """Merges VALUES into REPORT[SECTION] (file-locked: test files may run in parallel)."""
    path = report_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(str(path) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(path.read_text()) if path.exists() else {}
        except ValueError:
            data = {}
        data.setdefault(section, {}).update(values)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, path)


def reliability_table(data: dict) -> str:
    """The markdown summary table of a report (README "Reliability")."""
    rows = []
    f = data.get("faults", {})
    if f:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(f.get("by_kind", {}).items()))
        rows.append(("randomised faults injected (lock + download + upload runs)",
                     f"{f.get('injected', 0)} ({kinds})"))
        rows.append(("runs: completed with verified data / failed with a clear error / other",
                     f"{f.get('runs_ok', 0)} / {f.get('runs_clear_failure', 0)} / {f.get('runs_other', 0)}"))
        rows.append(("corrupt blobs, unverified snapshot entries, partial commits found", str(
            f.get("corrupt_blobs", 0) + f.get("unverified_links", 0) + f.get("partial_commits", 0))))
    d = data.get("deterministic_faults", {})
    if d:
        rows.append(("deterministic fault cases survived (each kind vs lock/download/upload)",
                     f"{d.get('survived', 0)} of {d.get('cases', 0)}"))
    t = data.get("tamper", {})
    if t:
        rows.append(("tamper cases refused (bytes ≠ lock/LFS oid, unsafe or colliding paths)",
                     f"{t.get('refused', 0)} of {t.get('cases', 0)}"))
    s = data.get("secrets", {})
    if s:
        rows.append(("token leaks (cross-host redirects, logs -vv, --json, errors)",
                     f"{s.get('leaks', 0)} in {s.get('outputs_scanned', 0)} outputs, "
                     f"{s.get('cross_host_requests', 0)} cross-host requests without Authorization"))
    c = data.get("concurrency", {})
    if c:
        rows.append(("concurrent `kernels download` on one cache", f"{c.get('processes', 0)} processes, "
                     f"{c.get('identical_trees', 0)} identical complete trees, {c.get('incomplete_left', 0)} "
                     ".incomplete left"))
    k = data.get("soak", {})
    if k:
        rows.append(("kernels-hub soak", f"{k.get('clients', 0)} clients × {k.get('seconds', 0):.0f} s: "
                     f"{k.get('requests', 0)} requests, {k.get('errors', 0)} errors, "
                     f"p50 {k.get('p50_ms', 0):.1f} ms, p99 {k.get('p99_ms', 0):.1f} ms, "
                     f"max {k.get('max_ms', 0):.0f} ms"))
    h = data.get("hostile output", {})
    if h:
        rows.append(("hostile server strings (ESC/BEL/C1, U+202E, invalid UTF-8, forged `error:` lines) kept off "
                     "the terminal (versions, info, lock, check, download; text, --json, -v)",
                     f"{h.get('held', 0)} of {h.get('cases', 0)} runs ({h.get('outputs_scanned', 0)} outputs "
                     "scanned)"))
    cl = data.get("cache links", {})
    if cl:
        rows.append(("cache symlink levels refused / modes under umask 022, 077, 002",
                     f"{cl.get('held', 0)} of {cl.get('cases', 0)}"))
    dl = data.get("depends limits", {})
    if dl:
        rows.append(("kernel-depends: 30,000-deep chain (512 KiB stack), 10,000-wide fan-out → clear error",
                     f"{dl.get('held', 0)} of {dl.get('cases', 0)}; deep chain {dl.get('deep_chain_seconds', 0)} s "
                     f"/ {dl.get('deep_chain_requests', 0)} requests, fan-out {dl.get('fan_out_seconds', 0)} s / "
                     f"{dl.get('fan_out_requests', 0)} requests"))
    ht = data.get("hostile transport", {})
    if ht:
        rows.append(("hostile transport cases held (file://, gopher://, dict:// URLs; gzip bombs; endless, "
                     "over-long, short-200 and dripped bodies)", f"{ht.get('held', 0)} of {ht.get('cases', 0)}"))
    i = data.get("interrupts", {})
    if i:
        rows.append(("interrupts (SIGINT/SIGKILL mid-download, mid-lock) recovered",
                     f"{i.get('recovered', 0)} of {i.get('cases', 0)}"))
    h = data.get("hostile requests", {})
    if h:
        rows.append(("hostile requests against kernels-hub held (refs, names, paths, bodies, Host, log, "
                     "slowloris, paging)", f"{h.get('held', 0)} of {h.get('cases', 0)}"))
        if "slowloris_connections" in h:
            rows.append(("slowloris: connections that never finish their headers",
                         f"{h['slowloris_connections']}: {h.get('slowloris_refused_503', 0)} answered 503 at once, "
                         f"another client's requests answered in {h.get('slowloris_api_max_ms', 0):.0f} ms max"))
        if "junk_1gib_rss_growth_mib" in h:
            rows.append(("kernels-hub peak RSS growth: 1 GiB junk commit body / 48 MiB inline file (with a token)",
                         f"+{h['junk_1gib_rss_growth_mib']} MiB / +{h.get('inline_48mib_rss_growth_mib', 0)} MiB"))
        if "tree_page_10_ms" in h:
            rows.append(("tree page of 10 / 1000 entries in a 10,100-entry repository",
                         f"{h['tree_page_10_ms']} ms / {h.get('tree_page_1000_ms', 0)} ms"))
    lines = ["| measured | result |", "| --- | --- |"] + [f"| {a} | {b} |" for a, b in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    p = Path(sys.argv[1]) if len(sys.argv) > 1 else report_path()
    print(reliability_table(json.loads(p.read_text())))
