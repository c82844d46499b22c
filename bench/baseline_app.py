"""The HTTP baseline: a bare Starlette app returning fixed bytes, served the same way as
placepix (uvicorn, same workers), so the ratio measures placepix and not the machine."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

import placepix

BODY = placepix.render("300x200.png").data
HEADERS = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": '"fixed"'}


def create_app() -> Starlette:
    async def image(request: Request) -> Response:
        return Response(BODY, media_type="image/png", headers=HEADERS)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n")

    return Starlette(routes=[Route("/healthz", healthz), Route("/{path:path}", image)])
