"""create_app(settings) -> the Starlette app: fixed routes, then every other path is an image."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict
from functools import partial
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from cachetools import LRUCache
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from placepix._native.libc import lower_thread_priority, map_large_blocks_apart, release_free_memory
from placepix._version import __version__
from placepix.caching import CachePool, RenderCache
from placepix.codecs.encode import render_microseconds
from placepix.errors import PlacepixError, UrlTooLongError
from placepix.model.formats import MEDIA_TYPES
from placepix.model.limits import Limits
from placepix.model.sizes import NAMED_SIZES
from placepix.model.spec import ImageSpec
from placepix.render import (
    SMALL_RENDER_BYTES,
    check_memory,
    check_request,
    etag_for,
    render,
    text_caches,
    worst_memory,
)
from placepix.server import metrics
from placepix.server.access import AccessMiddleware, line_writer
from placepix.server.admission import Admission, OverloadedError
from placepix.server.responses import (
    IMMUTABLE,
    PageStaticFiles,
    error_response,
    etag_matches,
    image_response,
    not_modified,
    page_cache_control,
    raw_image_headers,
)
from placepix.server.settings import Settings
from placepix.server.tokens import TokenEndpoint
from placepix.text.fonts import FontLibrary, library_for
from placepix.url.grammar import parse
from placepix.url.keys import derive_all
from placepix.url.signing import verify

STATIC_DIR = Path(__file__).parent / "static"
KNOWN_URLS = 4096
TRIM_AFTER_PIXELS = 2_000_000  # renders this large hand their freed buffers back to the OS
TRIM_AFTER_BYTES = 1024 * 1024  # ...and so do caches that dropped this much for a render
NO_STORE = {"Cache-Control": "no-store"}
log = logging.getLogger("placepix")


class ImageEndpoint:
    """GET/HEAD of any image URL: parse, check, 304 or cache, render off the event loop."""

    def __init__(self, settings: Settings, fonts: FontLibrary) -> None:
        self.settings = settings
        self.limits: Limits = settings.limits()
        self.fonts = fonts
        self.cache = RenderCache(settings.cache_bytes)
        self.caches = CachePool([self.cache, *text_caches()])
        self.limiter = CapacityLimiter(settings.render_threads)
        self.admission = Admission(
            settings.max_pending_renders,
            settings.render_memory_budget,
            max_unsent_bytes=settings.max_unsent_bytes,
        )
        self.tally = metrics.Tally()
        secrets = [key.get_secret_value() for key in settings.secret_keys]
        self.signature_keys = derive_all(secrets, "signature")
        # URL as received -> (spec, ETag) for URLs already read: a repeated URL skips the
        # grammar, the checks and the hash. Bounded in entries; entries are small.
        self.known_urls: LRUCache[tuple[str, str], tuple[ImageSpec, str]] = LRUCache(KNOWN_URLS)

    async def handle(self, request: Request) -> Response:
        target = raw_target(request)
        known = self.known_urls.get(target)
        if known is None:
            spec = self.spec_for(*target)
            known = self.known_urls[target] = (spec, etag_for(spec, self.fonts))
        return await self.respond(request, *known)

    async def respond(
        self,
        request: Request,
        spec: ImageSpec,
        etag: str,
        cache_control: str = IMMUTABLE,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The image for a checked `spec`: 304 when the client has it, else from the cache or
        rendered once in the thread pool."""
        request.state.format = spec.format
        extra = {"Cache-Control": cache_control} | (headers or {})
        if etag_matches(request.headers.get("if-none-match"), etag):
            return not_modified(spec.media_type, etag, extra)
        rendered = False

        async def make() -> bytes:
            nonlocal rendered
            rendered = True
            return await self._render(spec)

        data = await self.cache.get_or_make(etag, make)
        if rendered:
            metrics.CACHE_MISSES.inc()
            metrics.CACHE_BYTES.set(self.cache.current_bytes)
        else:
            self.tally.cache_hits += 1
        sending = None if self.cache.keeps(len(data)) else self.admission.sending
        return image_response(data, spec.media_type, etag, extra, sending)

    def cached(self, scope: Scope) -> tuple[ImageSpec, bytes, str] | None:
        """(spec, bytes, ETag) when this exact URL was read before and its image is still in
        the cache; None sends the request the full way (Starlette routing and all)."""
        query = scope.get("query_string", b"").decode("latin-1")
        known = self.known_urls.get((scope["raw_path"].decode("latin-1"), query))
        if known is None:
            return None
        spec, etag = known
        data = self.cache.get(etag)
        return None if data is None else (spec, data, etag)

    def spec_for(self, path: str, query: str) -> ImageSpec:
        """The checked spec for a raw path and query, or a `PlacepixError`."""
        if len(path) + len(query) > self.limits.max_url_length:
            raise UrlTooLongError(f"URL too long: max_url_length is {self.limits.max_url_length}")
        spec = parse(path, query, default_format=self.settings.default_format)
        if self.settings.require_signature:
            verify(spec, query, self.signature_keys)
        return check_request(spec, self.limits, self.fonts)

    async def _render(self, spec: ImageSpec) -> bytes:
        call = partial(self._timed_render, spec)
        pixels = spec.pixel_width * spec.pixel_height
        if render_microseconds(spec.format, pixels) <= self.settings.inline_render_us:
            return call()  # a thread hop would cost about as much as the render
        with metrics.RENDERS_IN_FLIGHT.track_inprogress():
            try:
                async with self.admission.admit(partial(self._memory_needed, spec)):
                    in_thread = partial(self._in_render_thread, call)
                    return await to_thread.run_sync(in_thread, limiter=self.limiter)
            except OverloadedError:
                metrics.OVERLOADED.inc()
                raise

    async def _memory_needed(self, spec: ImageSpec) -> int:
        """The render's memory estimate, or the `LimitError` that refuses it. Large text takes a
        layout (~1 ms): done in a render thread, once the render holds a place in the queue."""
        worst = worst_memory(spec)
        if worst <= SMALL_RENDER_BYTES:
            return worst
        check = partial(check_memory, spec, self.limits, self.fonts)
        return await to_thread.run_sync(check, limiter=self.limiter)

    def _in_render_thread(self, render: Callable[[], bytes]) -> bytes:
        """Run `render` at the render threads' lower priority, after shrinking the caches for
        the renders admitted (this one too). Dropped entries go back to the OS before the
        render allocates, or the worker would hold both."""
        lower_thread_priority(self.settings.render_niceness)
        if self.caches.make_room(self.admission.in_use) >= TRIM_AFTER_BYTES:
            release_free_memory()
        return render()

    def _timed_render(self, spec: ImageSpec) -> bytes:
        with metrics.RENDER_SECONDS.labels(spec.format).time():
            data = render(spec, limits=self.limits, fonts=self.fonts).data
        metrics.RENDERS.labels(spec.format).inc()
        if spec.pixel_width * spec.pixel_height >= TRIM_AFTER_PIXELS:
            release_free_memory()
        return data

    def ready(self) -> bool:
        """Whether this worker should get traffic: its fonts draw and it is not saturated."""
        if self.admission.pending >= self.admission.max_pending:
            return False
        return bool(render("1x1.png", fonts=self.fonts).data)


