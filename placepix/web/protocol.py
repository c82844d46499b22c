"""uvicorn's HTTP protocol (httptools) with two limits it lacks, against slow or huge requests.

uvicorn times out idle keep-alive connections but not a request whose headers never finish, and
httptools accepts headers of any size. A client sending headers slowly (slowloris) or endlessly
would hold a connection and memory for ever. Here each request must complete its headers within
`header_timeout` seconds and `max_header_bytes` bytes; otherwise the connection is closed
(with 431 for too many bytes). `placepix serve` selects this protocol.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from placepix.settings import Settings


@cache
def _limits() -> tuple[float, int]:
    """(header_timeout, max_header_bytes) from the PLACEPIX_* settings, read once per worker."""
    settings = Settings()
    return float(settings.header_timeout), settings.max_header_bytes


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout, self.max_header_bytes = _limits()
        self._watchdog: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None  # when the current request's headers began
        self._header_bytes: int | None = 0  # None once the current request's headers are in

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        self._watch(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._header_bytes is not None:
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse_headers()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._waiting_since = None
        self._header_bytes = None
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._waiting_since = self.loop.time()  # the next request's headers may begin now
        self._header_bytes = 0
        super().on_response_complete()

    def _watch(self, delay: float) -> None:
        """One timer per connection, not per request: it wakes every `header_timeout` and
        closes the connection if headers have been arriving for longer than that."""
        self._watchdog = self.loop.call_later(delay, self._check)

    def _check(self) -> None:
        if self._waiting_since is None:
            self._watch(self.header_timeout)
            return
        waited = self.loop.time() - self._waiting_since
        if waited < self.header_timeout:
            self._watch(self.header_timeout - waited)
        elif not self.transport.is_closing():
            self.transport.close()

    def _refuse_headers(self) -> None:
        message = b"request headers too large\n"
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            "content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
            f"content-length: {len(message)}\r\n\r\n"
        )
        self.transport.write(head.encode() + message)
        self.transport.close()
        self._header_bytes = None
