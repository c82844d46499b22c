"""Anti-OCR distortion for text that scrapers should not read (`?distort=1`, meant for /t/
tokens): each glyph column is shifted on a wave and light strokes are scattered over the text.

A speed bump, not a guarantee: it defeats plain OCR pipelines and casual copy-paste, not a
determined attacker. Deterministic: the wave's phase and the strokes come from a seed derived
from the image's canonical URL, so the same URL still gives the same bytes.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence

from PIL import Image, ImageDraw

from placepix.imaging.types import GlyphLayer, TextRaster

STRIP = 2  # columns shifted together, in pixels
Box = tuple[int, int, int, int]  # left, top, right, bottom on the canvas


def distort_text(
    text: TextRaster,
    glyph_boxes: Sequence[Box],
    size: tuple[int, int],
    font_size: int,
    seed: str,
) -> TextRaster:
    """The same text, waved and speckled; colour glyphs (emoji) are left as they are.
    `glyph_boxes` (a box per visible character, on the canvas) are not used yet."""
    if text.coverage is None:
        return text
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    layer = _with_margin(text.coverage, size, font_size)
    waved = _wave(layer.image, font_size, rng)
    _scatter_strokes(waved, font_size, rng)
    return TextRaster(GlyphLayer(waved, layer.origin), text.color)


def _with_margin(layer: GlyphLayer, size: tuple[int, int], font_size: int) -> GlyphLayer:
    """The coverage on a larger transparent layer (room to shift and scribble), inside the
    canvas."""
    margin = max(2, font_size // 4)
    left, top = layer.origin
    box = (
        max(0, left - margin),
        max(0, top - margin),
        min(size[0], left + layer.image.width + margin),
        min(size[1], top + layer.image.height + margin),
    )
    grown = Image.new("L", (box[2] - box[0], box[3] - box[1]), 0)
    grown.paste(layer.image, (left - box[0], top - box[1]))
    return GlyphLayer(grown, (box[0], box[1]))


def _wave(image: Image.Image, font_size: int, rng: random.Random) -> Image.Image:
    """Shift each strip of columns up or down along a sine wave of random phase."""
    amplitude = max(1.0, font_size / 10)
    period = font_size * rng.uniform(1.2, 2.0)
    phase = rng.uniform(0, 2 * math.pi)
    waved = Image.new("L", image.size, 0)
    for x in range(0, image.width, STRIP):
        shift = round(amplitude * math.sin(2 * math.pi * x / period + phase))
        strip = image.crop((x, 0, min(x + STRIP, image.width), image.height))
        waved.paste(strip, (x, shift))
    return waved


def _scatter_strokes(image: Image.Image, font_size: int, rng: random.Random) -> None:
    """Short light strokes across the text area: noise for OCR, faint for a reader."""
    draw = ImageDraw.Draw(image)
    width, height = image.size
    count = max(3, width * height // max(1, font_size * font_size) * 3)
    length = max(2, font_size // 3)
    for _ in range(min(count, 4000)):
        x, y = rng.randrange(width), rng.randrange(height)
        angle = rng.uniform(0, math.pi)
        end = (x + length * math.cos(angle), y + length * math.sin(angle))
        draw.line([(x, y), end], fill=rng.randrange(60, 140), width=max(1, font_size // 30))
