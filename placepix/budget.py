"""What a render costs, estimated before it runs: peak memory and CPU time, in one place.

Admission control budgets the memory estimate, `render_memory_budget` refuses renders whose
estimate is larger than all of it, and the CPU estimate decides whether a render may run on the
event loop. The figures are measured (docs/performance.md), rounded up, and per path: Pillow's
own WebP and AVIF encoders need a full-colour canvas and copies of it, the banded encoders of
placepix._native only the planes. tests/test_budget.py checks, in fresh processes, that no
render takes more memory than its estimate on either path.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from placepix.errors import LimitError
from placepix.model.formats import OPAQUE_FORMATS
from placepix.model.spec import ImageSpec
from placepix.text.engine import TextInk

SMALL_RENDER_BYTES = 16 * 1024 * 1024  # below this worst case, no layout is made to estimate
INLINE_LABEL_PIXELS = 250_000  # canvases this small draw their size label in about a millisecond
# ...or a text this short in one colour at an automatic or modest size: at worst ~4 ms, 16 new
# CJK glyphs on 500x500 with every text cache empty (emoji: ~3 ms each, so never inline)
INLINE_TEXT_CHARACTERS = 16
INLINE_TEXT_FONT_PX = 100
# Composing a canvas in full colour (colour glyphs: emoji) and encoding it, per pixel: 15 (JPEG,
# BMP) to 150 ns (GIF quantizes it), measured from prepared rasters at 500² and 1000²
# (1825x1825 PNG with an emoji: ~0.3-0.6 s), against 0.01-3 for text in one colour.
COLOUR_CANVAS_NS = 150.0
# Anti-OCR distortion (placepix.imaging.distort), on top of the text's own cost, per pixel of
# the text's box: each glyph moved onto a layer of its own, the marks drawn at twice the size,
# the merged layer; with colour glyphs, their RGBA layers moved too. Fitted to renders in fresh
# processes (3000x3000 png: one large glyph, a sentence, emoji and text; 1500x1500 avif) + 20 %.
DISTORT_TEXT = 9.0
DISTORT_COLOUR_TEXT = 15.0
# ...and per pixel of the largest glyph raster: its layer is cut, turned, scaled and warped
# whole (3000x3000 png with one W, a glyph of ~1 M pixels: +14 bytes a text pixel in all).
DISTORT_GLYPH = 8.0
# A glyph raster is made whole, then clipped to the canvas: FreeType's bitmap and placepix's
# copy of it, a byte a pixel each, and room for the outline's rendering spans.
GLYPH_RASTER_BYTES = 3
# ...and 8 more when the pixels come as a Python list (freetype-py's own `Bitmap.buffer`, with
# the native bitmap copy off): a reference a pixel, the small ints themselves shared.
LISTED_GLYPH_BYTES = GLYPH_RASTER_BYTES + 8


class RenderCost(NamedTuple):
    """What a render costs per pixel, measured and rounded up.

    `ns`: time per pixel on one core, unique-colour 1200x800 renders of the size label. The
    rest is peak working memory in bytes, fitted to renders in fresh processes (3000x3000, AVIF
    1500x1500: the size label, one letter, a sentence, a paragraph, emoji; opaque and
    translucent) plus 15 %. Per pixel of the canvas: `opaque`; `translucent` when a colour has
    alpha (libwebp compresses the alpha plane with its lossless encoder, BMP and JPEG flatten a
    full-colour canvas); `colour` when the text has colour glyphs (a full-colour canvas; GIF
    then quantizes it). Per pixel of the text's box (`text`, `translucent_text`): the
    rasterised glyphs, their caches and what the encoder makes of them."""

    ns: float
    opaque: float
    translucent: float
    colour: float
    text: float
    translucent_text: float


# Columns:               ns opaque  trans colour   text t.text
_BMP = RenderCost(1.0, 2.1, 11.6, 15.5, 3.5, 2.8)
COSTS: Mapping[str, RenderCost] = MappingProxyType({  # columns as _BMP's
    "png":  RenderCost(  0.3,   0.6,   0.6,   5.8,   5.6,   5.6),
    "jpeg": RenderCost(  1.0,   0.6,   1.2,  12.6,   7.9,  21.7),
    "bmp": _BMP,
    "ico": _BMP,  # at most 256x256: BMP's figures, not measured on their own
    "tiff": RenderCost(  2.7,   1.0,   5.8,   5.8,   2.9,   1.8),
    "gif":  RenderCost(  3.4,   1.0,   2.2,  19.3,   3.0,   2.4),
    # banded (placepix._native.webp): planes only, libwebp's lossless alpha when translucent
    "webp": RenderCost( 12.5,   2.1,  27.6,  24.7,   2.0,   0.1),
    # banded (placepix._native.avif): no canvas, the AV1 encoder's own memory
    "avif": RenderCost( 17.5,  20.0,  26.0,  20.0,   4.0,   6.7),
    "svg":  RenderCost( 0.01,     0,     0,     0,     0,     0),
})  # fmt: skip
# Pillow's own encoders, when the banded ones are off or refused: a full-colour canvas, the copy
# the encoder makes (ARGB for libwebp, RGB bytes for libavif) and the planes.
PILLOW_COSTS: Mapping[str, RenderCost] = MappingProxyType({  # columns as _BMP's
    "webp": RenderCost( 14.0,  10.5,  37.0,  26.0,   2.0,   0.1),
    "avif": RenderCost( 19.0,  26.0,  37.0,  28.0,   4.0,   6.7),
})  # fmt: skip


# `shape=circle`: the image is clipped by an ellipse mask, so it is translucent (its corners are
# clear) and no longer flat. WebP and AVIF stay banded and cost what translucent images cost;
# the others need a full-colour RGBA image with the mask as (or in) its alpha, and its raw
# bytes for the PNG writer (codecs/png.truecolour_png) or a quantized copy for GIF. Peak bytes
# per pixel of the canvas, measured as above
# (3000x3000 with a sentence and with emoji, on both paths) plus 15 %; and the time it adds.
CLIPPED_BYTES: Mapping[str, float] = MappingProxyType(
    {"png": 17.0, "gif": 22.5, "tiff": 12.0, "ico": 12.0}
)
CLIPPED_NS = 40.0
# Synthetic bold (placepix.imaging.bold) holds a few copies of the text's coverage while it
# grows it: bytes per pixel of the text's box.
BOLD_TEXT_BYTES = 5.0


def clipped_bytes(fmt: str) -> float:
    """Bytes per pixel of the canvas of a render of `fmt` clipped by a shape, beyond what a
    translucent render costs (0 for WebP and AVIF, and for formats without alpha, which draw
    a circle as the rectangle)."""
    return CLIPPED_BYTES.get(fmt, 0.0)


def cost_of(fmt: str, *, banded: bool = True) -> RenderCost:
    """The per-pixel cost of `fmt` on the banded path, or on Pillow's when `banded` is False."""
    return COSTS[fmt] if banded else PILLOW_COSTS.get(fmt, COSTS[fmt])


