"""uvicorn's HTTP protocol (httptools) with the limits it lacks, against slow or huge requests.

uvicorn times out idle keep-alive connections but not a request whose headers never finish, nor
an answer the client never reads, and httptools accepts headers of any size. A client sending
headers slowly (slowloris) or endlessly would hold a connection and memory for ever; one that
stops reading would hold its answer in the worker's memory for ever. Here:

- the bytes of a request's headers count from the first byte after the previous request's
  headers, pipelined or not, and must stay within `max_header_bytes` (else 431; when answers
  are under way, they are finished and the connection closed); the headers must be complete
  `header_timeout` seconds after the connection opened or the previous answer went out;
- reading pauses while a request is in flight, so a client can't pile up bytes behind it (at
  most one read, 256 KiB, is parsed past the headers; requests pipelined in it count their
  headers against `max_header_bytes` too);
- a connection whose client reads none of its pending answer for `send_timeout` seconds is
  dropped, as nginx's `send_timeout` does, and so is one whose answer is not out
  `send_timeout` seconds plus its size at `min_send_rate` after it began to wait (a client
  reading a byte now and then): the time an answer may take scales with its size
  (placepix.server.sending);
- a connection older than `keep_alive_lifetime` (half of it to all of it, at random) closes
  after its next answer, so that clients connect anew and the kernel spreads them over the
  workers (a worker that replaces a dead one gets its share within that time instead of idling
  beside a busy one).

`placepix serve` selects this protocol.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from contextlib import suppress
from functools import cache
from typing import Any, NamedTuple

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from placepix.server.responses import NOTHING_POLICY
from placepix.server.sending import SendWatch, kernel_unsent
from placepix.server.settings import Settings

LINGER_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: closing sends RST, drops the data


class ProtocolLimits(NamedTuple):
    header_timeout: float
    max_header_bytes: int
    send_timeout: float
    min_send_rate: float
    keep_alive_lifetime: float


@cache
def _limits() -> ProtocolLimits:
    """The protocol's limits from the PLACEPIX_* settings, read once per worker."""
    settings = Settings()
    return ProtocolLimits(
        float(settings.header_timeout),
        settings.max_header_bytes,
        float(settings.send_timeout),
        float(settings.min_send_rate),
        float(settings.keep_alive_lifetime),
    )


PIPELINED_REQUEST_BYTES = 512  # what a queued request costs besides its headers (its objects)


