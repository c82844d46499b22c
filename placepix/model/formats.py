"""Image formats: their names, aliases, media types and the limits of the formats themselves."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from placepix.errors import SpecError

# Format name -> media type, in the order placepix offers them.
MEDIA_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "png": "image/png",
        "jpeg": "image/jpeg",
        "webp": "image/webp",
        "gif": "image/gif",
        "avif": "image/avif",
        "svg": "image/svg+xml",
        "bmp": "image/bmp",
        "tiff": "image/tiff",
        "ico": "image/x-icon",
    }
)
ALIASES = MappingProxyType({"jpg": "jpeg", "tif": "tiff"})
DEFAULT_FORMAT = "png"
# `auto` in a URL: the best format the client accepts, chosen per request (placepix.server's
# negotiation, in this order of preference); without an Accept header to go by, the last.
AUTO = "auto"
AUTO_FORMATS = ("avif", "webp", "png")
# Formats without any alpha: a translucent pixel is flattened (JPEG_MATTE), so a circle's
# corners are the background colour there and `shape=circle` draws the same as a rectangle.
OPAQUE_FORMATS = frozenset({"jpeg", "bmp"})

# Hard limits of the formats themselves, whatever the settings say.
FORMAT_MAX_SIDE = MappingProxyType(
    {
        "webp": 16383,  # libwebp's WEBP_MAX_DIMENSION
        "jpeg": 65500,  # libjpeg's JPEG_MAX_DIMENSION
        "gif": 65535,  # 16-bit logical screen size
        "ico": 256,  # the ICO directory stores sides in one byte (0 means 256)
    }
)


def format_name(text: str) -> str | None:
    """The format `text` names (any case, aliases too), or None."""
    name = text.lower()
    name = ALIASES.get(name, name)
    return name if name in MEDIA_TYPES else None


def require_format(text: str) -> str:
    """The format `text` names; `SpecError` listing the choices when it names none."""
    name = format_name(text)
    if name is None:
        raise SpecError(f"unknown format {text[:20]!r}; choose one of {', '.join(MEDIA_TYPES)}")
    return name


def file_extension(fmt: str) -> str:
    """The usual file name extension of `fmt` ('jpg' for JPEG)."""
    return "jpg" if fmt == "jpeg" else fmt
