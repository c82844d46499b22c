"""One access-log line, one request count and a request id per request (pure ASGI middleware).

Replaces uvicorn's access log so that lines can be JSON, carry what an operator needs (ISO 8601
time, client, request, status, bytes, duration, referer, user agent, request id) and never hold
a token route's query string. The request id is the client's `X-Request-ID` when it is a sane
one (1-128 of `A-Za-z0-9._~:+/=@-`), else made here; either way it is sent back in the answer's
`X-Request-ID`. The request path only gathers a tuple; `LineWriter` formats and writes it later.
The client is the peer's address, or the one a trusted proxy named (`forwarded_allow_ips`,
applied by uvicorn before this runs); an untrusted X-Forwarded-For is never read here.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from types import MappingProxyType
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from placepix.server.logs import LineWriter, iso_time
from placepix.server.metrics import Tally
from placepix.server.settings import Settings

QUIET_PATHS = ("/healthz", "/readyz", "/metrics")  # probes and scrapes: counted, not logged
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._~:+/=@-]{1,128}")
HEADER_CHARS = 512  # referer and user agent are cut here, so that a line fits one pipe write
PARTS_KEPT = 4096  # distinct client-request-referer-agent texts a writer keeps
# Text lines: quotes, backslashes and control characters as \xNN, so a line stays one line.
ESCAPES = MappingProxyType({c: f"\\x{c:02x}" for c in (*range(32), 34, 92, 127)})
UNSAFE = re.compile(r'[\x00-\x1f"\\\x7f]')

# What the request path gathers (indexes into the record tuple).
WALL, CLIENT, METHOD, PATH, RAW_PATH, QUERY, STATUS, SENT, SECONDS = range(9)
REFERER, AGENT, REQUEST_ID = 9, 10, 11


class AccessMiddleware:
    def __init__(self, app: ASGIApp, *, tally: Tally, writer: LineWriter | None) -> None:
        self.app = app
        self.tally = tally
        self.writer = writer
        # Made request ids: this worker's random prefix and a count (unique without a syscall).
        self.id_prefix = os.urandom(4).hex() + "-"
        self.counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = referer = agent = b""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = value
            elif name == b"referer":
                referer = value
            elif name == b"user-agent":
                agent = value
        if not (request_id and SANE_REQUEST_ID.fullmatch(request_id)):
            request_id = f"{self.id_prefix}{next(self.counter):x}".encode()
        id_header = (b"x-request-id", request_id)
        status = 500  # what the client gets if the app fails before answering
        sent = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.tally.request(status, scope.get("state", {}).get("format", "-"))
            if self.writer is not None and scope["path"] not in QUIET_PATHS:
                client = scope.get("client")
                self.writer.add(
                    (
                        time.time(),
                        client[0] if client else "-",
                        scope["method"],
                        scope["path"],
                        scope.get("raw_path"),
                        scope.get("query_string", b""),
                        status,
                        sent,
                        time.perf_counter() - started,
                        referer,
                        agent,
                        request_id,
                    )
                )


class LineFormat:
    """Turns records into lines, as text or JSON; called by the writer's thread only. Keeps the
    last millisecond's time stamp and the text of recent clients, requests and headers."""

    def __init__(self, json_lines: bool = False) -> None:
        self.json_lines = json_lines
        self._millisecond = -1
        self._stamp = ""
        # (client, method, target, query, referer, agent) -> their text: they repeat.
        self._parts: dict[tuple[Any, ...], tuple[str, str]] = {}

    def __call__(self, record: tuple[Any, ...]) -> str:
        return self.json(record) if self.json_lines else self.text(record)

    def time(self, wall: float) -> str:
        """UTC, ISO 8601 with milliseconds (as logs.iso_time), made once a millisecond."""
        millisecond = round(wall * 1_000_000) // 1000  # as datetime rounds
        if millisecond != self._millisecond:
            self._millisecond, self._stamp = millisecond, iso_time(millisecond / 1000)
        return self._stamp

    def entry(self, record: tuple[Any, ...]) -> dict[str, Any]:
        """What one line says. Token URLs lose their query string: nothing of a token's
        request beyond the opaque token itself is written down."""
        return {
            "time": self.time(record[WALL]),
            "client": record[CLIENT],
            "method": record[METHOD],
            "target": _target(record),
            "status": record[STATUS],
            "bytes": record[SENT],
            "ms": round(record[SECONDS] * 1000, 2),
            "referer": record[REFERER][:HEADER_CHARS].decode("latin-1"),
            "user_agent": record[AGENT][:HEADER_CHARS].decode("latin-1"),
            "request_id": record[REQUEST_ID].decode("ascii"),
        }

    def json(self, record: tuple[Any, ...]) -> str:
        return json.dumps({"logger": "placepix.access", **self.entry(record)}, ensure_ascii=False)

    def text(self, record: tuple[Any, ...]) -> str:
        """`TIME CLIENT "METHOD TARGET" STATUS BYTES MSms "REFERER" "USER AGENT" REQUEST_ID`.
        Built straight from the record, with what repeats (the client, the request, the two
        headers) made once: a dict and escapes for every line cost as much as a cache hit's
        whole answer."""
        wall, client, method, path, raw_path, query, status, sent, seconds = record[:9]
        key = (client, method, raw_path or path, query, record[REFERER], record[AGENT])
        parts = self._parts.get(key)
        if parts is None:
            if len(self._parts) >= PARTS_KEPT:
                self._parts.clear()
            request = _escaped(f"{method} {_target(record)}")
            headers = f'"{_header_text(record[REFERER])}" "{_header_text(record[AGENT])}"'
            parts = self._parts[key] = (f'{_escaped(client)} "{request}"', headers)
        return (
            f"{self.time(wall)} {parts[0]} {status} {sent} {seconds * 1000:.2f}ms {parts[1]} "
            f"{record[REQUEST_ID].decode('ascii')}"
        )


def _target(record: tuple[Any, ...]) -> str:
    path: str = record[PATH]
    raw_path = record[RAW_PATH]
    target = raw_path.decode("latin-1") if raw_path else path
    query: bytes = record[QUERY]
    if query and not path.startswith("/t/"):
        target += "?" + query.decode("latin-1")
    return target


def _escaped(text: str) -> str:
    return text.translate(ESCAPES) if UNSAFE.search(text) else text


def _header_text(value: bytes) -> str:
    return _escaped(value[:HEADER_CHARS].decode("latin-1")) if value else "-"


def line_writer(settings: Settings) -> LineWriter | None:
    """The worker's access-log writer as the settings ask (None with the access log off)."""
    if not settings.access_log:
        return None
    return LineWriter(
        LineFormat(json_lines=settings.log_format == "json"),
        flush_seconds=settings.log_flush_seconds,
        buffer_lines=settings.log_buffer_lines,
        max_waiting=settings.log_max_waiting_lines,
    )