class PipelineOverrun(Exception):
    """Raised from a parser callback: requests queued behind the one in flight passed
    `max_header_bytes` (httptools makes it a parser error, uvicorn calls `send_400_response`)."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limits = _limits()
        self.header_timeout, self.max_header_bytes = limits.header_timeout, limits.max_header_bytes
        self.send_timeout, self.min_send_rate = limits.send_timeout, limits.min_send_rate
        # Each connection's lifetime between half and all of the setting: connections opened
        # together (a client's pool, all those of a dead worker) don't close together, so each
        # new one is an accept race of its own, which an idle worker wins.
        self.keep_alive_lifetime = limits.keep_alive_lifetime * (0.5 + random.random() / 2)
        self._opened = 0.0
        self._watchdog: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None  # since when the next request's headers are due
        self._header_bytes = 0  # bytes received since the previous request's headers ended
        self._queued_bytes = 0  # headers of requests parsed while another was in flight
        self._reading_done = False  # refused: answer what was read, then close
        self._sending = SendWatch(self.send_timeout, self.min_send_rate)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._opened = self._waiting_since = self.loop.time()
        self._watch(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._reading_done:
            return  # refused: nothing more of this connection is read
        self._header_bytes += len(data)
        if self._header_bytes > self.max_header_bytes:
            self._refuse_headers()
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._count_queued(PIPELINED_REQUEST_BYTES)

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._count_queued(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._count_queued(len(name) + len(value) + 4)

    def on_body(self, body: bytes) -> None:
        self._header_bytes -= len(body)  # a body is bounded by uvicorn's flow control instead
        super().on_body(body)

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        self._header_bytes = 0  # the next request's headers count from here
        super().on_headers_complete()
        self.flow.pause_reading()  # until this answer is out (uvicorn resumes it then)
        if self.cycle is not None and self.loop.time() - self._opened >= self.keep_alive_lifetime:
            self.cycle.keep_alive = False  # "Connection: close": the client connects anew

    def on_response_complete(self) -> None:
        self._waiting_since = self.loop.time()  # the next request's headers are due from now
        if not self.pipeline:
            self._queued_bytes = 0
        super().on_response_complete()

    def _in_flight(self) -> bool:
        """Whether a request is being answered on this connection."""
        return self.cycle is not None and not self.cycle.response_complete

    def _count_queued(self, size: int) -> None:
        """Count a piece of a request parsed while another is in flight (pipelined in the read
        that completed that one's headers): such requests wait in memory, so their headers
        together are held to `max_header_bytes`."""
        if self._in_flight():
            self._queued_bytes += size
            if self._queued_bytes > self.max_header_bytes:
                raise PipelineOverrun()

    def pause_writing(self) -> None:
        super().pause_writing()
        now = self.loop.time()
        if self._sending.answer_waits(self.cycle, self._waiting_bytes(), now):
            if self._watchdog is not None:  # an answer began to wait: watch it from now
                self._watchdog.cancel()
            self._watch(self._next_check(now))

    def resume_writing(self) -> None:
        self._sending.drained()
        super().resume_writing()

    def _waiting_bytes(self) -> int:
        """Bytes of answers the client has not taken: in the kernel's send queue, in the
        transport's buffer, and of the answer under way not handed to the transport yet."""
        waiting = self.transport.get_write_buffer_size()
        waiting += kernel_unsent(self.transport.get_extra_info("socket"))
        cycle = self.cycle
        if cycle is None or self.pipeline or not cycle.response_started:
            return waiting  # no answer under way, or not the one this cycle is
        if not cycle.response_complete and not cycle.chunked_encoding:
            waiting += int(cycle.expected_content_length)
        return waiting

    def _watch(self, delay: float) -> None:
        """One timer per connection, not per request: it wakes at the header deadline, every
        half `send_timeout` while an answer waits to be read, else every `header_timeout`."""
        self._watchdog = self.loop.call_later(delay, self._check)

    def _check(self) -> None:
        now = self.loop.time()
        closing = self.transport.is_closing()
        if self._sending.stalled(self._waiting_bytes(), now):
            self._drop()
        elif closing and not self._sending.waiting:
            return  # closed with nothing left to send: connection_lost comes next
        elif not closing and self._headers_overdue(now):
            self.transport.close()
        else:
            self._watch(self._next_check(now))

    def _drop(self) -> None:
        """Close at once with a reset: close() would wait for the unread bytes to go out, and
        the kernel would go on holding its own send buffer for a client that does not read."""
        connection = self.transport.get_extra_info("socket")
        if connection is not None:
            with suppress(OSError):
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
        self.transport.abort()

    def _headers_overdue(self, now: float) -> bool:
        return self._waiting_since is not None and now - self._waiting_since >= self.header_timeout

    def _next_check(self, now: float) -> float:
        if self._waiting_since is not None:
            delay = self.header_timeout - (now - self._waiting_since)
        else:
            delay = self.header_timeout
        sending = self._sending.next_look(now)
        if sending is not None:
            delay = min(delay, sending)
        return max(delay, 0.01)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are not HTTP, in placepix's error form."""
        self._refuse(400, "Bad Request", "invalid HTTP request")

    def _refuse_headers(self) -> None:
        self._refuse(431, "Request Header Fields Too Large", "request headers too large")

    def _refuse(self, status: int, reason: str, message: str) -> None:
        """A plain-text error that no cache keeps, then close: the request can't be read. While
        requests are being answered an error can't go in front of their answers: those are
        finished, then the connection is closed."""
        self._reading_done = True
        self.flow.pause_reading()
        if self._in_flight():
            self.cycle.keep_alive = False  # the last request read: close once it is answered
            return
        body = message.encode() + b"\n"
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "content-type: text/plain; charset=utf-8\r\ncache-control: no-store\r\n"
            "x-content-type-options: nosniff\r\n"
            f"content-security-policy: {NOTHING_POLICY}\r\n"
            f"connection: close\r\ncontent-length: {len(body)}\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()
