"""A real server under abuse: floods get 503 with a retry hint while small requests go on,
slow and oversized requests don't tie up a worker, invalid bytes get a 4xx, and the fuzz script
finds no server error. Every wait here is a bound (a timeout), never a measure of speed."""

from __future__ import annotations

import asyncio
import itertools
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from scripts._load import Connection, host_port, memory, worker_pids
from tests.server import Server, running_server

pytestmark = pytest.mark.stress

ROOT = Path(__file__).parent.parent
HEADER_TIMEOUT = 2  # seconds, the tight server's header deadline


@pytest.fixture(scope="module")
def tight_server() -> Iterator[Server]:
    """One worker with a small render queue (a flood overflows it) and short deadlines."""
    env = {
        "PLACEPIX_MAX_PENDING_RENDERS": "2",
        "PLACEPIX_RENDER_THREADS": "1",
        "PLACEPIX_ACCESS_LOG": "false",
        "PLACEPIX_KEEP_ALIVE_TIMEOUT": "2",
        "PLACEPIX_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
    }
    with running_server(env) as server:
        yield server


def connect(server: Server, timeout: float = 15) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=timeout)


def status_of(connection: socket.socket, request: bytes) -> bytes:
    """Send `request` and return the status code of the answer (b"" if closed unanswered)."""
    try:
        connection.sendall(request)
        answer = connection.recv(1024)
    except (ConnectionResetError, BrokenPipeError):
        return b""  # closed while we were still sending: refused too
    return answer.split(b" ")[1] if answer else b""


def closed_by_server(connection: socket.socket, bound: float) -> bool:
    """Whether the server closes `connection` (without answering) within `bound` seconds."""
    connection.settimeout(bound)
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_flood_of_big_renders_gets_503_with_retry_hints(tight_server: Server) -> None:
    small = f"{tight_server.url}/120x80.png"
    assert httpx.get(small, timeout=10).status_code == 200  # cached from here on

    def big(index: int) -> httpx.Response:
        return httpx.get(f"{tight_server.url}/3000x3000.webp?text=flood{index}", timeout=60)

    during: list[int] = []
    with ThreadPoolExecutor(40) as pool:
        flood = [pool.submit(big, index) for index in range(40)]
        while not all(future.done() for future in flood) or not during:
            during.append(httpx.get(small, timeout=10).status_code)
        responses = [future.result() for future in flood]
    assert {r.status_code for r in responses} == {200, 503}
    for refused in (r for r in responses if r.status_code == 503):
        assert int(refused.headers["retry-after"]) >= 1
        assert int(refused.headers["retry-after-ms"]) > 0
        assert refused.headers["content-type"].startswith("text/plain")
        assert refused.headers["cache-control"] == "no-store"
        assert refused.text.startswith("busy")
    assert set(during) == {200}


