"""Where each glyph of a distorted text goes (placepix.imaging.distort): the pixels that are
its own, how far it is pulled into its neighbour, turned, scaled, lifted and warped, and the one
mesh transform that moves it. Pure geometry on canvas coordinates, seeded by the caller.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from placepix.imaging.types import GlyphLayer, TextRaster

Box = tuple[int, int, int, int]  # left, top, right, bottom on the canvas
Band = tuple[float, float, float, float]  # left, right, top, bottom of a line's glyphs
MESH_CELLS = 5  # mesh cells down a glyph (about): a finer warp costs more Python per glyph


@dataclass(frozen=True)
class Strength:
    """What one level does. Angles in degrees, lengths in ems (the font size)."""

    rotation: float  # each glyph turns by up to this much, either way
    scale: float  # and grows by up to this share (shrinks by up to half of it), per axis
    jitter: float  # its baseline moves up or down by up to this much
    overlap: float  # each glyph is pulled this far (on average) into the one before it
    warp: float  # and its pixels are displaced by up to this much on a smooth random field
    strokes: int  # curves as thick as the glyphs' stems, in the text colour, along each line
    arcs: float  # short arcs across the glyphs, per glyph
    fragments: float  # pieces of the glyphs themselves, turned and scattered, per glyph


@dataclass(frozen=True)
class Move:
    """Where one glyph goes: `source` (its pixels on the canvas) is turned by `angle`
    (radians), scaled by `scale` and warped about its centre, which lands on `centre`."""

    source: Box
    centre: tuple[float, float]
    angle: float
    scale: tuple[float, float]
    warp: tuple[float, float, float, float, float]  # amplitude (px), kx, ky, phase x, phase y

    def forward(self, x: float, y: float) -> tuple[float, float]:
        """Where a point of the source goes, warp aside."""
        left, top, right, bottom = self.source
        dx = (x - (left + right) / 2) * self.scale[0]
        dy = (y - (top + bottom) / 2) * self.scale[1]
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        return self.centre[0] + cos * dx - sin * dy, self.centre[1] + sin * dx + cos * dy

    def inverse(self, x: float, y: float) -> tuple[float, float]:
        """The source point that the canvas point (x, y) shows."""
        left, top, right, bottom = self.source
        cos, sin = math.cos(self.angle), math.sin(self.angle)
        dx, dy = x - self.centre[0], y - self.centre[1]
        sx = (cos * dx + sin * dy) / self.scale[0]
        sy = (-sin * dx + cos * dy) / self.scale[1]
        amplitude, kx, ky, px, py = self.warp
        sx += amplitude * math.sin(ky * y + px)
        sy += amplitude * math.sin(kx * x + py)
        return sx + (left + right) / 2, sy + (top + bottom) / 2

    def bounds(self) -> Box:
        """The canvas box the moved glyph may cover."""
        left, top, right, bottom = self.source
        corners = [self.forward(x, y) for x in (left, right) for y in (top, bottom)]
        slack = self.warp[0] * max(self.scale) + 1
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return (
            math.floor(min(xs) - slack),
            math.floor(min(ys) - slack),
            math.ceil(max(xs) + slack),
            math.ceil(max(ys) + slack),
        )


def inked(text: TextRaster, box: Box) -> Box:
    """The part of the canvas box `box` that has ink (coverage or colour glyphs), or its
    centre pixel when it has none."""
    found = []
    for layer in (text.coverage, text.color):
        if layer is not None:
            inked = crop(layer, box).getbbox(alpha_only=False)
            if inked is not None:
                found.append(
                    (box[0] + inked[0], box[1] + inked[1], box[0] + inked[2], box[1] + inked[3])
                )
    if not found:
        x, y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        return (x, y, x + 1, y + 1)
    return union(found)


def source_boxes(glyph_boxes: Sequence[Box], size: tuple[int, int], em: int) -> list[Box]:
    """Each glyph's pixels on the canvas: its box, widened into the gaps beside it (half each
    way, and a fifth of an em at the ends of a line) and a fifth of an em above and below, so
    that ink which overhangs the advance goes with it."""
    reach = max(1, em // 5)
    boxes = list(glyph_boxes)
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i][1], boxes[i][0]))
    lefts = {i: boxes[i][0] - reach for i in order}
    rights = {i: boxes[i][2] + reach for i in order}
    for before, after in itertools.pairwise(order):
        if boxes[before][1] == boxes[after][1] and boxes[before][2] <= boxes[after][0] + 1:
            middle = (boxes[before][2] + boxes[after][0]) // 2
            rights[before], lefts[after] = middle, middle
    return [
        (
            max(0, min(lefts[i], size[0] - 1)),
            max(0, min(box[1] - reach, size[1] - 1)),
            max(1, min(rights[i], size[0])),
            max(1, min(box[3] + reach, size[1])),
        )
        for i, box in enumerate(boxes)
    ]


def plan_moves(
    sources: Sequence[Box],
    glyph_boxes: Sequence[Box],
    em: int,
    strength: Strength,
    rng: random.Random,
) -> list[Move]:
    """A move per glyph: pulled towards the one before it on its line (the line keeps its
    centre), turned, scaled, lifted or dropped, warped. Marks (`is_mark`: periods, commas,
    hyphens; and narrow glyphs, `is_narrow`) are only moved, by whole pixels, and nothing is
    pulled into them or they into anything: '77.70' must not read as '7770'."""
    small = [spared(source, box, em) for source, box in zip(sources, glyph_boxes, strict=True)]
    pulls = _pulls(glyph_boxes, small, em * strength.overlap, rng)
    moves = []
    sign = rng.choice((-1, 1))
    for source, pull, mark in zip(sources, pulls, small, strict=True):
        sign = -sign if rng.random() < 0.7 else sign  # neighbours mostly lean different ways
        turn = sign * strength.rotation * rng.uniform(0.3, 1)
        scale = [1 + rng.uniform(-strength.scale / 2, strength.scale) for _ in "xy"]
        lift = em * strength.jitter * rng.uniform(-1, 1)
        if mark:  # moved by whole pixels, as it is: a blurred period is no period
            turn, scale, lift, pull = 0.0, [1.0, 1.0], round(lift / 2), round(pull)
        angle = math.radians(turn)
        centre = ((source[0] + source[2]) / 2 - pull, (source[1] + source[3]) / 2 + lift)
        wavelength = em * rng.uniform(0.5, 0.9)
        warp = (
            0.0 if mark else em * strength.warp,
            2 * math.pi / wavelength,
            2 * math.pi / wavelength,
            rng.uniform(0, 2 * math.pi),
            rng.uniform(0, 2 * math.pi),
        )
        moves.append(Move(source, centre, angle, (scale[0], scale[1]), warp))
    return moves


def spared(ink: Box, box: Box, em: int) -> bool:
    """Whether a glyph with ink `ink` and advance `box` is spared what distortion does to
    glyphs: a small mark (`is_mark`) or a narrow glyph (`is_narrow`)."""
    return is_mark(ink, em) or is_narrow(box, em)


def is_mark(ink: Box, em: int) -> bool:
    """Whether a glyph whose ink is `ink` is a small mark (period, comma, hyphen, underscore,
    apostrophe): under 0.4 em high, or under 0.25 em wide and 0.5 em high."""
    width, height = ink[2] - ink[0], ink[3] - ink[1]
    return height < 0.4 * em or (width < 0.25 * em and height < 0.5 * em)


def is_narrow(box: Box, em: int) -> bool:
    """Whether a glyph's advance `box` is under 0.3 em: a mark whose box also holds a
    neighbour's overhang ('.T'), or an 'i' or 'l', which are spared the same way."""
    return box[2] - box[0] < 0.3 * em


