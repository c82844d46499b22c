"""Text layout: where each line of text goes and at what size, computed once and shared by the
raster renderer and the SVG writer so both draw the same picture."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from cachetools import LRUCache
from PIL import Image, ImageChops, ImageDraw, ImageFont

from placepix.spec import Align

LINE_SPACING = 1.2  # line height as a multiple of the font size
MEASURE_SIZE = 100  # auto-fit measures once at this size, then scales
MIN_FONT_SIZE = 1
TEXT_AREA = 0.8  # auto-fitted text fills at most this share of the padded width
MAX_HEIGHT_SHARE = 0.45  # ...and a line is at most this share of the image height
LINE_MASK_CACHE_BYTES = 16 * 1024 * 1024  # rasterised lines kept per process


@dataclass(frozen=True)
class Line:
    """One line, drawn with its left end of the baseline at (x, baseline)."""

    text: str
    x: int
    baseline: int
    width: int


@dataclass(frozen=True)
class TextLayout:
    """Where the text goes; carries the face it was measured with, so drawing needs nothing else."""

    font_size: int
    line_height: int
    lines: tuple[Line, ...]
    face: ImageFont.FreeTypeFont


@dataclass(frozen=True)
class GlyphLayer:
    """Rendered glyphs and the canvas position of their top-left corner."""

    image: Image.Image  # 'L' coverage (drawn in the foreground colour) or 'RGBA' colour glyphs
    origin: tuple[int, int]


@dataclass(frozen=True)
class TextRaster:
    """What the raster stage needs: coverage in the foreground colour, and colour glyphs
    (emoji) composited as they are. Either may be None."""

    coverage: GlyphLayer | None
    color: GlyphLayer | None = None


def auto_font_size(
    lines: list[str], face_at_measure: ImageFont.FreeTypeFont, box: tuple[int, int]
) -> int:
    """The largest size (in whole pixels) at which `lines` fit `box`, from one measurement."""
    box_width, box_height = box
    widest = max((face_at_measure.getlength(line) for line in lines), default=0.0)
    by_width = box_width * TEXT_AREA * MEASURE_SIZE / widest if widest else math.inf
    by_height = min(box_height / (LINE_SPACING * len(lines)), box_height * MAX_HEIGHT_SHARE)
    return max(MIN_FONT_SIZE, int(min(by_width, by_height)))


def natural_size(lines: list[str], face: ImageFont.FreeTypeFont, padding: int) -> tuple[int, int]:
    """The smallest image that holds `lines` in `face` with `padding` on every side."""
    ascent, descent = face.getmetrics()
    font_size = int(face.size)
    line_height = max(1, round(font_size * LINE_SPACING))
    widest = max((math.ceil(face.getlength(line)) for line in lines), default=0)
    text_height = line_height * (len(lines) - 1) + ascent + descent
    return max(1, widest) + 2 * padding, text_height + 2 * padding


def place_lines(
    lines: list[str],
    face: ImageFont.FreeTypeFont,
    font_size: int,
    size: tuple[int, int],
    *,
    align: Align,
    padding: int,
) -> TextLayout:
    """Centre the block of `lines` vertically; place each line by `align` within the padding."""
    width, height = size
    ascent, descent = face.getmetrics()
    line_height = max(1, round(font_size * LINE_SPACING))
    block_height = line_height * (len(lines) - 1) + ascent + descent
    first_baseline = (height - block_height) // 2 + ascent
    placed = []
    for index, text in enumerate(lines):
        line_width = math.ceil(face.getlength(text))
        if align == "left":
            x = padding
        elif align == "right":
            x = width - padding - line_width
        else:
            x = (width - line_width) // 2
        placed.append(Line(text, x, first_baseline + index * line_height, line_width))
    return TextLayout(font_size, line_height, tuple(placed), face)


# Rasterised lines, by (font file, size, text): placeholder labels repeat across colours,
# formats and sizes, and FreeType's rendering is most of a small image's cost. Bounded in bytes.
_LINE_MASKS: LRUCache[tuple[str, int, str], tuple[Image.Image, tuple[int, int]]] = LRUCache(
    maxsize=LINE_MASK_CACHE_BYTES, getsizeof=lambda entry: entry[0].width * entry[0].height + 64
)
_LINE_MASKS_LOCK = threading.Lock()


def clear_line_masks() -> None:
    with _LINE_MASKS_LOCK:
        _LINE_MASKS.clear()


def line_mask(face: ImageFont.FreeTypeFont, text: str) -> tuple[Image.Image, tuple[int, int]]:
    """The coverage of one line drawn at the origin of its baseline, and the offset of its
    top-left corner: exactly what `ImageDraw.text` draws for it (same `getmask2` call)."""
    key = (str(face.path), int(face.size), text)
    with _LINE_MASKS_LOCK:
        cached = _LINE_MASKS.get(key)
    if cached is not None:
        return cached
    core, offset = face.getmask2(text, mode="L", anchor="ls")
    entry = (Image.Image()._new(core), offset)
    if entry[0].width * entry[0].height <= LINE_MASK_CACHE_BYTES // 8:
        with _LINE_MASKS_LOCK:
            _LINE_MASKS[key] = entry
    return entry


def rasterize_text(layout: TextLayout, size: tuple[int, int]) -> TextRaster:
    """Coverage of all lines as one 'L' image cropped to the canvas.

    Uses the same `getmask2` call and offsets as `ImageDraw.text`, so pasting this coverage
    gives exactly the pixels of `draw_text` (the reference path).
    """
    pieces = []
    for line in layout.lines:
        if not line.text.strip():
            continue
        piece, offset = line_mask(layout.face, line.text)
        pieces.append((piece, (line.x + offset[0], line.baseline + offset[1])))
    if not pieces:
        return TextRaster(None)
    left = max(0, min(x for _, (x, _) in pieces))
    top = max(0, min(y for _, (_, y) in pieces))
    right = min(size[0], max(x + p.width for p, (x, _) in pieces))
    bottom = min(size[1], max(y + p.height for p, (_, y) in pieces))
    if right <= left or bottom <= top:
        return TextRaster(None)
    mask = Image.new("L", (right - left, bottom - top), 0)
    for index, (piece, (x, y)) in enumerate(pieces):
        box = (x - left, y - top)
        if _overlaps_earlier(pieces, index):
            layer = Image.new("L", mask.size, 0)
            layer.paste(piece, box)
            mask = ImageChops.lighter(mask, layer)  # where lines overlap, the darker ink wins
        else:
            mask.paste(piece, box)
    return TextRaster(GlyphLayer(mask, (left, top)))


def _overlaps_earlier(pieces: list[tuple[Image.Image, tuple[int, int]]], index: int) -> bool:
    _, (_, y) = pieces[index]
    height = pieces[index][0].height
    return any(
        y < other_y + other.height and other_y < y + height
        for other, (_, other_y) in pieces[:index]
    )


def draw_text(draw: ImageDraw.ImageDraw, layout: TextLayout, ink: tuple[int, ...]) -> None:
    """The reference way to draw a layout: `ImageDraw.text` line by line."""
    for line in layout.lines:
        if line.text.strip():
            draw.text((line.x, line.baseline), line.text, ink, layout.face, "ls")
