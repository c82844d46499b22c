"""Text layout: which font draws each character, where each line breaks and goes, at what size.

A paragraph is itemised (placepix.text.itemize: font, script and bidi level of every
character) and shaped once in font units; widths at any size follow from that, so auto-fit can
try many sizes for the price of one shaping. Auto-fit finds the largest size at which the text
fits the padded box, wrapping on word boundaries (and between CJK characters) when that makes
the text clearly larger. It goes no smaller than the minimum legible size (`min_size`, 9 px at
scale 1, less only when a single line or character would not fit the canvas at it): text that
would need less wraps at that size, breaking inside words if it must, and ends with an ellipsis
when it still overflows. The size label (`wrap=False`) keeps to one line, at whatever size fits,
and is centred on its ink: digits have no descenders, so the font's box would set it high.

Each line is put in visual order by the Unicode bidi algorithm (placepix.text.bidi), its runs
shaped again as they stand on the line, and positioned with each glyph's origin rounded to a
whole pixel. The layout is the one picture the raster and SVG writers draw.
"""

from __future__ import annotations

import math
from array import array
from itertools import accumulate, pairwise

from placepix.model.spec import Align
from placepix.text.bidi import line_levels, visual_order
from placepix.text.itemize import Itemized, Piece, cap_marks
from placepix.text.lines import Box, Line, Run, TextLayout
from placepix.text.typesetter import ELLIPSIS, SLACK, Ink, Paragraph, Typesetter

__all__ = ["ELLIPSIS", "MIN_FONT_SIZE", "Line", "Run", "TextLayout", "Typesetter"]

LINE_SPACING = 1.2  # line height as a multiple of the font size
MIN_FONT_SIZE = 9  # px at scale 1: auto-fit wraps, then cuts, rather than go smaller
TEXT_AREA = 0.8  # auto-fitted text fills at most this share of the padded width
MAX_HEIGHT_SHARE = 0.45  # ...and a single line at most this share of the padded height
WRAP_GAIN = 1.3  # wrap only when it makes the text at least this much larger...
WRAP_BELOW = 0.5  # ...and only text that unwrapped gets less than this share of the largest size


Spans = list[tuple[int, int, int, bool]]  # paragraph, start, end, ends with an ellipsis


def lay_out_text(
    text: str,
    setter: Typesetter,
    size: tuple[int, int],
    *,
    font_size: int | None,
    align: Align,
    padding: int,
    wrap: bool = True,
    min_size: int = MIN_FONT_SIZE,
    key: tuple[object, ...] = (),
) -> TextLayout:
    """Lay `text` out on a canvas of `size` with `padding`; `font_size` None means auto-fit.
    `wrap=False` is the size label: one line per paragraph, centred on its ink. `key` names
    the layout in its engine's caches."""
    width, height = size
    box = (max(1, width - 2 * padding), max(1, height - 2 * padding))
    paragraphs = [setter.paragraph(p) for p in cap_marks(text).split("\n")]
    if font_size is None:
        font_size, spans = _auto_fit(paragraphs, setter, box, wrap, min_size)
    else:
        spans = _wrap(paragraphs, font_size, box[0])
    spans = _cut_to_height(spans, paragraphs, setter, font_size, box)
    layout = _place(spans, paragraphs, setter, font_size, size, align, padding, not wrap)
    return TextLayout(*layout, key=key)


def natural_size(text: str, setter: Typesetter, font_size: int, padding: int) -> tuple[int, int]:
    """The smallest image that holds `text` at `font_size` with `padding` on every side, on
    one line per paragraph."""
    paragraphs = [setter.paragraph(p) for p in cap_marks(text).split("\n")]
    widest = max(math.ceil(p.width(0, len(p.text)) * font_size - SLACK) for p in paragraphs)
    ascent, descent = setter.metrics(font_size)
    text_height = _line_height(font_size) * (len(paragraphs) - 1) + ascent + descent
    return max(1, widest) + 2 * padding, text_height + 2 * padding


