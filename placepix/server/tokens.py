"""GET /t/{token}[.{format}]: an image whose text comes from an encrypted token."""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from placepix.errors import UrlTooLongError
from placepix.model.formats import require_format
from placepix.render import RENDER_VERSION, check_request
from placepix.server.responses import IMMUTABLE
from placepix.server.settings import Settings
from placepix.url.keys import token_keys_all
from placepix.url.tokens import TokensDisabledError, open_token, refuse_svg

if TYPE_CHECKING:
    from placepix.server.app import ImageEndpoint

TOKEN_HEADERS = {"X-Robots-Tag": "noindex", "Referrer-Policy": "no-referrer"}


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
        if len(token) > self.images.limits.max_url_length:
            raise UrlTooLongError("token too long")
        spec, expires = open_token(token, self.keys, versions=self.versions)
        if extension:
            spec = replace(spec, format=require_format(extension))
        refuse_svg(spec.format)
        spec = check_request(spec, self.images.limits, self.images.fonts)
        return await self.images.respond(
            request, spec, self._etag(token, spec.format), _cache_control(expires), TOKEN_HEADERS
        )

    def _etag(self, token: str, fmt: str) -> str:
        """From the token, never from the text: a hash of the text could be guessed offline."""
        key = f"{RENDER_VERSION}\n{self.images.fonts.fingerprint()}\n{token}.{fmt}"
        return '"t' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _cache_control(expires: int | None) -> str:
    if expires is None:
        return IMMUTABLE
    return f"public, max-age={max(0, expires - int(time.time()))}"
