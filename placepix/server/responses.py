"""Image and error responses with placepix's caching and safety headers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from types import MappingProxyType

from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
COMMON_HEADERS = MappingProxyType(
    {"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff"}
)
SLICE_BYTES = 1 << 20


def image_response(
    data: bytes,
    media_type: str,
    etag: str,
    extra: dict[str, str] | None = None,
    while_sending: Callable[[int], AbstractContextManager[None]] | None = None,
) -> Response:
    """An image with placepix's caching headers. With `while_sending` (a body too large to
    keep), it is sent in slices and counted by `while_sending` until the client has it."""
    headers = _image_headers(media_type, etag) | (extra or {})
    if while_sending is not None:
        return SlicedResponse(data, while_sending, media_type=media_type, headers=headers)
    return Response(data, media_type=media_type, headers=headers)


class SlicedResponse(Response):
    """A large body handed to the server a slice at a time. The server takes the next slice only
    once the last one has drained to the socket, so a slow client's answer waits here, not in a
    second copy in the connection's buffer, and `while_sending` spans the time until the
    client has read (nearly) all of it."""

    def __init__(
        self,
        content: bytes,
        while_sending: Callable[[int], AbstractContextManager[None]],
        **kwargs: object,
    ) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self.while_sending = while_sending

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code}
        await send(start | {"headers": self.raw_headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        body = memoryview(self.body)
        with self.while_sending(len(body)):
            for offset in range(0, len(body), SLICE_BYTES):
                piece = body[offset : offset + SLICE_BYTES]
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b""})


def page_cache_control(max_age: int) -> dict[str, str]:
    """The Cache-Control of everything but images: the playground, its static files, /fonts
    and /info.json change with upgrades and settings, so caches keep them only `max_age`."""
    return {"Cache-Control": f"public, max-age={max_age}"}


class PageStaticFiles(StaticFiles):
    """Starlette's static files (ETag, Last-Modified, 304) with the pages' Cache-Control."""

    def __init__(self, *, max_age: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.cache_control = page_cache_control(max_age)["Cache-Control"]

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers.setdefault("Cache-Control", self.cache_control)
        return response


def not_modified(media_type: str, etag: str, extra: dict[str, str] | None = None) -> Response:
    return Response(status_code=304, headers=_image_headers(media_type, etag) | (extra or {}))


def error_response(
    status: int, message: str, extra: dict[str, str] | None = None
) -> PlainTextResponse:
    """A short plain-text error that no cache keeps."""
    headers = COMMON_HEADERS | {"Cache-Control": "no-store"} | (extra or {})
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match asks for."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in tags


def _image_headers(media_type: str, etag: str) -> dict[str, str]:
    headers = COMMON_HEADERS | {"ETag": etag, "Cache-Control": IMMUTABLE}
    if media_type == "image/svg+xml":
        headers["Content-Security-Policy"] = SVG_POLICY
    return headers


def raw_image_headers(data: bytes, media_type: str, etag: str) -> list[tuple[bytes, bytes]]:
    """The headers `image_response` sends, ready for an ASGI message (the cached fast path)."""
    headers = _image_headers(media_type, etag) | {
        "Content-Type": media_type,
        "Content-Length": str(len(data)),
    }
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]
