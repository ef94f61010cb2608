"""kernels-hub's write API against the real huggingface_hub client: create_repo (+ exist_ok),
create_branch, upload_folder (regular + LFS files through preupload, LFS batch/PUT/verify and
the NDJSON commit), stale parent_commit (412), create_pr (refs/pr/N), and token checks.
huggingface_hub refuses commits to kernel repos client-side, so this uses model repos.
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
import requests  # noqa: E402
from huggingface_hub import CommitOperationAdd, HfApi, hf_hub_download  # noqa: E402
from huggingface_hub.errors import HfHubHTTPError  # noqa: E402

from hub import Hub, write_tree  # noqa: E402

TOKEN = "hf_write_test_token"
REPO = "org/uploaded"
BIN = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 300  # binary → LFS
TEXT = "# uploaded\n"


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(git_dir), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def hub():
    with Hub(tokens=[TOKEN]) as h:
        yield h


@pytest.fixture(scope="module")
def api(hub):
    return HfApi(endpoint=hub.url, token=TOKEN)


@pytest.fixture(scope="module")
def uploaded(hub, api, tmp_path_factory):
    url = api.create_repo(REPO)
    assert str(url).endswith("/org/uploaded")
    api.create_repo(REPO, exist_ok=True)  # 409 → fine
    src = write_tree(tmp_path_factory.mktemp("src"), {"README.md": TEXT, "build/x/_ops.so": BIN})
    info = api.upload_folder(repo_id=REPO, folder_path=str(src), commit_message="first upload")
    return info


def test_create_repo_conflict_without_exist_ok(hub, api, uploaded):
    with pytest.raises(HfHubHTTPError) as e:
        api.create_repo(REPO)
    assert e.value.response.status_code == 409


def test_upload_folder_regular_and_lfs(hub, api, uploaded):
    git_dir = hub.git_dir(REPO, repo_type="model")
    head = git(git_dir, "rev-parse", "refs/heads/main")
    assert uploaded.oid == head
    assert git(git_dir, "log", "-1", "--format=%s", head) == "first upload"
    # README is a regular blob, _ops.so an LFS pointer.
    readme_id = git(git_dir, "rev-parse", f"{head}:README.md")
    assert git(git_dir, "cat-file", "-p", readme_id) + "\n" == TEXT
    pointer = git(git_dir, "cat-file", "-p", f"{head}:build/x/_ops.so")
    assert f"oid sha256:{hashlib.sha256(BIN).hexdigest()}" in pointer
    assert f"size {len(BIN)}" in pointer
    tree = git(git_dir, "ls-tree", "-r", "--name-only", head).splitlines()
    assert tree == ["README.md", "build/x/_ops.so"]
    # Read back through the read API.
    assert Path(hf_hub_download(REPO, "README.md", endpoint=hub.url)).read_text() == TEXT
    assert Path(hf_hub_download(REPO, "build/x/_ops.so", endpoint=hub.url)).read_bytes() == BIN


def test_create_branch_and_commit_to_it(hub, api, uploaded):
    api.create_branch(REPO, branch="v1")
    api.create_branch(REPO, branch="v1", exist_ok=True)
    git_dir = hub.git_dir(REPO, repo_type="model")
    assert git(git_dir, "rev-parse", "refs/heads/v1") == uploaded.oid
    info = api.create_commit(REPO, operations=[CommitOperationAdd("v1.txt", b"v1\n")], commit_message="v1",
                             revision="v1")
    assert git(git_dir, "rev-parse", "refs/heads/v1") == info.oid
    assert git(git_dir, "rev-parse", "refs/heads/main") == uploaded.oid
    api.delete_branch(REPO, branch="v1")
    assert "v1" not in [b.name for b in api.list_repo_refs(REPO).branches]


def test_stale_parent_commit_is_412(hub, api, uploaded):
    git_dir = hub.git_dir(REPO, repo_type="model")
    api.create_commit(REPO, operations=[CommitOperationAdd("a.txt", b"a\n")], commit_message="a")
    stale = uploaded.oid
    assert git(git_dir, "rev-parse", "refs/heads/main") != stale
    before = git(git_dir, "rev-parse", "refs/heads/main")
    with pytest.raises(HfHubHTTPError) as e:
        api.create_commit(REPO, operations=[CommitOperationAdd("b.txt", b"b\n")], commit_message="b",
                          parent_commit=stale)
    assert e.value.response.status_code == 412
    assert git(git_dir, "rev-parse", "refs/heads/main") == before


def test_create_pr(hub, api, uploaded):
    git_dir = hub.git_dir(REPO, repo_type="model")
    main_before = git(git_dir, "rev-parse", "refs/heads/main")
    info = api.create_commit(REPO, operations=[CommitOperationAdd("pr.txt", b"pr\n")], commit_message="pr",
                             create_pr=True)
    assert info.pr_num == 1
    assert git(git_dir, "rev-parse", "refs/pr/1") == info.oid
    assert git(git_dir, "rev-parse", "refs/pr/1^") == main_before
    assert git(git_dir, "rev-parse", "refs/heads/main") == main_before


def test_no_token_and_wrong_token_are_401(hub, uploaded):
    for token in (None, "wrong"):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = requests.post(f"{hub.url}/api/repos/create", json={"name": "x", "organization": "org"}, headers=headers)
        assert r.status_code == 401, r.text
        assert r.headers.get("X-Error-Message")
        if token:
            assert r.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
    with pytest.raises(HfHubHTTPError) as e:
        HfApi(endpoint=hub.url, token="wrong").create_commit(
            REPO, operations=[CommitOperationAdd("c.txt", b"c\n")], commit_message="c")
    assert e.value.response.status_code == 401


def test_writes_refused_without_configured_tokens():
    with Hub() as h:
        r = requests.post(f"{h.url}/api/repos/create", json={"name": "x", "organization": "org"},
                          headers={"Authorization": "Bearer anything"})
        assert r.status_code == 401
        assert "--token" in r.headers["X-Error-Message"]


def test_lfs_upload_rejects_wrong_content(hub, uploaded):
    data = b"\x00" * 100
    oid = hashlib.sha256(data).hexdigest()
    r = requests.post(f"{hub.url}/{REPO}.git/info/lfs/objects/batch",
                      json={"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": 100}]},
                      headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.git-lfs+json"})
    assert r.status_code == 200, r.text
    href = r.json()["objects"][0]["actions"]["upload"]["href"]
    assert requests.put(href, data=b"\x01" * 100).status_code == 400
    assert not (hub.root / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).exists()
    assert requests.put(href, data=data).status_code == 200
    assert (hub.root / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).exists()
    r = requests.post(f"{hub.url}/{REPO}.git/info/lfs/objects/batch",
                      json={"operation": "upload", "objects": [{"oid": oid, "size": 100}]},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert "actions" not in r.json()["objects"][0]


def test_inline_binary_file_is_stored_as_lfs(hub, uploaded):
    """kernel-builder inlines files as base64 `file` lines; binary content still goes to LFS."""
    import base64
    import json
    data = b"\x00\x01" * 50
    lines = [{"key": "header", "value": {"summary": "inline"}},
             {"key": "file", "value": {"path": "inline.bin", "content": base64.b64encode(data).decode(),
                                       "encoding": "base64"}}]
    r = requests.post(f"{hub.url}/api/models/{REPO}/commit/main",
                      data="".join(json.dumps(x) + "\n" for x in lines),
                      headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    oid = r.json()["commitOid"]
    assert r.json()["commitUrl"].endswith(f"/{REPO}/commit/{oid}")
    pointer = git(hub.git_dir(REPO, repo_type="model"), "cat-file", "-p", f"{oid}:inline.bin")
    assert f"oid sha256:{hashlib.sha256(data).hexdigest()}" in pointer


def test_commit_errors(hub, uploaded):
    import json
    auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"}
    header = json.dumps({"key": "header", "value": {"summary": "x"}}) + "\n"
    missing = json.dumps({"key": "lfsFile", "value": {"path": "big.bin", "algo": "sha256", "oid": "b" * 64,
                                                      "size": 5}}) + "\n"
    r = requests.post(f"{hub.url}/api/models/{REPO}/commit/main", data=header + missing, headers=auth)
    assert r.status_code == 400 and "big.bin" in r.headers["X-Error-Message"]
    bad = json.dumps({"key": "file", "value": {"path": "../evil", "content": "x"}}) + "\n"
    r = requests.post(f"{hub.url}/api/models/{REPO}/commit/main", data=header + bad, headers=auth)
    assert r.status_code == 400
    r = requests.post(f"{hub.url}/api/models/{REPO}/commit/nope", data=header, headers=auth)
    assert r.status_code == 404 and r.headers["X-Error-Code"] == "RevisionNotFound"
    r = requests.post(f"{hub.url}/api/models/org/absent/commit/main", data=header, headers=auth)
    assert r.status_code == 404 and r.headers["X-Error-Code"] == "RepoNotFound"


def test_kernel_repo_over_raw_http(hub):
    """huggingface_hub refuses commits to kernel repos client-side; kernel-builder talks HTTP."""
    import base64
    import json
    auth = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.post(f"{hub.url}/api/repos/create", json={"name": "relu", "organization": "kern", "type": "kernel",
                                                            "private": False}, headers=auth)
    assert r.status_code == 200, r.text
    assert r.json()["url"] == f"{hub.url}/kernels/kern/relu"
    r = requests.post(f"{hub.url}/api/repos/create", json={"name": "relu", "organization": "kern", "type": "kernel"},
                      headers=auth)
    assert r.status_code == 409 and r.json()["url"] == f"{hub.url}/kernels/kern/relu"
    r = requests.post(f"{hub.url}/api/kernels/kern/relu/preupload/main", headers=auth,
                      json={"files": [{"path": "a.txt", "size": 2, "sample": base64.b64encode(b"a\n").decode()},
                                      {"path": "b.so", "size": 3, "sample": base64.b64encode(b"\x00bc").decode()},
                                      {"path": "big.txt", "size": 10 * 1024 * 1024, "sample": "eA=="}]})
    assert r.status_code == 200, r.text
    assert [f["uploadMode"] for f in r.json()["files"]] == ["regular", "lfs", "lfs"]
    body = "".join(json.dumps(x) + "\n" for x in [
        {"key": "header", "value": {"summary": "Uploaded using `kernel-builder`.", "description": ""}},
        {"key": "file", "value": {"path": "a.txt", "content": base64.b64encode(b"a\n").decode(), "encoding": "base64"}}])
    r = requests.post(f"{hub.url}/api/kernels/kern/relu/commit/main", data=body, headers=auth)
    assert r.status_code == 200, r.text
    oid = r.json()["commitOid"]
    git_dir = hub.git_dir("kern/relu", repo_type="kernel")
    assert git(git_dir, "rev-parse", "refs/heads/main") == oid
    r = requests.post(f"{hub.url}/api/kernels/kern/relu/branch/v1", json={}, headers=auth)
    assert r.status_code == 200, r.text
    r = requests.post(f"{hub.url}/api/kernels/kern/relu/branch/v1", json={}, headers=auth)
    assert r.status_code == 409
    assert git(git_dir, "rev-parse", "refs/heads/v1") == oid
    assert requests.delete(f"{hub.url}/api/kernels/kern/relu/branch/main", headers=auth).status_code == 403
    assert requests.delete(f"{hub.url}/api/kernels/kern/relu/branch/v1", headers=auth).status_code == 200
    assert requests.delete(f"{hub.url}/api/kernels/kern/relu/branch/v1", headers=auth).status_code == 404


def test_body_limits(hub, uploaded):
    """Anonymous writes are refused on their headers (401, the body never read; the connection
    closes and the session opens a new one); LFS uploads with a ticket may exceed httplib's old
    64 MiB cap."""
    with requests.Session() as session:
        r = session.post(f"{hub.url}/api/repos/create", data=b"x" * (2 * 1024 * 1024))
        assert r.status_code == 401
        assert r.headers.get("Connection") == "close"
        assert session.get(f"{hub.url}/api/models/{REPO}/refs").status_code == 200
        assert session.options(f"{hub.url}/api/models/{REPO}/refs").status_code == 405
    assert requests.options(f"{hub.url}/api/models/{REPO}/refs", data=b"x" * (2 * 1024 * 1024)).status_code == 413
    data = os.urandom(1024 * 1024) * 70  # 70 MiB
    oid = hashlib.sha256(data).hexdigest()
    r = requests.post(f"{hub.url}/{REPO}.git/info/lfs/objects/batch",
                      json={"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": len(data)}]},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    actions = r.json()["objects"][0]["actions"]
    assert requests.put(actions["upload"]["href"], data=data).status_code == 200
    r = requests.post(actions["verify"]["href"], json={"oid": oid, "size": len(data)},
                      headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200
