"""A layout's glyphs composed into the layers the codecs take: coverage ('L', drawn in the
foreground colour) and colour glyphs ('RGBA', composited as they are).

Each glyph costs its own box and nothing more: the layers are as large as the ink they hold
(clipped to the canvas), each coverage glyph is pasted through its own bitmap ("over": where
glyphs overlap, their coverage adds up as one shape's would), each colour glyph composited over
its own box, and glyphs wholly off the canvas are never drawn. A coverage glyph that starts
right of every glyph before it on its line, and below every glyph of the lines before, is
copied rather than blended: over nothing, "over" is a copy (Pillow's blend of 255 through
coverage c onto 0 gives c exactly), at half the cost. Glyphs come line by line, left to right,
so that is most of them; any other (a kerned pair, a mark over its base) is blended.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from placepix.imaging.types import GlyphLayer, TextRaster
from placepix.text.glyphs import GlyphImage
from placepix.text.lines import Run, TextLayout

Draw = Callable[[Run], list[GlyphImage | None]]  # a run's glyph rasters (None: not drawn)
Placed = tuple[Image.Image, int, int, int]  # a glyph's image, its top-left corner, its line


def rasterize_layout(layout: TextLayout, canvas: tuple[int, int], draw: Draw) -> TextRaster:
    """The coverage and colour layers of `layout` on a canvas of `canvas` pixels."""
    width, height = canvas
    plain: list[Placed] = []
    colour: list[Placed] = []
    for number, line in enumerate(layout.lines):
        for run in line.runs:
            for drawn, x, y in zip(draw(run), run.xs, run.ys, strict=True):
                if drawn is None or drawn.image is None:
                    continue
                left = run.x + x + drawn.left
                top = line.baseline + y + drawn.top
                image = drawn.image
                right, bottom = left + image.width, top + image.height
                if left < width and top < height and right > 0 and bottom > 0:
                    (colour if run.font.color else plain).append((image, left, top, number))
    return TextRaster(_coverage(plain, canvas), _colour(colour, canvas))


def _bounds(pieces: list[Placed], canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    return (
        max(0, min(x for _, x, _, _ in pieces)),
        max(0, min(y for _, _, y, _ in pieces)),
        min(canvas[0], max(x + image.width for image, x, _, _ in pieces)),
        min(canvas[1], max(y + image.height for image, _, y, _ in pieces)),
    )


def _coverage(pieces: list[Placed], canvas: tuple[int, int]) -> GlyphLayer | None:
    if not pieces:
        return None
    left, top, right, bottom = _bounds(pieces, canvas)
    if len(pieces) == 1:
        image, x, y, _ = pieces[0]
        if (x, y, x + image.width, y + image.height) == (left, top, right, bottom):
            return GlyphLayer(image, (x, y))  # a lone glyph inside the canvas: itself
    layer = Image.new("L", (right - left, bottom - top), 0)
    line, line_right, line_bottom, above = -1, 0, 0, 0
    for image, x, y, number in pieces:
        if number != line:  # a new line: what the lines before it drew ends at `above`
            line, line_right, above = number, -(1 << 30), max(above, line_bottom)
        width, height = image.size
        x, y = x - left, y - top
        box = (x, y, x + width, y + height)
        if x >= line_right and y >= above - top:
            layer.paste(image, box)
        else:
            layer.paste(255, box, image)
        line_right = max(line_right, x + width)
        line_bottom = max(line_bottom, y + height + top)
    return GlyphLayer(layer, (left, top))


def _colour(pieces: list[Placed], canvas: tuple[int, int]) -> GlyphLayer | None:
    if not pieces:
        return None
    left, top, right, bottom = _bounds(pieces, canvas)
    layer = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    for image, x, y, _ in pieces:
        x, y = x - left, y - top
        source = (max(0, -x), max(0, -y))
        layer.alpha_composite(image, (max(0, x), max(0, y)), source)
    return GlyphLayer(layer, (left, top))
