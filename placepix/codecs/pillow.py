"""Pillow's encoders, for every raster format: Pillow image -> bytes, in memory, deterministic.

Every option that changes bytes is a constant here; changing one means bumping RENDER_VERSION
(render.py) so that caches and ETags move on. The faster writers for text on a flat canvas
(codecs/png.py, codecs/jpeg.py, the banded WebP and AVIF of placepix._native) make the same
images with less work; codecs/encoder.py chooses.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from PIL import Image

# Chosen by measurement (docs/performance.md): WebP method 0 and AVIF speed 10 are 3-16x faster
# than the libraries' defaults, at 1.2-2x the size, which placeholders can afford.
PNG_COMPRESS_LEVEL = 6  # only for images with colour glyphs; the rest use codecs/png.py
JPEG_QUALITY = 85
WEBP_QUALITY = 80
WEBP_METHOD = 0
AVIF_QUALITY = 60
AVIF_SPEED = 10
AVIF_THREADS = 1  # a worker renders on several threads already
JPEG_MATTE = (255, 255, 255)  # JPEG and BMP: translucent images are flattened onto white


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode a 'P', 'RGB' or 'RGBA' image as `fmt` (any raster name in spec.MEDIA_TYPES)."""
    buffer = io.BytesIO()
    prepare, options = _ENCODERS[fmt]
    image = prepare(image)
    if fmt == "ico":
        options = {"sizes": [image.size]}  # one image at its own size, not Pillow's size ladder
    image.save(buffer, format=fmt.upper(), **options)
    return buffer.getvalue()


def has_alpha(image: Image.Image) -> bool:
    if image.mode == "P":
        return image.palette is not None and image.palette.mode == "RGBA"
    return image.mode in ("RGBA", "LA")


def flatten(image: Image.Image) -> Image.Image:
    """RGB, with any translucency composited onto JPEG_MATTE."""
    if image.mode == "RGB":
        return image
    if not has_alpha(image):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    matte = Image.new("RGB", rgba.size, JPEG_MATTE)
    matte.paste(rgba, mask=rgba.getchannel("A"))
    return matte


def to_full_color(image: Image.Image) -> Image.Image:
    """RGB or RGBA, for encoders that do not take palette images (no copy when it is one:
    a 4000x4000 copy is 48 MB more at the peak)."""
    mode = "RGBA" if has_alpha(image) else "RGB"
    return image if image.mode == mode else image.convert(mode)


def to_gif_palette(image: Image.Image) -> Image.Image:
    """GIF has one fully transparent index and no partial alpha: entries under half opacity
    become transparent, the rest opaque."""
    if image.mode != "P":
        return image.convert("RGB").quantize(256, dither=Image.Dither.NONE)
    if not has_alpha(image):
        return image
    rgba = image.getpalette("RGBA") or []
    clear = [i for i in range(len(rgba) // 4) if rgba[4 * i + 3] < 128]
    result = image.copy()
    result.putpalette(image.getpalette("RGB") or [], "RGB")
    if clear:
        result = result.point([clear[0] if i in clear else i for i in range(256)])
        result.putpalette(image.getpalette("RGB") or [], "RGB")
        result.info["transparency"] = clear[0]
    return result


def opaque_palette_or_full_color(image: Image.Image) -> Image.Image:
    """Keep a palette image when its palette is opaque (smaller); full colour when it has alpha,
    for formats whose palettes carry no alpha."""
    return to_full_color(image) if has_alpha(image) else image


def palette_or_flattened(image: Image.Image) -> Image.Image:
    """Keep an opaque palette image; flatten translucent ones (BMP readers ignore alpha)."""
    return flatten(image) if has_alpha(image) else image


def _same(image: Image.Image) -> Image.Image:
    return image


_ENCODERS: Mapping[str, tuple[Callable[[Image.Image], Image.Image], dict[str, Any]]] = (
    MappingProxyType(
        {
            "png": (_same, {"compress_level": PNG_COMPRESS_LEVEL}),
            "jpeg": (
                flatten,
                {"quality": JPEG_QUALITY, "restart_marker_rows": 1},
            ),  # as placepix.codecs.jpeg
            "webp": (to_full_color, {"quality": WEBP_QUALITY, "method": WEBP_METHOD}),
            "avif": (
                to_full_color,
                {"quality": AVIF_QUALITY, "speed": AVIF_SPEED, "max_threads": AVIF_THREADS},
            ),
            "gif": (to_gif_palette, {"optimize": False}),  # same bytes, no scan for unused colours
            "bmp": (palette_or_flattened, {}),
            "tiff": (opaque_palette_or_full_color, {"compression": "tiff_deflate"}),
            "ico": (to_full_color, {}),
        }
    )
)
