"""Shared pieces of the fuzz, flood and soak scripts: a raw HTTP/1.1 keep-alive client, worker
memory from /proc, percentiles, and the description of the machine a run was made on.

Raw bytes over asyncio streams rather than an HTTP library: the fuzzer must be able to send what
a library refuses (NUL, invalid UTF-8, bad percent-encodings, overlong targets), and a minimal
client costs less CPU on a machine the server shares.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
READ_LIMIT = 1 << 20  # longest header block we accept from the server
NO_BODY_STATUSES = frozenset({204, 304})


class ProtocolError(Exception):
    """The server answered something that is not HTTP/1.1 as we understand it."""


# What a request over a `Connection` may raise when the network or the server misbehaves.
NETWORK_ERRORS = (OSError, EOFError, TimeoutError, ValueError, ProtocolError)


@dataclass
class Answer:
    """One response: status, lower-cased headers, body, and how long it took."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def closes(self) -> bool:
        return "close" in self.headers.get("connection", "").lower()


def host_port(base_url: str) -> tuple[str, int]:
    """("127.0.0.1", 8000) from "http://127.0.0.1:8000"."""
    parts = urlsplit(base_url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def encode_request(
    method: bytes, target: bytes, extra_headers: list[tuple[bytes, bytes]] | None = None
) -> bytes:
    """The bytes of one GET-like request; `target` is sent exactly as given."""
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: load"]
    lines += [name + b": " + value for name, value in extra_headers or []]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server has closed it."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = False  # a request went over this connection already

    async def request(
        self,
        target: bytes,
        method: bytes = b"GET",
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> Answer:
        """Send one request and read its whole answer. A reused connection that turns out to
        be closed (keep-alive timeout) is retried once on a new one, as any client does."""
        payload = encode_request(method, target, headers)
        started = time.perf_counter()
        try:
            answer = await self._exchange(payload, method == b"HEAD", started)
        except (ConnectionError, asyncio.IncompleteReadError) as error:
            if not self._was_stale(error):
                raise
            self.close()
            answer = await self._exchange(payload, method == b"HEAD", time.perf_counter())
        if answer.closes:
            self.close()
        return answer

    def _was_stale(self, error: Exception) -> bool:
        partial = isinstance(error, asyncio.IncompleteReadError) and error.partial
        return self.used and not partial

    async def _exchange(self, payload: bytes, head: bool, started: float) -> Answer:
        if self.writer is None:
            await self._open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(payload)
        await self.writer.drain()
        answer = await asyncio.wait_for(read_answer(self.reader, head, started), self.timeout)
        self.used = True
        return answer

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection(self.host, self.port, limit=READ_LIMIT), self.timeout
        )
        self.used = False

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None
        self.used = False


async def read_answer(reader: asyncio.StreamReader, head: bool, started: float) -> Answer:
    """Read a status line, headers and the body (Content-Length or chunked)."""
    try:
        block = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as error:
        raise ProtocolError(f"header block over {READ_LIMIT} bytes") from error
    lines = block.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"bad status line {lines[0][:80]!r}")
    status = int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    body = b""
    if not head and status not in NO_BODY_STATUSES:
        body = await _read_body(reader, headers)
    return Answer(status, headers, body, time.perf_counter() - started)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")
        return b"".join(chunks)
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return await reader.read()  # until the server closes


def worker_pids(server_pid: int) -> list[int]:
    """The uvicorn worker processes of a server: its children, without multiprocessing's
    resource tracker; the server itself when it runs a single worker in-process."""
    children: list[int] = []
    try:
        for task in Path(f"/proc/{server_pid}/task").iterdir():
            children += [int(pid) for pid in (task / "children").read_text().split()]
    except OSError:
        return []
    workers = [pid for pid in children if not _is_resource_tracker(pid)]
    return sorted(workers) or [server_pid]


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # gone already: not a worker we can measure


def memory(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in bytes, or None when the process is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    values = {}
    for line in status.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) * 1024
    return values.get("VmRSS", 0), values.get("VmHWM", 0)


@dataclass
class MemorySampler:
    """Samples every worker's RSS every `interval` seconds while running (an asyncio task)."""

    server_pid: int | None
    interval: float = 0.1
    first: dict[int, int] = field(default_factory=dict)
    last: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    high_water: dict[int, int] = field(default_factory=dict)  # VmHWM, the kernel's own peak
    samples: int = 0

    def sample(self) -> None:
        if self.server_pid is None:
            return
        for pid in worker_pids(self.server_pid):
            measured = memory(pid)
            if measured is None:
                continue
            rss, hwm = measured
            self.first.setdefault(pid, rss)
            self.last[pid] = rss
            self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self.high_water[pid] = hwm
        self.samples += 1

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
        self.sample()

    def lines(self) -> list[str]:
        mb = 1 << 20
        return [
            f"  worker {pid}: RSS first {self.first[pid] // mb} MB, last {self.last[pid] // mb}"
            f" MB, max sampled {self.peak[pid] // mb} MB, VmHWM {self.high_water[pid] // mb} MB"
            for pid in sorted(self.first)
        ]


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank); nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def machine() -> str:
    """What a figure was measured on: CPUs, Python, kernel."""
    return (
        f"{platform.machine()}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"Linux {platform.release()}"
    )


@dataclass
class Target:
    """The server under load: its URL, its pid when known (for memory), and for a server
    started here, a way to read what it logged (stops it)."""

    url: str
    pid: int | None
    read_log: Callable[[], str] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return host_port(self.url)


@contextmanager
def server_or_url(
    start: bool, url: str, pid: int | None, env: dict[str, str], workers: int
) -> Iterator[Target]:
    """A server started here with `env` and `workers` (stopped on exit), or the one at `url`."""
    if not start:
        yield Target(url, pid)
        return
    from tests.server import running_server

    with running_server(env, workers=workers) as server:
        yield Target(server.url, server.process.pid, server.log)


def server_errors(log: str) -> list[str]:
    """Lines of a server log that say something went wrong inside it."""
    return [
        line for line in log.splitlines() if line.startswith(("ERROR", "CRITICAL", "Traceback"))
    ]
