"""The text engine: lay text out, rasterise it, measure it, for one font library, owning every
cache of text work (open fonts, shaped runs, glyph rasters, layouts), each bounded in bytes. A
`Renderer` owns one; nothing outside `placepix.text` needs to know how shaping and rasterising
are done: HarfBuzz (uharfbuzz) shapes, FreeType (freetype-py) draws, python-bidi orders.

A font file that HarfBuzz or FreeType fails to open or draw is taken out of the library
(`FontLibrary.discard`: its names and the fallback chain) and the request is served without it:
laid out again with the fonts that remain, or, when drawing, with that font's glyphs left out.
It is not tried again.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import freetype
import uharfbuzz as hb

from placepix.caching import SizedLRU
from placepix.imaging.types import TextRaster, image_bytes
from placepix.model.spec import Align
from placepix.text.compose import rasterize_layout
from placepix.text.fonts import FontFile, FontLibrary
from placepix.text.glyphs import GlyphImage, Glyphs
from placepix.text.itemize import cap_marks, cluster_font, clusters
from placepix.text.layout import MIN_FONT_SIZE, lay_out_text, natural_size
from placepix.text.lines import Box, Run, TextLayout
from placepix.text.shaping import FontFailure, FontHandle, Shaped
from placepix.text.typesetter import Typesetter

log = logging.getLogger("placepix")

LAYOUT_CACHE_BYTES = 2 * 1024 * 1024
LAYOUT_ENTRY_SHARE = 16  # a layout of 500 characters is ~25 KB
FONT_CACHE_BYTES = 4 * 1024 * 1024  # open fonts (HarfBuzz and FreeType faces) per engine
FONT_ENTRY_SHARE = 1  # the CJK collection's faces take ~2.3 MB
# An open font: this, plus a ninth of its file (FreeType's parsed tables; measured on the old
# engine: Lato 180 KB, DejaVu Sans 200 KB, Noto Sans CJK 2 MB).
FONT_BASE_BYTES = 100 * 1024
FONT_FILE_SHARE = 9
SHAPED_CACHE_BYTES = 1024 * 1024  # shaped runs: a run is measured, then drawn
RASTER_CACHE_BYTES = 4 * 1024 * 1024  # composed layers of laid-out text
RASTER_ENTRY_BYTES = 2 * 1024 * 1024  # ...up to a 4000x4000 size label's (~1 MB)
RASTER_MIN_BYTES = 256 * 1024  # ...and no smaller than this (Renderers keep small ones)
MAX_FONT_FAILURES = 8  # fonts one request may find broken before it draws no text
GLYPH_MARGIN = 1  # px around a glyph's outline box: hinting may move ink by up to a pixel


@dataclass(frozen=True)
class TextInk:
    """Where a layout's ink can be (its glyphs' outline boxes, with a pixel to spare), and the
    pixels of the largest glyph raster it draws: what its memory scales with."""

    box: Box | None
    largest_glyph: int


class TextEngine:
    """Lays out and draws text in the fonts of `fonts`; auto-fitted text goes no smaller than
    `min_font_size` px (times the scale a caller passes as `min_size`)."""

    def __init__(
        self,
        fonts: FontLibrary,
        *,
        min_font_size: int = MIN_FONT_SIZE,
        layout_cache_bytes: int = LAYOUT_CACHE_BYTES,
        native: bool = True,
    ) -> None:
        self.fonts = fonts
        self.min_font_size = min_font_size
        self.glyphs = Glyphs(native=native)
        self._layouts: SizedLRU[tuple[object, ...], TextLayout] = SizedLRU(
            layout_cache_bytes, _layout_bytes, LAYOUT_ENTRY_SHARE
        )
        self._handles: SizedLRU[str, FontHandle] = SizedLRU(
            FONT_CACHE_BYTES, _handle_bytes, FONT_ENTRY_SHARE
        )
        self._shaped: SizedLRU[tuple[str, str, str, bool], Shaped] = SizedLRU(
            SHAPED_CACHE_BYTES, lambda shaped: shaped.nbytes
        )
        self._rasters: SizedLRU[tuple[object, ...], TextRaster] = SizedLRU(
            RASTER_CACHE_BYTES, _raster_bytes, RASTER_CACHE_BYTES // RASTER_ENTRY_BYTES
        )
        self._broken: set[Path] = set()  # font files that failed here: never opened again
        self._lock = threading.Lock()
        # Opens a font file: the seam tests use to make one font fail.
        self._load_font: Callable[[FontFile], FontHandle] = FontHandle

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
        min_size: int | None = None,
    ) -> TextLayout:
        """Where each line, run and glyph of `text` goes on a canvas of `canvas` pixels;
        `font_size` None fits the text to the padded box (no smaller than `min_size`, default
        `min_font_size`), and `wrap=False` is the size label: each paragraph on one line,
        centred on its ink. Kept for texts seen again."""
        least = self.min_font_size if min_size is None else min_size
        key = (font.key, text, canvas, font_size, align, padding, wrap, least)
        layout = self._layouts.get(key)
        if layout is not None:
            return layout
        for _ in range(MAX_FONT_FAILURES):
            try:
                layout = lay_out_text(
                    text,
                    self._typesetter(font),
                    canvas,
                    font_size=font_size,
                    align=align,
                    padding=padding,
                    wrap=wrap,
                    min_size=least,
                    key=key,
                )
            except FontFailure as failure:
                self._failed(failure)
                if failure.font.path == font.path:
                    font = self.fonts.resolve(None)
                continue
            self._layouts.put(key, layout)
            return layout
        log.error("text drawn without glyphs: %d fonts failed for %r", MAX_FONT_FAILURES, text)
        return TextLayout(font_size or 1, 1, (), (font.family,), align)

    def rasterize(self, layout: TextLayout, canvas: tuple[int, int]) -> TextRaster:
        """The coverage and colour glyphs of `layout`, cropped to the canvas. Large ones of
        this engine's layouts are kept a while (from `RASTER_MIN_BYTES` to `RASTER_ENTRY_BYTES`:
        a Renderer keeps the smaller ones, with their PNG indices; a 4000x4000 size label's
        layer is 1 MB)."""
        key = (layout.key, canvas) if layout.key and _large(layout, canvas) else None
        raster = self._rasters.get(key) if key else None
        if raster is None:
            failures = len(self._broken)
            raster = rasterize_layout(layout, canvas, self._draw)
            if key and len(self._broken) == failures:  # drawn whole: kept
                self._rasters.put(key, raster)
        return raster

    def natural_size(
        self, text: str, font: FontFile, font_size: int, padding: int
    ) -> tuple[int, int]:
        """The smallest canvas that holds `text` at `font_size` with `padding` on every side."""
        return natural_size(text, self._typesetter(font), font_size, padding)

    def has_colour_glyphs(self, text: str, font: FontFile) -> bool:
        """Whether any character of `text` is drawn from a colour (emoji) font."""
        return any(
            cluster_font(cluster, self.fonts, font).color
            for cluster in set(clusters(cap_marks(text)))
            if not cluster.isspace()
        )

    def glyph_boxes(self, layout: TextLayout) -> list[Box]:
        """A box per visible character cluster (a base character with the marks and joiners
        after it, as HarfBuzz clusters them; a ligature's characters share one), on the
        canvas: what distortion moves glyph by glyph. Each spans the cluster's advance, so
        neighbours touch but never overlap (a script font's joins overhang into the next box),
        and its line from the highest ascent or ink to the lowest: every box of a line has the
        same top and bottom, which is how distortion tells the lines apart."""
        boxes: list[Box] = []
        for line in layout.lines:
            spans = [span for run in line.runs for span in self._cluster_spans(run, line.baseline)]
            if not spans:
                continue
            top = min(span[1] for span in spans)
            bottom = max(span[3] for span in spans)
            boxes += [(left, top, right, bottom) for left, _, right, _ in spans]
        return boxes

    def ink(self, layout: TextLayout) -> TextInk:
        """The ink box of `layout` (unclipped) and its largest glyph raster, from the glyphs'
        outline boxes: no glyph is drawn."""
        box: Box | None = None
        largest = 0
        for line in layout.lines:
            for run in line.runs:
                for found in self._boxes(run, line.baseline):
                    if found is not None:
                        largest = max(largest, (found[2] - found[0]) * (found[3] - found[1]))
                        box = found if box is None else _union(box, found)
        return TextInk(box, largest)

    def caches(self) -> tuple[SizedLRU[Any, Any], ...]:
        """Every cache of text work, for a `CachePool` to shrink while large renders run."""
        return (
            self._layouts,
            self._handles,
            self._shaped,
            self.glyphs.coverage,
            self.glyphs.colour,
            self._rasters,
        )

    def clear(self) -> None:
        """Forget every layout, shaped run and glyph raster; fonts stay open (cold
        benchmarks)."""
        self._layouts.clear()
        self._shaped.clear()
        self._rasters.clear()
        self.glyphs.clear()

    def handle(self, font: FontFile) -> FontHandle:
        """`font`'s file opened by HarfBuzz, once while it is in use; `FontFailure` if it
        can't be (or failed before)."""
        key = font.key
        handle = self._handles.get(key)
        if handle is None:
            if font.path in self._broken:
                raise FontFailure(font, "it failed before")
            try:
                handle = self._load_font(font)
            except FontFailure:
                raise
            except Exception as error:  # a bug or an I/O error: the font is at fault all the same
                raise FontFailure(font, f"it can't be opened: {error}") from error
            self._handles.put(key, handle)
        return handle

    def shape(self, font: FontFile, text: str, script: str, rtl: bool) -> Shaped:
        """`text` shaped in `font` (cached)."""
        key = (font.key, text, script, rtl)
        shaped = self._shaped.get(key)
        if shaped is None:
            shaped = self.handle(font).shape(text, script, rtl)
            self._shaped.put(key, shaped)
        return shaped

    def _typesetter(self, font: FontFile) -> Typesetter:
        return Typesetter(self.fonts, font, self.handle, self.shape, self._run_ink)

    def _draw(self, run: Run) -> list[GlyphImage | None]:
        """A run's glyph rasters; all None (drawn without them) when its font fails."""
        try:
            return list(self.glyphs.draw(self.handle(run.font), run.size, run.glyphs))
        except FontFailure as failure:
            self._failed(failure)
            return [None] * len(run.glyphs)

    def _run_ink(self, run: Run) -> Box | None:
        """The ink of a run's glyph rasters, relative to its start on the baseline."""
        box: Box | None = None
        drawn = self.glyphs.draw(self.handle(run.font), run.size, run.glyphs)
        for glyph, x, y in zip(drawn, run.xs, run.ys, strict=True):
            if glyph.image is not None:
                left, top = x + glyph.left, y + glyph.top
                found = (left, top, left + glyph.image.width, top + glyph.image.height)
                box = found if box is None else _union(box, found)
        return box

    def _failed(self, failure: FontFailure) -> None:
        """Take a font that failed out of the library, once, and forget what used it."""
        with self._lock:
            if failure.font.path in self._broken:
                return
            self._broken.add(failure.font.path)
        self.fonts.discard(failure.font, failure.reason)
        log.warning("text engine: %s", failure)
        self._layouts.clear()
        self._rasters.clear()

    def _boxes(self, run: Run, baseline: int) -> list[Box | None]:
        """Each glyph's outline box on the canvas, with `GLYPH_MARGIN`; None: no ink."""
        try:
            handle = self.handle(run.font)
        except FontFailure:
            return [None] * len(run.glyphs)
        scale = run.size / handle.upem
        return [
            _outline_box(handle.extents(glyph), scale, run.x + x, baseline + y)
            for glyph, x, y in zip(run.glyphs, run.xs, run.ys, strict=True)
        ]

    def _cluster_spans(self, run: Run, baseline: int) -> list[Box]:
        """Per cluster with ink, in visual order: from its pen position to the next cluster's
        (the run's end for the last), and from the font's ascent or the cluster's ink, if
        higher, to its descent or ink, if lower."""
        handle = self.handle(run.font)
        ascent = math.ceil(handle.ascender * run.size / handle.upem)
        descent = math.ceil(handle.descender * run.size / handle.upem)
        count = len(run.clusters)
        firsts = [i for i in range(count) if i == 0 or run.clusters[i] != run.clusters[i - 1]]
        ink = self._boxes(run, baseline)
        spans: list[Box] = []
        right = run.x  # where the cluster before ends: spans never overlap
        for first, last in zip(firsts, [*firsts[1:], count], strict=True):
            left = max(right, run.x + min(run.xs[first:last]))
            right = max(left + 1, run.x + (run.xs[last] if last < count else run.width))
            inked = [box for box in ink[first:last] if box is not None]
            if inked:
                top = min([baseline - ascent] + [box[1] for box in inked])
                bottom = max([baseline + descent] + [box[3] for box in inked])
                spans.append((left, top, right, bottom))
        return spans


def environment() -> dict[str, str]:
    """The versions of the text stack: what decides the pixels of text besides the fonts."""
    return {
        "uharfbuzz": version("uharfbuzz"),
        "harfbuzz": str(hb.version_string()),
        "freetype-py": version("freetype-py"),
        "freetype": ".".join(str(part) for part in freetype.version()),
        "python-bidi": version("python-bidi"),
        "fonttools": version("fonttools"),  # Unicode scripts
        "regex": version("regex"),  # grapheme clusters
    }


def _union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _large(layout: TextLayout, canvas: tuple[int, int]) -> bool:
    """Whether a layout's layers may pass `RASTER_MIN_BYTES` (its lines' box, about): smaller
    ones are cheap to compose again, and a Renderer keeps them with their PNG indices."""
    if not layout.lines:
        return False
    width = min(canvas[0], max(line.width for line in layout.lines))
    height = min(canvas[1], layout.line_height * len(layout.lines) + layout.font_size)
    return width * height >= RASTER_MIN_BYTES


def _raster_bytes(raster: TextRaster) -> int:
    layers = (raster.coverage, raster.color)
    return 256 + sum(image_bytes(layer.image) for layer in layers if layer is not None)


def _handle_bytes(handle: FontHandle) -> int:
    return FONT_BASE_BYTES + handle.file_size // FONT_FILE_SHARE


def _outline_box(
    extents: tuple[int, int, int, int] | None, scale: float, x: int, y: int
) -> Box | None:
    """A glyph's outline box (font units, y up) at `scale`, its origin at (x, y) on the
    canvas (y down), grown by `GLYPH_MARGIN`."""
    if extents is None:
        return None
    left, bottom, right, top = extents
    return (
        x + math.floor(left * scale) - GLYPH_MARGIN,
        y - math.ceil(top * scale) - GLYPH_MARGIN,
        x + math.ceil(right * scale) + GLYPH_MARGIN,
        y - math.floor(bottom * scale) + GLYPH_MARGIN,
    )


def _layout_bytes(layout: TextLayout) -> int:
    return 256 + sum(
        160
        + len(line.levels)
        + 2 * len(line.text)
        + sum(200 + 2 * len(run.text) + 16 * len(run.glyphs) for run in line.runs)
        for line in layout.lines
    )
