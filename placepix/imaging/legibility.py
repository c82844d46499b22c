"""What distortion costs a reader, measured on its layers (placepix.imaging.distort.DistortedText):
how much of each glyph's ink survives, and how much of it no other ink covers.

Distortion only adds ink in the text colour, so it can't fade the text; what it can do is
shrink or clip a glyph (less ink than it had) and bury it under its neighbours, the strokes and
the fragments (ink that is no longer its own). The thresholds the tests hold every level to
are `MIN_INK_KEPT` and `MIN_UNCOVERED`; docs/tokens.md has the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops

from placepix.imaging.distort import DistortedText
from placepix.imaging.types import GlyphLayer

INK = 128  # coverage at or above this counts as ink
MIN_INK_KEPT = 0.6  # every glyph keeps at least this share of its ink (scale and clipping)
MIN_UNCOVERED = 0.3  # and at least this share of its ink is covered by no other ink
MIN_MEAN_UNCOVERED = 0.55  # and, over a text, this share on average


@dataclass(frozen=True)
class Legibility:
    """Per glyph: the share of its original ink it still has (`ink_kept`) and the share of its
    ink that no other glyph or mark covers (`uncovered`)."""

    ink_kept: list[float]
    uncovered: list[float]

    @property
    def worst_ink_kept(self) -> float:
        return min(self.ink_kept, default=1.0)

    @property
    def worst_uncovered(self) -> float:
        return min(self.uncovered, default=1.0)

    @property
    def mean_uncovered(self) -> float:
        return sum(self.uncovered) / len(self.uncovered) if self.uncovered else 1.0

    def acceptable(self) -> bool:
        """Whether every threshold of this module holds."""
        return (
            self.worst_ink_kept >= MIN_INK_KEPT
            and self.worst_uncovered >= MIN_UNCOVERED
            and self.mean_uncovered >= MIN_MEAN_UNCOVERED
        )


def measure(distorted: DistortedText) -> Legibility:
    """The legibility of `distorted`, within its area (what falls off the canvas is lost).
    A glyph's ink is weighed by its coverage, so a faint pixel counts for little; glyphs
    without ink (colour glyphs) are left out."""
    left, top, right, bottom = distorted.area
    size = (right - left, bottom - top)
    placed = [_place(glyph, distorted.area, size) for glyph in distorted.glyphs]
    count = _place(distorted.marks, distorted.area, size).point(_is_ink)
    for image in placed:
        count = ImageChops.add(count, image.point(_is_ink))
    kept, uncovered = [], []
    for image, original in zip(placed, distorted.original_ink, strict=True):
        if original == 0:
            continue
        ink = _sum(image)
        others = ImageChops.subtract(count, image.point(_is_ink)).point(lambda v: 255 if v else 0)
        covered = _sum(ImageChops.multiply(image, others))
        kept.append(ink / original)
        uncovered.append(1 - covered / ink if ink else 0.0)
    return Legibility(kept, uncovered)


def _is_ink(value: int) -> int:
    return 1 if value >= INK else 0


def _place(
    layer: GlyphLayer, area: tuple[int, int, int, int], size: tuple[int, int]
) -> Image.Image:
    """`layer` on a blank image of `area`, cut to it."""
    image = Image.new("L", size, 0)
    image.paste(layer.image, (layer.origin[0] - area[0], layer.origin[1] - area[1]))
    return image


def _sum(image: Image.Image) -> int:
    return sum(value * count for value, count in enumerate(image.histogram()))
