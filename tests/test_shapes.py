"""The ellipse mask of `shape=circle` and the synthetic bold (placepix.imaging): both against
the obvious, slow way of making them."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from placepix.imaging.bold import bold_radius, embolden
from placepix.imaging.shapes import clip, ellipse_mask
from placepix.imaging.types import GlyphLayer, TextRaster

SUPERSAMPLE = 16


def supersampled_ellipse(size: tuple[int, int]) -> Image.Image:
    """The reference: Pillow's ellipse drawn 16 times larger, then averaged down."""
    width, height = size
    big = Image.new("L", (width * SUPERSAMPLE, height * SUPERSAMPLE), 0)
    box = (0, 0, width * SUPERSAMPLE - 1, height * SUPERSAMPLE - 1)
    ImageDraw.Draw(big).ellipse(box, fill=255)
    return big.reduce(SUPERSAMPLE)


@pytest.mark.parametrize("size", [(3, 3), (16, 16), (64, 64), (65, 65), (101, 37), (512, 512)])
def test_the_mask_is_the_supersampled_ellipse(size: tuple[int, int]) -> None:
    """Within 16 levels of 255 on the edge (the reference's own steps), equal elsewhere."""
    mask = ellipse_mask(size)
    assert mask.size == size and mask.mode == "L"
    difference = ImageChops.difference(mask, supersampled_ellipse(size))
    assert max(difference.tobytes()) <= 16


def test_the_mask_is_clear_in_the_corners_full_in_the_middle_and_smooth_on_the_edge() -> None:
    mask = ellipse_mask((200, 200))
    for corner in ((0, 0), (199, 0), (0, 199), (199, 199)):
        assert mask.getpixel(corner) == 0
    assert mask.getpixel((100, 100)) == 255
    levels = set(mask.tobytes())
    assert len(levels) > 32  # anti-aliased: many levels between 0 and 255
    assert mask.transpose(Image.Transpose.FLIP_LEFT_RIGHT).tobytes() == mask.tobytes()
    assert mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM).tobytes() == mask.tobytes()


def test_the_mask_covers_the_area_of_the_ellipse() -> None:
    width, height = 300, 120
    covered = sum(ellipse_mask((width, height)).tobytes()) / 255
    assert covered == pytest.approx(3.14159265 * width * height / 4, rel=0.002)


def test_clip_multiplies_alpha() -> None:
    image = Image.new("RGBA", (4, 1), (10, 20, 30, 128))
    mask = Image.frombytes("L", (4, 1), bytes((0, 128, 255, 255)))
    clipped = clip(image, mask)
    assert [clipped.getpixel((x, 0))[3] for x in range(4)] == [0, 64, 128, 128]  # type: ignore[index]
    assert clip(Image.new("RGB", (1, 1), (1, 2, 3)), mask.crop((2, 0, 3, 1))).getpixel((0, 0)) == (
        1,
        2,
        3,
        255,
    )


def glyphs(size: tuple[int, int] = (120, 60)) -> Image.Image:
    image = Image.new("L", size, 0)
    ImageDraw.Draw(image).text((10, 5), "Hi", fill=255, font_size=40)
    return image


@pytest.mark.parametrize("radius", [1, 2, 3, 5, 8])
def test_bold_is_a_dilation(radius: int) -> None:
    """Whole radii: each pixel the brightest within the square around it, as MaxFilter does."""
    layer = glyphs()
    bold = embolden(TextRaster(GlyphLayer(layer, (30, 30))), radius, (400, 400)).coverage
    assert bold is not None
    assert bold.origin == (30 - radius, 30 - radius)
    padded = Image.new("L", (layer.width + 2 * radius, layer.height + 2 * radius), 0)
    padded.paste(layer, (radius, radius))
    expected = padded.filter(ImageFilter.MaxFilter(2 * radius + 1))
    assert bold.image.tobytes() == expected.tobytes()


def test_a_fractional_radius_lies_between_the_whole_ones() -> None:
    layer = TextRaster(GlyphLayer(glyphs(), (30, 30)))
    ink = [sum(embolden(layer, r, (400, 400)).coverage.image.tobytes()) for r in (1, 1.5, 2)]  # type: ignore[union-attr]
    assert ink[0] < ink[1] < ink[2]


def test_bold_stays_on_the_canvas_and_leaves_colour_glyphs_alone() -> None:
    colour = GlyphLayer(Image.new("RGBA", (5, 5)), (0, 0))
    bold = embolden(TextRaster(GlyphLayer(glyphs(), (0, 0)), colour), 4, (100, 50))
    assert bold.coverage is not None and bold.color is colour
    left, top = bold.coverage.origin
    assert left >= 0 and top >= 0
    assert left + bold.coverage.image.width <= 100 and top + bold.coverage.image.height <= 50


def test_bold_grows_with_the_font_size() -> None:
    assert 0 < bold_radius(28) < 1 < bold_radius(112) < bold_radius(2000)
    assert embolden(TextRaster(None), 3, (10, 10)) == TextRaster(None)
