"""`kernel-builder build-and-upload` / `upload` end to end against a real kernels-hub: the CPU
example kernel (test/fixtures/kernels/relu-cpu) is built for a torch-shaped 2.11 install and
published; then our `kernels versions/lock/download` and the Python oracle's `kernels
versions/lock` see it; an unchanged re-upload reports no_changes; a replaced variant loses its
stale files while other variants stay; token and permission failures are clear."""
from __future__ import annotations

import json
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub  # noqa: E402
from kcpp import SOURCE_DIR, base_env, binary, oracle, ours, run  # noqa: E402
from lock_support import TrustFront  # noqa: E402

TOKEN = "hf_kcppWriteToken0123456789"
REPO = "kcpp-test/relu-cpu"
VARIANT = "torch211-cxx11-cpu-x86_64-linux"
OTHER = "torch210-cxx11-cpu-x86_64-linux"
FIXTURE = SOURCE_DIR / "test" / "fixtures" / "kernels" / "relu-cpu"


def builder(args, env, timeout=300):
    return run([str(binary("kernel-builder")), *args], env, timeout)


def tree(hub_url, revision, repo=REPO):
    url = f"{hub_url}/api/kernels/{repo}/tree/{revision}?recursive=1"
    with urllib.request.urlopen(url) as r:
        return sorted(e["path"] for e in json.load(r) if e["type"] == "file")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("upload")
    kernel = root / "relu-cpu"
    shutil.copytree(FIXTURE, kernel, ignore=shutil.ignore_patterns("build"))
    torch211 = make_torch_dir(root / "torch211", "2.11.0+cpu")
    torch210 = make_torch_dir(root / "torch210", "2.10.0+cpu")
    with Hub(root=root / "hub", tokens=[TOKEN]) as hub, TrustFront(hub.url, trusted={"kcpp-test"}) as front:
        env = base_env(hub.url, root / "home", torch211)
        env["HF_TOKEN"] = TOKEN
        yield {"root": root, "kernel": kernel, "hub": hub, "front": front, "env": env,
               "env210": {**base_env(hub.url, root / "home", torch210), "HF_TOKEN": TOKEN}}


@pytest.fixture(scope="module")
def first_upload(world):
    out = world["root"] / "upload.json"
    r = builder(["build-and-upload", str(world["kernel"]), "--repo-id", REPO, "--output-json", str(out)],
                world["env"])
    assert r.returncode == 0, r.stderr
    return r, json.loads(out.read_text())


def test_build_and_upload_publishes_the_variant(world, first_upload):
    r, result = first_upload
    assert "Found 1 build variant(s) in" in r.stderr
    assert "Using branch `v1` (new)" in r.stderr
    assert r.stdout.startswith(f"Kernel uploaded: {world['hub'].url}/kernels/{REPO}/tree/v1")
    assert result == {"status": "uploaded", "repo_id": REPO, "branch": "v1",
                      "url": f"{world['hub'].url}/kernels/{REPO}/tree/v1", "pull_requests": []}
    files = tree(world["hub"].url, "v1")
    local = sorted(f"build/{p.relative_to(world['kernel'] / 'build').as_posix()}"
                   for p in (world["kernel"] / "build" / VARIANT).rglob("*") if p.is_file())
    assert [f for f in files if f.startswith("build/")] == local
    assert f"build/{VARIANT}/metadata.json" in files


def test_our_versions_and_the_oracles_see_it(world, first_upload):
    ours_r = ours(["versions", REPO], world["env"])
    assert ours_r.returncode == 0, ours_r.stderr
    assert VARIANT in ours_r.stdout and "✅" in ours_r.stdout
    oracle_r = oracle(["versions", REPO], world["env"])
    assert oracle_r.returncode == 0, oracle_r.stderr
    assert ours_r.stdout == oracle_r.stdout


def test_lock_and_download(world, first_upload, tmp_path):
    env = {**world["env"], "HF_ENDPOINT": world["front"].url}
    for tool, d in (("ours", tmp_path / "a"), ("oracle", tmp_path / "b")):
        d.mkdir()
        (d / "pyproject.toml").write_text(f'[project]\nname = "p"\n\n[tool.kernels.dependencies]\n"{REPO}" = 1\n')
        r = (ours if tool == "ours" else oracle)(["lock", str(d)], env)
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "a" / "kernels.lock").read_bytes() == (tmp_path / "b" / "kernels.lock").read_bytes()
    r = ours(["download", str(tmp_path / "a")], env)
    assert r.returncode == 0, r.stderr


def test_unchanged_reupload_reports_no_changes(world, first_upload):
    out = world["root"] / "again.json"
    r = builder(["upload", str(world["kernel"]), "--repo-id", REPO, "--output-json", str(out)], world["env"])
    assert r.returncode == 0, r.stderr
    assert "No changes to upload." in r.stderr
    assert r.stdout == ""
    assert json.loads(out.read_text())["status"] == "no_changes"


