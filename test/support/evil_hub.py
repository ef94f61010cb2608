"""A "malicious hub" for tamper, path-safety and secret tests: an HTTP front for a real
kernels-hub that forwards everything (LFS redirects included, routed back through itself as
`/@<port>/...`) and can rewrite what it serves.

    with Hub() as hub, EvilFront(hub.url, tree_rewrite=add_entry) as evil:
        ... HF_ENDPOINT=evil.url ...
        evil.requests       # [(method, path, {header: value})] in arrival order

Hooks (all optional):
* tree_rewrite(entries) -> entries: applied to every tree listing (JSON array);
* json_rewrite(path, doc) -> doc: applied to every other JSON answer of the API (refs,
  revision info, …; path without its query), after tree_rewrite's turn;
* body_rewrite(path, body) -> body: applied to the bodies of resolve and LFS object GETs
  (Content-Length follows the new body);
* redirect(method, path) -> URL or None: answer 302 to URL instead of forwarding;
* echo_auth: answer every request that carries Authorization with a 401 whose
  X-Error-Message and JSON body quote the bare token (a server that leaks what it was sent);
* path_rewrite(path) -> path: applied to the request target before it is forwarded (a front
  can list names the real hub refuses to store and map requests for them back);
* rule(method, path) -> (status, headers, body) or None: answer with that instead of
  forwarding (path with its query); body None means stall: promise 100 bytes, send none,
  close after `stall_s` seconds. Assignable while the front runs (`front.rule = ...`).
"""
from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

_SKIP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class EvilFront:
    def __init__(self, hub_url: str, tree_rewrite=None, body_rewrite=None, redirect=None, echo_auth=False,
                 host: str = "127.0.0.1", rule=None, stall_s: float = 5.0, json_rewrite=None,
                 path_rewrite=None):
        u = urlparse(hub_url)
        self.upstream_host, self.upstream_port = u.hostname, u.port
        self.tree_rewrite, self.body_rewrite, self.redirect = tree_rewrite, body_rewrite, redirect
        self.json_rewrite = json_rewrite
        self.path_rewrite = path_rewrite
        self.echo_auth = echo_auth
        self.rule, self.stall_s = rule, stall_s
        self.host = host
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.url = ""

    def __enter__(self) -> "EvilFront":
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's
            # algorithm and the client's delayed ACK cost ~40 ms per answer.
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def _send(self, status, headers, body: bytes, head: bool):
                self.send_response(status)
                for k, v in headers:
                    if k.lower() not in _SKIP:
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _handle(self, method: str):
                headers = {k: v for k, v in self.headers.items()}
                front.requests.append((method, self.path, headers))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                head = method == "HEAD"
                auth = self.headers.get("Authorization")
                if front.echo_auth and auth:
                    msg = f"token '{auth.split()[-1]}' is not valid here"  # the bare token, no "Bearer"
                    return self._send(401, [("X-Error-Message", msg), ("Content-Type", "application/json")],
                                      json.dumps({"error": msg}).encode(), head)
                answer = front.rule(method, self.path) if front.rule else None
                if answer is not None:
                    status, answer_headers, data = answer
                    if data is None:  # stall: promise a body, never send it
                        self.send_response(status)
                        for k, v in answer_headers:
                            if k.lower() not in _SKIP:
                                self.send_header(k, v)
                        self.send_header("Content-Length", "100")
                        self.end_headers()
                        self.wfile.flush()
                        time.sleep(front.stall_s)
                        self.close_connection = True
                        return
                    return self._send(status, answer_headers, data, head)
                if front.redirect:
                    to = front.redirect(method, self.path)
                    if to:
                        return self._send(302, [("Location", to)], b"", head)
                path, port = self.path, front.upstream_port
                if front.path_rewrite:
                    path = front.path_rewrite(path)
                if path.startswith("/@"):  # the hub's LFS listener
                    port_s, rest = path[2:].split("/", 1)
                    port, path = int(port_s), "/" + rest
                conn = http.client.HTTPConnection(front.upstream_host, port, timeout=60)
                try:
                    # identity bodies only: the rewrites work on plain JSON and bytes
                    fwd = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "accept-encoding")}
                    conn.request(method, path, body=body, headers=fwd)
                    r = conn.getresponse()
                    data = r.read() if not head else b""
                    out_headers = []
                    for k, v in r.getheaders():
                        if k.lower() == "location":
                            lu = urlparse(v)
                            if lu.port != front.upstream_port:
                                v = f"{front.url}/@{lu.port}{lu.path}" + (f"?{lu.query}" if lu.query else "")
                            else:
                                v = f"{front.url}{lu.path}" + (f"?{lu.query}" if lu.query else "")
                        out_headers.append((k, v))
                    clean = path.split("?", 1)[0]
                    if r.status == 200 and not head and "/tree/" in clean and front.tree_rewrite:
                        data = json.dumps(front.tree_rewrite(json.loads(data))).encode()
                    elif (r.status == 200 and not head and front.json_rewrite and clean.startswith("/api/")
                          and "/tree/" not in clean):
                        data = json.dumps(front.json_rewrite(clean, json.loads(data))).encode()
                    elif (r.status in (200, 206) and not head and front.body_rewrite
                          and ("/resolve/" in clean or "/lfs-objects/" in clean)):
                        data = front.body_rewrite(clean, data)
                    if head:  # keep the hub's Content-Length on HEAD
                        self.send_response(r.status)
                        for k, v in out_headers:
                            if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "host"):
                                self.send_header(k, v)
                        self.end_headers()
                        return
                    self._send(r.status, out_headers, data, head)
                finally:
                    conn.close()

            def do_GET(self):
                self._handle("GET")

            def do_HEAD(self):
                self._handle("HEAD")

            def do_POST(self):
                self._handle("POST")

            def do_PUT(self):
                self._handle("PUT")

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{self.host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
