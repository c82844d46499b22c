"""A real server under abuse: floods get 503 with a retry hint while small requests go on,
slow and oversized requests don't tie up a worker, invalid bytes get a 4xx."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.server import Server, running_server

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def tight_server() -> Iterator[Server]:
    """One worker with a small render queue, so a flood overflows it."""
    env = {
        "PLACEPIX_MAX_PENDING_RENDERS": "2",
        "PLACEPIX_RENDER_THREADS": "1",
        "PLACEPIX_ACCESS_LOG": "false",
        "PLACEPIX_KEEP_ALIVE_TIMEOUT": "2",
        "PLACEPIX_HEADER_TIMEOUT": "2",
    }
    with running_server(env) as server:
        yield server


def test_a_flood_of_big_renders_gets_503_with_retry_hints(tight_server: Server) -> None:
    small = f"{tight_server.url}/120x80.png"
    assert httpx.get(small, timeout=10).status_code == 200  # cached from here on

    def big(index: int) -> httpx.Response:
        return httpx.get(f"{tight_server.url}/3000x3000.webp?text=flood{index}", timeout=60)

    with ThreadPoolExecutor(40) as pool:
        flood = [pool.submit(big, index) for index in range(40)]
        during = [httpx.get(small, timeout=10).status_code for _ in range(10)]
        responses = [future.result() for future in flood]
    statuses = {r.status_code for r in responses}
    assert statuses == {200, 503}
    for refused in (r for r in responses if r.status_code == 503):
        assert int(refused.headers["retry-after"]) >= 1
        assert int(refused.headers["retry-after-ms"]) > 0
        assert refused.headers["content-type"].startswith("text/plain")
        assert refused.headers["cache-control"] == "no-store"
    assert during == [200] * 10


def test_slow_clients_do_not_exhaust_the_worker(tight_server: Server) -> None:
    host, port = tight_server.url.removeprefix("http://").split(":")
    slow = []
    try:
        for _ in range(200):  # each sends half a request line and then nothing
            connection = socket.create_connection((host, int(port)), timeout=5)
            connection.sendall(b"GET /300x200.png HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(connection)
        response = httpx.get(f"{tight_server.url}/300x201.png", timeout=10)
        assert response.status_code == 200
    finally:
        for connection in slow:
            connection.close()


def test_a_connection_that_never_finishes_its_request_is_closed(tight_server: Server) -> None:
    host, port = tight_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\n")  # and no more
        started = time.monotonic()
        assert connection.recv(1024) == b""  # closed by the server...
        assert time.monotonic() - started >= 1.5  # ...by the header deadline, not at once


def test_huge_headers_are_refused_not_hung_on(tight_server: Server) -> None:
    host, port = tight_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        header = b"X-Big: " + b"a" * 200_000 + b"\r\n"
        try:
            connection.sendall(b"GET /10x10 HTTP/1.1\r\nHost: x\r\n" + header + b"\r\n")
            answer = connection.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            answer = b""  # closed while we were still sending: refused too
    assert answer == b"" or answer.split(b" ")[1] == b"431"


@pytest.mark.parametrize(
    "target",
    [
        b"/300x200?text=%00",
        b"/300x200?text=%C3%28",
        b"/300x200?text=%ED%A0%80",
        b"/30\xff0x20",
        b"/%",
        b"/300x200/%ZZ",
        b"/" + b"9" * 5000,
    ],
)
def test_invalid_bytes_in_the_request_get_a_4xx(tight_server: Server, target: bytes) -> None:
    host, port = tight_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        status = connection.recv(1024).split(b" ")[1]
    assert status.startswith(b"4") or status == b"200", status  # NUL is dropped: 200 is fine
    assert not status.startswith(b"5")


def test_the_fuzz_script_finds_no_server_error() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "fuzz.py"),
            "--start",
            "--workers",
            "1",
            "--count",
            "3000",
            "--seconds",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4xx" in result.stdout and "2xx" in result.stdout
