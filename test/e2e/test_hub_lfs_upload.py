"""kernels-hub streams LFS upload PUTs to disk instead of holding them in memory.

Against a real `kernels-hub serve`: the peak RSS of the server process (VmHWM) after a 256 MiB
upload stays far below the object's size; and a refused upload (wrong bytes, more bytes than the
ticket's size, no valid ticket) or one whose client disconnects mid-body leaves no object under
its oid and no temp file behind, while the server keeps serving, on the same keep-alive
connection where the body could be read to its end."""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from hub import Hub  # noqa: E402

TOKEN = "hf_lfsuploadtesttoken"
REPO = "org/streamed"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MiB = 1024 * 1024
BIG = 256 * MiB
PEAK_RSS_LIMIT = 128 * MiB


@pytest.fixture(scope="module")
def hub():
    with Hub(tokens=[TOKEN]) as h:
        r = requests.post(f"{h.url}/api/repos/create", json={"name": "streamed", "organization": "org"},
                          headers=AUTH, timeout=30)
        assert r.status_code == 200, r.text
        yield h


def object_path(hub: Hub, oid: str) -> Path:
    return hub.root / "lfs" / "objects" / oid[:2] / oid[2:4] / oid


def temp_files(hub: Hub) -> list[Path]:
    """Whatever sits in the hub's scratch directories (LFS staging and repo creation)."""
    found = []
    for d in (hub.root / "lfs" / "tmp", hub.root / "tmp"):
        if d.exists():
            found += list(d.iterdir())
    return found


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def upload_href(hub: Hub, oid: str, size: int) -> str:
    r = requests.post(f"{hub.url}/{REPO}.git/info/lfs/objects/batch", headers=AUTH, timeout=30,
                      json={"operation": "upload", "transfers": ["basic"], "objects": [{"oid": oid, "size": size}]})
    assert r.status_code == 200, r.text
    return r.json()["objects"][0]["actions"]["upload"]["href"]