def test_replacing_a_variant_deletes_its_stale_files_only(world, first_upload):
    env, kernel = world["env"], world["kernel"]
    # A second variant (torch 2.10) and an extra file in the first one.
    r = builder(["build", str(kernel)], world["env210"])
    assert r.returncode == 0, r.stderr
    (kernel / "build" / VARIANT / "stale.txt").write_text("soon gone\n")
    r = builder(["upload", str(kernel), "--repo-id", REPO], env)
    assert r.returncode == 0, r.stderr
    files = tree(world["hub"].url, "v1")
    assert f"build/{VARIANT}/stale.txt" in files and f"build/{OTHER}/metadata.json" in files
    # Upload only the 2.11 variant again, without the stale file: the 2.10 variant stays.
    (kernel / "build" / VARIANT / "stale.txt").unlink()
    shutil.move(str(kernel / "build" / OTHER), str(world["root"] / OTHER))
    r = builder(["upload", str(kernel), "--repo-id", REPO], env)
    assert r.returncode == 0, r.stderr
    files = tree(world["hub"].url, "v1")
    assert f"build/{VARIANT}/stale.txt" not in files
    assert f"build/{OTHER}/metadata.json" in files
    shutil.move(str(world["root"] / OTHER), str(kernel / "build" / OTHER))


def test_create_pr_opens_a_pull_request(world, first_upload):
    kernel = world["kernel"]
    (kernel / "build" / VARIANT / "pr-note.txt").write_text("proposed\n")
    try:
        r = builder(["upload", str(kernel), "--repo-id", REPO, "--create-pr", "-q"], world["env"])
    finally:
        (kernel / "build" / VARIANT / "pr-note.txt").unlink()
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"Pull request created: {world['hub'].url}/kernels/{REPO}/discussions/1"
    assert f"build/{VARIANT}/pr-note.txt" in tree(world["hub"].url, "refs%2Fpr%2F1")
    assert f"build/{VARIANT}/pr-note.txt" not in tree(world["hub"].url, "v1")


@pytest.mark.parametrize("token, needle", [(None, "401"), ("hf_wrongToken000000000000", "401")])
def test_token_failures_are_clear(world, first_upload, token, needle):
    env = dict(world["env"])
    env.pop("HF_TOKEN")
    if token:
        env["HF_TOKEN"] = token
    r = builder(["upload", str(world["kernel"]), "--repo-id", "kcpp-test/other"], env)
    assert r.returncode == 1
    assert "Cannot create repository" in r.stderr
    assert "HF_TOKEN" in r.stderr  # the hint
    assert TOKEN not in r.stderr and "hf_wrongToken" not in r.stderr


def test_missing_repo_id_uses_upstreams_message(world, tmp_path):
    shutil.copytree(world["kernel"] / "build", tmp_path / "build")
    r = builder(["upload", str(tmp_path)], world["env"])
    assert r.returncode == 2
    assert "--repo-id is not provided and cannot parse build.toml." in r.stderr


def test_no_variants(world, tmp_path):
    r = builder(["upload", str(tmp_path), "--repo-id", REPO], world["env"])
    assert r.returncode == 1
    assert "No build variants found in" in r.stderr


HF_READBACK = r"""
import hashlib, json, sys
from huggingface_hub import HfApi, hf_hub_download
api = HfApi(endpoint=sys.argv[1])
files = {e.path: e for e in api.list_repo_tree(sys.argv[2], repo_type="kernel", revision="v1", recursive=True)
         if hasattr(e, "size") and not hasattr(e, "tree_id")}
out = {}
for path in files:
    p = hf_hub_download(sys.argv[2], path, repo_type="kernel", revision="v1", endpoint=sys.argv[1],
                        cache_dir=sys.argv[3])
    out[path] = hashlib.sha256(open(p, "rb").read()).hexdigest()
print(json.dumps(out))
"""


def test_huggingface_hub_reads_our_commits(world, first_upload, tmp_path):
    import hashlib
    env = {k: v for k, v in world["env"].items() if k != "HF_TOKEN"}
    env["HF_HUB_DISABLE_TELEMETRY"] = "1"
    r = run([sys.executable, "-c", HF_READBACK, world["hub"].url, REPO, str(tmp_path / "cache")], env)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    variant_dir = world["kernel"] / "build" / VARIANT
    for p in variant_dir.rglob("*"):
        if p.is_file():
            key = f"build/{VARIANT}/{p.relative_to(variant_dir).as_posix()}"
            assert got[key] == hashlib.sha256(p.read_bytes()).hexdigest(), key
