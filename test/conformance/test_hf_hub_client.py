"""kernels-hub against the real huggingface_hub client: refs, trees (with LFS fields),
repo info, hf_hub_download (regular and LFS files, by branch, full ref and commit),
snapshot_download with patterns, model repos, and the three "not found" errors.
Expected ids come from `git` run on the bare repositories the server stores."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
import hf_env  # noqa: E402

_HF_HOME = hf_env.isolate()  # before huggingface_hub is imported

import pytest  # noqa: E402
from huggingface_hub import HfApi, hf_hub_download, snapshot_download  # noqa: E402
from huggingface_hub.errors import (  # noqa: E402
    EntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from hub import Hub, write_tree  # noqa: E402

KERNEL = "org/relu"
MODEL = "org/tiny-model"
OPS = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 400  # binary → LFS
OPS_V1 = b"\x7fELF\x00v1" + os.urandom(5000)
XBIN = b"\x00\x01\x02" * 1000

MAIN_FILES = {
    "README.md": "# relu\n",
    "build/torch-cuda/__init__.py": "from ._ops import ops\n",
    "build/torch-cuda/_ops.so": OPS,
    "build/torch-cuda/metadata.json": '{"python-depends": []}\n',
    "build/torch-cpu/__init__.py": "",
    "build/x/a.txt": "a\n",
    "build/x/b.bin": XBIN,
    "build/y/c.txt": "c\n",
}
V1_FILES = {
    "README.md": "# relu v1\n",
    "build/torch-cuda/_ops.so": OPS_V1,
    "build/torch-cuda/metadata.json": '{"version": 1}\n',
}
MODEL_FILES = {
    "config.json": '{"hidden": 8}\n',
    "model.safetensors": b"\x00" * 64 + b"weights",
    "sub/notes.txt": "notes\n",
}


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(git_dir), *args], check=True, capture_output=True, text=True).stdout


def ls_tree(git_dir: Path, rev: str) -> dict[str, tuple[str, str]]:
    """path → (type, oid) for every entry below REV's root, folders included."""
    out = {}
    for line in git(git_dir, "ls-tree", "-r", "-t", rev).splitlines():
        meta, path = line.split("\t", 1)
        _mode, kind, oid = meta.split()
        out[path] = (kind, oid)
    return out


def lfs_pointer(content: bytes) -> bytes:
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{hashlib.sha256(content).hexdigest()}\n"
            f"size {len(content)}\n").encode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    base = tmp_path_factory.mktemp("hfhub")
    with Hub(root=base / "root") as h:
        h.main_sha = h.commit(KERNEL, write_tree(base / "main", MAIN_FILES), branch="main")
        h.v1_sha = h.commit(KERNEL, write_tree(base / "v1", V1_FILES), branch="v1")
        h.pr_sha = h.branch(KERNEL, "refs/pr/1", from_rev="v1")
        h.model_sha = h.commit(MODEL, write_tree(base / "model", MODEL_FILES), repo_type="model")
        yield h


@pytest.fixture(scope="module")
def api(hub):
    return HfApi(endpoint=hub.url, token=False)


def test_list_repo_refs_matches_git(hub, api):
    gd = hub.git_dir(KERNEL)
    refs = api.list_repo_refs(KERNEL, repo_type="kernel")
    branches = {b.name: b for b in refs.branches}
    assert set(branches) == {"main", "v1"}
    for name, info in branches.items():
        assert info.ref == f"refs/heads/{name}"
        assert info.target_commit == git(gd, "rev-parse", f"refs/heads/{name}").strip()
    assert refs.tags == []
    assert refs.converts == []
    assert refs.pull_requests is None

    with_prs = api.list_repo_refs(KERNEL, repo_type="kernel", include_pull_requests=True)
    assert [(p.ref, p.target_commit) for p in with_prs.pull_requests] == [("refs/pr/1", hub.v1_sha)]