def _auto_fit(
    paragraphs: list[Paragraph], setter: Typesetter, box: tuple[int, int], wrap: bool, least: int
) -> tuple[int, Spans]:
    """The largest font size for the paragraphs in `box`, and their lines."""
    box_width, box_height = box
    widths = [p.width(0, len(p.text)) for p in paragraphs]
    unwrapped: Spans = [(index, 0, len(p.text), False) for index, p in enumerate(paragraphs)]
    cap = max(1, int(box_height * MAX_HEIGHT_SHARE))
    by_width = box_width * TEXT_AREA / max(widths) if max(widths) else math.inf
    by_height = box_height / (LINE_SPACING * len(paragraphs))
    size = max(1, int(min(by_width, by_height, cap)))
    if not wrap:
        return size, unwrapped
    if size >= cap * WRAP_BELOW and size >= least:  # least >= the floor: no need to find it
        return size, unwrapped
    floor = _floor(paragraphs, setter, box, least)
    if size >= cap * WRAP_BELOW and size >= floor:
        return size, unwrapped
    wrapped = _largest_wrapped_size(paragraphs, setter, box, cap, floor)
    if wrapped and (wrapped >= size * WRAP_GAIN or size < floor):
        return wrapped, _wrap(paragraphs, wrapped, box_width * TEXT_AREA)
    if size >= floor:
        return size, unwrapped
    return floor, _wrap(paragraphs, floor, box_width)


def _floor(
    paragraphs: list[Paragraph], setter: Typesetter, box: tuple[int, int], least: int
) -> int:
    """The smallest size auto-fit may use: `least`, unless one line, or one character, would
    not fit the box at that size."""
    ascent, descent = setter.ems()
    by_height = int(box[1] / (ascent + descent)) if ascent + descent > 0 else least
    widest = max(
        (p.width(a, b) for p in paragraphs for a, b in _pairs(p.cluster_starts)), default=0.0
    )
    by_width = int(box[0] / widest) if widest else least
    return max(1, min(least, by_height, by_width))


def _largest_wrapped_size(
    paragraphs: list[Paragraph], setter: Typesetter, box: tuple[int, int], cap: int, floor: int
) -> int:
    """Binary search for the largest size whose wrapped lines fit `box`, words unbroken; 0 when
    none from `floor` up does."""
    room = box[0] * TEXT_AREA
    widest = max(
        (p.width(a, _stripped(p, a, b)) for p in paragraphs for a, b in p.tokens), default=0
    )
    if widest:
        cap = min(cap, int(room / widest))
    low, high = floor - 1, cap
    while low < high:
        middle = (low + high + 1) // 2
        lines = len(_wrap(paragraphs, middle, room))
        if _block_height(setter, lines, middle) <= box[1]:
            low = middle
        else:
            high = middle - 1
    return low if low >= floor else 0


def _wrap(paragraphs: list[Paragraph], size: int, box_width: float) -> Spans:
    """Greedy wrapping at break opportunities; a word wider than the box breaks between
    grapheme clusters."""
    limit = box_width / size + SLACK
    spans: Spans = []
    for index, paragraph in enumerate(paragraphs):
        pieces: list[tuple[int, int]] = []
        for a, b in paragraph.tokens:
            if paragraph.width(a, _stripped(paragraph, a, b)) > limit:
                pieces += [(x, y) for x, y in _pairs(paragraph.cluster_starts) if a <= x < b]
            else:
                pieces.append((a, b))
        line_start = last = pieces[0][0] if pieces else 0
        used = 0.0
        for a, b in pieces:
            if a > line_start and used + paragraph.width(a, _stripped(paragraph, a, b)) > limit:
                spans.append((index, line_start, _stripped(paragraph, line_start, last), False))
                line_start, used = a, 0.0
            used += paragraph.width(a, b)
            last = b
        spans.append((index, line_start, _stripped(paragraph, line_start, last), False))
    return spans


