"""GET /t/{token}[.{format}]: an image whose text comes from an encrypted token."""

from __future__ import annotations

import time
from dataclasses import replace
from types import MappingProxyType

from starlette.requests import Request
from starlette.responses import Response

from placepix.errors import UrlTooLongError
from placepix.model.formats import require_format
from placepix.server.images import ImageEndpoint
from placepix.server.responses import IMMUTABLE
from placepix.server.settings import Settings
from placepix.url.keys import token_keys_all
from placepix.url.tokens import TokensDisabledError, open_token, refuse_svg

TOKEN_HEADERS = MappingProxyType({"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"})


class TokenEndpoint:
    """Decrypts the token, then serves the image the way ImageEndpoint serves any other."""

    def __init__(self, images: ImageEndpoint, settings: Settings) -> None:
        self.images = images
        self.keys = token_keys_all([k.get_secret_value() for k in settings.secret_keys])
        self.versions = frozenset(settings.token_versions)

    async def handle(self, request: Request) -> Response:
        if not self.keys:
            raise TokensDisabledError()
        token, _, extension = request.path_params["token"].partition(".")
        if len(token) > self.images.renderer.limits.max_url_length:
            raise UrlTooLongError("token too long")
        spec, expires = open_token(token, self.keys, versions=self.versions)
        if extension:
            spec = replace(spec, format=require_format(extension))
        refuse_svg(spec.format)
        renderer = self.images.renderer
        plan = renderer.plan(spec)
        # From the token, never from the text: a hash of the text could be guessed offline.
        plan = replace(plan, etag=renderer.etag(f"{token}.{spec.format}", prefix="t"))
        return await self.images.respond(request, plan, _cache_control(expires), TOKEN_HEADERS)


def _cache_control(expires: int | None) -> str:
    if expires is None:
        return IMMUTABLE
    return f"public, max-age={max(0, expires - int(time.time()))}"
