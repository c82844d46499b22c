"""Text layout: which font draws each character, where each line goes and at what size.

Computed once and shared by the raster renderer, the reference renderer and the SVG writer,
so all three draw the same picture. A line is a sequence of runs, each in one font: the chosen
font where it has the glyph, else the first font of the fallback chain that has it (Noto for
every script, colour emoji last). Auto-fit finds the largest size at which the text fits the
padded box, wrapping on word boundaries (and between CJK characters) when that makes the text
clearly larger, and ends with an ellipsis when even the smallest size overflows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFont

from placepix.caching import SizedLRU
from placepix.imaging.types import GlyphLayer, TextRaster, image_bytes
from placepix.model.spec import Align
from placepix.text.fonts import COLOR_EMOJI_SIZE, FontFile, FontLibrary, face_of
from placepix.text.shaping import shaper_for, shaper_of

LINE_SPACING = 1.2  # line height as a multiple of the font size
MEASURE_SIZE = 100  # auto-fit measures once at this size, then scales and verifies
MIN_FONT_SIZE = 4  # auto-fit goes no smaller (but for tiny images); then an ellipsis cuts
TEXT_AREA = 0.8  # auto-fitted text fills at most this share of the padded width
MAX_HEIGHT_SHARE = 0.45  # ...and a single line at most this share of the padded height
WRAP_GAIN = 1.3  # wrap only when it makes the text at least this much larger...
WRAP_BELOW = 0.5  # ...and only text that unwrapped gets less than this share of the largest size
ELLIPSIS = "…"
LINE_MASK_CACHE_BYTES = 6 * 1024 * 1024  # rasterised runs kept per process
LINE_MASK_ENTRY_SHARE = 3  # runs up to 2 MiB: a 4000x4000 size label (1 MB) is drawn once
# Break opportunities: a CJK character on its own, or a word with the spaces after it.
_CJK = "\u2e80-\u2fff\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
_MIRRORED = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")  # Unicode's commonest mirrored pairs


@dataclass(frozen=True)
class Run:
    """Part of a line in one font at `size`; its baseline starts at x. Colour bitmap runs are
    drawn at the font's one size and scaled by `scale`."""

    text: str
    font: FontFile
    size: int
    x: int
    width: int
    scale: float = 1.0

    @property
    def face(self) -> ImageFont.FreeTypeFont:
        """Looked up, not kept: cached layouts would otherwise keep every face they used alive
        (~0.3 MB each) past the face cache's bound."""
        return face_of(self.font, self.size)


@dataclass(frozen=True)
class Line:
    text: str
    x: int
    baseline: int
    width: int
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class TextLayout:
    font_size: int
    line_height: int
    lines: tuple[Line, ...]
    families: tuple[str, ...]  # every family used, the chosen font's first (for SVG)
    align: Align = "center"


class Typesetter:
    """Splits text into runs by font coverage and measures it, for one chosen font."""

    def __init__(self, fonts: FontLibrary, primary: FontFile) -> None:
        self.fonts = fonts
        self.primary = primary
        self._widths: dict[tuple[FontFile, str, int], float] = {}  # shaping is the slow part
        self._runs: dict[str, list[tuple[FontFile, str]]] = {}

    def runs(self, text: str) -> list[tuple[FontFile, str]]:
        """Consecutive pieces of `text` that one font draws. Joiners, combining marks and emoji
        modifiers stay with the piece before them, so sequences are shaped whole; spaces join
        the fonts on both sides when those agree, else stand alone in the chosen font (a space
        at the end of a right-to-left run would be drawn on its wrong side)."""
        cached = self._runs.get(text)
        if cached is None:
            cached = self._runs[text] = self._split(text)
        return cached

    def _split(self, text: str) -> list[tuple[FontFile, str]]:
        pieces: list[tuple[FontFile | None, str]] = []  # None: spaces, font decided below
        for char in text:
            if char.isspace():
                font = None
            elif pieces and pieces[-1][0] is not None and _attaches(char):
                font = pieces[-1][0]
            else:
                font = self.fonts.font_for(char, self.primary)
            if pieces and pieces[-1][0] == font:
                pieces[-1] = (font, pieces[-1][1] + char)
            else:
                pieces.append((font, char))
        return _settle_spaces(pieces, self.primary)

    def face(self, font: FontFile, size: int) -> tuple[ImageFont.FreeTypeFont, float]:
        """The face for `font` at `size`, and the scale to draw it at (colour bitmaps)."""
        return self.fonts.face(font, size), _drawing_scale(font, size)

    def width(self, text: str, size: int) -> float:
        return sum(self.run_width(font, piece, size) for font, piece in self.runs(text))

    def run_width(self, font: FontFile, piece: str, size: int) -> float:
        """The advance of one run, measured once per Typesetter: Pillow's `getlength`."""
        key = (font, piece, size)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self._measure(font, piece, size)
        return width

    def _measure(self, font: FontFile, piece: str, size: int) -> float:
        shaping = shaper_for(font, size, piece)
        if shaping is not None:
            shaper, items = shaping
            return shaper.advance(piece, items)
        face, scale = self.face(font, size)
        return face.getlength(piece) * scale

    def metrics(self, size: int) -> tuple[int, int]:
        """Ascent and descent of the chosen font at `size`: Pillow's `getmetrics`."""
        shaper = shaper_of(self.primary, size)
        if shaper is not None:
            return shaper.metrics()
        ascent, descent = self.fonts.face(self.primary, size).getmetrics()
        return int(ascent), int(descent)


def lay_out_text(
    text: str,
    setter: Typesetter,
    size: tuple[int, int],
    *,
    font_size: int | None,
    align: Align,
    padding: int,
    wrap: bool = True,
) -> TextLayout:
    """Lay `text` out on a canvas of `size` with `padding`; `font_size` None means auto-fit.
    `wrap=False` keeps auto-fitted paragraphs on one line each (the size label)."""
    width, height = size
    box = (max(1, width - 2 * padding), max(1, height - 2 * padding))
    paragraphs = text.split("\n")
    if font_size is None:
        font_size, lines = _auto_fit(paragraphs, setter, box, wrap)
    else:
        lines = _wrap(paragraphs, setter, font_size, box[0])
    lines = _cut_to_height(lines, setter, font_size, box)
    return _place(lines, setter, font_size, size, align=align, padding=padding)


def natural_size(text: str, setter: Typesetter, font_size: int, padding: int) -> tuple[int, int]:
    """The smallest image that holds `text` at `font_size` with `padding` on every side. A
    line is as wide as the wider of its shaped width and the sum of its words' widths, which is
    what wrapping measures: the shaped width alone can be a fraction narrower, and the line
    would then wrap and end in an ellipsis."""
    lines = text.split("\n")
    ascent, descent = setter.metrics(font_size)
    widest = max((math.ceil(_line_width(line, setter, font_size)) for line in lines), default=0)
    text_height = _line_height(font_size) * (len(lines) - 1) + ascent + descent
    return max(1, widest) + 2 * padding, text_height + 2 * padding


def _line_width(line: str, setter: Typesetter, font_size: int) -> float:
    words = sum(setter.width(token, font_size) for token in _tokens(line))
    return max(setter.width(line, font_size), words)


