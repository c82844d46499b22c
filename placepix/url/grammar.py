"""URL path + query -> ImageSpec, for placehold.co's grammar and the dummyimage.com and
fakeimg.pl forms, and ui-avatars.com's under /api (placepix.url.avatars). Pure: it never sees
HTTP, settings or the file system.

Input is the URL as received (still percent-encoded), so invalid UTF-8 is caught here
instead of being silently replaced. Every rule for an ambiguous case is in docs/url-grammar.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import urlsplit

from placepix.errors import SpecError, UrlTooLongError
from placepix.model.colors import Color, is_color, parse_color
from placepix.model.formats import AUTO, DEFAULT_FORMAT, format_name, require_format
from placepix.model.limits import Limits
from placepix.model.sizes import parse_size, reject_fractional_scale
from placepix.model.spec import (
    ALIGNMENTS,
    DEFAULT_BACKGROUND,
    DEFAULT_FOREGROUND,
    SHAPES,
    Align,
    ImageSpec,
    Shape,
)
from placepix.url import avatars
from placepix.url.query import decode, merge, query_params

QUERY_PARAMETERS = (
    *("text", "font", "font_size", "retina", "align", "padding", "distort", "shape", "bold"),
    *("format", "auto"),  # ?format=webp or auto; imgix's ?auto=format
)
_FONT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
# Line breaks as URLs write them in a text: a bar (dummyimage.com), and backslash-n as two
# characters (placehold.co), raw or with the backslash encoded. `%7C` is a literal bar and
# `%5C%6E` a literal backslash-n, as ImageSpec.canonical() writes them.
_LINE_BREAK = re.compile(r"\||\\n|%5[cC]n")
_SMALL_NUMBER = re.compile(r"\d{1,6}")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Hosts whose URLs are read without their scheme too (`placehold.co/600x400`, as people paste).
SERVICE_HOSTS = ("placehold.co", "dummyimage.com", "fakeimg.pl", "ui-avatars.com")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_url(url: str, limits: Limits | None = None) -> ImageSpec:
    """Parse `600x400.png?text=Hi` (leading slash optional), or a full URL of placepix or of
    any service it reads (`https://placehold.co/600x400`); check `limits` when given."""
    path, query = split_url(url)
    if limits is not None and len(path) + len(query) > limits.max_url_length:
        raise UrlTooLongError(f"URL too long: max_url_length is {limits.max_url_length}")
    spec = parse(path, query)
    return spec.check(limits) if limits is not None else spec


def split_url(url: str) -> tuple[str, str]:
    """The raw path and query of `url`: of a full URL (`https://host/600x400?text=Hi`, any
    host: only its path and query count), of `placehold.co/600x400` (a known service's host
    without the scheme), or of a path like `600x400?text=Hi`."""
    if _SCHEME.match(url) or url.startswith("//"):
        parts = urlsplit(url)
        return parts.path, parts.query
    host, slash, rest = url.partition("/")
    if slash and host.lower().removeprefix("www.") in SERVICE_HOSTS:
        url = rest
    path, _, query = url.partition("?")
    return path, query


def parse(path: str, query: str = "", *, default_format: str = DEFAULT_FORMAT) -> ImageSpec:
    """Read a raw (percent-encoded) path and query string; raise `SpecError` naming the bad part.

    `default_format` applies when the URL names no format."""
    path = path.lstrip("/")
    if avatars.is_avatar_path(path):
        return avatars.parse_avatar(path, query, default_format=default_format)
    path, _, path_query = path.partition("&")  # dummyimage: /600x400/000/fff&text=hi
    params = merge(
        query_params(path_query, QUERY_PARAMETERS, TEXT_DECODERS),
        query_params(query, QUERY_PARAMETERS, TEXT_DECODERS),
    )
    parts = _PathParts()
    segments = [decode(s, "path") for s in path.split("/")]
    if segments and segments[-1] == "" and len(segments) > 1:
        segments.pop()  # fakeimg.pl's trailing slash
    if not segments or not segments[0]:
        raise SpecError("missing size: try /600x400")
    reject_fractional_scale(segments[0])  # `@2.5x` is not a format "5x"
    size_text, size_format = _split_format(segments[0])
    parts.set_format(size_format)
    size = parse_size(size_text)
    for index, segment in enumerate(segments[1:], start=1):
        parts.read(segment, is_last=index == len(segments) - 1)
    if "format" in params:
        parts.set_format(_format(params["format"]), closing=parts.closed)
    if parts.format is None and "format" in params.get("auto", "").lower().split(","):
        parts.format = AUTO  # imgix: ?auto=format, unless the URL names a format (fm wins)
    return ImageSpec(
        width=size.width,
        height=size.height,
        scale=_scale(size.scale, params.get("retina")),
        format=parts.format or default_format,
        background=parts.colors[0] if parts.colors else DEFAULT_BACKGROUND,
        foreground=parts.colors[1] if len(parts.colors) > 1 else DEFAULT_FOREGROUND,
        text=params.get("text"),
        font=_font(params["font"]) if "font" in params else None,
        font_size=_int_param(params, "font_size"),
        align=_align(params.get("align", "center")),
        padding=_int_param(params, "padding"),
        distort=_flag(params, "distort"),
        shape=_shape(params.get("shape", "rect")),
        bold=_flag(params, "bold"),
    )


@dataclass
class _PathParts:
    """What the segments after the size have said so far: colours (bg, fg) and a format."""

    colors: list[Color] = field(default_factory=list)
    format: str | None = None
    closed: bool = False  # a format after the size's own segment ends the path

    def read(self, segment: str, *, is_last: bool) -> None:
        if not segment:
            raise SpecError("empty path segment (two slashes in a row?)")
        if self.closed:
            raise SpecError(f"nothing may follow the format, got {segment[:40]!r}")
        if fmt := format_name(segment) or (AUTO if segment.lower() == AUTO else None):
            self.set_format(fmt, closing=True)
            return
        stem, fmt = _split_format(segment)
        self.set_format(fmt, closing=True)
        if fmt and is_last and not is_color(stem):
            return  # fakeimg.pl's /300x200/img.webp: a file name, not a colour
        if len(self.colors) == 2:
            raise SpecError(f"too many path segments: {segment[:40]!r} (size/bg/fg/format)")
        self.colors.append(parse_color(stem))

    def set_format(self, fmt: str | None, *, closing: bool = False) -> None:
        """placehold.co's `/600x400.png/000/fff` names the format on the size and colours
        after it; any other format segment must be the last, and there is only one format."""
        if fmt is None:
            return
        if self.format is not None:
            raise SpecError(f"format given twice ({self.format} and {fmt})")
        self.format = fmt
        self.closed = closing


def _split_format(segment: str) -> tuple[str, str | None]:
    """`600x400.png` -> ("600x400", "png"); a segment without a dot has no format."""
    stem, dot, ext = segment.rpartition(".")
    if not dot:
        return segment, None
    return stem, _format(ext)


def _format(text: str) -> str:
    """A format name (any case, aliases) or `auto`; `SpecError` listing the choices."""
    return AUTO if text.lower() == AUTO else require_format(text)


def _decode_text(raw: str) -> str:
    """A text value: its line-break markers read on the raw value, the rest decoded."""
    return "\n".join(decode(piece, "text") for piece in _LINE_BREAK.split(raw))


TEXT_DECODERS = MappingProxyType({"text": _decode_text})  # query_params' own for text


def _scale(path_scale: int, retina: str | None) -> int:
    if retina is None:
        return path_scale
    value = retina.lower()
    if value in _FALSE:
        return path_scale
    if value not in _TRUE:
        raise SpecError("retina must be 1 or 0")
    if path_scale != 1:
        raise SpecError("retina given twice (@Nx in the path and ?retina=1)")
    return 2


def _flag(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "0").lower()
    if value not in _TRUE and value not in _FALSE:
        raise SpecError(f"{name} must be 1 or 0")
    return value in _TRUE


def _shape(value: str) -> Shape:
    value = value.lower()
    for shape in SHAPES:
        if value == shape:
            return shape
    raise SpecError(f"shape must be one of {', '.join(SHAPES)}")


def _font(name: str) -> str:
    normal = name.strip().lower().replace(" ", "-").replace("_", "-")
    if not _FONT_NAME.fullmatch(normal):
        raise SpecError("font names are letters, digits and hyphens, like open-sans")
    return normal


def _align(value: str) -> Align:
    value = {"centre": "center", "middle": "center"}.get(value.lower(), value.lower())
    for align in ALIGNMENTS:
        if value == align:
            return align
    raise SpecError(f"align must be one of {', '.join(ALIGNMENTS)}")


def _int_param(params: dict[str, str], name: str) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if not _SMALL_NUMBER.fullmatch(value):
        raise SpecError(f"{name} must be a whole number of pixels")
    return int(value)
