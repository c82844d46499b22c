"""The marks of anti-OCR distortion (placepix.imaging.distort): curves and arcs as thick as the
glyphs' own stems, and pieces cut from the glyphs themselves, all in the text colour.

Thickness and colour are the point: a recogniser removes lines that are thinner, lighter or of
another colour than the text before it reads (a threshold or a morphological opening does), and
pieces of real glyphs look to a segmenter like the strokes around them. People read through
them because the marks do not line up into letters. Curves and arcs are drawn at twice the size
and halved, so that their edges are smooth like the glyphs'.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from placepix.imaging.moves import Band, Box
from placepix.imaging.types import GlyphLayer

INK = 128  # coverage at or above this is ink (half-covered pixels and more)
# Lookup tables for Image.point (a function there costs 256 Python calls each time)
INK_MASK = tuple(255 if value >= INK else 0 for value in range(256))  # ink -> 255, else 0
ANY_MASK = (0,) + (255,) * 255  # any coverage -> 255
SUPERSAMPLE = 2


def marks(
    pieces: Sequence[Image.Image],
    bands: Sequence[Band],
    area: Box,
    em: int,
    counts: tuple[int, float, float],
    rng: random.Random,
) -> GlyphLayer:
    """A coverage layer over `area` (canvas box) with, per line `band`, `counts[0]` curves
    along it, and over all lines `counts[1]` arcs and `counts[2]` glyph fragments per glyph
    (`pieces` are the glyphs' coverage, where fragments are cut from)."""
    strokes, arcs, fragments = counts
    width, height = area[2] - area[0], area[3] - area[1]
    stem = stem_width(pieces, em)
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    draw = ImageDraw.Draw(big)
    offset = (area[0], area[1])
    for band in bands:
        for _ in range(strokes):
            _curve(draw, band, offset, em, stem, rng)
    glyphs = max(1, len(pieces))
    for _ in range(_count(arcs * glyphs, rng)):
        _arc(draw, rng.choice(bands), offset, em, stem, rng)
    layer = big.reduce(SUPERSAMPLE)
    for _ in range(_count(fragments * glyphs, rng) if pieces else 0):
        _fragment(layer, rng.choice(pieces), rng.choice(bands), offset, em, rng)
    return GlyphLayer(layer, offset)


def stem_width(pieces: Sequence[Image.Image], em: int) -> float:
    """About how thick the glyphs' strokes are, in pixels: twice their ink's area over its
    outline (a stroke of width w and length l has area wl and outline 2l). The outline is the
    ink that a 3x3 erosion removes."""
    area = outline = 0
    for piece in pieces:
        ink = piece.point(INK_MASK)
        inside = ink.filter(ImageFilter.MinFilter(3))
        inked, kept = ink.histogram()[255], inside.histogram()[255]
        area += inked
        outline += inked - kept
    if outline == 0:
        return max(1.0, em / 12)
    return max(1.0, min(em / 4, 2 * area / outline))


def _count(expected: float, rng: random.Random) -> int:
    """A whole number whose mean is `expected`."""
    whole = math.floor(expected)
    return whole + (rng.random() < expected - whole)


def _curve(
    draw: ImageDraw.ImageDraw,
    band: Band,
    offset: tuple[int, int],
    em: int,
    stem: float,
    rng: random.Random,
) -> None:
    """A wave along the line, through the middle of its glyphs, a little past each end."""
    left, right, top, bottom = band
    middle = top + (bottom - top) * rng.uniform(0.5, 0.6)
    amplitude = em * rng.uniform(0.22, 0.35)
    wavelength = em * rng.uniform(2.5, 4.0)
    phase = rng.uniform(0, 2 * math.pi)
    tilt = em * rng.uniform(-0.25, 0.25) / max(1.0, right - left)
    start, end = left - em * 0.2, right + em * 0.2
    steps = max(2, math.ceil((end - start) / max(1.0, em / 6)))
    points = []
    for step in range(steps + 1):
        x = start + (end - start) * step / steps
        y = middle + amplitude * math.sin(2 * math.pi * x / wavelength + phase)
        y += tilt * (x - (left + right) / 2)
        points.append(((x - offset[0]) * SUPERSAMPLE, (y - offset[1]) * SUPERSAMPLE))
    draw.line(points, fill=255, width=max(1, round(stem * SUPERSAMPLE)), joint="curve")


def _arc(
    draw: ImageDraw.ImageDraw,
    band: Band,
    offset: tuple[int, int],
    em: int,
    stem: float,
    rng: random.Random,
) -> None:
    """Part of a circle a third to a half of an em across, somewhere on the line."""
    left, right, top, bottom = band
    radius = em * rng.uniform(0.25, 0.5)
    x = rng.uniform(left, right) - offset[0]
    y = rng.uniform(top, bottom) - offset[1]
    start = rng.uniform(0, 360)
    box = [(x - radius) * SUPERSAMPLE, (y - radius) * SUPERSAMPLE]
    box += [(x + radius) * SUPERSAMPLE, (y + radius) * SUPERSAMPLE]
    width = max(1, round(stem * SUPERSAMPLE))
    draw.arc(box, start, start + rng.uniform(70, 160), fill=255, width=width)


def _fragment(
    layer: Image.Image,
    piece: Image.Image,
    band: Band,
    offset: tuple[int, int],
    em: int,
    rng: random.Random,
) -> None:
    """A square cut from a glyph (a quarter to nearly half an em), turned at random and laid
    anywhere on the line: a stroke like the glyphs' strokes that belongs to no glyph."""
    side = max(2, round(em * rng.uniform(0.25, 0.45)))
    if piece.width <= side or piece.height <= side:
        return
    for _ in range(4):  # a few tries to find ink: a glyph's box is mostly empty
        x, y = rng.randrange(piece.width - side), rng.randrange(piece.height - side)
        cut = piece.crop((x, y, x + side, y + side))
        if sum(cut.histogram()[INK:]) * 8 >= side * side:
            break
    else:
        return
    turned = cut.rotate(rng.uniform(0, 360), Image.Resampling.BILINEAR, expand=True)
    left, right, top, bottom = band
    at_x = round(rng.uniform(left, right) - offset[0] - turned.width / 2)
    at_y = round(rng.uniform(top, bottom) - offset[1] - turned.height / 2)
    box = (
        max(0, at_x),
        max(0, at_y),
        min(layer.width, at_x + turned.width),
        min(layer.height, at_y + turned.height),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        return
    part = turned.crop((box[0] - at_x, box[1] - at_y, box[2] - at_x, box[3] - at_y))
    layer.paste(ImageChops.lighter(layer.crop(box), part), box[:2])
