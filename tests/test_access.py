"""The access log: what a line says (and never says: token queries), how it is escaped, and the
writer that batches lines (whole lines per write, a bound while the output blocks, nothing lost
on close). The server's side (request ids, JSON everywhere, SIGTERM): test_logging.py."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from typing import IO, Any

import pytest

from placepix.server.access import LineFormat
from placepix.server.logs import PIPE_BUF, LineWriter, iso_time

WALL = 1_795_000_000.25
# The same instant as datetime writes it in ISO 8601 (the reference for iso_time).
WALL_ISO = datetime.fromtimestamp(WALL, UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def record(
    path: str,
    query: str = "",
    *,
    status: int = 200,
    referer: bytes = b"",
    agent: bytes = b"curl/8",
    request_id: bytes = b"abc-1",
) -> tuple[Any, ...]:
    """A record as AccessMiddleware gathers it."""
    raw = path.encode()
    head = (WALL, "10.0.0.7", "GET", path, raw, query.encode(), status, 1234, 0.0125)
    return (*head, referer, agent, request_id)


def test_entry_names_time_client_target_status_size_duration_referer_agent_and_id() -> None:
    line = record("/600x400.png", "text=Hi", referer=b"https://example.com/a")
    assert LineFormat().entry(line) == {
        "time": WALL_ISO,
        "client": "10.0.0.7",
        "method": "GET",
        "target": "/600x400.png?text=Hi",
        "status": 200,
        "bytes": 1234,
        "ms": 12.5,
        "referer": "https://example.com/a",
        "user_agent": "curl/8",
        "request_id": "abc-1",
    }


def test_token_routes_lose_their_query_string() -> None:
    assert (
        LineFormat().entry(record("/t/abcdef.png", "text=jane@example.com"))["target"]
        == "/t/abcdef.png"
    )


def test_raw_path_is_logged_as_received() -> None:
    assert LineFormat().entry(record("/600x400%2Fx"))["target"] == "/600x400%2Fx"


def test_text_line_stays_one_line_whatever_the_headers_say() -> None:
    line = LineFormat().text(record("/1x1", agent=b'evil" "\nforged 200', referer=b"r\\x"))
    assert "\n" not in line
    assert line == (
        f'{WALL_ISO} 10.0.0.7 "GET /1x1" 200 1234 12.50ms "r\\x5cx" '
        '"evil\\x22 \\x22\\x0aforged 200" abc-1'
    )


def test_the_time_stamp_is_kept_per_second_only() -> None:
    lines = LineFormat()
    for wall in (WALL, WALL + 0.5, WALL + 1.001, WALL - 3600, WALL + 0.7499999, 1e9 + 0.9999999):
        expected = datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds")
        assert lines.time(wall) == iso_time(wall) == expected[:-6] + "Z"


def test_json_line_is_one_object() -> None:
    line = LineFormat(json_lines=True)(record("/1x1", agent="é\n".encode("latin-1")))
    assert "\n" not in line
    assert (
        json.loads(line)["user_agent"] == "é\n" and json.loads(line)["logger"] == "placepix.access"
    )


def writer_into(**options: Any) -> tuple[LineWriter, IO[bytes]]:
    """A writer whose lines go to a temporary file (a pipe nobody reads would block it)."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 (the tests read it, then it goes)
    settings = {"flush_seconds": 60.0, "buffer_lines": 10**6, "max_waiting": 10**6} | options
    return LineWriter(lambda r: str(r[0]), fd=output.fileno(), **settings), output


def written(output: IO[bytes]) -> list[str]:
    output.seek(0)
    return output.read().decode().splitlines()


def test_close_writes_every_waiting_line() -> None:
    writer, output = writer_into()
    lines = [f"line {index} " + "x" * (index % 300) for index in range(2000)]
    writer.start()
    for line in lines:
        writer.add((line,))
    writer.close()
    assert written(output) == lines


def test_each_write_is_whole_lines_of_at_most_pipe_buf(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[bytes] = []
    writer, _ = writer_into()
    monkeypatch.setattr(writer, "_write_all", writes.append)
    for index in range(500):
        writer.add((f"{index:04d} " + "y" * 100,))
    writer.flush()
    assert len(writes) > 1
    assert all(len(w) <= PIPE_BUF and w.endswith(b"\n") for w in writes)
    assert b"".join(writes).decode().splitlines() == [f"{i:04d} " + "y" * 100 for i in range(500)]


def test_a_full_buffer_wakes_the_writer_before_the_interval() -> None:
    writer, output = writer_into(buffer_lines=3)
    writer.start()
    for index in range(3):
        writer.add((f"early {index}",))
    deadline = time.monotonic() + 5
    while len(written(output)) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert written(output) == ["early 0", "early 1", "early 2"]  # not 60 s later
    writer.close()


def test_lines_beyond_the_bound_are_dropped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    writer, output = writer_into(max_waiting=5)
    for index in range(8):
        writer.add((f"kept {index}",))
    assert len(writer.waiting) == 5 and writer.dropped == 3
    writer.flush()
    assert written(output) == [f"kept {index}" for index in range(5)]
    assert "3 access lines dropped" in caplog.text


def test_a_line_that_will_not_format_is_logged_and_the_writer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def fussy(record: tuple[Any, ...]) -> str:
        if record[0] == "bad":
            raise ValueError("cannot format")
        return str(record[0])

    output = tempfile.TemporaryFile()  # noqa: SIM115
    writer = LineWriter(
        fussy, flush_seconds=0.01, buffer_lines=1, max_waiting=100, fd=output.fileno()
    )
    writer.start()
    writer.add(("bad",))
    deadline = time.monotonic() + 5
    while "could not be written" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.01)
    writer.add(("good",))
    writer.close()
    assert "could not be written" in caplog.text
    assert written(output) == ["good"]
