"""One encoder per raster format: Pillow image -> bytes, in memory, deterministic.

Every option that changes bytes is a constant here; changing one means bumping
RENDER_VERSION (render.py) so caches and ETags move on.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, NamedTuple

from PIL import Image

from placepix._native.avif import encoder as banded_avif_encoder
from placepix._native.loader import BandSource
from placepix._native.webp import encoder as banded_webp_encoder
from placepix.codecs.jpeg import MCU_HEIGHT, encode_banded_jpeg
from placepix.codecs.png import index_chunk, palette_png
from placepix.imaging.raster import blend_palette, canvas_mode, text_image
from placepix.imaging.types import GlyphLayer, TextRaster
from placepix.model.colors import Color

# Chosen by measurement (docs/performance.md): WebP method 0 and AVIF speed 10 are 3-16x faster
# than the libraries' defaults, at 1.2-2x the size, which placeholders can afford.
PNG_COMPRESS_LEVEL = 6  # only for images with colour glyphs; the rest use placepix.codecs.png
JPEG_QUALITY = 85
WEBP_QUALITY = 80
WEBP_METHOD = 0
AVIF_QUALITY = 60
AVIF_SPEED = 10
AVIF_THREADS = 1  # a worker renders on several threads already
PALETTE_FORMATS = frozenset({"gif", "tiff", "bmp"})  # formats that store palette images
JPEG_MATTE = (255, 255, 255)  # JPEG and BMP: translucent images are flattened onto white


class RenderCost(NamedTuple):
    """What a render costs, measured (docs/performance.md) and rounded up.

    `ns`: time per pixel on one core, unique-colour 1200x800 renders of the size label; it
    decides whether a render runs on the event loop. The rest is peak working memory in bytes,
    fitted to 84 renders in fresh processes (3000x3000, AVIF 1500x1500: the size label, one
    letter, a sentence, a paragraph, emoji; opaque and translucent) plus 15 %
    (tests/test_encoders.py checks the estimate is never less than a render takes). Per pixel
    of the canvas: `opaque`; `translucent` when a colour has alpha (libwebp compresses the
    alpha plane with its lossless encoder, BMP and JPEG flatten a full-colour canvas); `colour`
    when the text has colour glyphs (a full-colour canvas; GIF then quantizes it). Per pixel
    of the text's box (`text`, `translucent_text`): the rasterised glyphs, their caches and
    what the encoder makes of them. Admission control budgets the estimate and refuses renders
    that need more than the whole budget."""

    ns: float
    opaque: float
    translucent: float
    colour: float
    text: float
    translucent_text: float


_BMP_COST = RenderCost(
    ns=1.0, opaque=2.1, translucent=11.6, colour=15.5, text=3.5, translucent_text=2.8
)
COST_PER_PIXEL = {
    "png": RenderCost(
        ns=0.3, opaque=0.6, translucent=0.6, colour=5.8, text=5.6, translucent_text=5.6
    ),
    "jpeg": RenderCost(
        ns=1.0, opaque=0.6, translucent=1.2, colour=12.6, text=7.9, translucent_text=21.7
    ),
    "bmp": _BMP_COST,
    "ico": _BMP_COST,  # at most 256x256 (spec.py): BMP's figures, not measured on their own
    "tiff": RenderCost(
        ns=2.7, opaque=1.0, translucent=5.8, colour=5.8, text=2.9, translucent_text=1.8
    ),
    "gif": RenderCost(
        ns=3.4, opaque=1.0, translucent=2.2, colour=19.3, text=3.0, translucent_text=2.4
    ),
    "webp": RenderCost(
        ns=12.5, opaque=2.1, translucent=27.6, colour=24.7, text=2.0, translucent_text=0.1
    ),
    "avif": RenderCost(  # banded (placepix._native.avif): no canvas, the AV1 encoder's own memory
        ns=17.5, opaque=20.0, translucent=26.0, colour=20.0, text=4.0, translucent_text=6.7
    ),
    "svg": RenderCost(ns=0.01, opaque=0, translucent=0, colour=0, text=0, translucent_text=0),
}


def encode_text(
    size: tuple[int, int],
    background: Color,
    foreground: Color,
    text: TextRaster,
    fmt: str,
    png_indices: Callable[[], bytes] | None = None,
) -> bytes:
    """Encode text on a flat background: PNG without colour glyphs takes the writer that
    compresses only the text band (`png_indices` may give that band already compressed, as
    `png.index_chunk` would); everything else goes through a Pillow image."""
    if fmt == "png" and text.color is None:
        palette = blend_palette(background, foreground)
        has_alpha = canvas_mode(background, foreground) == "RGBA"
        indices = png_indices() if png_indices else index_chunk(size, text.coverage)
        return palette_png(size, palette, has_alpha, indices)
    if fmt == "jpeg":
        return _banded_jpeg(size, background, foreground, text)
    if fmt == "webp" and (webp := banded_webp_encoder()) is not None:
        band, alpha = _bands(size, background, foreground, text)
        return webp.encode(size, band, alpha, WEBP_QUALITY, WEBP_METHOD)
    if fmt == "avif" and (avif := banded_avif_encoder()) is not None:
        band, alpha = _bands(size, background, foreground, text)
        return avif.encode(
            size, band, alpha, quality=AVIF_QUALITY, speed=AVIF_SPEED, max_threads=AVIF_THREADS
        )
    image = text_image(size, background, foreground, text, palette=fmt in PALETTE_FORMATS)
    return encode(image, fmt)


def _banded_jpeg(
    size: tuple[int, int], background: Color, foreground: Color, text: TextRaster
) -> bytes:
    """JPEG that encodes only the MCU rows holding text (placepix.codecs.jpeg)."""
    layers = [layer for layer in (text.coverage, text.color) if layer is not None]
    flat = flatten(text_image((1, 1), background, foreground, TextRaster(None), palette=False))
    pixel = flat.getpixel((0, 0))
    assert isinstance(pixel, tuple)
    colour = (int(pixel[0]), int(pixel[1]), int(pixel[2]))
    if not layers:
        return encode_banded_jpeg(size, colour, None, 0, JPEG_QUALITY)
    top = min(layer.origin[1] for layer in layers) // MCU_HEIGHT * MCU_HEIGHT
    bottom = max(layer.origin[1] + layer.image.height for layer in layers)
    bottom = min(size[1], -(-bottom // MCU_HEIGHT) * MCU_HEIGHT)
    band_size = (size[0], bottom - top)
    shifted = _shifted(text, top)
    band = flatten(text_image(band_size, background, foreground, shifted, palette=False))
    return encode_banded_jpeg(size, colour, band, top, JPEG_QUALITY)


def _bands(
    size: tuple[int, int], background: Color, foreground: Color, text: TextRaster
) -> tuple[BandSource, bool]:
    """For the banded WebP and AVIF encoders: what draws a band of rows (no full-size canvas
    ever exists), and whether the image may be translucent."""

    def band(top: int, bottom: int) -> Image.Image:
        shifted = _shifted(text, top)
        return text_image((size[0], bottom - top), background, foreground, shifted, palette=False)

    return band, canvas_mode(background, foreground) == "RGBA"


def _shifted(text: TextRaster, rows: int) -> TextRaster:
    """`text` for a band that starts `rows` rows down the canvas."""
    return TextRaster(*(_shifted_layer(layer, rows) for layer in (text.coverage, text.color)))


def _shifted_layer(layer: GlyphLayer | None, rows: int) -> GlyphLayer | None:
    if layer is None:
        return None
    return GlyphLayer(layer.image, (layer.origin[0], layer.origin[1] - rows))


def render_microseconds(fmt: str, pixels: int) -> float:
    """About how long a render of `pixels` in `fmt` takes when its text was seen before."""
    return pixels * COST_PER_PIXEL[fmt].ns / 1000


def working_memory(
    fmt: str,
    pixels: int,
    text_pixels: int,
    *,
    translucent: bool = False,
    colour_glyphs: bool = False,
) -> int:
    """About how many bytes a render of `pixels` in `fmt` needs at its peak, its text filling
    a box of `text_pixels` (an upper estimate): what admission control budgets, so that
    memory-hungry encodes don't run at once and none runs that would take a worker past its
    bound."""
    cost = COST_PER_PIXEL[fmt]
    canvas = cost.translucent if translucent else cost.opaque
    if colour_glyphs:
        canvas = max(canvas, cost.colour)
    text = cost.translucent_text if translucent else cost.text
    return int(pixels * canvas + text_pixels * text)


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


_ENCODERS: dict[str, tuple[Callable[[Image.Image], Image.Image], dict[str, Any]]] = {
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
