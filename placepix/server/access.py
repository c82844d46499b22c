"""One access-log line and one request count per request (pure ASGI middleware).

Replaces uvicorn's access log so that it can be structured (JSON) and so that token routes
never log their query string. The image format counted is what the image endpoint put in
`scope["state"]["format"]`; other routes count as format "-".
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from placepix.server.metrics import Tally

access_log = logging.getLogger("placepix.access")
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")  # probes and scrapes: counted, not logged


class AccessMiddleware:
    def __init__(
        self, app: ASGIApp, *, tally: Tally, log: bool = True, json_lines: bool = False
    ) -> None:
        self.app = app
        self.tally = tally
        self.log = log
        self.json_lines = json_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering
        sent = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            image_format = scope.get("state", {}).get("format", "-")
            self.tally.request(status, image_format)
            if self.log and scope["path"] not in QUIET_PATHS:
                seconds = time.perf_counter() - started
                self._write(scope, status, sent, seconds)

    def _write(self, scope: Scope, status: int, sent: int, seconds: float) -> None:
        entry = request_entry(scope, status, sent, seconds)
        if self.json_lines:
            access_log.info(json.dumps(entry, ensure_ascii=False))
        else:
            access_log.info(
                '%s "%s %s" %d %d %.1fms',
                entry["client"],
                entry["method"],
                entry["target"],
                status,
                sent,
                entry["ms"],
            )


def request_entry(scope: Scope, status: int, sent: int, seconds: float) -> dict[str, Any]:
    """What one log line says. Token URLs lose their query string: nothing of a token's
    request beyond the opaque token itself is written down."""
    path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
    query = scope.get("query_string", b"").decode("latin-1")
    if query and not scope["path"].startswith("/t/"):
        path += "?" + query
    client = scope.get("client")
    return {
        "client": client[0] if client else "-",
        "method": scope["method"],
        "target": path,
        "status": status,
        "bytes": sent,
        "ms": round(seconds * 1000, 2),
    }
