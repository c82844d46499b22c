"""GET/HEAD of any image URL: a thin HTTP adapter over the Renderer.

URL -> spec (the grammar; the signature in signed mode) -> `Renderer.plan` (for format `auto`,
of the format the Accept header picks: placepix.server.negotiation) -> 304 when the client has
it -> the bytes from the render cache, or rendered once (single flight) by the render pool ->
the response with placepix's caching headers.
"""

from __future__ import annotations

from collections.abc import Mapping

from cachetools import LRUCache
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from placepix.errors import UrlTooLongError
from placepix.model.formats import AUTO
from placepix.model.spec import ImageSpec
from placepix.render import Plan, Renderer
from placepix.server import metrics, negotiation
from placepix.server.hints import HEADER, ignored_parameters
from placepix.server.pool import RenderPool
from placepix.server.responses import (
    IMMUTABLE,
    etag_matches,
    headers_only,
    image_response,
    not_modified,
    raw_image_headers,
    send_sliced,
)
from placepix.server.settings import Settings
from placepix.server.singleflight import SingleFlight
from placepix.url.grammar import parse
from placepix.url.keys import derive_all
from placepix.url.signing import verify

KNOWN_URLS = 4096


class ImageEndpoint:
    """Answers image URLs from one Renderer and its render pool."""

    def __init__(
        self, renderer: Renderer, pool: RenderPool, settings: Settings, tally: metrics.Tally
    ):
        self.renderer = renderer
        self.pool = pool
        self.tally = tally
        self.default_format = settings.default_format
        self.require_signature = settings.require_signature
        self.slice_bytes = settings.send_buffer_bytes
        secrets = [key.get_secret_value() for key in settings.secret_keys]
        self.signature_keys = derive_all(secrets, "signature")
        self.flights: SingleFlight[bytes] = SingleFlight()
        # URL as received -> its plan, for URLs already read: a repeated URL skips the grammar,
        # the checks and the hash. Bounded in entries; entries are small.
        self.known_urls: LRUCache[tuple[str, str], Plan] = LRUCache(KNOWN_URLS)

    async def handle(self, request: Request) -> Response:
        target = raw_target(request.scope)
        plan = self.known_urls.get(target)
        if plan is None:
            spec = self.spec_for(*target)
            if spec.format == AUTO:  # one URL, a plan per Accept: never kept by URL alone
                accept = request.headers.get("accept")
                plan = negotiation.negotiate(self.renderer, spec, accept)
                return await self.respond(request, plan, headers=self._hints(target, True))
            plan = self.known_urls[target] = self.renderer.plan(spec)
        return await self.respond(request, plan, headers=self._hints(target, False))

    def spec_for(self, path: str, query: str) -> ImageSpec:
        """The spec of a raw path and query, or a `PlacepixError`."""
        limit = self.renderer.limits.max_url_length
        if len(path) + len(query) > limit:
            raise UrlTooLongError(f"URL too long: max_url_length is {limit}")
        spec = parse(path, query, default_format=self.default_format)
        if self.require_signature:
            verify(spec, query, self.signature_keys)
        return spec

    def _hints(self, target: tuple[str, str], negotiated: bool) -> dict[str, str] | None:
        """Extra headers: `Vary: Accept` for a negotiated format, and the query parameters
        placepix ignored (X-Placepix-Ignored), so a misspelt one shows."""
        headers = dict(negotiation.VARY) if negotiated else {}
        ignored = ignored_parameters(*target)
        if ignored:
            headers[HEADER] = ignored
        return headers or None

    async def respond(
        self,
        request: Request,
        plan: Plan,
        cache_control: str = IMMUTABLE,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The image of `plan`: 304 when the client has it, else from the cache or rendered
        once by the render pool. HEAD of an image not in the cache is answered without
        encoding it: its length is only known by encoding, so it has no Content-Length."""
        spec = plan.spec
        request.state.format = spec.format
        extra = {"Cache-Control": cache_control, **(headers or {})}
        if etag_matches(request.headers.get("if-none-match"), plan.etag):
            return not_modified(spec.media_type, plan.etag, extra)
        data = self.renderer.images.get(plan.etag)
        if data is None and request.method == "HEAD":
            await self.pool.check(plan)  # a 4xx or 503 as GET would get, without encoding
            return headers_only(spec.media_type, plan.etag, extra)
        if data is None:
            data = await self._render_once(plan)
        else:
            self.tally.cache_hits += 1
        keep = self.renderer.images.keeps(len(data))
        sending = None if keep else self.pool.admission.sending  # may refuse it: 503
        return image_response(data, spec.media_type, plan.etag, extra, sending, self.slice_bytes)

    async def _render_once(self, plan: Plan) -> bytes:
        async def make() -> bytes:
            data = await self.pool.render(plan)
            self.renderer.images.put(plan.etag, data)
            return data

        data, started = await self.flights.run(plan.etag, make)
        if started:
            self.tally.cache_misses += 1
        else:
            self.tally.cache_hits += 1
        return data

    def cached(self, scope: Scope) -> tuple[Plan, bytes] | None:
        """(plan, bytes) when this exact URL was read before and its image is still in the
        cache; None sends the request the full way (Starlette routing and all)."""
        plan = self.known_urls.get(raw_target(scope))
        if plan is None:
            return None
        data = self.renderer.images.get(plan.etag)
        return None if data is None else (plan, data)


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
        plan, data = hit
        scope.setdefault("state", {})["format"] = plan.spec.format
        self.images.tally.cache_hits += 1
        headers = raw_image_headers(data, plan.spec.media_type, plan.etag)
        if ignored := ignored_parameters(*raw_target(scope)):
            headers.append((HEADER.lower().encode(), ignored.encode()))
        body = b"" if scope["method"] == "HEAD" else data
        if len(body) <= self.images.slice_bytes:
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        else:  # a connection holds a slice of it at a time, however slowly its client reads
            await send_sliced(send, 200, headers, body, self.images.slice_bytes)


def _plain_image_request(scope: Scope) -> bool:
    """GET or HEAD over HTTP, not conditional (304s take the normal way)."""
    return (
        scope["type"] == "http"
        and scope["method"] in ("GET", "HEAD")
        and "raw_path" in scope
        and not any(name == b"if-none-match" for name, _ in scope["headers"])
    )


def raw_target(scope: Scope) -> tuple[str, str]:
    """The path and query as received, still percent-encoded, so decoding stays strict."""
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return raw_path.decode("latin-1"), scope.get("query_string", b"").decode("latin-1")