def _cut_to_height(
    spans: Spans, paragraphs: list[Paragraph], setter: Typesetter, size: int, box: tuple[int, int]
) -> Spans:
    """Keep the lines that fit the box's height; end the last kept one with an ellipsis."""
    ascent, descent = setter.metrics(size)
    room = 1 + max(0, (box[1] - ascent - descent) // _line_height(size))
    if len(spans) <= room:
        return spans
    index, start, end, _ = spans[room - 1]
    paragraph = paragraphs[index]
    _, ellipsis = setter.ellipsis()
    limit = box[0] / size - ellipsis + SLACK
    cuts = [c for c in paragraph.cluster_starts if start <= c <= end]
    end = max((c for c in cuts if paragraph.width(start, c) <= limit), default=start)
    return [*spans[: room - 1], (index, start, _stripped(paragraph, start, end), True)]


def _place(
    spans: Spans,
    paragraphs: list[Paragraph],
    setter: Typesetter,
    font_size: int,
    size: tuple[int, int],
    align: Align,
    padding: int,
    centre_ink: bool,
) -> tuple[int, int, tuple[Line, ...], tuple[str, ...], Align]:
    """Centre the block of lines vertically; place each line by `align` within the padding:
    a TextLayout's fields."""
    width, height = size
    ascent, descent = setter.metrics(font_size)
    line_height = _line_height(font_size)
    block_height = line_height * (len(spans) - 1) + ascent + descent
    first_baseline = (height - block_height) // 2 + ascent
    placed: list[Line] = []
    families = [setter.primary.family]
    for number, (index, start, end, cut) in enumerate(spans):
        line = _line(setter, paragraphs[index], start, end, cut, font_size)
        if align == "left":
            x = padding
        elif align == "right":
            x = width - padding - line.width
        else:
            x = (width - line.width) // 2
        baseline = first_baseline + number * line_height
        ink = _line_ink(line, setter.ink) if centre_ink and len(spans) == 1 else None
        if ink is not None:
            left, top, right, bottom = ink
            baseline = (height - (bottom - top)) // 2 - top
            x = (width - (right - left)) // 2 - left if align == "center" else x
        runs = tuple(_moved(run, x) for run in line.runs)
        families += [r.font.family for r in runs if r.font.family not in families]
        placed.append(Line(line.text, x, baseline, line.width, runs, line.rtl, line.levels))
    return font_size, line_height, tuple(placed), tuple(families), align


def _line(
    setter: Typesetter, paragraph: Paragraph, start: int, end: int, cut: bool, size: int
) -> Line:
    """One line's runs in visual order, at offsets from the line's start."""
    items = paragraph.items
    text = items.text[start:end]
    if not cut and not items.base and not any(items.levels[start:end]):
        levels: list[int] = []  # left to right throughout: the paragraph's pieces as they are
        pieces = [
            Piece(p.start - start, p.end - start, p.font, p.script, 0)
            for p in items.pieces(start, end)
        ]
    else:
        fonts, scripts = list(items.fonts[start:end]), list(items.scripts[start:end])
        levels = list(items.levels[start:end])
        if cut:
            font, _ = setter.ellipsis()
            text += ELLIPSIS
            fonts.append(font)
            scripts.append(scripts[-1] if scripts else "Zyyy")
            levels.append(items.base)
        levels = line_levels(text, levels, items.base)
        on_line = Itemized(text, tuple(fonts), tuple(scripts), tuple(levels), items.base)
        pieces = on_line.pieces()
    runs: list[Run] = []
    pen = 0.0
    for order in visual_order([piece.level for piece in pieces]):
        run, pen = _shaped_run(setter, text, pieces[order], size, pen)
        runs.append(run)
    plain = not any(levels)
    width = max(0, math.ceil(pen - SLACK))
    return Line(text, 0, 0, width, tuple(runs), bool(items.base), b"" if plain else bytes(levels))


def _shaped_run(
    setter: Typesetter, text: str, piece: Piece, size: int, pen: float
) -> tuple[Run, float]:
    piece_text = text[piece.start : piece.end]
    shaped = setter.shape(piece.font, piece_text, piece.script, piece.rtl)
    scale = size / setter.upem(piece.font)
    start = round(pen)
    pens = list(accumulate((advance * scale for advance in shaped.advances), initial=pen))
    xs = array(
        "i",
        [round(p + x * scale) - start for p, x in zip(pens[:-1], shaped.x_offsets, strict=True)],
    )
    ys = array("i", [-round(y * scale) for y in shaped.y_offsets])
    pen = pens[-1]
    run = Run(
        piece_text,
        piece.font,
        size,
        start,
        round(pen) - start,
        piece.rtl,
        shaped.glyphs,
        xs,
        ys,
        shaped.clusters,
    )
    return run, pen


def _line_ink(line: Line, ink: Ink | None) -> Box | None:
    """The ink box of a line at x 0 on baseline 0, from its glyphs' rasters."""
    if ink is None:
        return None
    boxes = [
        (box[0] + run.x, box[1], box[2] + run.x, box[3])
        for run in line.runs
        if (box := ink(run)) is not None
    ]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _moved(run: Run, x: int) -> Run:
    return Run(
        run.text,
        run.font,
        run.size,
        run.x + x,
        run.width,
        run.rtl,
        run.glyphs,
        run.xs,
        run.ys,
        run.clusters,
    )


def _stripped(paragraph: Paragraph, start: int, end: int) -> int:
    """`end` moved back over white space, not before `start`."""
    text = paragraph.text
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _pairs(starts: list[int]) -> list[tuple[int, int]]:
    return list(pairwise(starts))


def _block_height(setter: Typesetter, lines: int, size: int) -> int:
    ascent, descent = setter.metrics(size)
    return _line_height(size) * (lines - 1) + ascent + descent


def _line_height(font_size: int) -> int:
    return max(1, round(font_size * LINE_SPACING))
