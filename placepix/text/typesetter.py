"""Measuring text for layout: a `Typesetter` itemises a paragraph (placepix.text.itemize),
orders it (placepix.text.bidi) and shapes it once, in font units, into each character's
advance in ems, so that auto-fit tries sizes and wrapping tries breaks without shaping again.
It is made per layout, with the engine's font handles, shaping and glyph ink."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import accumulate

from placepix.text.bidi import paragraph_levels
from placepix.text.fonts import FontFile, FontLibrary
from placepix.text.itemize import MAX_RUNS, Itemized, cluster_font, clusters, itemize
from placepix.text.lines import Box, Run
from placepix.text.shaping import FontHandle, Shaped

ELLIPSIS = "…"
SLACK = 1e-6  # px: widths summed in another order differ by float rounding
# Break opportunities: a CJK character on its own, or a word with the spaces after it.
_CJK = "\u2e80-\u2fff\u3000-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")

Shape = Callable[[FontFile, str, str, bool], Shaped]
Ink = Callable[[Run], Box | None]  # a run's ink relative to its start on the baseline


@dataclass
class Paragraph:
    """A paragraph itemised and measured: each character's advance in ems (a cluster's on its
    first character), as prefix sums."""

    items: Itemized
    prefix: list[float]
    tokens: list[tuple[int, int]]
    cluster_starts: list[int]
    changes: int  # of font or script, spent from the text's budget

    @property
    def text(self) -> str:
        return self.items.text

    def width(self, start: int, end: int) -> float:
        return self.prefix[end] - self.prefix[start]


@dataclass
class Typesetter:
    """What laying out one text needs: the library, the chosen font, the engine's font
    handles, shaping and glyph ink; paragraphs are measured once per Typesetter."""

    fonts: FontLibrary
    primary: FontFile
    handle: Callable[[FontFile], FontHandle]
    shape: Shape
    ink: Ink | None = None
    _paragraphs: dict[tuple[str, int], Paragraph] = field(default_factory=dict)
    _upems: dict[FontFile, int] = field(default_factory=dict)
    _changes_left: int = MAX_RUNS  # font or script changes the text's paragraphs may still make
    _ems: tuple[float, float] | None = None

    def upem(self, font: FontFile) -> int:
        """The font's units per em (its handle looked up once per Typesetter)."""
        found = self._upems.get(font)
        if found is None:
            found = self._upems[font] = self.handle(font).upem
        return found

    def paragraph(self, text: str) -> Paragraph:
        """`text` (one paragraph) itemised and measured. The text's paragraphs share one
        budget of font or script changes (`MAX_RUNS`), spent in the order they are asked for:
        a repeated paragraph spends it again."""
        key = (text, self._changes_left)
        found = self._paragraphs.get(key)
        if found is None:
            found = self._paragraphs[key] = self._measure(text)
        else:
            self._changes_left -= found.changes
        return found

    def _measure(self, text: str) -> Paragraph:
        base, levels = paragraph_levels(text)
        items, changes = itemize(text, self.fonts, self.primary, levels, base, self._changes_left)
        self._changes_left -= changes
        advances = [0.0] * (len(text) + 1)
        for piece in items.pieces():
            shaped = self.shape(piece.font, text[piece.start : piece.end], piece.script, piece.rtl)
            upem = self.upem(piece.font)
            for index, advance in zip(shaped.clusters, shaped.advances, strict=True):
                advances[piece.start + index] += advance / upem
        prefix = list(accumulate(advances[:-1], initial=0.0))
        starts, at = [], 0
        for cluster in clusters(text):
            starts.append(at)
            at += len(cluster)
        tokens = [match.span() for match in _TOKEN.finditer(text)]
        return Paragraph(items, prefix, tokens, [*starts, len(text)], changes)

    def ems(self) -> tuple[float, float]:
        """The chosen font's ascent and descent in ems."""
        if self._ems is None:
            handle = self.handle(self.primary)
            self._ems = handle.ascender / handle.upem, handle.descender / handle.upem
        return self._ems

    def metrics(self, size: int) -> tuple[int, int]:
        """Ascent and descent of the chosen font at `size`, in whole pixels."""
        ascent, descent = self.ems()
        return math.ceil(ascent * size - SLACK), math.ceil(descent * size - SLACK)

    def ellipsis(self) -> tuple[FontFile, float]:
        font = cluster_font(ELLIPSIS, self.fonts, self.primary)
        shaped = self.shape(font, ELLIPSIS, "Zyyy", False)
        return font, shaped.width / self.upem(font)
