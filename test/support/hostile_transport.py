"""A hostile transport for the client's security tests (test/reliability/test_hostile_transport.py):
an HTTP front for a real kernels-hub that forwards everything — LFS redirects routed back through
itself as `/@<port>/...`, like evil_hub.EvilFront — unless `act(method, path)` returns an action,
a function that answers on the raw connection. Actions (functions below that build them):

* redirect(url): 302 with that Location (file://, gopher://, ... or a relative one);
* rewrite_json(fn): forward, then answer with fn(parsed JSON body) (LFS batch hrefs, Link headers);
* gzip_bomb(prefix, size): `Content-Encoding: gzip` whose decoded body is PREFIX + SIZE spaces;
* endless(prefix, piece): a chunked body that does not end (PREFIX, then PIECE again and again,
  up to LIMIT bytes, 512 MiB, so that a client without a cap fails the test without running
  the machine out of memory);
* long_body(content_length): a Content-Length far beyond the file, then bytes until the client leaves;
* short(data): a complete 200 holding only DATA (a server that ignores Range and sends too little);
* drip(content_length, interval_s): headers at once, then one byte per INTERVAL_S.

Every action stops when the client hangs up or after `max_s` seconds (no thread outlives a test
for long). `front.requests` records (method, path) in arrival order.

Listener: a TCP port that records every connection and the bytes it got, to show that a gopher://
or dict:// URL never reached a local service.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

_SKIP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class HostileFront:
    def __init__(self, hub_url: str, act=None, max_s: float = 60.0):
        u = urlparse(hub_url)
        self.upstream_host, self.upstream_port = u.hostname, u.port
        self.act = act  # act(method, path) -> action or None; assignable while running
        self.max_s = max_s
        self.requests: list[tuple[str, str]] = []
        self.url = ""

    def count(self, method: str, needle: str) -> int:
        return sum(1 for m, p in self.requests if m == method and needle in p)

    def __enter__(self) -> "HostileFront":
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def send(self, status, headers, body: bytes):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in _SKIP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def deadline(self) -> float:
                return time.monotonic() + front.max_s

            def forward(self):
                """(status, headers, body) from the hub, Location rewritten onto the front."""
                path, port = self.path, front.upstream_port
                if path.startswith("/@"):  # the hub's LFS listener
                    port_s, rest = path[2:].split("/", 1)
                    port, path = int(port_s), "/" + rest
                conn = http.client.HTTPConnection(front.upstream_host, port, timeout=60)
                try:
                    fwd = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "accept-encoding")}
                    conn.request(self.command, path, body=self.body, headers=fwd)
                    r = conn.getresponse()
                    data = r.read() if self.command != "HEAD" else b""
                    headers = []
                    for k, v in r.getheaders():
                        if k.lower() == "location":
                            lu = urlparse(v)
                            prefix = f"/@{lu.port}" if lu.port != front.upstream_port else ""
                            v = f"{front.url}{prefix}{lu.path}" + (f"?{lu.query}" if lu.query else "")
                        headers.append((k, v))
                    return r.status, headers, data
                finally:
                    conn.close()

            def _handle(self):
                front.requests.append((self.command, self.path))
                length = int(self.headers.get("Content-Length") or 0)
                self.body = self.rfile.read(length) if length else None
                action = front.act(self.command, self.path) if front.act else None
                try:
                    if action is not None:
                        action(self)
                        return
                    status, headers, data = self.forward()
                    if self.command == "HEAD":  # keep the hub's Content-Length
                        self.send_response(status)
                        for k, v in headers:
                            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "host"):
                                self.send_header(k, v)
                        self.end_headers()
                        return
                    self.send(status, headers, data)
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    self.close_connection = True

            do_GET = do_HEAD = do_POST = do_PUT = _handle

            def handle(self):
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError, socket.timeout):
                    pass  # the client hung up (that is what a client under attack should do)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()


# ---- actions ------------------------------------------------------------------------------------

def redirect(url: str, status: int = 302):
    def action(h):
        upstream = h.forward() if h.command == "HEAD" else (200, [], b"")
        headers = [(k, v) for k, v in upstream[1] if k.lower() in ("etag", "x-repo-commit", "x-linked-etag",
                                                                     "x-linked-size")]
        h.send(status, headers + [("Location", url)], b"")
        h.close_connection = True
    return action


def rewrite_json(fn, headers_fn=None):
    def action(h):
        status, headers, data = h.forward()
        body = json.dumps(fn(json.loads(data))).encode() if status == 200 else data
        if headers_fn is not None:
            headers = headers_fn(headers)
        h.send(status, headers, body)
    return action


_BOMBS: dict[tuple[bytes, int], bytes] = {}


def gzip_body(prefix: bytes, size: int) -> bytes:
    """gzip of PREFIX + SIZE spaces, built from one fully-flushed 1 MiB block repeated (deflate
    blocks after a full flush do not refer back), so a GiB costs a second, not a minute."""
    key = (prefix, size)
    if key in _BOMBS:
        return _BOMBS[key]
    mib = 1 << 20
    assert size % mib == 0
    chunk = b" " * mib
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    for _ in range(size // mib):
        crc = zlib.crc32(chunk, crc)
    total = len(prefix) + size
    gz = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + head + block * (size // mib) + tail
          + crc.to_bytes(4, "little") + (total & 0xFFFFFFFF).to_bytes(4, "little"))
    _BOMBS[key] = gz
    return gz


def gzip_bomb(prefix: bytes, size: int):
    data = gzip_body(prefix, size)

    def action(h):
        h.send(200, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")], data)
    return action


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


def endless(prefix: bytes, piece: bytes, headers=(("Content-Type", "application/json"),), limit: int = 512 << 20):
    def action(h):
        h.send_response(200)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.close_connection = True
        if h.command == "HEAD":
            return
        if prefix:  # an empty chunk would end the body
            h.wfile.write(_chunk(prefix))
        block = _chunk(piece * max(1, (64 << 10) // len(piece)))
        end, sent = h.deadline(), 0
        while time.monotonic() < end and sent < limit:  # LIMIT: a client without a cap is not run out of memory
            h.wfile.write(block)
            sent += len(block)
    return action


def long_body(content_length: int, piece: bytes = b"A" * 65536):
    def action(h):
        h.send_response(200)
        h.send_header("Content-Length", str(content_length))
        h.end_headers()
        h.close_connection = True
        end, sent = h.deadline(), 0
        while time.monotonic() < end and sent < content_length:
            h.wfile.write(piece)
            sent += len(piece)
    return action


def short(data: bytes):
    """A complete, chunked 200 holding DATA only (no Content-Length to contradict it)."""
    def action(h):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(_chunk(data) + b"0\r\n\r\n")
    return action


def drip(content_length: int, interval_s: float = 0.5, headers=()):
    def action(h):
        h.send_response(200)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", str(content_length))
        h.end_headers()
        h.close_connection = True
        end = h.deadline()
        while time.monotonic() < end:
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(interval_s)
    return action


# ---- a local service that must never be reached ---------------------------------------------------

class Listener:
    """Accepts TCP connections on 127.0.0.1 and records what each one sent (for 2 s at most)."""

    def __init__(self):
        self.connections: list[bytes] = []

    def __enter__(self) -> "Listener":
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(2)
            data = b""
            try:
                while len(data) < 65536:
                    got = conn.recv(4096)
                    if not got:
                        break
                    data += got
            except OSError:
                pass
            conn.close()
            self.connections.append(data)

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join(timeout=5)
        self._sock.close()