def vm_hwm(pid: int) -> int:
    """Peak resident set size of PID, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


def assert_still_serving(hub: Hub):
    assert requests.get(f"{hub.url}/api/models/{REPO}/refs", timeout=10).status_code == 200


def assert_nothing_left(hub: Hub, oid: str):
    assert not object_path(hub, oid).exists()
    # Cleanup after a dropped connection runs on the server's worker: give it a moment.
    assert wait_until(lambda: not temp_files(hub), timeout=10), temp_files(hub)


def put_raw(href: str, body_parts, headers: dict, conn: http.client.HTTPConnection | None = None):
    """PUT with explicit framing: BODY_PARTS is an iterable of bytes (chunked when headers
    carry no Content-Length). Returns (status, headers, body) and leaves CONN open."""
    u = urlparse(href)
    own = conn is None
    conn = conn or http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        chunked = "Content-Length" not in headers
        conn.request("PUT", f"{u.path}?{u.query}", body=iter(body_parts) if chunked else b"".join(body_parts),
                     headers=headers, encode_chunked=chunked)
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        if own:
            conn.close()


def test_large_upload_is_streamed_not_buffered(hub, tmp_path):
    # 256 MiB of distinct bytes (a repeated block would compress nothing here, but keeps the
    # generator fast); the client streams them from a file.
    src = tmp_path / "big.bin"
    h = hashlib.sha256()
    block = os.urandom(MiB)
    with open(src, "wb") as f:
        for i in range(BIG // MiB):
            chunk = i.to_bytes(8, "little") + block[8:]
            h.update(chunk)
            f.write(chunk)
    oid = h.hexdigest()
    pid = hub._proc.pid
    before = vm_hwm(pid)
    href = upload_href(hub, oid, BIG)
    with open(src, "rb") as f:
        r = requests.put(href, data=f, timeout=120)
    assert r.status_code == 200, r.text
    peak = vm_hwm(pid)
    print(f"kernels-hub VmHWM: {before / MiB:.1f} MiB before, {peak / MiB:.1f} MiB after a {BIG // MiB} MiB upload")
    assert peak < PEAK_RSS_LIMIT, f"peak RSS {peak / MiB:.1f} MiB for a {BIG // MiB} MiB upload"
    stored = object_path(hub, oid)
    assert stored.stat().st_size == BIG
    assert not temp_files(hub)
    r = requests.post(f"{hub.url}/{REPO}.git/info/lfs/objects/verify", json={"oid": oid, "size": BIG},
                      headers=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    # The same PUT again (a retry whose answer was lost): accepted, the object kept, no leftovers.
    with open(src, "rb") as f:
        assert requests.put(href, data=f, timeout=120).status_code == 200
    assert stored.stat().st_size == BIG
    assert not temp_files(hub)
    src.unlink()


def test_parallel_uploads_are_streamed(hub, tmp_path):
    """8 uploads at once (kernel-builder uploads in parallel) need no more memory than one."""
    from concurrent.futures import ThreadPoolExecutor
    size = 32 * MiB
    jobs = []
    for i in range(8):
        src = tmp_path / f"part{i}.bin"
        data = os.urandom(MiB) * (size // MiB)
        src.write_bytes(data)
        oid = hashlib.sha256(data).hexdigest()
        jobs.append((src, oid, upload_href(hub, oid, size)))
        del data

    def put(job):
        src, _, href = job
        with open(src, "rb") as f:
            return requests.put(href, data=f, timeout=120).status_code

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(put, jobs)) == [200] * 8
    peak = vm_hwm(hub._proc.pid)
    print(f"kernels-hub VmHWM after 8 parallel {size // MiB} MiB uploads: {peak / MiB:.1f} MiB")
    assert peak < PEAK_RSS_LIMIT
    for _, oid, _ in jobs:
        assert object_path(hub, oid).stat().st_size == size
    assert not temp_files(hub)


def test_wrong_bytes_are_refused(hub):
    data = os.urandom(3 * MiB)
    oid = hashlib.sha256(data).hexdigest()
    href = upload_href(hub, oid, len(data))
    wrong = bytearray(data)
    wrong[len(wrong) // 2] ^= 0xFF
    r = requests.put(href, data=bytes(wrong), timeout=30)
    assert r.status_code == 400
    assert r.headers["X-Error-Code"] == "BadRequest"
    assert r.headers["X-Error-Message"] == f"uploaded content does not hash to {oid}"
    assert_nothing_left(hub, oid)
    assert_still_serving(hub)
    assert requests.put(href, data=data, timeout=30).status_code == 200  # the ticket still works
    assert object_path(hub, oid).read_bytes() == data
    assert not temp_files(hub)


def test_more_bytes_than_the_ticket_are_refused(hub):
    data = os.urandom(2 * MiB)
    oid = hashlib.sha256(data).hexdigest()
    href = upload_href(hub, oid, len(data))
    # Announced by Content-Length: refused before anything is written.
    r = requests.put(href, data=data + b"extra", timeout=30)
    assert r.status_code == 413
    assert r.headers["X-Error-Code"] == "PayloadTooLarge"
    assert_nothing_left(hub, oid)
    # Chunked (no length up front): the hub stops keeping bytes at the ticket's size, drains the
    # rest, and the keep-alive connection goes on with the next request.
    u = urlparse(href)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        parts = [data[i:i + 256 * 1024] for i in range(0, len(data), 256 * 1024)] + [os.urandom(MiB)]
        status, headers, _ = put_raw(href, parts, {}, conn)
        assert status == 413
        assert headers["X-Error-Code"] == "PayloadTooLarge"
        assert_nothing_left(hub, oid)
        conn.request("GET", f"/api/models/{REPO}/refs")
        r2 = conn.getresponse()
        assert r2.status == 200
        json.loads(r2.read())
    finally:
        conn.close()
    # A body shorter than announced by the ticket: 400, nothing stored.
    r = requests.put(href, data=data[:-1], timeout=30)
    assert r.status_code == 400
    assert r.headers["X-Error-Message"] == f"uploaded {len(data) - 1} bytes, expected {len(data)}"
    assert_nothing_left(hub, oid)
    assert_still_serving(hub)


def test_client_disconnect_mid_body_leaves_nothing(hub):
    size = 64 * MiB
    data = os.urandom(MiB) * 64
    oid = hashlib.sha256(data).hexdigest()
    href = urlparse(upload_href(hub, oid, size))
    for how in ("close", "reset"):
        sock = socket.create_connection((href.hostname, href.port), timeout=30)
        try:
            sock.sendall((f"PUT {href.path}?{href.query} HTTP/1.1\r\nHost: {href.netloc}\r\n"
                          f"Content-Length: {size}\r\n\r\n").encode())
            sock.sendall(data[:size // 2])
            # The bytes that came are on disk, in a temp file, not in memory (and not visible
            # under the oid).
            assert wait_until(lambda: any(p.stat().st_size > 0 for p in temp_files(hub) if p.exists()))
            assert not object_path(hub, oid).exists()
            if how == "reset":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        finally:
            sock.close()
        assert_nothing_left(hub, oid)
        assert_still_serving(hub)
    # The object can still be uploaded in full afterwards.
    assert requests.put(href.geturl(), data=data, timeout=60).status_code == 200
    assert object_path(hub, oid).stat().st_size == size


def test_no_ticket_no_bytes_on_disk(hub):
    data = os.urandom(8 * MiB)
    oid = hashlib.sha256(data).hexdigest()
    href = urlparse(upload_href(hub, oid, len(data)))
    bad = f"{href.path}?size={len(data)}&ticket={'0' * 32}"
    sock = socket.create_connection((href.hostname, href.port), timeout=30)
    try:
        sock.sendall((f"PUT {bad} HTTP/1.1\r\nHost: {href.netloc}\r\nContent-Length: {len(data)}\r\n\r\n").encode())
        sock.sendall(data[:len(data) // 2])
        time.sleep(0.3)
        assert not temp_files(hub)  # the server reads and drops the body: nothing written
        sock.sendall(data[len(data) // 2:])
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            assert chunk, reply
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 401 "), reply[:200]
    finally:
        sock.close()
    assert_nothing_left(hub, oid)
    assert_still_serving(hub)
