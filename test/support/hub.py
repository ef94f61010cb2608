"""A real `kernels-hub` process as a test fixture.

    with Hub() as hub:                      # serve --port 0 on a fresh temp root
        sha = hub.commit("org/relu", write_tree(tmp / "src", {"README.md": "hi\n"}), branch="v1")
        ... talk HTTP to hub.url ...
        hub.request_log()                   # ["GET /api/kernels/org/relu/refs 200 123", ...]

The server always runs with `--request-log <root>/requests.log`; its stderr goes to
`<root>/serve.stderr` (quoted in errors when it fails to start). The binary comes from
`bin_dir`, else $KCPP_BIN_DIR, else <source>/build.
"""
from __future__ import annotations

import os
import selectors
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class HubError(RuntimeError):
    """kernels-hub failed to start, or a kernels-hub command failed."""


def _default_bin_dir() -> Path:
    env = os.environ.get("KCPP_BIN_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "build"


def write_tree(dest: Path, files: dict[str, bytes | str]) -> Path:
    """Materialises FILES ({"relative/path": content}) under DEST; returns DEST.
    str content is written as UTF-8, bytes as is."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    return dest


class Hub:
    """Context manager around `kernels-hub serve` (see the module docstring)."""

    def __init__(self, root=None, tokens=(), extra_args=(), bin_dir=None):
        self._owns_root = root is None
        self.root: Path = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="kernels-hub-"))
        self.binary: Path = Path(bin_dir or _default_bin_dir()) / "kernels-hub"
        self.tokens = tuple(tokens)
        self.extra_args = tuple(str(a) for a in extra_args)
        self.url: str = ""
        self.request_log_path: Path = self.root / "requests.log"
        self._proc: subprocess.Popen | None = None
        self._stderr = None

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> "Hub":
        if not self.binary.exists():
            raise FileNotFoundError(f"{self.binary} not built (set KCPP_BIN_DIR)")
        self.root.mkdir(parents=True, exist_ok=True)
        args = [str(self.binary), "serve", "--root", str(self.root), "--port", "0",
                "--request-log", str(self.request_log_path)]
        for token in self.tokens:
            args += ["--token", token]
        args += list(self.extra_args)
        self._stderr = open(self.root / "serve.stderr", "ab")
        self._proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            self.url = self._read_url_line(deadline)
            self._wait_until_listening(deadline)
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stop()
        if self._owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def _stderr_text(self) -> str:
        try:
            return (self.root / "serve.stderr").read_text(errors="replace").strip()
        except OSError:
            return ""

    def _read_url_line(self, deadline: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HubError(f"kernels-hub printed no URL within {START_TIMEOUT_S}s\n{self._stderr_text()}")
                if not sel.select(timeout=left):
                    continue
                chunk = os.read(fd, 4096)
                if not chunk:
                    self._proc.wait(timeout=STOP_TIMEOUT_S)
                    raise HubError(f"kernels-hub exited with {self._proc.returncode} before printing its URL\n"
                                   f"{self._stderr_text()}")
                buf += chunk
        url = buf.split(b"\n", 1)[0].decode().strip()
        if not url.startswith("http://"):
            raise HubError(f"unexpected first line from kernels-hub: {url!r}")
        return url

    def _wait_until_listening(self, deadline: float) -> None:
        # A bare TCP connect: an HTTP probe would show up in the request log.
        parsed = urlparse(self.url)
        while True:
            try:
                with socket.create_connection((parsed.hostname, parsed.port), timeout=1.0):
                    return
            except OSError as e:
                if time.monotonic() > deadline or (self._proc and self._proc.poll() is not None):
                    raise HubError(f"kernels-hub at {self.url} is not answering: {e}\n{self._stderr_text()}")
                time.sleep(0.05)

    # -- commands ----------------------------------------------------------------------------

    def _run(self, args: list[str]) -> str:
        proc = subprocess.run([str(self.binary), *args], capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            raise HubError(f"kernels-hub {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()}")
        return proc.stdout.strip()

    def commit(self, repo_id, src_dir, branch="main", repo_type="kernel", message=None) -> str:
        """Commits SRC_DIR as the whole new tree of BRANCH (repo and branch created as needed);
        returns the 40-hex commit id."""
        args = ["commit", "--root", str(self.root), repo_id, "--from", str(src_dir), "--branch", branch,
                "--type", repo_type]
        if message is not None:
            args += ["--message", message]
        return self._run(args)

    def branch(self, repo_id, new_branch, from_rev="main", repo_type="kernel") -> str:
        """Creates NEW_BRANCH (or a full refs/heads/X, refs/tags/X, refs/pr/N) at FROM_REV;
        returns the commit id it points to."""
        return self._run(["branch", "--root", str(self.root), repo_id, new_branch, "--from", from_rev,
                          "--type", repo_type])

    def git_dir(self, repo_id, repo_type="kernel") -> Path:
        """The bare git repository backing REPO_ID (for `git -C … rev-parse/ls-tree`)."""
        ns, name = repo_id.split("/")
        return self.root / "repos" / f"{repo_type}s" / ns / f"{name}.git"

    def request_log(self) -> list[str]:
        """Lines of the request log so far: "METHOD PATH STATUS BODY_BYTES"."""
        try:
            return self.request_log_path.read_text().splitlines()
        except FileNotFoundError:
            return []
