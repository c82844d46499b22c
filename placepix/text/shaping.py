"""Shaping with HarfBuzz (uharfbuzz): a font file opened once, and runs of text turned into
glyphs and positions.

A `FontHandle` holds one file's HarfBuzz face and font, at the font's own scale (its units per
em), with the weight the catalogue records applied to a variable font's `wght` axis. HarfBuzz's
own OpenType functions position glyphs without hinting, so positions scale linearly with the
size: a run is shaped once, in font units, for every size it is measured or drawn at (auto-fit
measures a text at several sizes). Right-to-left runs come back in visual order, mirrored
characters (brackets) replaced by their mirror glyphs.

Colour emoji come from HarfBuzz too: the PNG of a glyph in a CBDT font (FreeType's bundled copy
in freetype-py has no PNG support), with its extents, which say where it sits.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass
from typing import Any

import uharfbuzz as hb

from placepix.text.fonts import FontFile

SHAPED_OVERHEAD = 160  # bytes of a Shaped besides its arrays


class FontFailure(Exception):
    """A font file that HarfBuzz or FreeType could not open or draw: the engine takes it out of
    the library (`FontLibrary.discard`) and serves the request without it."""

    def __init__(self, font: FontFile, reason: str) -> None:
        super().__init__(f"{font.path.name}: {reason}")
        self.font = font
        self.reason = reason


@dataclass(frozen=True)
class Shaped:
    """A run's glyphs in visual order: glyph ids, the index of the character each starts
    from (HarfBuzz's cluster), advances and offsets in font units."""

    glyphs: array[int]
    clusters: array[int]
    advances: array[int]
    x_offsets: array[int]
    y_offsets: array[int]
    width: int  # the run's advance, font units

    @property
    def nbytes(self) -> int:
        return SHAPED_OVERHEAD + 4 * 5 * len(self.glyphs)


class FontHandle:
    """One font file as HarfBuzz sees it. Safe to share between threads (HarfBuzz fonts are
    immutable once set up); `lock` serialises the FreeType face that draws it
    (placepix.text.glyphs)."""

    def __init__(self, font: FontFile) -> None:
        self.font = font
        self.key = font.key
        try:
            face = hb.Face(hb.Blob.from_file_path(str(font.path)))
            if face.glyph_count == 0:
                raise FontFailure(font, "HarfBuzz finds no glyphs in it")
            self._font = hb.Font(face)
            self.upem = face.upem
            self.axes = _weight_axis(face, font.weight)
            if self.axes:
                self._font.set_variations(self.axes)
            extents = self._font.get_font_extents("ltr")
        except hb.HarfBuzzError as error:
            raise FontFailure(font, f"HarfBuzz cannot open it: {error}") from error
        self.ascender = int(extents.ascender)
        self.descender = -int(extents.descender)  # positive: below the baseline
        self.file_size = _size_of(font)
        self.lock = threading.Lock()
        self.drawing: Any = None  # the FreeType face, opened on first draw (glyphs.py)
        self.drawing_size = 0  # the pixel size it is set to
        # Glyphs found blank (spaces): empty at every size, so never loaded again. At most one
        # entry per glyph of the font.
        self.blank: set[int] = set()

    def shape(self, text: str, script: str, rtl: bool) -> Shaped:
        """`text` (one run: one script, one direction) shaped by HarfBuzz."""
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.direction = "rtl" if rtl else "ltr"
        buffer.script = script
        hb.shape(self._font, buffer)
        infos, positions = buffer.glyph_infos, buffer.glyph_positions
        advances = array("i", [position.x_advance for position in positions])
        return Shaped(
            array("I", [info.codepoint for info in infos]),
            array("I", [info.cluster for info in infos]),
            advances,
            array("i", [position.x_offset for position in positions]),
            array("i", [position.y_offset for position in positions]),
            sum(advances),
        )

    def extents(self, glyph: int) -> tuple[int, int, int, int] | None:
        """The glyph's ink box in font units, y up: left, bottom, right, top (None: no ink)."""
        found = self._font.get_glyph_extents(glyph)
        if found is None or not found.width or not found.height:
            return None
        left, top = found.x_bearing, found.y_bearing
        return left, top + found.height, left + found.width, top

    def color_png(self, glyph: int) -> bytes | None:
        """The PNG of a colour bitmap glyph (CBDT), or None."""
        blob = self._font.get_glyph_color_png(glyph)
        data = blob.data if blob is not None else None
        return bytes(data) if data else None


def _weight_axis(face: Any, weight: int | None) -> dict[str, float]:
    """The `wght` setting that draws a variable font at `weight` (clamped to the axis)."""
    if weight is None:
        return {}
    for axis in face.axis_infos:
        if axis.tag == "wght":
            return {"wght": float(min(max(weight, axis.min_value), axis.max_value))}
    return {}


def _size_of(font: FontFile) -> int:
    try:
        return font.path.stat().st_size
    except OSError:
        return 0