def test_slow_clients_do_not_exhaust_the_worker(tight_server: Server) -> None:
    slow = []
    try:
        for _ in range(200):  # each sends half a request and then nothing
            connection = connect(tight_server)
            connection.sendall(b"GET /300x200.png HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(connection)
        response = httpx.get(f"{tight_server.url}/300x201.png", timeout=10)
        assert response.status_code == 200
    finally:
        for connection in slow:
            connection.close()


def test_trickling_headers_do_not_extend_the_deadline(tight_server: Server) -> None:
    """Slowloris proper: a byte every half second keeps an idle timer happy, not a deadline."""
    connections = [connect(tight_server) for _ in range(50)]
    for connection in connections:
        connection.sendall(b"GET /300x200.png HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        connection.setblocking(False)
    give_up = time.monotonic() + HEADER_TIMEOUT + 15
    open_ = set(connections)
    while open_ and time.monotonic() < give_up:
        time.sleep(0.5)
        for connection in list(open_):
            if _trickle(connection):
                continue
            open_.discard(connection)
    for connection in connections:
        connection.close()
    assert not open_, f"{len(open_)} of 50 trickling connections still open"


def _trickle(connection: socket.socket) -> bool:
    """Send one more header byte; False once the server has closed the connection."""
    try:
        if connection.recv(1024) == b"":
            return False
    except BlockingIOError:
        pass  # nothing to read: still open
    except ConnectionResetError:
        return False
    try:
        connection.send(b"a")
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def test_a_connection_that_never_finishes_its_request_is_closed(tight_server: Server) -> None:
    with connect(tight_server, timeout=30) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\n")  # and no more
        started = time.monotonic()
        assert closed_by_server(connection, 30)
        assert time.monotonic() - started >= HEADER_TIMEOUT * 0.75  # by the deadline, not at once


def test_a_connection_that_sends_nothing_is_closed(tight_server: Server) -> None:
    with connect(tight_server, timeout=30) as connection:
        assert closed_by_server(connection, 30)


@pytest.mark.parametrize("piece", [200_000, 1024], ids=["at once", "in 1 KB pieces"])
def test_huge_headers_are_refused_not_hung_on(tight_server: Server, piece: int) -> None:
    """100-200 KB of headers get 431 or a closed connection, however they are cut up (h11's
    own bound only applies while its buffer holds an incomplete event)."""
    request = b"GET /10x10 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n"
    with connect(tight_server) as connection:
        answer = b""
        try:
            for start in range(0, len(request), piece):
                connection.sendall(request[start : start + piece])
            answer = connection.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            pass
    assert answer == b"" or answer.split(b" ")[1] == b"431"


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", b"400"),
        (b"GET /10x10 HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n", b"431"),
    ],
    ids=["not HTTP", "headers too large"],
)
def test_requests_the_server_cannot_read_get_a_plain_uncached_error(
    tight_server: Server, request_bytes: bytes, status: bytes
) -> None:
    with connect(tight_server) as connection:
        connection.sendall(request_bytes)
        answer = connection.recv(4096)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status
    assert b"cache-control: no-store" in head.lower()
    assert b"content-type: text/plain" in head.lower()
    assert body.endswith(b"\n") and b"Traceback" not in body


def test_large_but_reasonable_headers_are_accepted(tight_server: Server) -> None:
    """16 KB of cookies is more than browsers send but must still work (the limit is 32 KiB)."""
    with connect(tight_server) as connection:
        cookie = b"Cookie: " + b"a=b; " * 3200 + b"\r\n"
        request = b"GET /10x10 HTTP/1.1\r\nHost: x\r\n" + cookie + b"Connection: close\r\n\r\n"
        assert status_of(connection, request) == b"200"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (b"/300x200?text=%C3%28", b"400"),  # invalid UTF-8
        (b"/300x200?text=%ED%A0%80", b"400"),  # an encoded lone surrogate
        (b"/300x200?text=%C0%AF", b"400"),  # an overlong encoding
        (b"/300x200?text=%F4%90%80%80", b"400"),  # beyond U+10FFFF
        (b"/300x200/%00", b"400"),  # NUL where a colour belongs
        (b"/300x200?text=%00", b"200"),  # NUL in text is a control character: dropped
        (b"/300x200\x00", b"400"),  # a raw NUL in the request line
        (b"/300x200?text=\xed\xa0\x80", b"400"),  # raw surrogate bytes
        (b"/30\xff0x20", b"400"),
        (b"/%", b"400"),
        (b"/300x200/%ZZ", b"400"),
        (b"/" + b"9" * 5000, b"414"),
        (b"/300x200?font=..%2F..%2Fetc%2Fpasswd", b"400"),
    ],
)
def test_invalid_bytes_in_the_request_get_a_4xx(
    tight_server: Server, target: bytes, expected: bytes
) -> None:
    with connect(tight_server) as connection:
        request = b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        assert status_of(connection, request) == expected