def _auto_fit(
    paragraphs: list[str], setter: Typesetter, box: tuple[int, int], wrap: bool
) -> tuple[int, list[str]]:
    """The largest font size for the text in `box`, and its lines (wrapped when that helps)."""
    box_width, box_height = box
    smallest = max(1, min(MIN_FONT_SIZE, box_height // 2))  # tiny images get tiny text
    at_measure = [setter.width(p, MEASURE_SIZE) for p in paragraphs]
    cap = max(smallest, int(box_height * MAX_HEIGHT_SHARE))
    size = _size_for(at_measure, box, cap, smallest)
    lines = paragraphs
    if wrap and size < cap * WRAP_BELOW:
        wrapped_size = _largest_wrapped_size(paragraphs, setter, box, cap, smallest)
        if wrapped_size >= size * WRAP_GAIN:
            size = wrapped_size
            lines = _wrap(paragraphs, setter, wrapped_size, box_width * TEXT_AREA)
    # Widths scale almost linearly with size; verify at the real size and step down if not.
    while size > smallest and max(setter.width(line, size) for line in lines) > box_width:
        size = max(smallest, size - max(1, size // 16))
        if lines is not paragraphs:
            lines = _wrap(paragraphs, setter, size, box_width * TEXT_AREA)
    if size == smallest:
        lines = _wrap(paragraphs, setter, size, box_width)
    return size, lines


def _size_for(widths_at_measure: list[float], box: tuple[int, int], cap: int, smallest: int) -> int:
    """The size at which lines of these widths (measured at MEASURE_SIZE) fit `box` unwrapped."""
    box_width, box_height = box
    widest = max(widths_at_measure, default=0.0)
    by_width = box_width * TEXT_AREA * MEASURE_SIZE / widest if widest else math.inf
    by_height = box_height / (LINE_SPACING * len(widths_at_measure))
    return max(smallest, int(min(by_width, by_height, cap)))


def _largest_wrapped_size(
    paragraphs: list[str], setter: Typesetter, box: tuple[int, int], cap: int, smallest: int
) -> int:
    """Binary search for the largest size whose wrapped lines fit `box`."""
    tokens = [_tokens(p) for p in paragraphs]
    widths = [[setter.width(t, MEASURE_SIZE) for t in ts] for ts in tokens]
    widest_token = max((w for ws in widths for w in ws), default=0.0)
    if widest_token:  # no size at which a word would have to break inside itself
        cap = min(cap, int(box[0] * TEXT_AREA * MEASURE_SIZE / widest_token))
    low, high = smallest, max(smallest, cap)
    while low < high:
        middle = (low + high + 1) // 2
        if _wrapped_height(widths, middle, box[0] * TEXT_AREA) <= box[1]:
            low = middle
        else:
            high = middle - 1
    return low


def _wrapped_height(widths: list[list[float]], size: int, box_width: float) -> float:
    lines = 0
    for paragraph in widths:
        lines += max(1, len(_greedy([w * size / MEASURE_SIZE for w in paragraph], box_width)))
    return lines * _line_height(size)


def _wrap(paragraphs: list[str], setter: Typesetter, size: int, box_width: float) -> list[str]:
    """Greedy wrapping at break opportunities; a word wider than the box breaks anywhere."""
    lines: list[str] = []
    for paragraph in paragraphs:
        tokens: list[str] = []
        for token in _tokens(paragraph):
            if setter.width(token.rstrip(), size) > box_width:
                tokens += list(token)
            else:
                tokens.append(token)
        widths = [setter.width(t, size) for t in tokens]
        groups = _greedy(widths, box_width)
        lines += ["".join(tokens[a:b]).rstrip() for a, b in groups] or [""]
    return lines


def _greedy(widths: list[float], box_width: float) -> list[tuple[int, int]]:
    """Index ranges of tokens per line, filling each line as far as it goes."""
    groups: list[tuple[int, int]] = []
    start, used = 0, 0.0
    for index, width in enumerate(widths):
        if index > start and used + width > box_width:
            groups.append((start, index))
            start, used = index, 0.0
        used += width
    if widths:
        groups.append((start, len(widths)))
    return groups


def _cut_to_height(
    lines: list[str], setter: Typesetter, size: int, box: tuple[int, int]
) -> list[str]:
    """Keep the lines that fit the box's height; end the last kept one with an ellipsis."""
    ascent, descent = setter.metrics(size)
    room = 1 + max(0, (box[1] - ascent - descent) // _line_height(size))
    if len(lines) <= room:
        return lines
    kept = lines[:room]
    last = kept[-1].rstrip()
    while last and setter.width(last + ELLIPSIS, size) > box[0]:
        last = last[:-1].rstrip()
    kept[-1] = last + ELLIPSIS
    return kept


def _place(
    lines: list[str],
    setter: Typesetter,
    font_size: int,
    size: tuple[int, int],
    *,
    align: Align,
    padding: int,
) -> TextLayout:
    """Centre the block of lines vertically; place each line by `align` within the padding."""
    width, height = size
    ascent, descent = setter.metrics(font_size)
    line_height = _line_height(font_size)
    block_height = line_height * (len(lines) - 1) + ascent + descent
    first_baseline = (height - block_height) // 2 + ascent
    placed = []
    families = [setter.primary.family]
    for index, text in enumerate(lines):
        runs, line_width = _runs(text, setter, font_size)
        if align == "left":
            x = padding
        elif align == "right":
            x = width - padding - line_width
        else:
            x = (width - line_width) // 2
        shifted = tuple(Run(r.text, r.font, r.size, x + r.x, r.width, r.scale) for r in runs)
        families += [r.font.family for r in runs if r.font.family not in families]
        baseline = first_baseline + index * line_height
        placed.append(Line(text, x, baseline, line_width, shifted))
    return TextLayout(font_size, line_height, tuple(placed), tuple(families), align)


def _runs(text: str, setter: Typesetter, size: int) -> tuple[list[Run], int]:
    """The runs of one line at offsets from its start, and the line's width. A line whose
    first strong character is right-to-left is a right-to-left paragraph: its runs go from
    right to left (raqm orders the characters within each run)."""
    runs = []
    offset = 0
    pieces = list(setter.runs(text))  # a copy: the setter keeps its own
    if _direction(text) == "R":
        pieces = _mirror_neutral_runs(pieces[::-1])
    for font, piece in pieces:
        width = math.ceil(setter.run_width(font, piece, size))
        runs.append(Run(piece, font, size, offset, width, _drawing_scale(font, size)))
        offset += width
    return runs, offset


def _mirror_neutral_runs(pieces: list[tuple[FontFile, str]]) -> list[tuple[FontFile, str]]:
    """Runs of a right-to-left line, in visual order, with its runs of neutral characters
    (brackets, quotes, spaces: a font without right-to-left letters draws them) turned right to
    left: reversed and mirrored, as raqm would have drawn them inside a right-to-left run. A
    neutral run between two left-to-right runs is left to right and stays as it is."""
    directions = [_direction(piece) for _, piece in pieces]
    turned = []
    for index, (font, piece) in enumerate(pieces):
        if directions[index] is None:
            before = next((d for d in directions[index - 1 :: -1] if d), "R") if index else "R"
            after = next((d for d in directions[index + 1 :] if d), "R")
            if "R" in (before, after):
                piece = piece[::-1].translate(_MIRRORED)
        turned.append((font, piece))
    return turned


def _direction(text: str) -> str | None:
    """'R' or 'L' by the first strong character of `text`; None when it has none."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return "R"
        if direction == "L":
            return "L"
    return None


def _drawing_scale(font: FontFile, size: int) -> float:
    """Colour bitmap fonts are drawn at their one size, then scaled to `size`."""
    return size / COLOR_EMOJI_SIZE if font.color else 1.0


def _tokens(paragraph: str) -> list[str]:
    return _TOKEN.findall(paragraph) or [paragraph]


def _line_height(font_size: int) -> int:
    return max(1, round(font_size * LINE_SPACING))


def _settle_spaces(
    pieces: list[tuple[FontFile | None, str]], primary: FontFile
) -> list[tuple[FontFile, str]]:
    """Spaces between two pieces in one font join them; any other spaces are a piece of their
    own in the chosen font."""
    settled: list[tuple[FontFile, str]] = []
    joining = False  # the last settled piece may take the next piece in
    for index, (font, piece) in enumerate(pieces):
        if font is None:
            before = pieces[index - 1][0] if index else None
            after = pieces[index + 1][0] if index + 1 < len(pieces) else None
            if before is not None and before == after:
                settled[-1] = (before, settled[-1][1] + piece)
                joining = True
            else:
                settled.append((primary, piece))
                joining = False
        elif joining and settled[-1][0] == font:
            settled[-1] = (font, settled[-1][1] + piece)
        else:
            settled.append((font, piece))
            joining = True
    return settled


def _attaches(char: str) -> bool:
    """Characters that belong to the run before them rather than choosing a font."""
    category = unicodedata.category(char)
    return category in ("Mn", "Me", "Cf", "Sk") or "\U0001f3fb" <= char <= "\U0001f3ff"


# Rasterised runs, by (font file, size, text): placeholder labels repeat across colours,
# formats and sizes, and FreeType's rendering is most of a small image's cost. Bounded in bytes.
LINE_MASKS: SizedLRU[tuple[str, int, str, str], tuple[Image.Image, tuple[int, int]]] = SizedLRU(
    LINE_MASK_CACHE_BYTES, lambda entry: image_bytes(entry[0]) + 64, LINE_MASK_ENTRY_SHARE
)


def clear_line_masks() -> None:
    LINE_MASKS.clear()


def line_mask(run: Run, mode: str = "L") -> tuple[Image.Image, tuple[int, int]]:
    """One run drawn with the start of its baseline at the origin, and the offset of its
    top-left corner: exactly what `ImageDraw.text` draws for it. A run placepix.text.shaping can
    draw comes from cached glyphs, any other from Pillow's own `getmask2`. Mode 'RGBA' gives
    colour glyphs."""
    face_size = COLOR_EMOJI_SIZE if run.font.color else run.size
    key = (str(run.font.path), face_size, mode, run.text)
    cached = LINE_MASKS.get(key)
    if cached is not None:
        return cached
    shaping = shaper_for(run.font, run.size, run.text) if mode == "L" else None
    entry = shaping[0].mask(run.text, shaping[1]) if shaping is not None else None
    if entry is None:
        core, offset = run.face.getmask2(run.text, mode=mode, anchor="ls")
        entry = (Image.Image()._new(core), offset)
    LINE_MASKS.put(key, entry)
    return entry


def color_run_image(run: Run) -> tuple[Image.Image, tuple[int, int]]:
    """A colour run scaled to its size, and its top-left corner relative to the run's start."""
    image, (left, top) = line_mask(run, "RGBA")
    size = (max(1, round(image.width * run.scale)), max(1, round(image.height * run.scale)))
    scaled = image.resize(size, Image.Resampling.LANCZOS)
    return scaled, (round(left * run.scale), round(top * run.scale))


def rasterize_text(layout: TextLayout, size: tuple[int, int]) -> TextRaster:
    """Coverage of all monochrome runs as one 'L' image cropped to the canvas, and the colour
    runs as one 'RGBA' image. Pasting the coverage gives exactly the pixels of `ImageDraw.text`
    (tests/rendering.py)."""
    plain: list[tuple[Image.Image, tuple[int, int]]] = []
    color: list[tuple[Image.Image, tuple[int, int]]] = []
    for line in layout.lines:
        for run in line.runs:
            if not run.text.strip():
                continue
            if run.font.color:
                image, (left, top) = color_run_image(run)
                color.append((image, (run.x + left, line.baseline + top)))
            else:
                image, (left, top) = line_mask(run)
                plain.append((image, (run.x + left, line.baseline + top)))
    return TextRaster(_merge(plain, size, "L"), _merge(color, size, "RGBA"))


def _merge(
    pieces: list[tuple[Image.Image, tuple[int, int]]], size: tuple[int, int], mode: str
) -> GlyphLayer | None:
    """One layer holding every piece, cropped to the canvas; None when nothing shows. A lone
    coverage piece inside the canvas is the layer itself (layers are only read)."""
    if not pieces:
        return None
    if len(pieces) == 1 and mode == "L":
        piece, (x, y) = pieces[0]
        if x >= 0 and y >= 0 and x + piece.width <= size[0] and y + piece.height <= size[1]:
            return GlyphLayer(piece, (x, y)) if piece.width and piece.height else None
    left = max(0, min(x for _, (x, _) in pieces))
    top = max(0, min(y for _, (_, y) in pieces))
    right = min(size[0], max(x + p.width for p, (x, _) in pieces))
    bottom = min(size[1], max(y + p.height for p, (_, y) in pieces))
    if right <= left or bottom <= top:
        return None
    layer = Image.new(mode, (right - left, bottom - top), 0)
    for index, (piece, (x, y)) in enumerate(pieces):
        box = (x - left, y - top)
        if mode == "RGBA":
            visible = piece.crop((max(0, -box[0]), max(0, -box[1]), piece.width, piece.height))
            layer.alpha_composite(visible, dest=(max(0, box[0]), max(0, box[1])))
        elif _overlaps_earlier(pieces, index):
            overlay = Image.new("L", layer.size, 0)
            overlay.paste(piece, box)
            layer = ImageChops.lighter(layer, overlay)  # where pieces overlap, more ink wins
        else:
            layer.paste(piece, box)
    return GlyphLayer(layer, (left, top))


def _overlaps_earlier(pieces: list[tuple[Image.Image, tuple[int, int]]], index: int) -> bool:
    piece, (x, y) = pieces[index]
    return any(
        x < ox + other.width
        and ox < x + piece.width
        and y < oy + other.height
        and oy < y + piece.height
        for other, (ox, oy) in pieces[:index]
    )