def _pulls(
    glyph_boxes: Sequence[Box], marks: Sequence[bool], overlap: float, rng: random.Random
) -> list[float]:
    """How far left each glyph moves: its line's pulls add up glyph by glyph (none into or out
    of a mark), then the line is moved back by half the total so that its centre stays."""
    pulls = [0.0] * len(glyph_boxes)
    lines: dict[int, list[int]] = {}
    for index, box in enumerate(glyph_boxes):
        lines.setdefault(box[1], []).append(index)
    for members in lines.values():
        members.sort(key=lambda i: glyph_boxes[i][0])
        total = 0.0
        for before, index in itertools.pairwise([-1, *members]):
            pull = overlap * rng.uniform(0.6, 1.4)
            if before >= 0 and not marks[before] and not marks[index]:
                total += pull
            pulls[index] = total
        for index in members:
            pulls[index] -= total / 2
    return pulls


def fit(moves: list[Move], size: tuple[int, int]) -> list[Move]:
    """`moves` shrunk about their common centre and shifted just enough that every glyph stays
    on the canvas (a pixel from its edge)."""
    left, top, right, bottom = union([move.bounds() for move in moves])
    room_x, room_y = size[0] - 2, size[1] - 2
    factor = min(1.0, room_x / max(1, right - left), room_y / max(1, bottom - top))
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half_w, half_h = (right - left) * factor / 2, (bottom - top) * factor / 2
    shift_x = shift(cx - half_w, cx + half_w, size[0])
    shift_y = shift(cy - half_h, cy + half_h, size[1])
    if factor == 1.0 and shift_x == shift_y == 0:
        return moves
    return [
        Move(
            m.source,
            (
                cx + (m.centre[0] - cx) * factor + shift_x,
                cy + (m.centre[1] - cy) * factor + shift_y,
            ),
            m.angle,
            (m.scale[0] * factor, m.scale[1] * factor),
            m.warp,
        )
        for m in moves
    ]


