"""create_app(settings) -> the Starlette app: fixed routes, then every other path is an image."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from pathlib import Path
from types import MappingProxyType

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from placepix._native import libc
from placepix._native.gate import NativePath
from placepix._native.libc import Glibc
from placepix._version import __version__
from placepix.errors import PlacepixError
from placepix.model.colors import COLOUR_NAMES
from placepix.model.formats import AUTO, AUTO_FORMATS, MEDIA_TYPES
from placepix.model.sizes import NAMED_SIZES
from placepix.render import Renderer
from placepix.server import metrics
from placepix.server.access import AccessMiddleware, line_writer
from placepix.server.environment import STARTUP_FAILURE, BadSettings, load_settings, say
from placepix.server.error_images import ErrorAnswers
from placepix.server.headers import SafetyHeaders
from placepix.server.images import CachedImageShortcut, ImageEndpoint
from placepix.server.lifecycle import sweep_dead_workers, watch_parent
from placepix.server.looplag import LoopLagWatch
from placepix.server.pool import RenderPool
from placepix.server.readiness import Readiness
from placepix.server.responses import PageStaticFiles, error_response, page_cache_control
from placepix.server.settings import Settings, renderer_for
from placepix.server.site_files import SiteFiles
from placepix.server.tokens import TokenEndpoint
from placepix.text.fonts import FontLibrary

STATIC_DIR = Path(__file__).parent / "static"
NO_STORE = MappingProxyType({"Cache-Control": "no-store"})
log = logging.getLogger("placepix")


def create_app(settings: Settings | None = None, renderer: Renderer | None = None) -> Starlette:
    """Build the app. Everything it needs is created here (or handed in: `renderer`), so two
    apps never share state."""
    settings = settings or Settings()
    renderer = renderer or renderer_for(settings)
    glibc: NativePath[Glibc] = NativePath("glibc", libc.load, enabled=settings.native)
    glibc.run(lambda loaded: loaded.map_large_blocks_apart(), lambda: None)
    tally = metrics.Tally(lambda: renderer.images.current_bytes)
    pool = RenderPool(renderer, settings, glibc)
    images = ImageEndpoint(renderer, pool, settings, tally)
    readiness = Readiness(pool)
    tokens = TokenEndpoint(images, settings)
    errors = ErrorAnswers(renderer, pool, settings)
    site = SiteFiles(renderer, settings)
    fonts = renderer.fonts
    index_html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    access_lines = line_writer(settings)
    page = page_cache_control(settings.page_max_age)
    static = PageStaticFiles(directory=STATIC_DIR, max_age=settings.page_max_age)

    async def index(request: Request) -> Response:
        return HTMLResponse(index_html, headers=page)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n", headers=NO_STORE)

    async def readyz(request: Request) -> Response:
        ready, why = readiness.state()
        if ready:
            return PlainTextResponse(why + "\n", headers=NO_STORE)
        busy = NO_STORE | {"Retry-After": "1"}  # every 503 says when to come back
        return PlainTextResponse(why + "\n", status_code=503, headers=busy)

    async def metrics_page(request: Request) -> Response:
        body, media_type = metrics.exposition(tally)
        return Response(body, media_type=media_type, headers=NO_STORE)

    async def font_list(request: Request) -> Response:
        return JSONResponse(fonts.describe(), headers=page)

    instance = describe_instance(settings, fonts)

    async def info(request: Request) -> Response:
        return JSONResponse(instance | {"health": readiness.report()}, headers=page)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        flusher = asyncio.create_task(tally.flush_every_second())
        checking = asyncio.create_task(readiness.check())  # /readyz says "starting" meanwhile
        if access_lines is not None:
            access_lines.start()
        lag_watch = asyncio.create_task(LoopLagWatch().run())
        sweeper = asyncio.create_task(sweep_dead_workers(os.environ.get(metrics.MULTIPROC_ENV)))
        watch_parent(settings.graceful_timeout + 5.0)  # a supervised worker outlives no master
        try:
            yield
        finally:
            flusher.cancel()
            checking.cancel()
            lag_watch.cancel()
            sweeper.cancel()
            if access_lines is not None:
                access_lines.close()  # after SIGTERM's requests in flight: no line is lost

    app = Starlette(
        lifespan=lifespan,
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *([Route("/metrics", metrics_page)] if settings.metrics else []),
            Route("/fonts", font_list),
            Route("/info.json", info),
            Route("/robots.txt", site.robots),
            Route("/favicon.ico", site.favicon),
            Mount("/static", static, name="static"),
            Route("/t/{token}", tokens.handle, methods=["GET", "HEAD"]),
            Route("/{path:path}", images.handle, methods=["GET", "HEAD"]),
        ],
        middleware=[
            Middleware(AccessMiddleware, tally=tally, writer=access_lines),
            Middleware(CachedImageShortcut, images=images),  # its answers carry them already:
            Middleware(SafetyHeaders),  # nosniff and a CSP on every other answer
        ],
        exception_handlers={
            PlacepixError: errors.placepix_error,
            HTTPException: errors.http_error,
            Exception: _unexpected_error,
        },
    )
    app.state.images = images
    return app


def describe_instance(settings: Settings, fonts: FontLibrary) -> dict[str, object]:
    """What GET /info.json tells the playground and clients: this instance's limits, formats,
    fonts and modes."""
    return {
        "version": __version__,
        "default_format": settings.default_format,
        "formats": [*MEDIA_TYPES, AUTO],  # auto: the best of auto_formats the client accepts
        "auto_formats": list(AUTO_FORMATS),
        "fonts": fonts.names,
        "default_font": fonts.default,
        "named_sizes": {name: f"{w}x{h}" for name, (w, h) in NAMED_SIZES.items()},
        "colour_names": COLOUR_NAMES,
        "limits": asdict(settings.limits()),
        "tokens": bool(settings.secret_keys),
        "require_signature": settings.require_signature,
    }


def app_from_env() -> Starlette:
    """uvicorn factory for worker processes: settings come from PLACEPIX_* variables. Bad
    ones are one line each on stderr (JSON under PLACEPIX_LOG_FORMAT=json), and the worker
    exits with the status that tells uvicorn's supervisor it could not start (no traceback,
    no restart loop)."""
    logging.captureWarnings(True)  # warnings as log lines too (JSON under log_format=json)
    try:
        settings = load_settings()
    except BadSettings as bad:
        print(*say(bad.lines), sep="\n", file=sys.stderr, flush=True)
        raise SystemExit(STARTUP_FAILURE) from None
    return create_app(settings)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error for %s", request.url.path, exc_info=exc)
    return error_response(500, "internal error")
