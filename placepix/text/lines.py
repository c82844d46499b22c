"""A laid-out text, as the raster and SVG writers take it: lines of runs, each run glyphs of one
font, script and direction in visual order, placed on the canvas (placepix.text.layout makes
them)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from placepix.model.spec import Align
from placepix.text.bidi import visual_text
from placepix.text.fonts import FontFile

Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Run:
    """Part of a line in one font, script and direction, at `size` px: its glyphs in visual
    order, each at (x, y) from the run's start on the baseline (y down), and the index in
    `text` of the character each glyph starts from."""

    text: str
    font: FontFile
    size: int
    x: int  # on the canvas
    width: int
    rtl: bool
    glyphs: array[int]
    xs: array[int]
    ys: array[int]
    clusters: array[int]


@dataclass(frozen=True)
class Line:
    """One line: its text in logical order, where it starts, its baseline and width, its runs
    in visual order, and its paragraph's direction."""

    text: str
    x: int
    baseline: int
    width: int
    runs: tuple[Run, ...]
    rtl: bool = False
    levels: bytes = b""  # each character's bidi level (empty: all 0)

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"

    @property
    def visual(self) -> str:
        """The line as it reads left to right on the image, brackets mirrored where they
        stand in right-to-left text."""
        if not self.levels:
            return self.text
        return visual_text(self.text, list(self.levels), int(self.rtl))


@dataclass(frozen=True)
class TextLayout:
    font_size: int
    line_height: int
    lines: tuple[Line, ...]
    families: tuple[str, ...]  # every family used, the chosen font's first (for SVG)
    align: Align = "center"
    key: tuple[object, ...] = field(default=(), compare=False)  # what made it (engine caches)
