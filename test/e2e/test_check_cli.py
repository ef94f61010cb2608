"""`kernels check` and `kernel-builder check-abi` end to end: shared objects built here with
the host C compiler (no binaries in the repository), kernel repos served by a real
kernels-hub, and the request log to show that a Hub check fetches only what the checked
variants need (metadata.json, shared objects, and the small files the digest needs)."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from hub import Hub  # noqa: E402
from kcpp import BIN_DIR, base_env, ours, run  # noqa: E402

REPO = "org/relu"
CPU = "torch211-cxx11-cpu-x86_64-linux"
CUDA = "torch211-cxx11-cu130-x86_64-linux"
UNIVERSAL = "torch-universal"

SOURCES = {
    "ok": "int kcpp_fixture_add(int a, int b) { return a + b; }\n",
    "glibc": "#include <pthread.h>\nstatic void* r(void* p) { return p; }\n"
             "int kcpp_fixture_start(void) { pthread_t t; return pthread_create(&t, 0, r, 0); }\n",
    "python": "void* PyCode_New(void); int PyModule_AddType(void*, void*);\n"
              "void* kcpp_fixture_py(void) { PyModule_AddType(0, 0); return PyCode_New(); }\n",
}


def cc() -> str:
    for name in ("cc", "gcc", "clang"):
        if shutil.which(name):
            return name
    pytest.skip("no C compiler")


@pytest.fixture(scope="module")
def objects(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("so")
    out = {}
    for name, src in SOURCES.items():
        (d / f"{name}.c").write_text(src)
        subprocess.run([cc(), "-shared", "-fPIC", "-O0", "-o", str(d / f"{name}.so"), str(d / f"{name}.c")], check=True)
        out[name] = (d / f"{name}.so").read_bytes()
    return out


def glibc_234(so: bytes) -> bool:
    return b"GLIBC_2.34" in so


def b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def write_variant(root: Path, variant: str, files: dict[str, bytes | str], backend: str, version: int = 1,
                  digest: bool = True, after_digest: dict[str, str] | None = None) -> None:
    """build/<variant>/ with the package files, FILES, and a metadata.json (digest over what
    is there when it is written; AFTER_DIGEST then changes files)."""
    d = root / "build" / variant
    files = {"__init__.py": "from ._ops import ops\n", "_ops.py": "ops = None\n", "relu/__init__.py": "# compat\n", **files}
    for rel, content in files.items():
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(content if isinstance(content, bytes) else content.encode())
    meta = {"name": "relu", "id": f"_relu_{backend}_0a1b2c3", "version": version, "license": "Apache-2.0",
            "python-depends": [], "backend": {"type": backend}}
    if digest:
        meta["digest"] = {"algorithm": "sha256",
                          "files": {rel: b64((d / rel).read_bytes()) for rel in sorted(files)}}
    (d / "metadata.json").write_text(json.dumps(meta, indent=2) + "\n")
    for rel, content in (after_digest or {}).items():
        (d / rel).write_text(content)


def kernel_tree(root: Path, objects: dict[str, bytes], version: int = 1) -> Path:
    write_variant(root, CPU, {"_relu_cpu_0a1b2c3.abi3.so": objects["ok"]}, "cpu", version)
    write_variant(root, CUDA, {"_relu_cuda_0a1b2c3.abi3.so": objects["glibc"]}, "cuda", version, digest=False)
    write_variant(root, UNIVERSAL, {}, "cuda", version, after_digest={"_ops.py": "ops = 'changed'\n"})
    return root


@pytest.fixture(scope="module")
def hub(tmp_path_factory, objects):
    root = tmp_path_factory.mktemp("hub")
    with Hub(root=root / "data") as h:
        h.commit(REPO, kernel_tree(root / "v1", objects), branch="v1")
        h.commit(REPO, kernel_tree(root / "v2", objects, version=1), branch="v2")  # wrong version on v2
        yield h


@pytest.fixture
def env(hub, tmp_path):
    return base_env(hub.url, tmp_path / "home", None)


def check(args, env, timeout=120):
    return ours(["check", "--no-gpu", *args], env, timeout)


def fetched_files(lines: list[str], commit: str, oids: dict[str, str]) -> list[str]:
    """Repo paths whose bodies were transferred: resolve GETs, and LFS GETs mapped back by oid."""
    out = []
    for line in lines:
        if not line.startswith("GET "):
            continue
        m = re.match(rf"GET /kernels/{REPO}/resolve/{commit}/(\S+) 200 ", line)
        if m:
            out.append(m.group(1))
        m = re.match(r"GET /lfs-objects/([0-9a-f]{64}) 20[06] ", line)
        if m:
            out.append(oids[m.group(1)])
    return sorted(out)


def lfs_oids(root: Path) -> dict[str, str]:
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p.relative_to(root).as_posix()
            for p in root.rglob("*.so")}


def test_hub_check_fetches_only_what_the_variant_needs(hub, env, tmp_path_factory, objects):
    root = tmp_path_factory.mktemp("ref")
    kernel_tree(root, objects)
    before = len(hub.request_log())
    r = check([REPO, "--version", "1", "--variant", CUDA, "--json"], env)
    doc = json.loads(r.stdout)
    commit = doc["source"]["commit"]
    assert doc["source"] == {"kind": "hub", "repo_id": REPO, "revision": "v1", "commit": commit, "branch_version": 1}
    lines = hub.request_log()[before:]
    # No digest in this variant: metadata.json and the shared object, nothing else.
    assert fetched_files(lines, commit, lfs_oids(root)) == [
        f"build/{CUDA}/_relu_cuda_0a1b2c3.abi3.so", f"build/{CUDA}/metadata.json"]
    assert [v["name"] for v in doc["variants"]] == [CUDA]
    assert doc["summary"]["variants_available"] == 3
    assert sorted(f["path"] for f in doc["fetched"]) == [f"build/{CUDA}/_relu_cuda_0a1b2c3.abi3.so",
                                                        f"build/{CUDA}/metadata.json"]
    if glibc_234(objects["glibc"]):
        assert r.returncode == 1
        errors = [f for f in doc["variants"][0]["findings"] if f["severity"] == "error"]
        assert {(f["rule"], f["symbol"], f["file"]) for f in errors} == {
            ("manylinux", "pthread_create", "_relu_cuda_0a1b2c3.abi3.so")}
        assert doc["variants"][0]["libraries"][0]["required_versions"]["GLIBC"]["tag"] == "GLIBC_2.34"

    # A second check costs no transfer: the blobs are in the cache.
    before = len(hub.request_log())
    again = check([REPO, "--version", "1", "--variant", CUDA, "--json"], env)
    assert again.returncode == r.returncode
    assert fetched_files(hub.request_log()[before:], commit, lfs_oids(root)) == []
    assert all(f["cached"] for f in json.loads(again.stdout)["fetched"])


def test_hub_check_reports_per_variant(hub, env, tmp_path_factory, objects):
    root = tmp_path_factory.mktemp("ref")
    kernel_tree(root, objects)
    before = len(hub.request_log())
    r = check([REPO, "--json"], env)  # default: the highest version (v2)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["source"]["revision"] == "v2" and doc["source"]["branch_version"] == 2
    by_name = {v["name"]: v for v in doc["variants"]}
    assert set(by_name) == {UNIVERSAL, CPU, CUDA}
    # Every variant: its metadata says version 1 but it sits on branch v2.
    for v in doc["variants"]:
        assert any(f["rule"] == "metadata" and f["message"] == "`version` is 1 but the variant is on branch v2"
                   for f in v["findings"]), v["findings"]
    # The digest of torch-universal: _ops.py changed after it was written.
    universal = [f for f in by_name[UNIVERSAL]["findings"] if f["rule"] == "digest"]
    assert len(universal) == 1 and universal[0]["file"] == "_ops.py"
    assert universal[0]["message"].startswith("File hash mismatch for _ops.py: expected: ")
    assert by_name[CPU]["digest"] == {"algorithm": "sha256", "files": 4}
    # Fetched: metadata + shared objects of every variant, plus the non-LFS files the digests
    # need (the .so digests come from the LFS oids in the listing).
    commit = doc["source"]["commit"]
    got = fetched_files(hub.request_log()[before:], commit, lfs_oids(root))
    expected = sorted([f"build/{v}/metadata.json" for v in (CPU, CUDA, UNIVERSAL)] +
                      [f"build/{CPU}/_relu_cpu_0a1b2c3.abi3.so", f"build/{CUDA}/_relu_cuda_0a1b2c3.abi3.so"] +
                      [f"build/{v}/{f}" for v in (CPU, UNIVERSAL) for f in ("__init__.py", "_ops.py", "relu/__init__.py")])
    # Blobs shared with v1 (same content) may already be cached from another test.
    assert set(got) <= set(expected), got
    text = check([REPO], env)
    assert text.returncode == 1
    assert f"Checking {REPO}, revision v2 (commit {commit[:12]})" in text.stdout
    assert "signature: not checked" in text.stdout and "verified" not in text.stdout
    assert text.stderr.startswith("error: the kernel is not compliant")


def test_local_check_text_and_exit_codes(tmp_path, env, objects):
    k = tmp_path / "k"
    write_variant(k, CPU, {"_relu_cpu_0a1b2c3.abi3.so": objects["ok"]}, "cpu")
    r = check([str(k)], env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{CPU}: ✅ compliant" in r.stdout
    assert r.stdout.rstrip().endswith("Compliant: 1 of 1 variant compliant, 0 errors, 0 warnings")
    assert r.stderr == ""

    write_variant(k, "torch211-cxx11-cu130-x86_64-linux", {"_py.abi3.so": objects["python"]}, "cuda")
    r = check([str(k)], env)
    assert r.returncode == 1
    assert "error [python-abi] _py.abi3.so: `PyCode_New` is not part of the Python stable ABI (abi3)" in r.stdout
    assert "error [python-abi] _py.abi3.so: `PyModule_AddType` joined the Python stable ABI in 3.10" in r.stdout
    assert check([str(k), "--python-abi", "3.10", "--variant", CUDA], env).stdout.count("error [python-abi]") == 1
    # --variant takes one value per occurrence: the positional after it stays the kernel.
    one = check(["--variant", CPU, str(k), "--json"], env)
    assert one.returncode == 0 and [v["name"] for v in json.loads(one.stdout)["variants"]] == [CPU]


@pytest.mark.parametrize("args,message", [
    (["--variant", "torch-nope"], "--variant torch-nope:"),
    (["--manylinux", "manylinux_3_0"], "Unknown manylinux version: manylinux_3_0"),
    (["--python-abi", "three"], "invalid value for --python-abi: 'three'"),
    (["--revision", "v1"], "--revision and --version cannot be used with a local path"),
])
def test_usage_errors_exit_2(tmp_path, env, objects, args, message):
    k = tmp_path / "k"
    write_variant(k, CPU, {}, "cpu")
    r = check([str(k), *args], env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert message in r.stderr and "hint:" in r.stderr


def test_missing_repo_and_bad_path(env):
    r = check(["org/does-not-exist"], env)
    assert r.returncode == 1 and r.stderr.startswith("error:"), r.stderr
    r = check(["./no/such/dir"], env)
    assert r.returncode == 2 and "is neither a directory nor a Hub repo id" in r.stderr


def test_kernel_builder_check_abi_prints_upstreams_text(tmp_path, env, objects):
    builder = BIN_DIR / "kernel-builder"
    if not builder.exists():
        pytest.skip("kernel-builder not built")
    k = tmp_path / "k"
    write_variant(k, CPU, {"_a.so": objects["python"]}, "cpu")
    r = run([str(builder), "check-abi", str(k)], env)
    path = (k / "build" / CPU / "_a.so").resolve()
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.startswith(
        f"🐍 Checking for compatibility with manylinux_2_28 and Python ABI version 3.9: {path}\n"
        "\n⛔ Symbols >= Python ABI 3.9 found:\n\nPyModule_AddType: 3.10\n"
        "\n⛔ Non-ABI3 symbols found:\n\nPyCode_New\n")
    assert "error: ABI compatibility issues found" in r.stderr
    ok = tmp_path / "ok"
    write_variant(ok, CPU, {"_a.so": objects["ok"]}, "cpu")
    r = run([str(builder), "check-abi", str(ok)], env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.endswith("✅ No compatibility issues found\n")
