"""The colour-independent part of a raster render, kept per text and canvas.

A placeholder's label repeats in many colours and formats (`/300x200/abc/fff`, `/300x200/123/fff`
...). Where its glyphs land, and for PNG the compressed palette indices, are the same for all of
them: only the palette differs. A Renderer keeps them in a byte-bounded LRU, so that a known
label in a new colour costs the palette and the PNG chunks around the kept indices.
"""

from __future__ import annotations

from collections.abc import Callable

from placepix.imaging.types import GlyphLayer, TextRaster, image_bytes

CACHE_BYTES = 8 * 1024 * 1024
ENTRY_SHARE = 16  # 512 KiB (a 1920x1080 label): large canvases are few and their text is big
IndexChunk = Callable[[tuple[int, int], GlyphLayer | None], bytes]


class PreparedText:
    """A text's raster on a canvas of `size`, and its PNG indices once asked for."""

    def __init__(self, raster: TextRaster, size: tuple[int, int], index_chunk: IndexChunk):
        self.raster = raster
        self.size = size
        self._index_chunk = index_chunk
        self._png_indices: bytes | None = None

    def png_indices(self) -> bytes:
        """The IDAT chunk of the palette indices (`PngWriter.index_chunk`), compressed once."""
        if self._png_indices is None:
            self._png_indices = self._index_chunk(self.size, self.raster.coverage)
        return self._png_indices

    @property
    def nbytes(self) -> int:
        """What it holds, counting the compressed indices as at most half the coverage."""
        layers = (self.raster.coverage, self.raster.color)
        return sum(_layer_bytes(layer) for layer in layers) * 3 // 2 + 256


def _layer_bytes(layer: GlyphLayer | None) -> int:
    return 0 if layer is None else image_bytes(layer.image)
