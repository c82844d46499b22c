"""Format `auto` (`/600x400.auto`, `?format=auto`, imgix's `?auto=format`): the best format the
client's Accept header lists, AVIF, then WebP, then PNG, which every client takes.

A format a limit refuses (`max_avif_pixels`, the memory budget: `Renderer.plan` raises
`LimitError`) steps down to the next one instead of failing. Each answer carries
`Vary: Accept`, and the ETag of the format chosen: the variants of one URL have ETags of their
own (the explicit URL of the same format, `/600x400.webp`, shares it: the same bytes).
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from placepix.errors import LimitError
from placepix.model.formats import AUTO_FORMATS, MEDIA_TYPES
from placepix.model.spec import ImageSpec
from placepix.render import Plan, Renderer

VARY = MappingProxyType({"Vary": "Accept"})
MAX_ACCEPT_RANGES = 64  # media ranges read from one Accept header; the rest are ignored


def accepted_formats(accept: str | None) -> tuple[str, ...]:
    """The formats of AUTO_FORMATS that `accept` lists by name with a non-zero quality, in
    placepix's order of preference (not the client's: a browser that takes AVIF prefers it),
    always ending with PNG. Wildcards (`image/*`) don't count: a client that names no modern
    format gets PNG."""
    listed: set[str] = set()
    for media_range in (accept or "").split(",")[:MAX_ACCEPT_RANGES]:
        media_type, *params = (part.strip() for part in media_range.split(";"))
        if _quality(params) > 0:
            listed.add(media_type.lower())
    best = tuple(fmt for fmt in AUTO_FORMATS[:-1] if MEDIA_TYPES[fmt] in listed)
    return (*best, AUTO_FORMATS[-1])


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(renderer: Renderer, spec: ImageSpec, accept: str | None) -> Plan:
    """The plan of `spec` (format `auto`) in the best format `accept` lists that no limit
    refuses; the last one's `LimitError` when every one is refused."""
    formats = accepted_formats(accept)
    for fmt in formats[:-1]:
        try:
            return renderer.plan(replace(spec, format=fmt))
        except LimitError:
            continue  # step down: a smaller or cheaper format may still fit
    return renderer.plan(replace(spec, format=formats[-1]))
