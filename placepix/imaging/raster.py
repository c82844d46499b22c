"""Coverage mask + colours -> a Pillow image.

The fast path builds a palette ('P') image: entry i is the background blended towards the
foreground by i/255, computed by Pillow itself so it rounds exactly as a plain draw does.
A flat canvas then costs one byte per pixel and the text costs one paste. The reference
path (tests/rendering.py) draws the same layout onto an RGB(A) canvas the obvious way; tests hold
the two equal.
"""

from __future__ import annotations

from PIL import Image

from placepix.imaging.types import TextRaster
from placepix.model.colors import Color, any_translucent


def canvas_mode(background: Color, foreground: Color) -> str:
    """'RGBA' when either colour is translucent, else 'RGB'."""
    return "RGBA" if any_translucent(background, foreground) else "RGB"


def blend_palette(background: Color, foreground: Color) -> bytes:
    """256 palette entries from `background` (0) to `foreground` (255), as Pillow blends them
    (~20 us: callers that make many keep them)."""
    mode = canvas_mode(background, foreground)
    ramp = Image.new(mode, (256, 1), ink(background, mode))
    coverage = Image.frombytes("L", (256, 1), bytes(range(256)))
    ramp.paste(ink(foreground, mode), (0, 0, 256, 1), coverage)
    return ramp.tobytes()


def text_image(
    size: tuple[int, int],
    background: Color,
    foreground: Color,
    text: TextRaster,
    *,
    palette: bytes | None = None,
) -> Image.Image:
    """The image to encode: a palette image with `palette` (`blend_palette` of the colours,
    for formats that store palettes), else full colour drawn directly, which is cheaper than
    converting a palette image. Colour glyphs always make it full colour."""
    if palette is not None and text.color is None:
        return palette_image(size, palette, canvas_mode(background, foreground), text)
    mode = canvas_mode(background, foreground)
    image = Image.new(mode, size, ink(background, mode))
    if text.coverage is not None:
        coverage = text.coverage.image
        left, top = text.coverage.origin
        box = (left, top, left + coverage.width, top + coverage.height)
        image.paste(ink(foreground, mode), box, coverage)
    if text.color is not None:
        glyphs = text.color.image
        image.paste(glyphs, text.color.origin, glyphs)
    return image


def palette_image(
    size: tuple[int, int], palette: bytes, mode: str, text: TextRaster
) -> Image.Image:
    """A 'P' image of `size` with `palette` (entries in `mode`, 'RGB' or 'RGBA'): index 0
    everywhere, the coverage values where text is."""
    image = Image.new("P", size, 0)
    image.putpalette(palette, mode)
    if text.coverage is not None:
        image.paste(text.coverage.image, text.coverage.origin)
    return image


def ink(color: Color, mode: str) -> tuple[int, ...]:
    """`color` as a Pillow fill for a canvas of `mode` ('RGB' or 'RGBA')."""
    return tuple(color) if mode == "RGBA" else color.rgb
