"""Bad inputs end to end: the real binaries on malformed pyproject.toml, kernels.lock,
metadata.json, build.toml and kernel-status.toml files, variant names, repo ids and Hub
answers. Every input is generated here (truncations, wrong types, deep nesting, huge
numbers, invalid UTF-8, NUL bytes, BOMs, duplicate keys, very long values, …).

Each run must end with exit status 1 or 2 — never a signal, never an abort or a sanitizer
report, never a hang (every run has a timeout) — and print an `error:` line that names the
file (with LINE:COL where the format has positions) or the Hub endpoint. Hub answers come
from EvilFront (test/support/evil_hub.py), an HTTP front for a real kernels-hub that
forwards everything except the answer being corrupted (its `rule` hook). The inputs tried are counted and written to
$KCPP_BIN_DIR/bad-inputs-report.json (the figure in README "Tests")."""
from __future__ import annotations

import collections
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import BIN_DIR, base_env, binary  # noqa: E402
from lock_support import metadata_json, write_kernel_repo  # noqa: E402

RUN_TIMEOUT_S = 60
SHA = "0123456789abcdef0123456789abcdef01234567"
VARIANTS = ["torch211-cxx11-cpu-x86_64-linux", "torch-universal"]
DEAD_ENDPOINT = "http://127.0.0.1:9"  # discard port: nothing listens
TALLY: collections.Counter = collections.Counter()
SLOWEST: list[tuple[float, str]] = []


# ---- running the binaries -------------------------------------------------------------------

