"""Anti-OCR distortion for text that scrapers should not read (`?distort=1..3`, meant for /t/
tokens): every glyph is turned, scaled, lifted or dropped, warped on its own and pulled into its
neighbour, and strokes, arcs and pieces of glyphs in the text colour cross the line
(placepix.imaging.clutter). Why these and what they do not stop: docs/tokens.md.

What the literature on text CAPTCHAs found is that recognisers are beaten by segmentation, not
by shapes: glyphs that touch and overlap, and lines as thick as the strokes and in the same
colour, leave no clean cut between characters, while rotation, scale and warping alone are
learned by any classifier. So every level collapses the glyphs and crosses them; the levels
differ in how much.

Deterministic: every random choice comes from a seed derived from the image's canonical URL, so
the same URL still gives the same bytes. Cost follows the text, not the canvas: every layer is
at most the text's box grown by a margin (`DISTORT_MARGIN` ems), and each glyph is one mesh
transform of its own pixels.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from PIL import Image, ImageChops, ImageFilter

from placepix.imaging import clutter, moves
from placepix.imaging.moves import Box, Strength
from placepix.imaging.types import GlyphLayer, TextRaster

DISTORT_MARGIN = 0.5  # ems around the text that distortion may draw in
HALO = 0.06  # ems of clear space around a glyph that marks would bury
KEEP_UNCOVERED = 0.6  # a glyph less than this share of whose ink is free of marks gets a halo,
# and so does one less than this share of whose ink is free of marks and neighbours together
KEEP_UNCOVERED_BY_ALL = 0.4
NEIGHBOURS = 3  # glyphs each side, in text order, that may be pulled over a glyph

LEVELS: Mapping[int, Strength] = MappingProxyType(
    {  # measured with scripts/ocr_attack.py; figures and the trade-off in docs/tokens.md
        1: Strength(15, 0.10, 0.05, 0.04, 0.04, 1, 0.0, 0.1),
        2: Strength(20, 0.12, 0.07, 0.07, 0.05, 1, 0.15, 0.25),
        3: Strength(25, 0.15, 0.09, 0.10, 0.06, 2, 0.3, 0.4),
    }
)


@dataclass(frozen=True)
class DistortedText:
    """The distorted text in layers, before they are merged: each glyph moved (`glyphs`, with
    the colour glyphs in `colour`), the clutter (`marks`), and the ink each glyph had before
    (`original_ink`, the sum of its coverage). `raster()` merges them; placepix.imaging.
    legibility measures them."""

    glyphs: list[GlyphLayer]
    colour: list[GlyphLayer]
    marks: GlyphLayer
    original_ink: list[int]
    area: Box  # every layer lies in it, and it lies in the canvas

    def raster(self) -> TextRaster:
        """The layers merged: coverage as the brightest of glyphs and marks (ink over ink stays
        ink), colour glyphs composited in order."""
        left, top = self.area[:2]
        coverage = self.marks.image.copy()
        for glyph in self.glyphs:
            _lighten(coverage, glyph, (left, top))
        colour = None
        if self.colour:
            colour = Image.new("RGBA", coverage.size, (0, 0, 0, 0))
            for layer in self.colour:
                colour.alpha_composite(layer.image, (layer.origin[0] - left, layer.origin[1] - top))
        return TextRaster(
            GlyphLayer(coverage, (left, top)),
            GlyphLayer(colour, (left, top)) if colour is not None else None,
        )


def distort_text(
    text: TextRaster,
    glyph_boxes: Sequence[Box],
    size: tuple[int, int],
    font_size: int,
    seed: str,
    level: int = 1,
) -> TextRaster:
    """The same text, distorted at `level` (1 to 3; placepix.imaging.distort.LEVELS), inside a
    canvas of `size`. `glyph_boxes` are a box per visible character cluster on the canvas
    (TextEngine.glyph_boxes); colour glyphs (emoji) move with their boxes but get no marks."""
    distorted = distort_layers(text, glyph_boxes, size, font_size, seed, level)
    return distorted.raster() if distorted is not None else text


def distort_layers(
    text: TextRaster,
    glyph_boxes: Sequence[Box],
    size: tuple[int, int],
    font_size: int,
    seed: str,
    level: int = 1,
) -> DistortedText | None:
    """`distort_text`'s layers, unmerged; None when there is nothing to distort."""
    strength = LEVELS[level]
    if (text.coverage is None and text.color is None) or not glyph_boxes:
        return None
    rng = random.Random(hashlib.sha256(f"{level}\n{seed}".encode()).digest())
    em = max(1, font_size)
    sources = [moves.inked(text, box) for box in moves.source_boxes(glyph_boxes, size, em)]
    moved = moves.fit(moves.plan_moves(sources, glyph_boxes, em, strength, rng), size)
    pieces = [moves.crop(text.coverage, m.source) for m in moved] if text.coverage else []
    glyphs = [moves.apply(move, piece) for move, piece in zip(moved, pieces, strict=False)]
    colour = []
    if text.color is not None:
        colour = [moves.apply(m, moves.crop(text.color, m.source)) for m in moved]
    area = _area([move.bounds() for move in moved], em, size)
    counts = (strength.strokes, strength.arcs, strength.fragments)
    marks = clutter.marks(pieces, moves.line_bands(moved, glyph_boxes), area, em, counts, rng)
    small = [moves.spared(m.source, box, em) for m, box in zip(moved, glyph_boxes, strict=True)]
    for index, (glyph, mark) in enumerate(zip(glyphs, small, strict=False)):
        if mark:  # nothing else may touch a period, a hyphen or an 'i'
            _clear_around([marks, *glyphs[:index], *glyphs[index + 1 :]], glyph, em, always=True)
        else:
            nearby = glyphs[max(0, index - NEIGHBOURS) : index + NEIGHBOURS + 1]
            neighbours = [
                other for other in nearby if other is not glyph and _touches(other, glyph)
            ]
            _clear_around([marks], glyph, em, always=False, neighbours=neighbours)
    return DistortedText(glyphs, colour, marks, [_ink(piece) for piece in pieces], area)


