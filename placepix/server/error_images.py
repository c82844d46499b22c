"""Errors people can see: a 4xx for an `<img>` answered as an image with the message on it.

A browser shows a broken-image icon for a `text/plain` answer to an `<img>`, and the message is
lost. So when the request is for an image (`Sec-Fetch-Dest: image`, or an `Accept` header that
prefers `image/*` to `text/html`), a 4xx keeps its status and `Cache-Control: no-store` but
carries a PNG: the requested size when the URL's size was valid and within the limits (and
`error_image_max_pixels`), else `DEFAULT_SIZE`, in an error look, with the status and the
one-line message drawn in it. It is made by the Renderer through the render pool like any
image (inline when cheap, else admitted), so its cost is bounded; when the pool has no room,
or anything else goes wrong, the plain-text answer goes out instead. Plain clients (curl,
fetch, a browser tab) get the `text/plain` message. Both carry `Vary: Accept, Sec-Fetch-Dest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from placepix.errors import PlacepixError
from placepix.model.colors import Color
from placepix.model.sizes import Size, parse_size
from placepix.model.spec import ImageSpec
from placepix.render import Renderer
from placepix.server.pool import RenderPool
from placepix.server.responses import COMMON_HEADERS, error_response
from placepix.server.settings import Settings

DEFAULT_SIZE = Size(300, 150)  # an <img>'s own default size, when the URL gives none
BACKGROUND = Color(0xFE, 0xE2, 0xE2)  # light red: this is not the image that was asked for
FOREGROUND = Color(0x99, 0x1B, 0x1B)
ERROR_HEADER = "X-Placepix-Error"  # the one-line message, beside the picture of it
MESSAGE_CHARACTERS = 200  # of the message drawn; the text/plain answer has all of it
VARY = MappingProxyType({"Vary": "Accept, Sec-Fetch-Dest"})
ALLOW = "GET, HEAD"  # what placepix's routes answer: said when a 405 names nothing


class ErrorAnswers:
    """The app's handlers for `PlacepixError` and Starlette's `HTTPException`."""

    def __init__(self, renderer: Renderer, pool: RenderPool, settings: Settings) -> None:
        self.renderer = renderer
        self.pool = pool
        self.max_pixels = settings.error_image_max_pixels

    async def placepix_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PlacepixError)
        return await self.answer(request, exc.status, exc.message, exc.headers)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # Starlette lists a route's methods in set order, or none
            methods = {m.strip() for m in headers.get("Allow", ALLOW).split(",") if m.strip()}
            headers["Allow"] = ", ".join(sorted(methods, key=lambda m: (m != "GET", m)))
        return await self.answer(request, exc.status_code, exc.detail, headers)

    async def answer(
        self, request: Request, status: int, message: str, headers: Mapping[str, str]
    ) -> Response:
        """The error as an image for image requests (4xx only: a 503 draws nothing), else as
        text; `headers` go on either."""
        if not 400 <= status < 500:
            return error_response(status, message, dict(headers))
        extra = dict(headers) | VARY
        if wants_image(request.headers):
            image = await self._image(request.url.path, status, message)
            if image is not None:
                media = "image/png"
                # The message for people reading the network panel, not only the picture.
                said = {"Cache-Control": "no-store", ERROR_HEADER: _header_safe(message)}
                return Response(image, status, COMMON_HEADERS | said | extra, media_type=media)
        return error_response(status, message, extra)

    async def _image(self, path: str, status: int, message: str) -> bytes | None:
        size = self.requested_size(path)
        text = f"Error {status}\n{message[:MESSAGE_CHARACTERS]}"
        text = text[: self.renderer.limits.max_text_length]
        spec = ImageSpec(
            size.width,
            size.height,
            scale=size.scale,
            background=BACKGROUND,
            foreground=FOREGROUND,
            text=text,
            padding=min(size.width, size.height) // 10,
        )
        try:
            return await self.pool.render(self.renderer.plan(spec))
        except PlacepixError:  # no room in the pool, or the text needs too much memory
            return None

    def requested_size(self, path: str) -> Size:
        """The size the URL's first segment asks for, when it is one and within the limits
        and `error_image_max_pixels`; else `DEFAULT_SIZE`."""
        segment = path.lstrip("/").partition("/")[0].partition("&")[0]
        stem = segment.rpartition(".")[0] or segment
        try:
            size = parse_size(stem)
            ImageSpec(size.width, size.height, scale=size.scale).check(self.renderer.limits)
        except PlacepixError:
            return DEFAULT_SIZE
        if size.width * size.height * size.scale**2 > self.max_pixels:
            return DEFAULT_SIZE
        return size


def _header_safe(message: str) -> str:
    """The message as a header value: printable ASCII, short."""
    return "".join(c if " " <= c <= "~" else "?" for c in message)[:MESSAGE_CHARACTERS]


def wants_image(headers: Mapping[str, str]) -> bool:
    """Whether the client asked for an image: an `<img>`, CSS background or the like."""
    if headers.get("sec-fetch-dest", "").lower() == "image":
        return True
    accept = headers.get("accept")
    if not accept:
        return False
    weights = _accept_weights(accept)
    return _image_weight(weights) > _html_weight(weights)


def _accept_weights(accept: str) -> dict[str, float]:
    """`image/webp,*/*;q=0.8` -> {"image/webp": 1.0, "*/*": 0.8} (the highest q of a type)."""
    weights: dict[str, float] = {}
    for item in accept.split(",")[:64]:
        media, *params = (part.strip() for part in item.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = max(0.0, min(1.0, float(value)))
                except ValueError:
                    weight = 0.0
        media = media.lower()
        if media:
            weights[media] = max(weight, weights.get(media, 0.0))
    return weights


def _image_weight(weights: Mapping[str, float]) -> float:
    images = [q for media, q in weights.items() if media.startswith("image/")]
    return max(images) if images else weights.get("*/*", 0.0)


def _html_weight(weights: Mapping[str, float]) -> float:
    for media in ("text/html", "text/*", "*/*"):  # the most specific range that matches
        if media in weights:
            return weights[media]
    return 0.0
