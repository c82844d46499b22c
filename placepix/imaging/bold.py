"""Synthetic bold: the text's coverage grown by a share of the font size on every side.

A stand-in until the text engine draws bold itself (a bold face where the font family has one,
else FreeType's FT_Outline_Embolden): see the BOLD HOOK in placepix.render. Growing coverage
(a dilation, each pixel the brightest within the radius) keeps the anti-aliased edges, and a
fractional radius blends the two whole ones around it, so that 28 px initials grow by 0.6 px.
Dilation by a square of radius r takes O(log r) passes of Pillow's `lighter` over the layer.
"""

from __future__ import annotations

import math

from PIL import Image, ImageChops

from placepix.imaging.types import GlyphLayer, TextRaster

BOLD_SHARE = 0.022  # grown by this share of the font size per side: Lato Regular to ~Bold
LAYER_COPIES = 4  # layers alive at once while growing: the padded one, two shifted, the result


def bold_radius(font_size: int) -> float:
    """How many pixels bold grows a text of `font_size` by, on every side."""
    return font_size * BOLD_SHARE


def embolden(raster: TextRaster, radius: float, canvas: tuple[int, int]) -> TextRaster:
    """`raster` with its coverage grown by `radius` pixels (colour glyphs stay as drawn),
    cropped to the canvas."""
    layer = raster.coverage
    if layer is None or radius <= 0:
        return raster
    whole = math.ceil(radius)
    padded = Image.new("L", (layer.image.width + 2 * whole, layer.image.height + 2 * whole), 0)
    padded.paste(layer.image, (whole, whole))
    grown = _dilate(padded, whole)
    if whole != radius:  # a fractional radius: between the two whole ones
        inner = _dilate(padded, whole - 1) if whole > 1 else padded
        grown = Image.blend(inner, grown, radius - (whole - 1))
    left, top = layer.origin[0] - whole, layer.origin[1] - whole
    box = (
        max(0, -left),
        max(0, -top),
        min(grown.width, canvas[0] - left),
        min(grown.height, canvas[1] - top),
    )
    cropped = grown.crop(box)
    origin = (left + box[0], top + box[1])
    return TextRaster(GlyphLayer(cropped, origin), raster.color)


def _dilate(image: Image.Image, radius: int) -> Image.Image:
    """Each pixel the brightest within a square of `radius` around it. The image must have
    `radius` columns and rows of zeros on every side (shifts wrap around)."""
    reach = 0
    while reach < radius:
        # Shifting an image grown by `reach` by up to 2 * reach + 1 leaves no gap, so the
        # reach roughly triples per pass.
        step = min(radius - reach, 2 * reach + 1)
        for dx, dy in ((step, 0), (0, step)):
            image = ImageChops.lighter(
                image,
                ImageChops.lighter(
                    ImageChops.offset(image, dx, dy), ImageChops.offset(image, -dx, -dy)
                ),
            )
        reach += step
    return image
