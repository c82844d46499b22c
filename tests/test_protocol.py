"""placepix's HTTP protocol against a real server: pipelined requests are answered in order,
what a client sends behind a request in flight is bounded (issue 18, row 1), connections have a
lifetime (row 9) and answers a deadline that grows with their size (row 5)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator

import pytest

from tests.server import Server, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with running_server({"PLACEPIX_ACCESS_LOG": "false"}) as started:
        yield started


def connect(server: Server) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=15)


def read_all(connection: socket.socket) -> bytes:
    """Everything until the server closes the connection (or resets it)."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


def test_pipelined_requests_are_answered_in_order(server: Server) -> None:
    requests = b"".join(
        b"GET /%dx10.png HTTP/1.1\r\nHost: x\r\n\r\n" % width for width in (11, 12, 13)
    )
    with connect(server) as connection:
        close = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        connection.sendall(requests + close)
        answers = read_all(connection)
    assert answers.count(b"HTTP/1.1 200 OK") == 4
    assert answers.rstrip().endswith(b"ok")


def test_a_pile_of_pipelined_requests_is_cut_off_not_queued(server: Server) -> None:
    """800 requests in one write (29 KB, under max_header_bytes): those parsed behind the one in
    flight wait in memory, so they count their headers and their objects (512 bytes each)
    against max_header_bytes (32 KiB); the server answers the few dozen it read, then closes."""
    pile = b"GET /10x10.png HTTP/1.1\r\nHost: x\r\n\r\n" * 800
    with connect(server) as connection:
        connection.sendall(pile)
        answers = read_all(connection).count(b"HTTP/1.1 200 OK")
    assert 1 <= answers < 200
    with connect(server) as probe:
        probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert read_all(probe).startswith(b"HTTP/1.1 200")


def test_headers_behind_a_request_in_flight_are_bounded(server: Server) -> None:
    """A request whose answer is not read, then headers that never end: the server takes no
    more than its buffers hold (it stops reading while a request is in flight), not 20 MB."""
    with connect(server) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        connection.sendall(b"GET /3000x3000/f00/0f0.bmp?text=unread HTTP/1.1\r\nHost: x\r\n\r\n")
        connection.sendall(b"GET /10x10 HTTP/1.1\r\nHost: x\r\n")
        connection.settimeout(3)
        block, sent = b"x-a: b\r\n" * 8192, 0
        try:
            while sent < 20 << 20:
                connection.sendall(block)
                sent += len(block)
        except (TimeoutError, ConnectionResetError, BrokenPipeError):
            pass
    assert sent < 8 << 20  # what the kernel's socket buffers take, not what the worker parses


def test_a_connection_closes_after_its_keep_alive_lifetime() -> None:
    """Row 9: after keep_alive_lifetime the next answer says Connection: close, so clients
    connect anew and the kernel spreads them over the workers."""
    env = {"PLACEPIX_ACCESS_LOG": "false", "PLACEPIX_KEEP_ALIVE_LIFETIME": "1"}
    with running_server(env) as short, connect(short) as connection:
        request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        connection.sendall(request)
        assert b"connection: close" not in read_answer(connection).lower()
        time.sleep(1.2)
        connection.sendall(request)
        answer = read_answer(connection).lower()
        assert answer.startswith(b"http/1.1 200") and b"connection: close" in answer
        assert connection.recv(4096) == b""  # closed


def read_answer(connection: socket.socket) -> bytes:
    """One whole answer: its head, then as many bytes as its Content-Length says."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(4096)
    head, _, body = received.partition(b"\r\n\r\n")
    length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    assert length is not None
    while len(body) < int(length.group(1)):
        body += connection.recv(4096)
    return head + b"\r\n\r\n" + body


def test_an_answer_read_too_slowly_is_dropped_at_its_deadline() -> None:
    """Row 5: an answer must be out within send_timeout + its size at min_send_rate (here 2 s
    + 16 MB at 4 MiB/s, about 6 s): a client that reads steadily but slowly (~300 KB/s) is
    dropped then, though it never stops for send_timeout; one reading faster gets it all."""
    env = {
        "PLACEPIX_ACCESS_LOG": "false",
        "PLACEPIX_SEND_TIMEOUT": "2",
        "PLACEPIX_MIN_SEND_RATE": str(4 << 20),
    }
    request = b"GET /4000x4000/f00/0f0.bmp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with running_server(env) as server:
        with connect(server) as slow:
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
            slow.sendall(request)
            started, received = time.monotonic(), 0
            try:
                while chunk := slow.recv(65536):  # at most 64 KB every 0.2 s, never stopping
                    received += len(chunk)
                    time.sleep(0.2)
            except ConnectionResetError:
                pass
            elapsed = time.monotonic() - started
        assert received < 12_000_000 and 4 < elapsed < 15, (received, elapsed)
        with connect(server) as steady:
            steady.sendall(request)
            assert len(read_all(steady)) > 16_000_000