def render_microseconds(
    fmt: str,
    pixels: int,
    *,
    banded: bool = True,
    clipped: bool = False,
    colour_glyphs: bool = False,
) -> float:
    """About how long a render of `pixels` in `fmt` takes when its text was seen before (its
    raster prepared); `clipped` by a shape (`shape=circle`); with colour glyphs the canvas is
    composed in full colour first."""
    ns = cost_of(fmt, banded=banded).ns
    if colour_glyphs:
        ns = max(ns, COLOUR_CANVAS_NS)
    extra = CLIPPED_NS if clipped and fmt not in OPAQUE_FORMATS else 0.0
    return pixels * (ns + extra) / 1000


def working_memory(
    fmt: str,
    pixels: int,
    text_pixels: int,
    *,
    translucent: bool = False,
    colour_glyphs: bool = False,
    banded: bool = True,
    clipped: bool = False,
    bold: bool = False,
) -> int:
    """About how many bytes a render of `pixels` in `fmt` needs at its peak, its text filling a
    box of `text_pixels` (an upper estimate); `clipped` by a shape, in `bold`."""
    cost = cost_of(fmt, banded=banded)
    translucent = translucent or clipped
    canvas = cost.translucent if translucent else cost.opaque
    if colour_glyphs:
        canvas = max(canvas, cost.colour)
    if clipped:
        canvas = max(canvas, clipped_bytes(fmt))
    text = cost.translucent_text if translucent else cost.text
    if bold:
        text += BOLD_TEXT_BYTES
    return int(pixels * canvas + text_pixels * text)


def canvas_memory(spec: ImageSpec, *, banded: bool = True) -> int:
    """The estimate before any text: what even an empty image of `spec` needs."""
    pixels = spec.pixel_width * spec.pixel_height
    return working_memory(
        spec.format, pixels, 0, translucent=spec.translucent, banded=banded, **_shape(spec)
    )


def worst_memory(spec: ImageSpec, *, banded: bool = True) -> int:
    """The estimate for text that fills the canvas, in translucent colours, with emoji."""
    pixels = spec.pixel_width * spec.pixel_height
    memory = working_memory(
        spec.format,
        pixels,
        pixels,
        translucent=True,
        colour_glyphs=True,
        banded=banded,
        **_shape(spec),
    )
    return memory + distortion_memory(spec, pixels, pixels, colour_glyphs=True)


