"""Hostile output: a hub (a front rewriting a real kernels-hub) whose ref names, tree paths,
metadata.json fields and error messages (X-Error-Message, JSON "error") carry ESC/BEL/C1
controls, bidi overrides (U+202E, U+2066), invalid UTF-8 and "\\n error: FAKE" lines. For
`kernels versions/info/lock/check/download` (text, --json, -v/-vv) nothing of it reaches
stdout or stderr raw: both are valid UTF-8 without a control or format character (line
breaks aside), no line starts with a forged `error:`/`hint:`/`caused by:`, and --json is
valid JSON holding the original strings."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from evil_hub import EvilFront  # noqa: E402
from fake_torch import make_torch_dir  # noqa: E402
from hub import Hub, write_tree  # noqa: E402
from kcpp import base_env, binary  # noqa: E402
from lock_support import write_project  # noqa: E402
from reliability import kernel_files, record  # noqa: E402

CU = "torch211-cxx11-cu130-x86_64-linux"
REPO = "rel/hostile"
FAKE = "\n error: FAKE"
# What a server may put in any string it sends.
HOSTILE = "\x1b[31mRED\x1b]0;title\x07\u009b31mC1\u202eRLO\u2066ISO" + FAKE
BIDI_VARIANT = "torch-bidi\u202etxt"
C1_VARIANT = "torch-c1\u009b31m"
# kernels-hub refuses control characters in commit paths, so the C1 variant is stored under
# this name and the front lists it (and maps requests for it back) as C1_VARIANT.
C1_STORED = "torch-c1-x9b31m"
C1_IN_URL = "torch-c1%C2%9B31m"
# Only a front can list these (C0 controls in a path); download and check refuse them.
C0_DIRS = ["build/torch-esc\x1b[2J\x07", "build/torch-nl" + FAKE]
HEADER_MESSAGE = "no such repo \x1b[2J\x07\u009b1m\u202e\xff\xfe"  # as UTF-8 bytes on the wire
BODY_MESSAGE = "gone \x1b[31m" + FAKE + "\r\nhint: FAKE"

# C0 (but \n), DEL, C1, and the format characters / separators escape_controls escapes.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")
FORGED = re.compile(r"^\s*(error|hint|caused by|warning|info|debug): FAKE")

TALLY = {"cases": 0, "held": 0, "outputs_scanned": 0}


def run_raw(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary("kernels")), *args], env=env, capture_output=True, timeout=timeout)


def problems(raw: bytes) -> list[str]:
    """What is wrong with one output stream (empty: terminal-safe)."""
    TALLY["outputs_scanned"] += 1
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return [f"invalid UTF-8: {e}"]
    out = [f"raw {m.group()!r} at {m.start()}" for m in UNSAFE.finditer(text)][:5]
    out += [f"forged line {line!r}" for line in text.split("\n") if FORGED.match(line)]
    return out


def case(p: subprocess.CompletedProcess, expect_rc: int | None = None) -> None:
    """Counts one command run; asserts both streams are safe (and the exit code)."""
    bad = problems(p.stdout) + problems(p.stderr)
    ok = not bad and (expect_rc is None or p.returncode == expect_rc) and b"Segmentation" not in p.stderr
    TALLY["cases"] += 1
    TALLY["held"] += int(ok)
    record("hostile output", dict(TALLY))
    assert not bad, f"{bad}\nstdout={p.stdout[:2000]!r}\nstderr={p.stderr[:2000]!r}"
    assert expect_rc is None or p.returncode == expect_rc, (p.returncode, p.stderr[:2000])


def errors_of(p: subprocess.CompletedProcess) -> list[str]:
    return [line for line in p.stderr.decode().split("\n") if line.startswith("error:")]


def latin1_of_utf8(s: str) -> str:
    """S as the UTF-8 bytes a header carries (http.server writes header values as latin-1)."""
    return s.encode("utf-8").decode("latin-1")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    files = kernel_files("hostile", [CU], seed=5, so_size=2000)
    meta = json.loads(files[f"build/{CU}/metadata.json"])
    meta["license"] = HOSTILE
    meta_text = json.dumps(meta, indent=2)
    files[f"build/{CU}/metadata.json"] = meta_text
    for v in (BIDI_VARIANT, C1_STORED):  # committed for real; C1_STORED is listed as C1_VARIANT
        files[f"build/{v}/__init__.py"] = "x = 1\n"
        files[f"build/{v}/metadata.json"] = meta_text
    # An invalid field, quoted by the error that rejects it.
    files[f"build/{C1_STORED}/metadata.json"] = json.dumps(dict(meta, source=HOSTILE), indent=2)
    with Hub(root=root / "hub", extra_args=["--trusted-publisher", "rel"]) as hub:
        sha = hub.commit(REPO, write_tree(root / "src", files), branch="v1")
        project = write_project(root / "proj", {REPO: 1})
        locked = root / "locked"
        locked.mkdir()
        (locked / "kernels.lock").write_text(json.dumps(
            [{"dependency": {"repo-id": REPO, "version": 1}, "lock": {"commit": sha}}], indent=2))
        missing = root / "missing"
        write_project(missing, {"rel/missing": 1})
        (missing / "kernels.lock").write_text(json.dumps(
            [{"dependency": {"repo-id": "rel/missing", "version": 1}, "lock": {"commit": sha}}], indent=2))
        yield {"root": root, "hub": hub, "sha": sha, "meta": meta, "project": project, "locked": locked,
               "missing": missing, "torch": make_torch_dir(root / "torch", version="2.11.0+cu130", cuda="13.0")}


def front(world, c0_paths: bool) -> EvilFront:
    sha = world["sha"]

    def tree_rewrite(entries):
        for e in entries:
            e["path"] = e["path"].replace(C1_STORED, C1_VARIANT)
        if not c0_paths:
            return entries
        return entries + [{"type": "directory", "oid": "0" * 40, "size": 0, "path": p} for p in C0_DIRS]

    def path_rewrite(path):
        return path.replace(C1_IN_URL, C1_STORED)

    def json_rewrite(path, doc):
        if path.endswith("/refs") and isinstance(doc, dict):
            for name in ("v1\x1b[2J", "v2\u202e", "main" + FAKE):
                doc.setdefault("branches", []).append({"name": name, "ref": "refs/heads/" + name,
                                                       "targetCommit": sha})
        return doc

    def rule(method, path):
        if "/rel/missing" in path:
            return (404, [("X-Error-Message", latin1_of_utf8(HEADER_MESSAGE)),
                          ("Content-Type", "application/json")], json.dumps({"error": "x"}).encode())
        if "/rel/gone" in path:  # no header: the JSON body's "error", with line breaks
            return (404, [("Content-Type", "application/json")], json.dumps({"error": BODY_MESSAGE}).encode())
        if "/rel/forbidden" in path:
            return (403, [("X-Error-Message", latin1_of_utf8(HOSTILE.replace("\n", " ")))], b"")
        return None

    return EvilFront(world["hub"].url, tree_rewrite=tree_rewrite, json_rewrite=json_rewrite, rule=rule,
                     path_rewrite=path_rewrite)


@pytest.fixture
def env_a(world, tmp_path):
    """A front listing C0-named directories too."""
    with front(world, c0_paths=True) as evil:
        yield base_env(evil.url, tmp_path / "home", world["torch"])


@pytest.fixture
def env_b(world, tmp_path):
    """A front whose paths are legal (bidi and C1 names only): commands succeed."""
    with front(world, c0_paths=False) as evil:
        yield base_env(evil.url, tmp_path / "home", world["torch"])


def test_versions(world, env_a):
    for args in (["versions", REPO], ["versions", REPO, "--compact"], ["-vv", "versions", REPO]):
        p = run_raw(args, env_a)
        case(p, 0)
        assert "\\u202e" in p.stdout.decode() and "\\x0a error: FAKE" in p.stdout.decode()
    p = run_raw(["versions", REPO, "--json"], env_a)
    case(p, 0)
    names = {v["name"] for v in json.loads(p.stdout)["versions"][0]["variants"]}
    assert {BIDI_VARIANT, C1_VARIANT, "torch-esc\x1b[2J\x07", "torch-nl" + FAKE} <= names


def test_info(world, env_a):
    for args in (["info", REPO], ["-v", "info", REPO]):
        p = run_raw(args, env_a)
        case(p, 0)
        assert "License: \\x1b[31mRED" in p.stdout.decode()
    p = run_raw(["info", REPO, "--json"], env_a)
    case(p, 0)
    assert json.loads(p.stdout)["license"] == HOSTILE


def test_check(world, env_a, env_b):
    p = run_raw(["check", REPO], env_a)  # a C0 path: refused, the error shows it escaped
    case(p, 1)
    assert "\\x1b[2J" in errors_of(p)[0]
    case(run_raw(["check", REPO, "--json"], env_a), 1)
    p = run_raw(["check", REPO], env_b)
    case(p)
    assert "\\u202e" in p.stdout.decode()
    p = run_raw(["check", REPO, "--json"], env_b)
    case(p)
    assert {BIDI_VARIANT, C1_VARIANT} <= {v["name"] for v in json.loads(p.stdout)["variants"]}


def test_lock(world, env_a, env_b):
    for args in (["lock", str(world["project"])], ["-vv", "lock", str(world["project"])]):
        p = run_raw(args, env_a)  # a noarch variant without metadata.json: its name in the error
        case(p, 1)
        assert len(errors_of(p)) == 1
    p = run_raw(["-v", "lock", str(world["project"])], env_b)  # the invalid source URL, quoted
    case(p, 1)
    assert "invalid git URL `\\x1b[31mRED" in errors_of(p)[0]


def test_download(world, env_a, env_b):
    p = run_raw(["download", str(world["locked"])], env_a)
    case(p, 1)
    assert any("\\x1b[2J" in e or "\\x0a error: FAKE" in e for e in errors_of(p))
    case(run_raw(["download", str(world["locked"]), "--json"], env_a), 1)
    p = run_raw(["download", str(world["locked"]), "--all-variants"], env_b)
    case(p, 0)
    assert "torch-bidi\\u202etxt" in p.stdout.decode()
    p = run_raw(["download", str(world["locked"]), "--all-variants", "--json"], env_b)
    case(p, 0)
    paths = [v["path"] for v in json.loads(p.stdout)["kernels"][0]["variants"]]
    assert any(path.endswith("/" + BIDI_VARIANT) and Path(path).is_dir() for path in paths), paths
    case(run_raw(["-v", "download", str(world["locked"])], env_b), 0)


@pytest.mark.parametrize("args", [
    ["versions", "rel/missing"], ["-vv", "versions", "rel/missing"], ["info", "rel/gone"],
    ["info", "rel/forbidden"], ["check", "rel/missing"], ["lock", "{missing}"], ["download", "{missing}"],
])
def test_server_error_messages(world, env_a, args):
    p = run_raw([a.format(missing=world["missing"]) for a in args], env_a)
    case(p, 1)
    text = p.stderr.decode()
    assert "\\x1b[2J" in text or "\\x1b[31m" in text, text
