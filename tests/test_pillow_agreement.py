"""Differential checks against Pillow's text layout where the two should agree: the engine
shapes with HarfBuzz as Pillow does through raqm, so for Latin text at the same size their
advance widths agree within a pixel, and so do the fonts' ascents and descents. (Pixels can't
be compared byte for byte any more: the engine hints lightly, Pillow with each font's own
hinting; tests/test_golden.py holds the pixels.)"""

from __future__ import annotations

import pytest
from PIL import ImageFont, features

from placepix.render import default_renderer
from placepix.text.fonts import FontFile

pytestmark = pytest.mark.skipif(not features.check("raqm"), reason="Pillow without raqm here")

RENDERER = default_renderer()
FONT_NAMES = ["lato", "dejavu-sans", "noto-sans", "roboto", "inter", "montserrat", "oswald"]
FONTS = list(dict.fromkeys(RENDERER.fonts.resolve(name) for name in FONT_NAMES))
SIZES = [9, 13, 20, 48, 137]
TEXTS = ["Hamburgefonstiv", "The quick brown fox", "AVATAR Wolf", "office", "0123 × 4567"]
CHARACTERS = "AVWTfijmw@&0"


def pillow_font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font.path), size, layout_engine=ImageFont.Layout.RAQM)


def advance(font: FontFile, text: str, size: int) -> float:
    engine = RENDERER.text
    upem: int = engine.handle(font).upem
    return engine.shape(font, text, "Latn", False).width * size / upem


@pytest.mark.parametrize("font", FONTS, ids=lambda font: font.name)
@pytest.mark.parametrize("size", SIZES)
def test_advance_widths_agree_within_a_pixel(font: FontFile, size: int) -> None:
    theirs = pillow_font(font, size)
    for text in [*TEXTS, *CHARACTERS]:
        assert abs(advance(font, text, size) - theirs.getlength(text)) <= 1, text


@pytest.mark.parametrize("font", FONTS, ids=lambda font: font.name)
@pytest.mark.parametrize("size", SIZES)
def test_ascent_and_descent_agree_within_a_pixel(font: FontFile, size: int) -> None:
    from placepix.text.layout import Typesetter

    engine = RENDERER.text
    setter = Typesetter(RENDERER.fonts, font, engine.handle, engine.shape)
    ascent, descent = pillow_font(font, size).getmetrics()
    ours = setter.metrics(size)
    assert abs(ours[0] - ascent) <= 1 and abs(ours[1] - descent) <= 1


def test_a_line_is_as_wide_as_pillow_measures_it() -> None:
    """The laid-out line (rounded glyph positions and all), not just the shaping."""
    lato = RENDERER.fonts.resolve(None)
    layout = RENDERER.text.lay_out(
        "Placeholder 600 × 400", lato, (900, 200), font_size=40, align="left", padding=0, wrap=True
    )
    assert (
        abs(layout.lines[0].width - pillow_font(lato, 40).getlength("Placeholder 600 × 400")) <= 1
    )