def text_memory(
    spec: ImageSpec,
    ink: TextInk,
    *,
    colour_glyphs: bool,
    banded: bool = True,
    listed_glyphs: bool = False,
) -> int:
    """The estimate once the text is laid out: its ink box within the canvas, not the
    canvas, decides the text's share, plus the largest glyph raster (drawn whole, then
    clipped: a glyph at 2000 px is millions of pixels on any canvas; `listed_glyphs` when its
    pixels are read as a list), plus distortion."""
    canvas = (spec.pixel_width, spec.pixel_height)
    text_pixels = text_box_pixels(ink, canvas)
    layers = working_memory(
        spec.format,
        canvas[0] * canvas[1],
        text_pixels,
        translucent=spec.translucent,
        colour_glyphs=colour_glyphs,
        banded=banded,
        **_shape(spec),
    )
    return (
        layers
        + (LISTED_GLYPH_BYTES if listed_glyphs else GLYPH_RASTER_BYTES) * ink.largest_glyph
        + distortion_memory(spec, text_pixels, ink.largest_glyph, colour_glyphs=colour_glyphs)
    )


def distortion_memory(
    spec: ImageSpec, text_pixels: int, largest_glyph: int, *, colour_glyphs: bool
) -> int:
    """What `distort` adds to a render whose text's box has `text_pixels` and whose largest
    glyph raster `largest_glyph` (0 without distortion)."""
    if not spec.distort:
        return 0
    per_pixel = DISTORT_COLOUR_TEXT if colour_glyphs else DISTORT_TEXT
    return int(text_pixels * per_pixel + largest_glyph * DISTORT_GLYPH)


def _shape(spec: ImageSpec) -> dict[str, bool]:
    """What of `spec` beyond its canvas and text changes the estimate: clipping and bold."""
    return {"clipped": spec.shape != "rect", "bold": spec.bold}


def text_box_pixels(ink: TextInk, canvas: tuple[int, int]) -> int:
    """The pixels of the text's ink box within the canvas: what the text's layers, their
    caches and the encoder's work on them scale with."""
    if ink.box is None:
        return 0
    left, top, right, bottom = ink.box
    width = min(canvas[0], right) - max(0, left)
    height = min(canvas[1], bottom) - max(0, top)
    return max(0, width) * max(0, height)


def is_cheap_text(spec: ImageSpec) -> bool:
    """Whether drawing the text of `spec` is cheap by construction, whatever the caches hold:
    the size label (digits and a ×, fitted to the canvas: its glyphs can't be large) on a small
    canvas. Other text may need many new glyphs of any script or size, colour glyphs or long
    layouts (a new line of emoji on 500x500: 20-150 ms), so it is drawn in a render thread
    unless it is short (`is_short_text`); once its raster is prepared, a new colour of it may
    be cheap again (Renderer)."""
    pixels = spec.pixel_width * spec.pixel_height
    label = spec.text is None and spec.font_size is None and not spec.distort
    return label and pixels <= INLINE_LABEL_PIXELS


def is_short_text(spec: ImageSpec) -> bool:
    """Whether the text of `spec` is cheap to draw once it is known to need no colour glyphs
    (the Renderer asks its text engine): at most `INLINE_TEXT_CHARACTERS` on a small canvas,
    at an automatic size (fitted to the canvas: the fewer the characters, the larger, but the
    same ink in all) or at most `INLINE_TEXT_FONT_PX`, without distortion. A new short text
    costs a thread hop about as much as its drawing (unique-text requests/s halved)."""
    if spec.text is None or spec.distort:
        return False
    pixels = spec.pixel_width * spec.pixel_height
    size = spec.font_size * spec.scale if spec.font_size is not None else 0
    short = len(spec.display_text) <= INLINE_TEXT_CHARACTERS
    return short and pixels <= INLINE_LABEL_PIXELS and size <= INLINE_TEXT_FONT_PX


def smallest_answer(spec: ImageSpec) -> int:
    """The fewest bytes the image of `spec` can take, where its format says: a BMP stores
    every pixel (a byte each in a palette, three once flattened for alpha or colour glyphs);
    0 for the formats that compress. Lets a server refuse before drawing an answer it would
    have no room to send."""
    if spec.format != "bmp":
        return 0
    return spec.pixel_width * spec.pixel_height * (3 if spec.translucent else 1)


def too_large(spec: ImageSpec, needed: int, budget: int, kind: str) -> LimitError:
    """The refusal of a render estimated at `needed` bytes, more than the whole `budget`;
    `kind` says in words what decided it ('translucent webp with emoji')."""
    pixels = spec.pixel_width * spec.pixel_height
    return LimitError(
        f"image too large to render: a {spec.pixel_width}x{spec.pixel_height} {kind} needs "
        f"about {needed >> 20} MiB, render_memory_budget is {budget >> 20} MiB (at most "
        f"{budget * pixels // max(1, needed)} pixels)"
    )


def describe_kind(spec: ImageSpec, *, colour_glyphs: bool) -> str:
    """'webp', 'translucent webp with emoji': what decides a render's memory, in words."""
    translucent = "translucent " if spec.translucent else ""
    circle = " circle" if spec.shape != "rect" else ""
    emoji = " with emoji" if colour_glyphs else ""
    return f"{translucent}{spec.format}{circle}{emoji}"
