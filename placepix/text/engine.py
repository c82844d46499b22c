"""The text engine's one entry point: lay text out, rasterise it, measure it, for one font
library, with the caches that make a known label cheap. A `Renderer` owns one; nothing outside
`placepix.text` needs to know how shaping and rasterising are done.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from placepix.caching import SizedLRU
from placepix.imaging.types import TextRaster
from placepix.model.spec import Align
from placepix.text import fonts as _fonts
from placepix.text import layout as _layout
from placepix.text import shaping as _shaping
from placepix.text.fonts import FontFile, FontLibrary
from placepix.text.layout import TextLayout, Typesetter, lay_out_text, natural_size

LAYOUT_CACHE_BYTES = 2 * 1024 * 1024
LAYOUT_ENTRY_SHARE = 64
Box = tuple[int, int, int, int]  # left, top, right, bottom on the canvas


class TextEngine:
    """Lays out and draws text in the fonts of `fonts`."""

    def __init__(self, fonts: FontLibrary, *, layout_cache_bytes: int = LAYOUT_CACHE_BYTES):
        self.fonts = fonts
        self._layouts: SizedLRU[tuple[object, ...], TextLayout] = SizedLRU(
            layout_cache_bytes, _layout_bytes, LAYOUT_ENTRY_SHARE
        )

    def lay_out(
        self,
        text: str,
        font: FontFile,
        canvas: tuple[int, int],
        *,
        font_size: int | None,
        align: Align,
        padding: int,
        wrap: bool,
    ) -> TextLayout:
        """Where each line and run of `text` goes on a canvas of `canvas` pixels, in pixel
        units; `font_size` None fits the text to the padded box, and `wrap=False` keeps each
        paragraph on one line (the size label). Kept for texts seen again."""
        key = (font.path, text, canvas, font_size, align, padding, wrap)
        layout = self._layouts.get(key)
        if layout is None:
            layout = lay_out_text(
                text,
                Typesetter(self.fonts, font),
                canvas,
                font_size=font_size,
                align=align,
                padding=padding,
                wrap=wrap,
            )
            self._layouts.put(key, layout)
        return layout

    def rasterize(self, layout: TextLayout, canvas: tuple[int, int]) -> TextRaster:
        """The coverage and colour glyphs of `layout`, cropped to the canvas."""
        return _layout.rasterize_text(layout, canvas)

    def natural_size(
        self, text: str, font: FontFile, font_size: int, padding: int
    ) -> tuple[int, int]:
        """The smallest canvas that holds `text` at `font_size` with `padding` on every side."""
        return natural_size(text, Typesetter(self.fonts, font), font_size, padding)

    def has_colour_glyphs(self, text: str, font: FontFile) -> bool:
        """Whether any character of `text` is drawn from a colour (emoji) font."""
        return any(self.fonts.font_for(char, font).color for char in set(text))

    def glyph_boxes(self, layout: TextLayout) -> list[Box]:
        """A box per visible character cluster (a base character with the marks and joiners
        after it), on the canvas: what distortion moves glyph by glyph."""
        boxes: list[Box] = []
        for line in layout.lines:
            for run in line.runs:
                boxes += _run_boxes(self.fonts, run, line.baseline)
        return boxes

    def caches(self) -> tuple[SizedLRU[Any, Any], ...]:
        """Every cache of text work, for a `CachePool` to shrink while large renders run."""
        return (
            self._layouts,
            _layout.LINE_MASKS,
            _fonts.FACES,
            _shaping.FONT_FACES,
            _shaping.SHAPERS,
            _shaping.GLYPHS,
            _shaping.SHAPED,
        )

    def clear(self) -> None:
        """Forget every layout and rasterised glyph; fonts stay known (cold benchmarks)."""
        self._layouts.clear()
        _layout.clear_line_masks()
        _shaping.clear_glyphs()


def _layout_bytes(layout: TextLayout) -> int:
    return 256 + sum(128 + 96 * len(line.runs) + 2 * len(line.text) for line in layout.lines)


def _run_boxes(fonts: FontLibrary, run: _layout.Run, baseline: int) -> list[Box]:
    clusters = _clusters(run.text)
    if not clusters:
        return []
    setter = Typesetter(fonts, run.font)
    if run.font.color:  # a bitmap font of one size: its box is about the em square
        ascent, descent = int(run.size * 0.95), int(run.size * 0.25)
    else:
        ascent, descent = setter.metrics(run.size)
    right_to_left = _layout._direction(run.text) == "R"
    boxes: list[Box] = []
    for start, end in clusters:
        if run.text[start:end].isspace():
            continue
        left = round(setter.run_width(run.font, run.text[:start], run.size)) if start else 0
        right = round(setter.run_width(run.font, run.text[:end], run.size))
        if right_to_left:
            left, right = run.width - right, run.width - left
        right = max(right, left + 1)
        boxes.append((run.x + left, baseline - ascent, run.x + right, baseline + descent))
    return boxes


def _clusters(text: str) -> list[tuple[int, int]]:
    """Index ranges of a base character and the marks, joiners and modifiers after it."""
    clusters: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        if clusters and _attaches(char, text[index - 1]):
            clusters[-1] = (clusters[-1][0], index + 1)
        else:
            clusters.append((index, index + 1))
    return clusters


def _attaches(char: str, before: str) -> bool:
    return (
        unicodedata.category(char) in ("Mn", "Me", "Cf", "Sk")
        or before == "\u200d"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )
