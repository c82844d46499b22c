"""GET /t/{token}[.{format}]: an image whose text comes from an encrypted token."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from types import MappingProxyType

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from placepix.errors import LimitError, SpecError, UrlTooLongError
from placepix.model.formats import MEDIA_TYPES, format_name
from placepix.server.images import ImageEndpoint
from placepix.server.responses import IMMUTABLE
from placepix.server.settings import Settings
from placepix.url.keys import token_keys_all
from placepix.url.tokens import TokensDisabledError, open_token, refuse_svg

TOKEN_HEADERS = MappingProxyType({"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})
_TOKEN_PATH = re.compile(r"/t/([A-Za-z0-9_-]+)(?:\.([a-z]+))?")  # base64url, then a format


class TokenEndpoint:
    """Decrypts the token, then serves the image the way ImageEndpoint serves any other."""

    def __init__(self, images: ImageEndpoint, settings: Settings) -> None:
        self.images = images
        self.keys = token_keys_all([k.get_secret_value() for k in settings.secret_keys])
        self.versions = frozenset(settings.token_versions)

    async def handle(self, request: Request) -> Response:
        if not self.keys:
            raise TokensDisabledError()
        token, extension = token_target(request.scope)
        if len(token) > self.images.renderer.limits.max_url_length:
            raise UrlTooLongError("token too long")
        spec, expires = open_token(token, self.keys, versions=self.versions)
        if extension is not None:
            spec = replace(spec, format=extension)
        refuse_svg(spec.format)
        renderer = self.images.renderer
        try:
            plan = renderer.plan(spec)
            # From the token, never from the text: a hash of the text could be guessed offline.
            plan = replace(plan, etag=renderer.etag(f"{token}.{spec.format}", prefix="t"))
            return await self.images.respond(request, plan, _cache_control(expires), TOKEN_HEADERS)
        except LimitError as error:  # its message may say what the text holds ("with emoji")
            raise TokenLimitError(error.status) from None


class TokenLimitError(LimitError):
    """A token's image over this server's limits, in words that say nothing of its text or
    style (the token keeps them secret; a limit's own message names sizes, kinds, emoji)."""

    def __init__(self, status: int) -> None:
        super().__init__("this token's image is over this server's limits")
        self.status = status


def token_target(scope: Scope) -> tuple[str, str | None]:
    """The token and the format named after it, from the path as received: one spelling per
    token, so no percent-encoding, an extension only as a format's own name (`png`, `jpeg`),
    nothing else (400)."""
    raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    match = _TOKEN_PATH.fullmatch(raw_path)
    if match is None:
        raise SpecError("not a token URL: /t/TOKEN or /t/TOKEN.FORMAT (e.g. /t/TOKEN.webp)")
    token, extension = match.groups()
    if extension is not None and format_name(extension) != extension:
        raise SpecError(f"write the format as one of {', '.join(MEDIA_TYPES)}")
    return token, extension


def _cache_control(expires: int | None) -> str:
    if expires is None:
        return IMMUTABLE
    return f"public, max-age={max(0, expires - int(time.time()))}"
