"""The two files every crawler and browser asks a new host for: /robots.txt and /favicon.ico.

Without their own routes both were image URLs: `/robots.txt` a 400 ("unknown format 'txt'")
and `/favicon.ico` the grey `favicon` named size, refused in signed mode. The icon is drawn
by the Renderer (32 x 32 ICO, "px" on placepix's teal) when first asked for, and kept.
"""

from __future__ import annotations

from types import MappingProxyType

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from placepix.model.spec import ImageSpec
from placepix.render import Renderer
from placepix.server.responses import (
    etag_matches,
    image_response,
    not_modified,
    page_cache_control,
)
from placepix.server.settings import Settings

ROBOTS = MappingProxyType(
    {
        "allow": "User-agent: *\nAllow: /\n",
        "disallow": "User-agent: *\nDisallow: /\n",
    }
)
FAVICON = ImageSpec(
    32, 32, format="ico", background="0f766e", foreground="ffffff", text="px", font_size=22
)


class SiteFiles:
    """GET /robots.txt (as `settings.robots` says) and GET /favicon.ico."""

    def __init__(self, renderer: Renderer, settings: Settings) -> None:
        self.renderer = renderer
        self.robots_text = ROBOTS[settings.robots]
        self.cache_control = page_cache_control(settings.page_max_age)  # not immutable: an
        # upgrade may change the icon, a setting the robots
        self.icon: tuple[bytes, str] | None = None  # (bytes, ETag), once drawn

    async def robots(self, request: Request) -> Response:
        return PlainTextResponse(self.robots_text, headers=self.cache_control)

    async def favicon(self, request: Request) -> Response:
        if self.icon is None:
            plan = self.renderer.plan(FAVICON)  # 32 x 32: cheap enough for the event loop
            self.icon = self.renderer.execute(plan), plan.etag
        data, etag = self.icon
        extra = dict(self.cache_control)
        if etag_matches(request.headers.get("if-none-match"), etag):
            return not_modified(FAVICON.media_type, etag, extra)
        return image_response(data, FAVICON.media_type, etag, extra)
