"""Glyph rasters: coverage bitmaps from FreeType (freetype-py), colour emoji from HarfBuzz's
PNGs decoded and scaled by Pillow, each made once per font, size and glyph and kept in caches
bounded in bytes (they belong to a TextEngine).

FreeType loads outlines with light hinting (`FT_LOAD_TARGET_LIGHT`: the outline snapped to the
pixel grid vertically only, so glyph shapes keep the unhinted widths HarfBuzz positions them
by) and renders 8-bit coverage; embedded bitmap strikes are skipped for the outlines. A FreeType
face serves one thread at a time: each is used under its `FontHandle`'s lock.

freetype-py hands a bitmap's pixels over as a Python list built one ctypes read at a time
(~130 ns a pixel: 0.04 s for a glyph at 1000 px). The engine copies them in one memcpy through
`placepix._native.bitmaps`, behind the native gate (its kill switch and fallback: the list);
the text stack itself has no ctypes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import freetype
from freetype.ft_enums import (
    FT_LOAD_NO_BITMAP,
    FT_LOAD_RENDER,
    FT_LOAD_TARGET_LIGHT,
    FT_PIXEL_MODE_GRAY,
)
from freetype.ft_errors import FT_Exception
from PIL import Image

from placepix._native import bitmaps
from placepix._native.gate import NativePath
from placepix.caching import SizedLRU
from placepix.text.shaping import FontFailure, FontHandle

COVERAGE_CACHE_BYTES = 4 * 1024 * 1024  # rasterised glyphs kept per engine
COLOUR_CACHE_BYTES = 1024 * 1024  # scaled colour emoji kept per engine
GLYPH_OVERHEAD = 600  # bytes of a kept glyph besides its pixels (the Image object)
BLANK_AT = 16  # px: a glyph with no pixel at this size or larger is blank (a space) at any
LOAD_FLAGS = FT_LOAD_TARGET_LIGHT | FT_LOAD_RENDER | FT_LOAD_NO_BITMAP


@dataclass(frozen=True)
class GlyphImage:
    """A glyph drawn at one size: 'L' coverage or 'RGBA' colour (None: no ink, as a space),
    and where its top-left corner is relative to the pen on the baseline (y down)."""

    image: Image.Image | None
    left: int
    top: int
    nbytes: int


NO_INK = GlyphImage(None, 0, 0, GLYPH_OVERHEAD)
GlyphKey = tuple[str, int, int]  # font file, pixel size, glyph id


class Glyphs:
    """The glyph rasters of one engine; `native` allows the one-copy read of FreeType's
    bitmaps (`placepix._native.bitmaps`), else freetype-py's own list is read."""

    def __init__(
        self,
        coverage_bytes: int = COVERAGE_CACHE_BYTES,
        colour_bytes: int = COLOUR_CACHE_BYTES,
        *,
        native: bool = True,
    ) -> None:
        self.bitmaps: NativePath[bitmaps.BitmapCopier] = NativePath(
            "bitmaps", bitmaps.load, enabled=native
        )
        self.coverage: SizedLRU[GlyphKey, GlyphImage] = SizedLRU(
            coverage_bytes, lambda glyph: glyph.nbytes
        )
        self.colour: SizedLRU[GlyphKey, GlyphImage] = SizedLRU(
            colour_bytes, lambda glyph: glyph.nbytes
        )

    def draw(self, handle: FontHandle, size: int, glyphs: Iterable[int]) -> list[GlyphImage]:
        """Glyphs of `handle`'s font at `size` pixels, from the cache when drawn before;
        `FontFailure` when FreeType or the PNG decoder can't draw one."""
        colour = handle.font.color
        cache = self.colour if colour else self.coverage
        path = handle.key
        drawn: dict[int, GlyphImage] = {}
        for glyph in glyphs:
            if glyph in drawn:
                continue
            key = (path, size, glyph)
            found = cache.get(key)
            if found is None:
                if colour:
                    found = _colour_glyph(handle, size, glyph)
                else:
                    found = _coverage(handle, size, glyph, self.bitmaps)
                cache.put(key, found)
            drawn[glyph] = found
        return [drawn[glyph] for glyph in glyphs]

    def clear(self) -> None:
        self.coverage.clear()
        self.colour.clear()


def _coverage(
    handle: FontHandle, size: int, glyph: int, copier: NativePath[bitmaps.BitmapCopier]
) -> GlyphImage:
    if glyph in handle.blank:
        return NO_INK
    with handle.lock:
        try:
            face = _face(handle)
            if handle.drawing_size != size:
                face.set_pixel_sizes(0, size)
                handle.drawing_size = size
            face.load_glyph(glyph, LOAD_FLAGS)
            slot = face.glyph
            bitmap = slot.bitmap
            width, rows, pitch = bitmap.width, bitmap.rows, bitmap.pitch
            if not width or not rows:
                if size >= BLANK_AT:  # no pixel at this size: it has no outline at all
                    handle.blank.add(glyph)
                return NO_INK
            if bitmap.pixel_mode != FT_PIXEL_MODE_GRAY or pitch <= 0:
                raise FontFailure(
                    handle.font,
                    f"FreeType gave glyph {glyph} as a bitmap mode {bitmap.pixel_mode}, "
                    "not 8-bit coverage",
                )
            pixels = copier.run(lambda impl: impl.copy(bitmap), lambda: bytes(bitmap.buffer))
            left, top = slot.bitmap_left, slot.bitmap_top
        except FT_Exception as error:
            raise FontFailure(
                handle.font, f"FreeType cannot draw glyph {glyph}: {error}"
            ) from error
    image = Image.frombuffer("L", (width, rows), pixels, "raw", "L", pitch, 1)
    return GlyphImage(image, left, -top, len(pixels) + GLYPH_OVERHEAD)


def _face(handle: FontHandle) -> Any:
    """The FreeType face of `handle`'s file, opened on first use (hold `handle.lock`)."""
    if handle.drawing is None:
        face = freetype.Face(str(handle.font.path))
        if handle.axes:
            info = face.get_variation_info()
            coords = [handle.axes.get(str(axis.tag), axis.default) for axis in info.axes]
            face.set_var_design_coords(tuple(coords))
        handle.drawing = face
        handle.drawing_size = 0
    return handle.drawing


def _colour_glyph(handle: FontHandle, size: int, glyph: int) -> GlyphImage:
    """A colour bitmap glyph's PNG, decoded and scaled to `size` by its extents."""
    png = handle.color_png(glyph)
    extents = handle.extents(glyph)
    if png is None or extents is None:
        return NO_INK
    scale = size / handle.upem
    left, bottom, right, top = (round(value * scale) for value in extents)
    try:
        with Image.open(io.BytesIO(png)) as decoded:
            image = decoded.convert("RGBA")
    except (OSError, ValueError) as error:
        raise FontFailure(handle.font, f"its PNG of glyph {glyph} can't be decoded") from error
    target = (max(1, right - left), max(1, top - bottom))
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS)
    return GlyphImage(image, left, -top, 4 * target[0] * target[1] + GLYPH_OVERHEAD)