def test_list_repo_tree_recursive_matches_git_and_lfs(hub, api):
    expected = ls_tree(hub.git_dir(KERNEL), "main")
    entries = list(api.list_repo_tree(KERNEL, repo_type="kernel", recursive=True))
    assert {e.path for e in entries} == set(expected)
    for e in entries:
        kind, oid = expected[e.path]
        if kind == "tree":
            assert e.tree_id == oid, e.path
            continue
        assert e.blob_id == oid, e.path
        content = MAIN_FILES[e.path]
        raw = content.encode() if isinstance(content, str) else content
        assert e.size == len(raw), e.path
        if e.path in ("build/torch-cuda/_ops.so", "build/x/b.bin"):
            assert e.lfs is not None, e.path
            assert e.lfs.sha256 == hashlib.sha256(raw).hexdigest()
            assert e.lfs.size == len(raw)
            assert e.lfs.pointer_size == len(lfs_pointer(raw))
            assert oid == hashlib.sha1(b"blob %d\0" % len(lfs_pointer(raw)) + lfs_pointer(raw)).hexdigest()
        else:
            assert e.lfs is None, e.path


def test_list_repo_tree_folder_non_recursive(hub, api):
    entries = list(api.list_repo_tree(KERNEL, path_in_repo="build", repo_type="kernel"))
    assert sorted((e.path, type(e).__name__) for e in entries) == [
        ("build/torch-cpu", "RepoFolder"), ("build/torch-cuda", "RepoFolder"),
        ("build/x", "RepoFolder"), ("build/y", "RepoFolder")]
    # What `kernels versions` sends: the full ref as revision (percent-encoded by the client).
    v1 = list(api.list_repo_tree(KERNEL, path_in_repo="build", repo_type="kernel", revision="refs/heads/v1"))
    assert [e.path for e in v1] == ["build/torch-cuda"]
    nested = list(api.list_repo_tree(KERNEL, path_in_repo="build/torch-cuda", repo_type="kernel"))
    assert sorted(e.path for e in nested) == ["build/torch-cuda/__init__.py", "build/torch-cuda/_ops.so",
                                              "build/torch-cuda/metadata.json"]


def test_repo_info_sha_per_revision(hub, api):
    gd = hub.git_dir(KERNEL)
    assert api.repo_info(KERNEL, repo_type="kernel").sha == git(gd, "rev-parse", "main").strip()
    assert api.repo_info(KERNEL, repo_type="kernel", revision="v1").sha == hub.v1_sha
    assert api.repo_info(KERNEL, repo_type="kernel", revision="refs/heads/v1").sha == hub.v1_sha
    assert api.repo_info(KERNEL, repo_type="kernel", revision=hub.v1_sha).sha == hub.v1_sha
    assert api.repo_info(KERNEL, repo_type="kernel", revision=hub.v1_sha[:7]).sha == hub.v1_sha
    assert api.repo_info(KERNEL, repo_type="kernel", revision="refs/pr/1").sha == hub.pr_sha
    info = api.repo_info(KERNEL, repo_type="kernel")
    assert info.id == KERNEL
    assert info.author == "org"
    assert info.private is False
    assert info.last_modified is not None


@pytest.mark.parametrize("filename", ["README.md", "build/torch-cuda/_ops.so", "build/torch-cuda/metadata.json"])
def test_hf_hub_download_main(hub, tmp_path, filename):
    path = hf_hub_download(KERNEL, filename, repo_type="kernel", endpoint=hub.url, cache_dir=tmp_path, token=False)
    content = MAIN_FILES[filename]
    assert Path(path).read_bytes() == (content.encode() if isinstance(content, str) else content)
    folder = tmp_path / "kernels--org--relu"
    assert (folder / "refs" / "main").read_text() == hub.main_sha
    assert Path(path).is_relative_to(folder / "snapshots" / hub.main_sha)
    # Blob naming: sha256 for LFS files, git blob sha1 for regular ones.
    blob = Path(os.path.realpath(path)).name
    raw = content.encode() if isinstance(content, str) else content
    if filename.endswith(".so"):
        assert blob == hashlib.sha256(raw).hexdigest()
    else:
        assert blob == hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