def attempt(family: str, exe: str, args: list, env: dict, *, names=(), position=False, ok_allowed=False,
            cwd=None, timeout=RUN_TIMEOUT_S, case: str = "") -> tuple[int, str, str] | str:
    """Runs EXE ARGS once; returns (rc, stdout, stderr), or a problem description. NAMES: one
    of them must appear in the output of a failing run."""
    TALLY[family] += 1
    label = f"{family}{' [' + case + ']' if case else ''}: {exe} {' '.join(str(a)[:80] for a in args)}"
    t0 = time.monotonic()
    try:
        p = subprocess.run([str(binary(exe)), *[str(a) for a in args]], env=env, capture_output=True,
                           timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired:
        return f"{label}: no answer within {timeout}s (hang)"
    SLOWEST.append((time.monotonic() - t0, label))
    out = p.stdout.decode("utf-8", "replace")
    err = p.stderr.decode("utf-8", "replace")
    if p.returncode < 0:
        return f"{label}: killed by signal {-p.returncode}\n{err[-2000:]}"
    for bad in ("AddressSanitizer", "runtime error:", "terminate called", "json.exception", "Aborted",
                "Segmentation fault", "internal:"):
        if bad in err or bad in out:
            return f"{label}: `{bad}` in the output\n{err[-2000:]}"
    if p.returncode == 0 and ok_allowed:
        return (0, out, err)
    if p.returncode not in (1, 2):
        return f"{label}: exit status {p.returncode}\n{err[-2000:]}"
    errors = [l for l in err.splitlines() if l.startswith("error: ")]
    if not errors:
        return f"{label}: no `error:` line\nstdout: {out[-1000:]}\nstderr: {err[-2000:]}"
    if names and not any(n in err or n in out for n in names):
        return f"{label}: the error names none of {names}\n{err[-2000:]}"
    if position and not re.search(r":\d+:\d+: ", err):
        return f"{label}: no LINE:COL in the error\n{err[-2000:]}"
    return (p.returncode, out, err)


class Problems:
    """Collects what went wrong over many inputs, so one test reports them all."""

    def __init__(self):
        self.items: list[str] = []

    def run(self, *a, **kw):
        r = attempt(*a, **kw)
        if isinstance(r, str):
            self.items.append(r)
            return None
        return r

    def check(self):
        assert not self.items, f"{len(self.items)} bad runs:\n\n" + "\n\n".join(self.items[:20])


def env_for(tmp_path: Path, endpoint: str = DEAD_ENDPOINT, **extra) -> dict:
    env = base_env(endpoint, tmp_path / "home", None)
    env.update({"KCPP_MAX_RETRIES": "1", "HF_HUB_DOWNLOAD_TIMEOUT": "2", "HF_HUB_ETAG_TIMEOUT": "2"})
    env.update(extra)
    return env


# ---- generic malformations ------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def mutations(valid: bytes, seed: int) -> list[tuple[str, bytes]]:
    """Damaged versions of VALID: truncations, bytes that make it invalid, noise."""
    rng = random.Random(seed)
    out = [("empty", b""), ("whitespace", b" \n\t\r\n"), ("nul", b"\x00"), ("nul-inside", valid[:len(valid) // 2] +
           b"\x00" + valid[len(valid) // 2:]), ("bom", BOM + valid), ("utf16", b"\xff\xfe" + valid.decode().encode("utf-16-le")),
           ("invalid-utf8", valid.replace(b"a", b"\xc3\x28", 1)), ("lone-continuation", b"\x80" + valid),
           ("overlong", valid.replace(b"e", b"\xc0\xa5", 1)), ("surrogate-bytes", valid.replace(b"e", b"\xed\xa0\x80", 1)),
           ("crlf", valid.replace(b"\n", b"\r\n")), ("cr-only", valid.replace(b"\n", b"\r")),
           ("doubled", valid + valid), ("garbage-tail", valid + b"\n\x01\x02}}]]"),
           ("random", bytes(rng.randrange(256) for _ in range(300)))]
    for k in range(1, 9):
        cut = len(valid) * k // 9
        out.append((f"truncated-{cut}", valid[:cut]))
    for k in range(6):
        b = bytearray(valid)
        for _ in range(3):
            b[rng.randrange(len(b))] = rng.randrange(256)
        out.append((f"flipped-{k}", bytes(b)))
    for k in range(4):
        i = rng.randrange(len(valid))
        out.append((f"deleted-{k}", valid[:i] + valid[i + 5:]))
    return out


# ---- a real kernels-hub behind a front that corrupts chosen answers ---------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-inputs")
    with Hub(root=root / "hub") as hub, EvilFront(hub.url) as front:
        shas = {}
        shas["relu"] = hub.commit("org/relu", write_kernel_repo(root / "relu", "relu", VARIANTS), branch="v1")
        # kernel-status.toml is not read by kernels 0.17.2 (no redirects): malformed ones change nothing.
        status = {"kernel-status.toml": b'kind = "redirect\n\xff\x00[[[', "build/torch-universal/kernel-status.toml": "x"}
        shas["status"] = hub.commit("org/status", write_kernel_repo(root / "status", "status", VARIANTS,
                                                                    extra=status), branch="v1")
        yield hub, front, shas, root


# ---- pyproject.toml → kernels lock ------------------------------------------------------------

PYPROJECT = b'[project]\nname = "p"\nversion = "0.1.0"\n\n[tool.kernels.dependencies]\n"org/relu" = 1\n'

BAD_PYPROJECT_BODIES = [
    '"org/relu" = "1"', '"org/relu" = ">=0.0.2,<0.1"', '"org/relu" = 1.5', '"org/relu" = true', '"org/relu" = -1',
    '"org/relu" = 18446744073709551616', '"org/relu" = 99999999999999999999999999', '"org/relu" = 0x10000000000000000',
    '"org/relu" = [1]', '"org/relu" = { version = 1 }', '"org/relu" = 1979-05-27T07:32:00Z', '"org/relu" = 07:32:00',
    '"org/relu" = inf', '"org/relu" = nan', '"org/relu" = 1\n"org/relu" = 2', '"org/relu" =', '"org/relu" 1',
    '"org/relu = 1', "'org/relu' = '''1", '"org/relu" = """1\n', '"org/relu" = 1 # \x01', 'org/relu = 1',
    '"" = 1', '"org" = 1', '"org/relu/x" = 1', '"org//relu" = 1', '"-org/relu" = 1', '"org/re--lu" = 1',
    '"org/re..lu" = 1', '"org/relu." = 1', f'"{"a" * 97}/relu" = 1', f'"org/{"b" * 100000}" = 1',
    '"org/re lu" = 1', '"org/réla" = 1', '"org/relu\\u0000" = 1', '"org/relu\\ud800" = 1', '"\\t/x" = 1',
    '[tool.kernels.dependencies]', 'x = [' * 5000, 'x = {a = ' * 5000, '"org/relu" = ' + '[' * 100000,
]

BAD_PYPROJECT_DOCS = [
    b"", b"[tool]\nkernels = 1\n", b"tool = 1\n", b"[tool.kernels]\ndependencies = 1\n", b"[tool.kernels]\ndependencies = []\n",
    b"[tool.kernels.dependencies]\n", b"[[tool]]\n", b"[tool.kernels.dependencies]\n[tool.kernels.dependencies]\n",
    b"[tool.kernels.dependencies]\n\"org/relu\" = 1\n[tool.kernels]\ndependencies = 2\n",
    b"[tool.kernels.dependencies\n", b"[tool.kernels.dependencies]]\n", b"= 1\n", b"\xff\xfe[\x00t\x00",
    b"[project]\nname = \"" + b"x" * 2_000_000 + b"\"\n",
]


def test_bad_pyproject(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    docs = [(f"body-{i}", (b'[tool.kernels.dependencies]\n' + body.encode("utf-8", "surrogatepass")))
            for i, body in enumerate(BAD_PYPROJECT_BODIES)]
    docs += [(f"doc-{i}", d) for i, d in enumerate(BAD_PYPROJECT_DOCS)] + mutations(PYPROJECT, 1)
    for i, (label, doc) in enumerate(docs):
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "pyproject.toml").write_bytes(doc)
        for args in (["lock", proj], ["lock", "--check", proj]):
            # Valid leftovers reach the (dead) Hub: then the endpoint is named instead.
            problems.run("pyproject.toml", "kernels", args, env, names=("pyproject.toml", DEAD_ENDPOINT, "kernels.lock"))
    # Not a file / not a directory.
    (tmp_path / "dir" / "pyproject.toml").mkdir(parents=True)
    problems.run("pyproject.toml", "kernels", ["lock", tmp_path / "dir"], env, names=("pyproject.toml",))
    problems.run("pyproject.toml", "kernels", ["lock", tmp_path / "missing"], env, names=("missing",))
    (tmp_path / "loop").mkdir()
    os.symlink("pyproject.toml", tmp_path / "loop" / "pyproject.toml")
    problems.run("pyproject.toml", "kernels", ["lock", tmp_path / "loop"], env, names=("pyproject.toml",))
    problems.check()


def test_pyproject_errors_have_positions(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    for i, body in enumerate(['"org/relu" = "1"', '"org/relu" = 1.5', '"org" = 1', '"org/relu" =', '"org/relu" = -1']):
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "pyproject.toml").write_text("[tool.kernels.dependencies]\n" + body + "\n")
        r = problems.run("pyproject.toml", "kernels", ["lock", proj], env, names=("pyproject.toml:2:",), position=True)
        if r and r[0] != 1:
            problems.items.append(f"{body}: exit {r[0]}, expected 1")
    problems.check()


# ---- kernels.lock → kernels download / kernels lock --check -----------------------------------

LOCK = json.dumps([{"dependency": {"repo-id": "org/relu", "version": 1}, "lock": {"commit": SHA}}], indent=2).encode()


def lock_entry(dep: object = None, lock: object = None) -> bytes:
    return json.dumps([{"dependency": {"repo-id": "org/relu", "version": 1} if dep is None else dep,
                        "lock": {"commit": SHA} if lock is None else lock}]).encode()


BAD_LOCKS = [
    b"{}", b"null", b"1", b'"x"', b"[1]", b"[[]]", b"[{}]", b"[null]", b"[" * 100000, b"[" * 129 + b"]" * 129,
    b'[{"dependency": {"repo-id": "org/relu", "version": 1}}]', b'[{"lock": {"commit": "' + SHA.encode() + b'"}}]',
    lock_entry({"repo-id": "org/relu"}), lock_entry({"repo-id": "org/relu", "version": 1, "revision": "main"}),
    lock_entry({"repo-id": "org/relu", "version": -1}), lock_entry({"repo-id": "org/relu", "version": 1.5}),
    lock_entry({"repo-id": "org/relu", "version": "1"}), lock_entry({"repo-id": 5, "version": 1}),
    lock_entry({"repo-id": "org/relu", "version": 1, "x": 1}), lock_entry({"version": 1}),
    lock_entry({"repo-id": "../../etc", "version": 1}), lock_entry({"repo-id": "org/" + "a" * 200000, "version": 1}),
    lock_entry({"repo-id": "org/relu\u0000", "version": 1}), lock_entry({"repo-id": "", "version": 1}),
    lock_entry({"repo-id": "org/relu", "revision": ""}), lock_entry({"repo-id": "org/relu", "revision": "../x"}),
    lock_entry(lock={"commit": "abc"}), lock_entry(lock={"commit": 1}), lock_entry(lock={}),
    lock_entry(lock={"commit": SHA, "x": 1}), lock_entry(lock={"commit": "../../../../" + "a" * 28}),
    lock_entry(lock={"commit": "g" * 40}), lock_entry(lock=[SHA]),
    b'[{"dependency": {"repo-id": "org/relu", "version": 18446744073709551616}, "lock": {"commit": "' + SHA.encode() + b'"}}]',
    b'[{"dependency": {"repo-id": "org/relu", "version": 1e999}, "lock": {"commit": "' + SHA.encode() + b'"}}]',
    b'[{"dependency": {"repo-id": "org/relu", "repo-id": "org/x", "version": 1}, "lock": {"commit": "' + SHA.encode() + b'"}}]',
    LOCK[:-1] + b", " + LOCK[1:],  # a duplicate dependency
    json.dumps([{"repo_id": "org/relu", "sha": SHA, "variants": {}}]).encode(),  # the pre-0.17 format
    b'[{"dependency": {"repo-id": "org/rel\\ud800u", "version": 1}, "lock": {"commit": "' + SHA.encode() + b'"}}]',
    b'[{"dependency": {"repo-id": "org/relu", "version": 1}, "lock": {"commit": "' + SHA.encode() + b'"},}]',
    b"[" + b",".join([b"1"] * 1_000_000) + b"]",  # 2 MB of values: must stay fast (was quadratic)
]


def test_bad_kernels_lock(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    docs = [(f"lock-{i}", d) for i, d in enumerate(BAD_LOCKS)] + mutations(LOCK, 2)
    for i, (label, doc) in enumerate(docs):
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "kernels.lock").write_bytes(doc)
        (proj / "pyproject.toml").write_bytes(PYPROJECT)
        problems.run("kernels.lock", "kernels", ["download", proj], env, names=("kernels.lock", DEAD_ENDPOINT),
                     timeout=30)
        problems.run("kernels.lock", "kernels", ["lock", "--check", proj], env, names=("kernels.lock", DEAD_ENDPOINT))
    (tmp_path / "d" / "kernels.lock").mkdir(parents=True)
    problems.run("kernels.lock", "kernels", ["download", tmp_path / "d"], env, names=("kernels.lock",))
    problems.run("kernels.lock", "kernels", ["download", tmp_path / "nothing-here"], env, names=("nothing-here",))
    problems.check()


def test_kernels_lock_errors_have_positions(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    for i, doc in enumerate([b"[1]", LOCK[:-3], lock_entry(lock={"commit": "abc"}), BAD_LOCKS[-1][:-1]]):
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "kernels.lock").write_bytes(doc)
        problems.run("kernels.lock", "kernels", ["download", proj], env, names=("kernels.lock:",), position=True)
    problems.check()


# ---- metadata.json → kernels info PATH / kernels check PATH / kernels lock -------------------

META = metadata_json("relu", "torch-universal").encode()


def meta_with(**changes) -> bytes:
    m = json.loads(META)
    for k, v in changes.items():
        if v is ...:
            m.pop(k.replace("_", "-"), None)
        else:
            m[k.replace("_", "-")] = v
    return json.dumps(m).encode()


BAD_METADATA = [
    b"[]", b"null", b"{}", b'{"name": "relu"}', b"{" * 100000, b"[" * 200,
    meta_with(name=1), meta_with(name="Relu"), meta_with(name="a" * 300000 + "-"), meta_with(name=...),
    meta_with(version=-1), meta_with(version="1"), meta_with(version=1.5), meta_with(version=2 ** 64),
    meta_with(id=None), meta_with(license=[]), meta_with(python_depends="einops"), meta_with(python_depends=[1]),
    meta_with(backend="cuda"), meta_with(backend={"type": "gpu"}), meta_with(backend={"type": 3}), meta_with(backend={}),
    meta_with(backend={"type": "cuda", "archs": "8.0"}), meta_with(backend={"type": "cuda", "archs": [8.0]}),
    meta_with(upstream="ftp://x/y"), meta_with(upstream="not a url"), meta_with(upstream="https://" + "h" * 200000),
    meta_with(kernels_minver="0.17"), meta_with(kernels_minver="a.b.c"), meta_with(kernels_minver="9" * 100000 + ".0.0"),
    meta_with(kernel_depends=[{"repo-id": "org/x"}]), meta_with(kernel_depends=[{"repo-id": "org/x", "version": 1, "revision": "m"}]),
    meta_with(kernel_depends=[{"repo-id": "org/x", "version": 1, "bogus": 1}]), meta_with(kernel_depends={"org/x": 1}),
    meta_with(digest={"algorithm": "md5", "files": {}}), meta_with(digest={"algorithm": "sha256", "files": []}),
    meta_with(digest={"algorithm": "sha256", "files": {"a": 1}}),
    meta_with(provenance={"kernel-builder": {"version": "1", "commit": "zz", "dirty": False}}),
    meta_with(provenance={"kernel-builder": {"version": "1", "commit": SHA}}),
    meta_with(provenance={"kernel": {"sha": SHA, "dirty": False}}),
    META[:-2] + b', "name": "relu"}', META.replace(b'"relu"', b'"rel\\ud800u"', 1),
    META.replace(b"{", b'{"x": ' + b"[" * 128 + b"]" * 128 + b",", 1),
]


def write_local_kernel(dest: Path, metadata: bytes, variant="torch-universal") -> Path:
    d = dest / "build" / variant
    d.mkdir(parents=True)
    (d / "__init__.py").write_text("from ._ops import ops\n")
    (d / "_ops.py").write_text("ops = None\n")
    (d / "metadata.json").write_bytes(metadata)
    return dest


def test_bad_metadata_json_local(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    docs = [(f"meta-{i}", d) for i, d in enumerate(BAD_METADATA)] + mutations(META, 3)
    for i, (label, doc) in enumerate(docs):
        k = write_local_kernel(tmp_path / f"k{i}", doc)
        problems.run("metadata.json", "kernels", ["info", k], env, names=("metadata.json",), ok_allowed=True)
        # `kernels check` reports an invalid metadata.json as a finding (exit 1), not as an error.
        TALLY["metadata.json"] += 1
        p = subprocess.run([str(binary("kernels")), "check", "--no-gpu", str(k)], env=env, capture_output=True,
                           timeout=RUN_TIMEOUT_S)
        text = (p.stdout + p.stderr).decode("utf-8", "replace")
        if p.returncode not in (0, 1) or "AddressSanitizer" in text or "internal" in text:
            problems.items.append(f"check {label}: exit {p.returncode}\n{text[-2000:]}")
        elif p.returncode == 1 and "metadata.json" not in text:
            problems.items.append(f"check {label}: failure without naming metadata.json\n{text[-2000:]}")
    problems.check()


def test_metadata_json_errors_have_positions(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    for i, doc in enumerate([b"[]", meta_with(version="1"), meta_with(backend={"type": "gpu"}), META[:-4]]):
        k = write_local_kernel(tmp_path / f"k{i}", doc)
        problems.run("metadata.json", "kernels", ["info", k], env, names=("metadata.json:",), position=True)
    problems.check()


def test_bad_metadata_json_on_the_hub(world, tmp_path):
    """kernels lock reads every variant's metadata.json (kernel-depends): a malformed one is
    an error naming repo@commit/path:LINE:COL."""
    hub, front, _, root = world
    problems = Problems()
    env = env_for(tmp_path, front.url)
    for i, doc in enumerate(BAD_METADATA[:12] + [m for _, m in mutations(META, 4)[:8]]):
        repo = f"meta/m{i}"
        src = write_kernel_repo(root / "meta" / str(i), f"m{i}", VARIANTS[1:])
        (src / "build" / VARIANTS[1] / "metadata.json").write_bytes(doc)
        hub.commit(repo, src, branch="v1")
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "pyproject.toml").write_text(f'[tool.kernels.dependencies]\n"{repo}" = 1\n')
        r = problems.run("metadata.json", "kernels", ["lock", "--trust-remote-code", proj], env,
                         names=("metadata.json",), ok_allowed=True)
        if r and r[0] == 0 and doc in BAD_METADATA:
            problems.items.append(f"lock accepted bad metadata {doc[:100]!r}")
        problems.run("metadata.json", "kernels", ["info", repo], env, names=("metadata.json",), ok_allowed=True)
    problems.check()


# ---- build.toml → kernel-builder check-config / build -----------------------------------------

BUILD_TOML = b'''[general]
name = "relu"
version = 1
edition = 5
license = "Apache-2.0"
backends = ["cpu"]

[torch]
src = ["torch-ext/torch_binding.cpp"]

[kernel.relu_cpu]
backend = "cpu"
depends = ["torch"]
src = ["relu_cpu/relu.cpp"]
'''


def build_with(old: str, new: str) -> bytes:
    assert old.encode() in BUILD_TOML
    return BUILD_TOML.replace(old.encode(), new.encode(), 1)


BAD_BUILD = [
    build_with('edition = 5', 'edition = 6'), build_with('edition = 5', 'edition = -1'),
    build_with('edition = 5', 'edition = "5"'), build_with('edition = 5', 'edition = 99999999999999999999'),
    build_with('edition = 5\n', ''), build_with('name = "relu"', 'name = "Relu"'),
    build_with('name = "relu"', 'name = "a' + "b" * 300000 + '-"'),  # was a stack overflow (std::regex)
    build_with('name = "relu"', 'name = 1'), build_with('version = 1', 'version = -1'),
    build_with('version = 1', 'version = "1"'), build_with('backends = ["cpu"]', 'backends = "cpu"'),
    build_with('backends = ["cpu"]', 'backends = ["gpu"]'), build_with('backends = ["cpu"]', 'backends = [1]'),
    build_with('[torch]', '[torch]\nminver = "2.x"'), build_with('[torch]', '[torch]\nminver = "' + "9" * 30 + '"'),
    build_with('[torch]', '[torch]\nstable-abi = 2'), build_with('[torch]', '[torch]\nstable-abi = { gpu = "2.9" }'),
    build_with('[torch]', '[torch]\nbogus = 1'), build_with('[torch]', '[tvm-ffi]\nsrc = []\n[torch]'),
    build_with('[torch]', '[torch-noarch]\n[torch]'), build_with('[torch]\nsrc = ["torch-ext/torch_binding.cpp"]\n', ''),
    build_with('backend = "cpu"', 'backend = "tpu"'), build_with('backend = "cpu"', ''),
    build_with('depends = ["torch"]', 'depends = ["boost"]'), build_with('depends = ["torch"]', 'depends = "torch"'),
    build_with('src = ["relu_cpu/relu.cpp"]', 'src = [1]'), build_with('[kernel.relu_cpu]', '[kernel]\nrelu_cpu = 1\n[x]'),
    build_with('license = "Apache-2.0"', 'license = "Apache-2.0"\nupstream = "ftp://x"'),
    build_with('license = "Apache-2.0"', 'license = "Apache-2.0"\nkernel-depends = [{ repo-id = "org/x" }]'),
    build_with('license = "Apache-2.0"', 'license = "Apache-2.0"\npython-depends = ["numpy"]'),
    build_with('license = "Apache-2.0"', 'license = "Apache-2.0"\n[general.cuda]\nminver = 12'),
    build_with('[general]', '[general]\n[general]'), b"general = 1\n", b"[general]\n", b"[general]\nedition = 5\n",
    b"x = " + b"[" * 100000, b"[[general]]\nname = 'x'\n",
]


def test_bad_build_toml(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    docs = [(f"build-{i}", d) for i, d in enumerate(BAD_BUILD)] + mutations(BUILD_TOML, 5)
    for i, (label, doc) in enumerate(docs):
        k = tmp_path / f"k{i}"
        k.mkdir()
        (k / "build.toml").write_bytes(doc)
        problems.run("build.toml", "kernel-builder", ["check-config", k], env, names=("build.toml",), ok_allowed=True)
    # build stops at the same reader, before any compiler runs.
    for i, doc in enumerate(BAD_BUILD[:6]):
        k = tmp_path / f"b{i}"
        k.mkdir()
        (k / "build.toml").write_bytes(doc)
        problems.run("build.toml", "kernel-builder", ["build", k], env, names=("build.toml",))
    problems.run("build.toml", "kernel-builder", ["check-config", tmp_path / "none"], env, names=("build.toml",))
    problems.check()


def test_build_toml_errors_have_positions(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    for i, doc in enumerate([BAD_BUILD[0], BAD_BUILD[5], BAD_BUILD[6], BUILD_TOML[:-3] + b'"', BAD_BUILD[12]]):
        k = tmp_path / f"k{i}"
        k.mkdir()
        (k / "build.toml").write_bytes(doc)
        problems.run("build.toml", "kernel-builder", ["check-config", k], env, names=("build.toml:",), position=True)
    problems.check()


# ---- variant names -------------------------------------------------------------------------------

BAD_VARIANTS = [
    "", "torch", "torch-", "-", "--", "torch211", "torch211-cxx11", "torch211-cxx11-cu130", "torch211-cu130-x86_64",
    "torch211-cxx11-cu130-x86_64-linux-extra", "torch2-cpu-x86_64-linux", "torchXY-cpu-x86_64-linux",
    "torch211-cuda-x86_64-linux", "torch211-cu-x86_64-linux", "torch211-cu1-x86_64-linux", "torch211-rocmX-x-y",
    "torch211-cxx12-cpu-x86_64-linux", "torch-stable-abi", "torch-stable-abi2-cpu-x-y", "tvm-ffi", "tvm-ffi1-cpu-x-y",
    "tvm-ffiab-cpu-x-y", "tvm", "tvm-", "TORCH211-cpu-x86_64-linux", "torch\u0661\u0661-cpu-x86_64-linux",
    "torch211-cu\u0661\u0663\u0660-x86_64-linux", "torch" + "9" * 40 + "-cpu-x-y", "torch211-cu" + "1" * 40 + "-x-y",
    "torch211-cpu-" + "x" * 100000 + "-linux", "torch211\t-cpu-x86_64-linux", "torch211-cpu-x86_64-linux\n",
    "torch211-cpu-x86\u00e9-linux", "foo", "cuda", "..", "torch211-cpu-x86_64-linux,torch-cuda",
]


def test_bad_variant_names(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    good = write_local_kernel(tmp_path / "good", META)
    for i, name in enumerate(BAD_VARIANTS):
        problems.run("variant name", "kernels", ["debug", "resolve", name], env, ok_allowed=True)
        problems.run("variant name", "kernels", ["check", "--no-gpu", "--variant", name, good], env,
                     names=("variant", name[:40]), ok_allowed=True)
        problems.run("variant name", "kernels", ["debug", "resolve", name, "torch-universal"], env, ok_allowed=True)
    # Directory names under build/ (as on disk), read by kernels info / check.
    for i, name in enumerate([n for n in BAD_VARIANTS if n and "/" not in n and n not in (".", "..")
                              and len(n.encode()) < 255 and "\n" not in n and "\t" not in n]):
        k = tmp_path / f"k{i}"
        write_local_kernel(k, META, variant=name)
        problems.run("variant name", "kernels", ["info", k], env, ok_allowed=True, names=("build",))
        TALLY["variant name"] += 1
        p = subprocess.run([str(binary("kernels")), "check", "--no-gpu", str(k)], env=env, capture_output=True,
                           timeout=RUN_TIMEOUT_S)
        if p.returncode not in (0, 1):
            problems.items.append(f"check build/{name}: exit {p.returncode}\n{p.stderr[-2000:]!r}")
    # Invalid UTF-8 in a directory name.
    k = tmp_path / "kbytes"
    (k / "build").mkdir(parents=True)
    os.makedirs(os.path.join(bytes(k / "build"), b"torch211-cpu-x86_64-\xff\xfe"))
    problems.run("variant name", "kernels", ["info", k], env, ok_allowed=True)
    problems.check()


# ---- repo ids --------------------------------------------------------------------------------------

BAD_REPO_IDS = [
    "", "/", "org", "org/", "/relu", "org/relu/x", "org//relu", "-org/relu", "org/relu-", ".org/relu", "org/relu.",
    "org/re--lu", "org/re..lu", "org/re lu", "org/réla", "org/" + "a" * 97, "a" * 97 + "/relu", "org/" + "a" * 100000,
    "org/re\u00a0lu", "org/\u202erelu", "org/%2e%2e", "../org/relu", "org/relu?x=1", "org/relu#x", "org\\relu",
]


def test_bad_repo_ids(tmp_path):
    problems = Problems()
    env = env_for(tmp_path)
    for rid in BAD_REPO_IDS:
        # "--": an id that starts with "-" is not an option. `check` takes a directory too: "/"
        # is one, and is checked as a (non-compliant) kernel.
        commands = [["versions", "--", rid], ["info", "--", rid]]
        try:
            is_dir = (tmp_path / rid).exists()
        except OSError:  # the name is too long for a path
            is_dir = False
        if not is_dir:
            commands.append(["check", "--no-gpu", "--", rid])
        for args in commands:
            problems.run("repo id", "kernels", args, env, names=("repo id", "kernel", rid[:30]), cwd=tmp_path)
    for i, rid in enumerate(BAD_REPO_IDS):
        proj = tmp_path / f"p{i}"
        proj.mkdir()
        (proj / "kernels.lock").write_text(json.dumps([{"dependency": {"repo-id": rid, "version": 1},
                                                        "lock": {"commit": SHA}}]))
        problems.run("repo id", "kernels", ["download", proj], env, names=("repo id", "kernels.lock"))
    problems.check()


# ---- Hub answers ---------------------------------------------------------------------------------

def json_answer(body: bytes, status=200, headers=()):
    return (status, [("Content-Type", "application/json"), *headers], body)


BAD_JSON = [b"", b"{", b"[", b"null", b"true", b"1", b'"x"', b"[]", b"{}", b"\xff\xfe{}", BOM + b"{}", b"\x00",
            b"[" * 100000, b'{"a":' * 50000, b"<html>502 Bad Gateway</html>", b'{"x": "\xed\xa0\x80"}']
REFS_WRONG = [b'{"branches": 1}', b'{"branches": {"v1": 1}}', b'{"branches": ["v1"]}', b'{"branches": [null]}',
              b'{"branches": [{"name": 1, "targetCommit": "' + SHA.encode() + b'"}]}',
              b'{"branches": [{"name": "v1", "targetCommit": 5}]}',
              b'{"branches": [{"name": "v1", "targetCommit": "../../../../../../tmp/x"}]}',
              b'{"branches": [{"name": "v1", "targetCommit": ""}]}', b'{"branches": [{"name": "v1"}]}',
              b'{"branches": [], "tags": "x"}', b'{"tags": []}']
TREE_WRONG = [b'{"type": "file"}', b"[1]", b'[{"type": "directory", "path": 5}]', b'[{"type": "file", "path": "build/x", "size": -1}]',
              b'[{"type": "file", "path": "build/x", "size": "3"}]', b'[{"type": "file", "path": "a", "lfs": {"size": 1.5}}]',
              b'[{"type": "directory", "path": "build/' + b"x" * 100000 + b'"}]']
INFO_WRONG = [b'[]', b'{"sha": 1}', b'{"sha": "main"}', b'{"sha": "' + SHA.encode() + b'", "private": "yes"}',
              b'{"id": 5, "sha": "' + SHA.encode() + b'"}']


def endpoint_kind(path: str) -> str:
    bare = path.split("?", 1)[0]
    if bare.startswith("/api/organizations/"):
        return "overview"
    if bare.startswith("/api/") and "/tree/" in bare:  # before refs: "tree/refs%2Fheads%2Fv1"
        return "tree"
    if bare.startswith("/api/") and "/revision/" in bare:
        return "info"
    if bare.startswith("/api/") and bare.endswith("/refs"):
        return "refs"
    if "/resolve/" in bare:
        return "resolve"
    return "other"


def hub_cases():
    """(label, endpoint kind, answer) for one corrupted endpoint each."""
    cases = []
    for kind in ("refs", "tree", "info"):
        for i, body in enumerate(BAD_JSON):
            cases.append((f"{kind}-json-{i}", kind, json_answer(body)))
    cases += [(f"refs-wrong-{i}", "refs", json_answer(b)) for i, b in enumerate(REFS_WRONG)]
    cases += [(f"tree-wrong-{i}", "tree", json_answer(b)) for i, b in enumerate(TREE_WRONG)]
    cases += [(f"info-wrong-{i}", "info", json_answer(b)) for i, b in enumerate(INFO_WRONG)]
    long_text = b"Bearer " + b"a" * 200000  # the std::regex redaction crashed on this
    for kind in ("refs", "tree", "info", "resolve"):
        cases += [
            (f"{kind}-500", kind, json_answer(b'{"error": "boom"}', 500)),
            (f"{kind}-404-odd-code", kind, json_answer(b"{}", 404, [("X-Error-Code", "\x7fWeird" * 100)])),
            (f"{kind}-401", kind, json_answer(b'{"error": "Invalid credentials"}', 401)),
            (f"{kind}-long-error-body", kind, json_answer(b'{"error": "' + long_text + b'"}', 400)),
            (f"{kind}-long-error-header", kind, json_answer(b"{}", 403, [("X-Error-Message", "hf_" + "b" * 60000)])),
            (f"{kind}-418", kind, json_answer(b"\xff" * 1000, 418)),
            (f"{kind}-redirect-loop", kind, (302, [("Location", "/same")], b"")),
        ]
    cases.append(("tree-link-self-loop", "tree", "link-self"))
    cases.append(("tree-link-huge", "tree", "link-huge"))
    cases.append(("overview-json", "overview", json_answer(b"[" * 100000)))
    cases.append(("overview-wrong", "overview", json_answer(b'{"trustedKernelPublisher": {"x": "\xff"}}')))
    cases.append(("resolve-garbage-metadata", "resolve", json_answer(b"{" * 50000)))
    cases.append(("refs-stall", "refs", (200, [("Content-Type", "application/json")], None)))
    return cases


def test_bad_hub_answers(world, tmp_path):
    hub, front, shas, _ = world
    problems = Problems()
    repo = "org/relu"
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "pyproject.toml").write_text(f'[tool.kernels.dependencies]\n"{repo}" = 1\n')
    dproj = tmp_path / "dproj"
    dproj.mkdir()
    (dproj / "kernels.lock").write_text(json.dumps([{"dependency": {"repo-id": repo, "version": 1},
                                                     "lock": {"commit": shas["relu"]}}]))
    commands = {
        "refs": [["versions", repo], ["lock", "--trust-remote-code", proj], ["info", repo], ["check", "--no-gpu", repo]],
        "tree": [["versions", repo], ["lock", "--trust-remote-code", proj], ["download", dproj], ["check", "--no-gpu", repo]],
        "info": [["info", repo, "--revision", "v1"], ["check", "--no-gpu", repo, "--revision", "v1"]],
        "resolve": [["lock", "--trust-remote-code", proj], ["info", repo], ["download", dproj]],
        "overview": [["lock", proj]],
    }
    for label, kind, answer in hub_cases():
        def rule(method, path, kind=kind, answer=answer):
            k = endpoint_kind(path)
            if k != kind:
                return None
            if answer == "link-self":
                return json_answer(b"[]", headers=[("Link", f'<{front.url}{path}>; rel="next"')])
            if answer == "link-huge":
                return json_answer(b"[]", headers=[("Link", "<" + "a" * 60000 + '>; rel="next"')])
            return answer
        front.rule = rule
        for args in commands[kind]:
            env = env_for(tmp_path / label, front.url, HF_HUB_DOWNLOAD_TIMEOUT="1")
            problems.run("hub answer", "kernels", args, env, timeout=45, ok_allowed=True, case=label,
                         names=(repo, front.url))
    front.rule = None
    problems.check()


def test_malformed_kernel_status_toml_is_ignored(world, tmp_path):
    """kernels 0.17.2 does not read kernel-status.toml (no redirects): a malformed one in the
    repo, and at a variant's root, changes nothing."""
    _, front, shas, _ = world
    env = env_for(tmp_path, front.url)
    front.rule = None
    proj = tmp_path / "p"
    proj.mkdir()
    (proj / "pyproject.toml").write_text('[tool.kernels.dependencies]\n"org/status" = 1\n')
    for args in (["lock", "--trust-remote-code", proj], ["download", proj], ["versions", "org/status"],
                 ["info", "org/status"]):
        r = attempt("kernel-status.toml", "kernels", args, env, ok_allowed=True)
        assert not isinstance(r, str), r
        assert r[0] == 0, r
    assert json.loads((proj / "kernels.lock").read_text())[0]["lock"]["commit"] == shas["status"]


def test_zz_report(capsys):
    """Prints (and writes to $KCPP_BIN_DIR/bad-inputs-report.json) how many inputs were tried."""
    total = sum(TALLY.values())
    report = {"total_runs": total, "by_family": dict(sorted(TALLY.items())),
              "slowest_s": [[round(s, 2), l] for s, l in sorted(SLOWEST, reverse=True)[:5]]}
    try:
        (BIN_DIR / "bad-inputs-report.json").write_text(json.dumps(report, indent=2) + "\n")
    except OSError:
        pass
    with capsys.disabled():
        print(f"\nbad inputs tried: {total} runs: " + ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items())))
    assert total > 0
