"""A layout's glyphs composed into the layers the codecs take: coverage ('L', drawn in the
foreground colour) and colour glyphs ('RGBA', composited as they are).

Each glyph costs its own box and nothing more: the layers are as large as the ink they hold
(clipped to the canvas), each coverage glyph is pasted through its own bitmap ("over": where
glyphs overlap, their coverage adds up as one shape's would), each colour glyph composited over
its own box, and glyphs wholly off the canvas are never drawn. A coverage glyph whose box no
glyph before it touches is copied rather than blended: over nothing, "over" is a copy (Pillow's
blend of 255 through coverage c onto 0 gives c exactly), at a third of the cost.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from placepix.imaging.types import GlyphLayer, TextRaster
from placepix.text.glyphs import GlyphImage
from placepix.text.layout import Run, TextLayout

Draw = Callable[[Run], list[GlyphImage | None]]  # a run's glyph rasters (None: not drawn)
Placed = tuple[Image.Image, int, int]  # a glyph's image and its top-left corner on the canvas


def rasterize_layout(layout: TextLayout, canvas: tuple[int, int], draw: Draw) -> TextRaster:
    """The coverage and colour layers of `layout` on a canvas of `canvas` pixels."""
    width, height = canvas
    plain: list[Placed] = []
    colour: list[Placed] = []
    for line in layout.lines:
        for run in line.runs:
            for drawn, x, y in zip(draw(run), run.xs, run.ys, strict=True):
                if drawn is None or drawn.image is None:
                    continue
                left = run.x + x + drawn.left
                top = line.baseline + y + drawn.top
                image = drawn.image
                right, bottom = left + image.width, top + image.height
                if left < width and top < height and right > 0 and bottom > 0:
                    (colour if run.font.color else plain).append((image, left, top))
    return TextRaster(_coverage(plain, canvas), _colour(colour, canvas))


def _bounds(pieces: list[Placed], canvas: tuple[int, int]) -> tuple[int, int, int, int]:
    return (
        max(0, min(x for _, x, _ in pieces)),
        max(0, min(y for _, _, y in pieces)),
        min(canvas[0], max(x + image.width for image, x, _ in pieces)),
        min(canvas[1], max(y + image.height for image, _, y in pieces)),
    )


def _coverage(pieces: list[Placed], canvas: tuple[int, int]) -> GlyphLayer | None:
    if not pieces:
        return None
    left, top, right, bottom = _bounds(pieces, canvas)
    if len(pieces) == 1:
        image, x, y = pieces[0]
        if (x, y, x + image.width, y + image.height) == (left, top, right, bottom):
            return GlyphLayer(image, (x, y))  # a lone glyph inside the canvas: itself
    layer = Image.new("L", (right - left, bottom - top), 0)
    drawn = _Boxes(max(image.width for image, _, _ in pieces))
    for image, x, y in pieces:
        x, y = x - left, y - top
        box = (x, y, x + image.width, y + image.height)
        if drawn.touches(box):
            layer.paste(255, box, image)
        else:
            layer.paste(image, box)
        drawn.add(box)
    return GlyphLayer(layer, (left, top))


class _Boxes:
    """Boxes drawn so far, in a grid of `cell`-pixel squares: whether a new box touches one
    costs a look at the few boxes in its cells."""

    def __init__(self, cell: int) -> None:
        self.cell = max(16, cell)
        self.cells: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}

    def _cells(self, box: tuple[int, int, int, int]) -> list[tuple[int, int]]:
        cell = self.cell
        columns = range(box[0] // cell, (box[2] - 1) // cell + 1)
        return [(c, r) for c in columns for r in range(box[1] // cell, (box[3] - 1) // cell + 1)]

    def touches(self, box: tuple[int, int, int, int]) -> bool:
        return any(
            box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]
            for key in self._cells(box)
            for other in self.cells.get(key, ())
        )

    def add(self, box: tuple[int, int, int, int]) -> None:
        for key in self._cells(box):
            self.cells.setdefault(key, []).append(box)


def _colour(pieces: list[Placed], canvas: tuple[int, int]) -> GlyphLayer | None:
    if not pieces:
        return None
    left, top, right, bottom = _bounds(pieces, canvas)
    layer = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
    for image, x, y in pieces:
        x, y = x - left, y - top
        source = (max(0, -x), max(0, -y))
        layer.alpha_composite(image, (max(0, x), max(0, y)), source)
    return GlyphLayer(layer, (left, top))
