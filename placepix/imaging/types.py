"""The raster values passed from text to codecs: glyph layers placed on a canvas.

They live here, below both the text engine that makes them and the codecs that encode them,
so neither has to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class GlyphLayer:
    """Rendered glyphs and the canvas position of their top-left corner."""

    image: Image.Image  # 'L' coverage (drawn in the foreground colour) or 'RGBA' colour glyphs
    origin: tuple[int, int]


@dataclass(frozen=True)
class TextRaster:
    """What the raster stage needs: coverage in the foreground colour, and colour glyphs
    (emoji) composited as they are. Either may be None."""

    coverage: GlyphLayer | None
    color: GlyphLayer | None = None


def image_bytes(image: Image.Image) -> int:
    """The bytes of an image's pixels."""
    return len(image.getbands()) * image.width * image.height
