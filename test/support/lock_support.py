"""Helpers for `kernels lock` tests and benchmarks.

TrustFront: a small HTTP front for a `kernels-hub` that answers the organization overview
(docs/hub-api.md E14, `trustedKernelPublisher`) per test — trusted, untrusted, or 404 like a user
namespace — and records those requests. (kernels-hub serves E14 itself with
`--trusted-publisher ORG`; the front adds the 404 case, the request record and latency.)
Everything else is forwarded unchanged (status, headers, body; redirects are passed back,
not followed). Optionally delays every forwarded request (to make sequential vs concurrent
resolution visible).

    with Hub() as hub, TrustFront(hub.url, trusted={"org"}) as front:
        ... HF_ENDPOINT=front.url ...
        front.overview_requests     # ["org", ...] in arrival order

Organizations in `trusted` answer `trustedKernelPublisher: true`, those in `untrusted`
`false`, any other 404 `X-Error-Code: RepoNotFound` (like the Hub for a user namespace).

write_kernel_repo / write_project: kernel repo trees whose metadata.json kernels 0.17.2
accepts, and projects with a [tool.kernels.dependencies] table.
"""
from __future__ import annotations

import http.client
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlparse

from hub import write_tree

_OVERVIEW = re.compile(r"^/api/organizations/([^/?]+)/overview(?:\?.*)?$")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
               "proxy-authorization", "proxy-authenticate"}


class TrustFront:
    def __init__(self, upstream_url: str, trusted=(), untrusted=(), delay_s: float = 0.0):
        u = urlparse(upstream_url)
        self.upstream_host, self.upstream_port = u.hostname, u.port
        self.trusted = set(trusted)
        self.untrusted = set(untrusted)
        self.delay_s = delay_s
        self.overview_requests: list[str] = []
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "TrustFront":
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, headers, body: bytes, head: bool) -> None:
                self.send_response(status)
                has_length = False
                for k, v in headers:
                    if k.lower() in _HOP_BY_HOP:
                        continue
                    has_length = has_length or k.lower() == "content-length"
                    self.send_header(k, v)
                if not has_length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _overview(self, org: str, head: bool) -> None:
                front.overview_requests.append(org)
                if org in front.trusted or org in front.untrusted:
                    body = json.dumps({"name": org, "fullname": org, "avatarUrl": "", "isVerified": False,
                                       "trustedKernelPublisher": org in front.trusted}).encode()
                    self._answer(200, [("Content-Type", "application/json")], body, head)
                else:
                    body = json.dumps({"error": "Organization not found"}).encode()
                    self._answer(404, [("Content-Type", "application/json"), ("X-Error-Code", "RepoNotFound"),
                                       ("X-Error-Message", "Organization not found")], body, head)

            def _forward(self, head: bool) -> None:
                m = _OVERVIEW.match(self.path)
                if m:
                    return self._overview(m.group(1), head)
                if front.delay_s:
                    time.sleep(front.delay_s)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                conn = http.client.HTTPConnection(front.upstream_host, front.upstream_port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body, headers=headers)
                    r = conn.getresponse()
                    data = r.read()
                    self._answer(r.status, r.getheaders(), data, head)
                finally:
                    conn.close()

            def do_GET(self):
                self._forward(head=False)

            def do_HEAD(self):
                self._forward(head=True)

            def do_POST(self):
                self._forward(head=False)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


# ---- kernel repos and projects --------------------------------------------------------

def _backend_of(variant: str) -> str:
    for token, backend in (("-cu", "cuda"), ("-rocm", "rocm"), ("-xpu", "xpu"), ("-metal", "metal"),
                           ("-cann", "cann"), ("-cpu", "cpu"), ("-neuron", "neuron"), ("-tpu", "tpu")):
        if token in variant:
            return backend
    return "cpu"


def metadata_json(name: str, variant: str, kernel_depends=()) -> str:
    """A metadata.json that kernels 0.17.2's Metadata accepts."""
    return json.dumps({
        "name": name,
        "id": f"_{name.replace('-', '_')}_{_backend_of(variant)}_0a1b2c3",
        "version": 1,
        "license": "Apache-2.0",
        "upstream": "https://github.com/huggingface/kernels",
        "python-depends": [],
        "kernel-depends": list(kernel_depends),
        "backend": {"type": _backend_of(variant)},
    }, indent=2) + "\n"


def write_kernel_repo(dest: Path, name: str, variants, kernel_depends=(), extra=None,
                      binary_so: bool = False) -> Path:
    """build/<variant>/{__init__.py, _ops.py, metadata.json} per variant (+ a binary .so,
    stored as LFS by `kernels-hub commit`, when BINARY_SO), plus EXTRA {path: str|bytes}."""
    dest = Path(dest)
    for v in variants:
        d = dest / "build" / v
        d.mkdir(parents=True, exist_ok=True)
        (d / "__init__.py").write_text(f"# {name} {v}\nfrom ._ops import ops\n")
        (d / "_ops.py").write_text("ops = None\n")
        (d / "metadata.json").write_text(metadata_json(name, v, kernel_depends))
        if binary_so:
            (d / f"_{name.replace('-', '_')}.abi3.so").write_bytes(bytes(range(256)) * 64 + v.encode())
    if not variants and not extra:
        extra = {"README.md": f"# {name}\n"}
    return write_tree(dest, extra or {})


def write_project(dest: Path, dependencies: dict | str) -> Path:
    """A project dir whose pyproject.toml declares DEPENDENCIES ({repo: version}, or the
    raw text of the [tool.kernels.dependencies] body)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if isinstance(dependencies, dict):
        body = "".join(f'"{k}" = {json.dumps(v)}\n' for k, v in dependencies.items())
    else:
        body = dependencies
    (dest / "pyproject.toml").write_text(
        '[project]\nname = "my-project"\nversion = "0.1.0"\n\n[tool.kernels.dependencies]\n' + body)
    return dest
