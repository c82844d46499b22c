"""Image and error responses with placepix's caching and safety headers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from types import MappingProxyType

from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from placepix.errors import PlacepixError

IMMUTABLE = "public, max-age=31536000, immutable"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
NOTHING_POLICY = "default-src 'none'; frame-ancestors 'none'"  # nothing in it may run or load
COMMON_HEADERS = MappingProxyType(
    {
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": NOTHING_POLICY,
    }
)
SLICE_BYTES = 256 * 1024  # the default of the send_buffer_bytes setting
Reserve = Callable[[int], AbstractContextManager[None]]


def image_response(
    data: bytes,
    media_type: str,
    etag: str,
    extra: dict[str, str] | None = None,
    while_sending: Reserve | None = None,
    slice_bytes: int = SLICE_BYTES,
) -> Response:
    """An image with placepix's caching headers, handed to the server `slice_bytes` at a time
    when larger. `while_sending` (for a body too large for the cache) counts it until the
    client has it, and may refuse it (`PlacepixError`: that error is sent instead)."""
    headers = _image_headers(media_type, etag) | (extra or {})
    if while_sending is not None or len(data) > slice_bytes:
        return SlicedResponse(
            data, while_sending, slice_bytes, media_type=media_type, headers=headers
        )
    return Response(data, media_type=media_type, headers=headers)


class SlicedResponse(Response):
    """A large body handed to the server a slice at a time. The server takes the next slice only
    once the last one has drained to the socket, so a slow client's answer waits here (in the
    cache, or counted by `while_sending`), with at most a slice of it in the connection's
    buffer: a connection's share of the worker's memory, whether its client reads or not."""

    def __init__(
        self,
        content: bytes,
        while_sending: Reserve | None,
        slice_bytes: int = SLICE_BYTES,
        **kwargs: object,
    ) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self.while_sending = while_sending
        self.slice_bytes = slice_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "HEAD":
            await send_sliced(send, self.status_code, self.raw_headers, b"", self.slice_bytes)
            return
        with ExitStack() as counted:
            try:  # counted before the first await: two answers can't both take the last room
                if self.while_sending is not None:
                    counted.enter_context(self.while_sending(len(self.body)))
            except PlacepixError as refused:
                refusal = error_response(refused.status, refused.message, refused.headers)
                await refusal(scope, receive, send)
                return
            await send_sliced(send, self.status_code, self.raw_headers, self.body, self.slice_bytes)


async def send_sliced(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes | memoryview,
    slice_bytes: int,
) -> None:
    """An answer as ASGI messages, its body `slice_bytes` at a time."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    view = memoryview(body)
    for offset in range(0, len(view), slice_bytes):
        piece = view[offset : offset + slice_bytes]
        await send({"type": "http.response.body", "body": piece, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def headers_only(media_type: str, etag: str, extra: dict[str, str] | None = None) -> Response:
    """HEAD of an image not made yet: its headers, without Content-Length (RFC 9110 lets a
    HEAD answer leave it out; only encoding would tell it)."""
    headers = _image_headers(media_type, etag) | (extra or {})
    response = Response(media_type=media_type, headers=headers)
    response.raw_headers = [(k, v) for k, v in response.raw_headers if k != b"content-length"]
    return response


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