class CachedImageShortcut:
    """Repeated image URLs are most of the traffic: answer them straight from the render cache,
    before Starlette builds a Request and walks its routes (half the cost of a cache hit).
    Anything else, or a request with If-None-Match, goes the normal way."""

    def __init__(self, app: ASGIApp, images: ImageEndpoint) -> None:
        self.app = app
        self.images = images

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hit = self.images.cached(scope) if _plain_image_request(scope) else None
        if hit is None:
            await self.app(scope, receive, send)
            return
        spec, data, etag = hit
        scope.setdefault("state", {})["format"] = spec.format
        self.images.tally.cache_hits += 1
        headers = raw_image_headers(data, spec.media_type, etag)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else data
        await send({"type": "http.response.body", "body": body})


def _plain_image_request(scope: Scope) -> bool:
    """GET or HEAD over HTTP, not conditional (304s take the normal way)."""
    return (
        scope["type"] == "http"
        and scope["method"] in ("GET", "HEAD")
        and "raw_path" in scope
        and not any(name == b"if-none-match" for name, _ in scope["headers"])
    )


def raw_target(request: Request) -> tuple[str, str]:
    """The path and query as received, still percent-encoded, so decoding stays strict."""
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    return raw_path.decode("latin-1"), request.scope.get("query_string", b"").decode("latin-1")


def create_app(settings: Settings | None = None, fonts: FontLibrary | None = None) -> Starlette:
    """Build the app. Everything it needs is created here, so two apps never share state."""
    settings = settings or Settings()
    fonts = fonts or library_for(tuple(settings.font_dirs))
    map_large_blocks_apart()
    images = ImageEndpoint(settings, fonts)
    tokens = TokenEndpoint(images, settings)
    index_html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    access_lines = line_writer(settings)
    page = page_cache_control(settings.page_max_age)
    static = PageStaticFiles(directory=STATIC_DIR, max_age=settings.page_max_age)

    async def index(request: Request) -> Response:
        return HTMLResponse(index_html, headers=page)

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok\n", headers=NO_STORE)

    async def readyz(request: Request) -> Response:
        if images.ready():
            return PlainTextResponse("ready\n", headers=NO_STORE)
        return PlainTextResponse("busy\n", status_code=503, headers=NO_STORE)

    async def metrics_page(request: Request) -> Response:
        body, media_type = metrics.exposition(images.tally)
        return Response(body, media_type=media_type, headers=NO_STORE)

    async def font_list(request: Request) -> Response:
        return JSONResponse(fonts.describe(), headers=page)

    instance = describe_instance(settings, fonts)

    async def info(request: Request) -> Response:
        return JSONResponse(instance, headers=page)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        flusher = asyncio.create_task(images.tally.flush_every_second())
        if access_lines is not None:
            access_lines.start()
        try:
            yield
        finally:
            flusher.cancel()
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
            Mount("/static", static, name="static"),
            Route("/t/{token}", tokens.handle, methods=["GET", "HEAD"]),
            Route("/{path:path}", images.handle, methods=["GET", "HEAD"]),
        ],
        middleware=[
            Middleware(AccessMiddleware, tally=images.tally, writer=access_lines),
            Middleware(CachedImageShortcut, images=images),
        ],
        exception_handlers={
            PlacepixError: _placepix_error,
            HTTPException: _http_error,
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
        "formats": list(MEDIA_TYPES),
        "fonts": fonts.names,
        "default_font": fonts.default,
        "named_sizes": {name: f"{w}x{h}" for name, (w, h) in NAMED_SIZES.items()},
        "limits": asdict(settings.limits()),
        "tokens": bool(settings.secret_keys),
        "require_signature": settings.require_signature,
    }


def app_from_env() -> Starlette:
    """uvicorn factory for worker processes: settings come from PLACEPIX_* variables."""
    logging.captureWarnings(True)  # warnings as log lines too (JSON under log_format=json)
    return create_app(Settings())


async def _placepix_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PlacepixError)
    return error_response(exc.status, exc.message, exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(exc.status_code, exc.detail)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.error("unexpected error for %s", request.url.path, exc_info=exc)
    return error_response(500, "internal error")
