"""The load scripts themselves: their generators cover what they claim, their HTTP client reads
answers right, and each one fails when the server misbehaves (a checker that cannot fail
proves nothing). Short real runs of flood and soak keep them from rotting."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts import fuzz
from scripts._load import Answer, percentile, read_answer, worker_pids

pytestmark = pytest.mark.stress

ROOT = Path(__file__).parent.parent


def test_the_generator_is_deterministic_and_makes_every_kind() -> None:
    first, second = fuzz.Generator(7), fuzz.Generator(7)
    probes = [next(first) for _ in range(3000)]
    assert [p.target for p in probes] == [next(second).target for _ in range(3000)]
    assert {p.kind for p in probes} == set(fuzz.Generator.KINDS)
    assert any(p.method == b"HEAD" for p in probes)
    targets = b"\n".join(p.target for p in probes)
    for piece in (b"%ED%A0%80", b"%C3%28", b"%00", b"@99999x", b"//", b"\x00"):
        assert piece in targets


def test_the_systematic_urls_cover_every_format_placement_and_colour() -> None:
    urls = set(fuzz.systematic_urls())
    for fmt in ("png", "jpeg", "webp", "gif", "avif", "svg", "bmp", "tiff", "ico"):
        assert f"/40x30.{fmt}/000/rebeccapurple" in urls  # on the size
        assert f"/40x30/000/ff880080.{fmt}" in urls  # on the last colour
        assert f"/40x30/%23abc/{fmt}" in urls  # a segment of its own
        assert f"/40x30/000/transparent/img.{fmt}" in urls  # a file name


@pytest.mark.parametrize(
    ("media_type", "body", "matches"),
    [
        ("image/png", b"\x89PNG\r\n", True),
        ("image/jpeg", b"\x89PNG\r\n", False),
        ("image/avif", b"\x00\x00\x00\x1cftypavif", True),
        ("image/avif", b"\x00\x00\x00\x1cftypheic", False),
        ("text/plain", b"anything", True),
    ],
)
def test_image_bytes_are_checked_against_the_content_type(
    media_type: str, body: bytes, matches: bool
) -> None:
    answer = Answer(200, {"content-type": media_type}, body, 0.0)
    assert fuzz.body_matches_type(answer) is matches


def test_server_errors_and_bare_503s_are_problems() -> None:
    probe = fuzz.Probe("grammar", b"/1")
    assert fuzz.problems(probe, Answer(500, {}, b"boom", 0.0))
    assert fuzz.problems(probe, Answer(503, {}, b"busy", 0.0)) == ["503 without Retry-After"]
    assert not fuzz.problems(probe, Answer(503, {"retry-after": "1"}, b"busy", 0.0))
    assert not fuzz.problems(probe, Answer(400, {}, b"bad", 0.0))


@pytest.mark.parametrize(
    ("raw", "head", "body"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", False, b"hello"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
         False, b"hello"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", True, b""),
        (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", False, b""),
    ],
)  # fmt: skip
def test_answers_are_read_whole(raw: bytes, head: bool, body: bytes) -> None:
    async def read() -> Answer:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_answer(reader, head, 0.0)

    answer = asyncio.run(read())
    assert answer.body == body
    assert answer.status in (200, 304)


def test_percentile_and_worker_discovery() -> None:
    assert percentile([float(n) for n in range(1, 101)], 0.99) == 99.0
    assert percentile([3.0], 0.5) == 3.0
    assert worker_pids(os.getpid()) == [os.getpid()]  # no children: the process itself


class _Always(BaseHTTPRequestHandler):
    """Answers every GET with one fixed status and no Retry-After: a server gone wrong."""

    protocol_version = "HTTP/1.1"
    status = 500

    def do_GET(self) -> None:
        body = b"broken\n"
        self.send_response(self.status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=[500, 503])
def broken_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Always,), {"status": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _script(name: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "scripts" / f"{name}.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def test_the_fuzz_script_fails_on_a_broken_server(broken_server: str) -> None:
    result = _script("fuzz", "--url", broken_server, "--count", "200", "--concurrency", "4")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout


def test_the_flood_script_fails_on_a_broken_server(broken_server: str) -> None:
    result = _script("flood", "--url", broken_server, "--seconds", "1", "--connections", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED" in result.stdout


def test_a_short_flood_of_a_real_server_passes() -> None:
    """Everything but the 150 MB bound, passed once the caches start to fill (security.md)."""
    args = ("--start", "--workers", "1", "--seconds", "3", "--max-rss-mb", "400")
    result = _script("flood", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "lacking Retry-After or Retry-After-Ms: 0" in result.stdout
    assert "VmHWM" in result.stdout


def test_a_short_soak_of_a_real_server_passes() -> None:
    result = _script("soak", "--start", "--workers", "1", "--seconds", "4")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "after warm-up" in result.stdout