def _clear_around(
    layers: Sequence[GlyphLayer],
    glyph: GlyphLayer,
    em: int,
    *,
    always: bool,
    neighbours: Sequence[GlyphLayer] = (),
) -> None:
    """Erase what `layers` have in a halo around `glyph`'s ink, when the first of them (the
    marks) covers more than `1 - KEEP_UNCOVERED` of it, or the marks and `neighbours` together
    more than `1 - KEEP_UNCOVERED_BY_ALL` (a narrow glyph squeezed by both sides), or `always`
    (small marks like periods, which a stroke or a neighbour would bury): every glyph stays
    visible as itself."""
    ink = glyph.image.point(clutter.INK_MASK)
    inked = ink.histogram()[255]
    if inked == 0:
        return
    if not always:
        under = _region(layers[0], glyph).point(clutter.INK_MASK)
        by_marks = ImageChops.multiply(ink, under).histogram()[255]
        for neighbour in neighbours:
            under = ImageChops.lighter(under, _region(neighbour, glyph).point(clutter.INK_MASK))
        by_all = ImageChops.multiply(ink, under).histogram()[255] if neighbours else by_marks
        marks_leave_enough = by_marks <= inked * (1 - KEEP_UNCOVERED)
        all_leave_enough = by_all <= inked * (1 - KEEP_UNCOVERED_BY_ALL)
        if marks_leave_enough and all_leave_enough:
            return
    # a square dilation by the halo's radius: a box blur is as cheap at any radius
    radius = max(1, round(em * HALO))
    halo = ink.filter(ImageFilter.BoxBlur(radius)).point(clutter.ANY_MASK)
    for layer in layers:
        x, y = glyph.origin[0] - layer.origin[0], glyph.origin[1] - layer.origin[1]
        if x >= layer.image.width or y >= layer.image.height:
            continue
        if x + halo.width <= 0 or y + halo.height <= 0:
            continue
        box = (x, y, x + halo.width, y + halo.height)
        cleared = ImageChops.subtract(layer.image.crop(box), halo)
        layer.image.paste(cleared, box[:2])


def _touches(a: GlyphLayer, b: GlyphLayer) -> bool:
    """Whether the images of two layers overlap on the canvas."""
    return (
        a.origin[0] < b.origin[0] + b.image.width
        and b.origin[0] < a.origin[0] + a.image.width
        and a.origin[1] < b.origin[1] + b.image.height
        and b.origin[1] < a.origin[1] + a.image.height
    )


def _region(layer: GlyphLayer, glyph: GlyphLayer) -> Image.Image:
    """The pixels of `layer` under `glyph`'s image (blank where it has none)."""
    x, y = glyph.origin[0] - layer.origin[0], glyph.origin[1] - layer.origin[1]
    return layer.image.crop((x, y, x + glyph.image.width, y + glyph.image.height))


def _lighten(base: Image.Image, layer: GlyphLayer, offset: tuple[int, int]) -> None:
    """Paste `layer` into `base` (whose top-left is `offset` on the canvas) keeping the brighter
    of the two at every pixel; the part outside `base` is dropped."""
    x, y = layer.origin[0] - offset[0], layer.origin[1] - offset[1]
    box = (
        max(0, x),
        max(0, y),
        min(base.width, x + layer.image.width),
        min(base.height, y + layer.image.height),
    )
    if box[0] >= box[2] or box[1] >= box[3]:
        return
    part = layer.image.crop((box[0] - x, box[1] - y, box[2] - x, box[3] - y))
    base.paste(ImageChops.lighter(base.crop(box), part), box[:2])


def _ink(image: Image.Image) -> int:
    return sum(value * count for value, count in enumerate(image.histogram()))


def _area(bounds: Sequence[Box], em: int, size: tuple[int, int]) -> Box:
    """The union of the glyphs' boxes, grown by the margin marks may use, within the canvas."""
    left, top, right, bottom = moves.union(bounds)
    margin = round(em * DISTORT_MARGIN / 2)
    return (
        max(0, left - margin),
        max(0, top - margin),
        min(size[0], right + margin),
        min(size[1], bottom + margin),
    )