@pytest.mark.parametrize("revision", ["refs/heads/v1", "v1", "commit"])
def test_hf_hub_download_at_revision(hub, tmp_path, revision):
    rev = hub.v1_sha if revision == "commit" else revision
    for filename in ("build/torch-cuda/_ops.so", "README.md"):
        path = hf_hub_download(KERNEL, filename, repo_type="kernel", revision=rev, endpoint=hub.url,
                               cache_dir=tmp_path, token=False)
        content = V1_FILES[filename]
        assert Path(path).read_bytes() == (content.encode() if isinstance(content, str) else content)
        assert f"snapshots/{hub.v1_sha}/" in path


def test_snapshot_download_with_patterns(hub, tmp_path):
    folder = snapshot_download(KERNEL, repo_type="kernel", allow_patterns=["build/x/*"], endpoint=hub.url,
                               cache_dir=tmp_path, token=False)
    got = sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())
    assert got == ["build/x/a.txt", "build/x/b.bin"]
    assert (Path(folder) / "build/x/b.bin").read_bytes() == XBIN
    assert Path(folder).name == hub.main_sha


def test_model_repo(hub, tmp_path):
    api = HfApi(endpoint=hub.url, token=False)
    refs = api.list_repo_refs(MODEL)
    assert [(b.name, b.target_commit) for b in refs.branches] == [("main", hub.model_sha)]
    info = api.model_info(MODEL)
    assert info.sha == hub.model_sha
    assert sorted(s.rfilename for s in info.siblings) == sorted(MODEL_FILES)
    detailed = api.model_info(MODEL, files_metadata=True)
    weights = next(s for s in detailed.siblings if s.rfilename == "model.safetensors")
    assert weights.lfs is not None
    assert weights.lfs.sha256 == hashlib.sha256(MODEL_FILES["model.safetensors"]).hexdigest()
    expected = ls_tree(hub.git_dir(MODEL, "model"), "main")
    tree = {e.path: e for e in api.list_repo_tree(MODEL, recursive=True)}
    assert set(tree) == set(expected)
    assert tree["config.json"].blob_id == expected["config.json"][1]

    path = hf_hub_download(MODEL, "model.safetensors", endpoint=hub.url, cache_dir=tmp_path, token=False)
    assert Path(path).read_bytes() == MODEL_FILES["model.safetensors"]
    folder = snapshot_download(MODEL, endpoint=hub.url, cache_dir=tmp_path / "snap", token=False)
    assert (Path(folder) / "sub/notes.txt").read_text() == "notes\n"
    assert (Path(folder) / "model.safetensors").read_bytes() == MODEL_FILES["model.safetensors"]


def test_not_found_errors(hub, api, tmp_path):
    with pytest.raises(RevisionNotFoundError):
        list(api.list_repo_tree(KERNEL, repo_type="kernel", revision="invalid"))
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(KERNEL, "README.md", repo_type="kernel", revision="nope", endpoint=hub.url,
                        cache_dir=tmp_path, token=False)
    with pytest.raises(RepositoryNotFoundError):
        api.repo_info("org/missing", repo_type="kernel")
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_refs("org/missing", repo_type="kernel")
    # The model exists, but not as a kernel: the kernel route says RepoNotFound.
    with pytest.raises(RepositoryNotFoundError):
        api.list_repo_refs(MODEL, repo_type="kernel")
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(KERNEL, "kernel-status.toml", repo_type="kernel", endpoint=hub.url, cache_dir=tmp_path,
                        token=False)
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree(KERNEL, path_in_repo="nope", repo_type="kernel"))
    assert not api.file_exists(KERNEL, "nope.txt", repo_type="kernel")
    assert api.file_exists(KERNEL, "build/torch-cuda/_ops.so", repo_type="kernel")
