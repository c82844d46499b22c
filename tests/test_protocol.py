"""placepix's HTTP protocol against a real server: pipelined requests are answered in order,
and what a client sends behind a request in flight is bounded (issue 18, row 1)."""

from __future__ import annotations

import socket
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