def test_the_fuzz_script_finds_no_server_error() -> None:
    command = [sys.executable, str(ROOT / "scripts" / "fuzz.py"), "--start", "--workers", "1"]
    command += ["--count", "2000", "--seconds", "60"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2000 requests" in result.stdout
    assert "failures: 0, server log errors: 0" in result.stdout


# A translucent 4000x4000 BMP is flattened to 24 bits: a 48 MB answer. Rendering it needs more
# than the default render_memory_budget, which these tests are not about.
BIG_ANSWERS = {"PLACEPIX_ACCESS_LOG": "false", "PLACEPIX_RENDER_MEMORY_BUDGET": str(512 << 20)}


def test_clients_that_never_read_do_not_pin_memory_for_ever() -> None:
    """Eight connections ask for a new 48 MB BMP each and never read a byte. 10-15 s later
    the worker must have closed them or not hold eight answers (the render queue bounds
    renders, not the bytes waiting for a socket)."""
    with running_server(BIG_ANSWERS) as server:
        pid = worker_pids(server.process.pid)[0]
        before = _rss(pid)
        readers = []
        for index in range(8):
            connection = connect(server)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            target = b"/4000x4000/ff000080.bmp?text=%d" % index
            connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
            readers.append(connection)
        try:
            time.sleep(10)  # the eight renders take about 5 s on two slow CPUs
            assert _falls_below(pid, before + 4 * 48 * 2**20, bound=5)
        finally:
            for connection in readers:
                connection.close()


def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout() -> None:
    """A reader that stalls part-way through a 48 MB answer loses the connection about
    `send_timeout` later; one that keeps reading, however slowly, gets all of it."""
    with running_server(BIG_ANSWERS | {"PLACEPIX_SEND_TIMEOUT": "2"}) as server:
        request = b"GET /4000x4000/ff000080.bmp?text=%s HTTP/1.1\r\nHost: x\r\n\r\n"
        with connect(server, timeout=30) as stalled:
            stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            stalled.sendall(request % b"stalled")
            assert stalled.recv(4096).startswith(b"HTTP/1.1 200")
            time.sleep(6)  # well past the timeout, with nothing read but the first 4 KB
            assert _received_until_closed(stalled) < 4_000_000  # reset: not even the kernel kept it
        with connect(server, timeout=30) as slow:
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            slow.sendall(request % b"slow")
            started = time.monotonic()
            assert _received_until_closed(slow, pause=0.005) > 48_000_000
            assert time.monotonic() - started > 2  # longer than the timeout: it was slow


def _received_until_closed(connection: socket.socket, pause: float = 0.0) -> int:
    """Bytes read until the server closes the connection or the whole answer is in."""
    received = bytearray()
    expected = None
    connection.settimeout(10)
    try:
        while chunk := connection.recv(1 << 20):
            received += chunk
            if expected is None and b"\r\n\r\n" in received:
                head = bytes(received).partition(b"\r\n\r\n")[0]
                length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
                expected = len(head) + 4 + int(length.group(1)) if length else None
            if expected is not None and len(received) >= expected:
                break
            time.sleep(pause)
    except ConnectionResetError:
        pass
    return len(received)


def _rss(pid: int) -> int:
    measured = memory(pid)
    assert measured is not None
    return measured[0]


def _falls_below(pid: int, limit: int, bound: float) -> bool:
    """Whether the worker's RSS is under `limit` at some point within `bound` seconds."""
    give_up = time.monotonic() + bound
    while time.monotonic() < give_up:
        if _rss(pid) < limit:
            return True
        time.sleep(0.25)
    return False


def test_a_large_render_is_not_starved_by_a_stream_of_smaller_ones() -> None:
    """Four connections render new 2000x2000 WebPs back to back (~40 MB of working memory each:
    several fit the 160 MiB budget together, so it never empties); one 4000x4000 WebP (~160 MB,
    needs the whole budget) must still be served while they go on, within the 15 s given."""
    with running_server({"PLACEPIX_ACCESS_LOG": "false"}) as server:
        assert asyncio.run(_big_render_finishes_during_stream(server.url, seconds=15))


async def _big_render_finishes_during_stream(url: str, seconds: float) -> bool:
    address = host_port(url)
    end = time.monotonic() + seconds
    done = asyncio.Event()
    numbers = itertools.count()

    async def stream() -> None:
        connection = Connection(*address, timeout=60)
        while not done.is_set() and time.monotonic() < end:
            await connection.request(b"/2000x2000.webp?text=s%d" % next(numbers))
        connection.close()

    async def big() -> float:
        await asyncio.sleep(1)
        answer = await Connection(*address, timeout=60).request(b"/4000x4000.webp?text=big")
        done.set()
        assert answer.status == 200
        return time.monotonic()

    finishing = asyncio.create_task(big())
    await asyncio.gather(*(stream() for _ in range(4)))
    return await finishing < end