def line_bands(moves: Sequence[Move], glyph_boxes: Sequence[Box]) -> list[Band]:
    """Per line of text: the left and right ends and the top and bottom of its moved glyphs
    (where strokes cross), in canvas coordinates."""
    lines: dict[int, list[Move]] = {}
    for move, box in zip(moves, glyph_boxes, strict=True):
        lines.setdefault(box[1], []).append(move)
    bands = []
    for members in lines.values():
        xs = [m.centre[0] for m in members]
        ys = [m.centre[1] for m in members]
        half = max((m.source[3] - m.source[1]) * m.scale[1] for m in members) / 2
        widths = [(m.source[2] - m.source[0]) * m.scale[0] / 2 for m in members]
        bands.append((min(xs) - widths[0], max(xs) + widths[-1], min(ys) - half, max(ys) + half))
    return bands


def apply(move: Move, crop: Image.Image) -> GlyphLayer:
    """The glyph's pixels, moved: one mesh transform (bilinear) of `crop`."""
    left, top, right, bottom = move.bounds()
    width, height = right - left, bottom - top
    step = max(3.0, max(move.scale) * (move.source[3] - move.source[1]) / MESH_CELLS / 1.3)
    columns, rows = max(1, round(width / step)), max(1, round(height / step))
    sx0, sy0 = move.source[0], move.source[1]

    def source(i: int, j: int) -> tuple[float, float]:
        x, y = move.inverse(left + width * i / columns, top + height * j / rows)
        return x - sx0, y - sy0

    corners = [[source(i, j) for j in range(rows + 1)] for i in range(columns + 1)]
    mesh = []
    for i in range(columns):
        for j in range(rows):
            box = (
                width * i // columns,
                height * j // rows,
                width * (i + 1) // columns,
                height * (j + 1) // rows,
            )
            quad = (*corners[i][j], *corners[i][j + 1], *corners[i + 1][j + 1], *corners[i + 1][j])
            mesh.append((box, quad))
    moved = crop.transform((width, height), Image.Transform.MESH, mesh, Image.Resampling.BILINEAR)
    return GlyphLayer(moved, (left, top))


def crop(layer: GlyphLayer, box: Box) -> Image.Image:
    """The pixels of `layer` under the canvas box `box` (nothing where the layer has none)."""
    x, y = layer.origin
    return layer.image.crop((box[0] - x, box[1] - y, box[2] - x, box[3] - y))


def union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def shift(low: float, high: float, side: int) -> float:
    """How far to move [low, high] so that it lies within [1, side - 1] (centred if wider)."""
    if high - low > side - 2:
        return side / 2 - (low + high) / 2
    if low < 1:
        return 1 - low
    if high > side - 1:
        return side - 1 - high
    return 0.0
