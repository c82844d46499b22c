"""The colour-independent part of a raster render, kept per text and canvas.

A placeholder's label repeats in many colours and formats (`/300x200/abc/fff`, `/300x200/123/fff`
...). Where its glyphs land, and for PNG the compressed palette indices, are the same for all of
them: only the palette differs. They are computed once and kept in a byte-bounded LRU, so that
a known label in a new colour costs the palette and the PNG chunks around the kept indices.
"""

from __future__ import annotations

from collections.abc import Hashable

from placepix.caching import SizedLRU
from placepix.codecs.png import index_chunk
from placepix.imaging.types import GlyphLayer, TextRaster, image_bytes
from placepix.text.layout import TextLayout, rasterize_text

CACHE_BYTES = 8 * 1024 * 1024
ENTRY_SHARE = 16  # 512 KiB (a 1920x1080 label): large canvases are few and their text is big


class PreparedText:
    """A text's raster on a canvas of `size`, and its PNG indices once asked for."""

    def __init__(self, raster: TextRaster, size: tuple[int, int]) -> None:
        self.raster = raster
        self.size = size
        self._png_indices: bytes | None = None

    def png_indices(self) -> bytes:
        """The IDAT chunk of the palette indices (`png.index_chunk`), compressed once."""
        if self._png_indices is None:
            self._png_indices = index_chunk(self.size, self.raster.coverage)
        return self._png_indices

    @property
    def nbytes(self) -> int:
        """What it holds, counting the compressed indices as at most half the coverage."""
        layers = (self.raster.coverage, self.raster.color)
        return sum(_layer_bytes(layer) for layer in layers) * 3 // 2 + 256


def _layer_bytes(layer: GlyphLayer | None) -> int:
    return 0 if layer is None else image_bytes(layer.image)


PREPARED: SizedLRU[Hashable, PreparedText] = SizedLRU(
    CACHE_BYTES, lambda prepared: prepared.nbytes, ENTRY_SHARE
)


def prepared_text(key: Hashable, layout: TextLayout, size: tuple[int, int]) -> PreparedText:
    """The prepared raster of `layout` on a canvas of `size`; `key` must identify both."""
    kept = PREPARED.get(key)
    if kept is not None:
        return kept
    prepared = PreparedText(rasterize_text(layout, size), size)
    PREPARED.put(key, prepared)
    return prepared


def clear_prepared_text() -> None:
    PREPARED.clear()
