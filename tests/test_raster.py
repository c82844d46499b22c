"""The fast raster paths against the reference: the same glyph raster composed on a full-colour
canvas the obvious way (tests/rendering.py)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops

import placepix
from placepix.imaging.raster import blend_palette, text_image
from placepix.model.colors import Color
from placepix.render import default_renderer
from tests.rendering import raster_of, reference_image

CASES = [
    "1x1",
    "7x3?text=Hi",
    "300x200",
    "1200x800/000/fff?text=Line one|Line two|Line three",
    "97x31/ff000080/000000c8?text=Hello|World ygj",
    "500x300/transparent/000?text=a|b|c",
    "333x111/000/fff?text=gyjp|ÅÉÎ&font_size=60",
    "100x100/fff/000?text=a&font_size=400",
    "4000x1?text=wide",
    "640x360/123/eee?text=Hello 日本語 مرحبا|שלום Привет 😀👍🏽",
    "199x77/fff0/000?text=ok 🎉 done&align=right",
]


@pytest.mark.parametrize("palette", [True, False])
@pytest.mark.parametrize("url", CASES)
def test_fast_paths_give_the_reference_pixels(url: str, palette: bool) -> None:
    spec = placepix.parse_url(url)
    size = (spec.pixel_width, spec.pixel_height)
    glyphs = raster_of(spec)
    colours = (spec.background, spec.foreground)
    table = blend_palette(*colours) if palette else None
    fast = text_image(size, *colours, glyphs, palette=table)
    reference = reference_image(size, spec.background, spec.foreground, glyphs)
    palette_possible = palette and glyphs.color is None  # colour emoji need full colour
    assert fast.mode == ("P" if palette_possible else reference.mode)
    assert ImageChops.difference(fast.convert(reference.mode), reference).getbbox() is None


def test_the_palette_runs_from_background_to_foreground() -> None:
    palette = blend_palette(Color(0, 0, 0), Color(255, 255, 255))
    assert len(palette) == 256 * 3
    assert palette[:3] == b"\x00\x00\x00" and palette[-3:] == b"\xff\xff\xff"
    translucent = blend_palette(Color(255, 0, 0, 0), Color(0, 0, 255, 255))
    assert len(translucent) == 256 * 4


@pytest.mark.parametrize(
    "url",
    [
        "640x200/fff/000.png?text=AVATAR Wolf To|gyjp ÅÉÎ Ǻ&font_size=70",  # kerning, tight lines
        "400x400/fff/000.png?text=a" + "\u0301" * 12 + "&font=dejavu-sans&font_size=60",  # marks
        "600x200/fff/000.png?text=مرحبا بالعالم (test) 123",
        "300x300/fff/000.png?text=" + "aͿ" * 30,  # every other glyph from another font
    ],
)
def test_copying_untouched_glyphs_is_the_same_as_blending_them_all(url: str) -> None:
    """The composer copies a glyph that nothing drawn before touches; blending every glyph
    over the ones before it must give the very same layer."""
    renderer = default_renderer()
    spec = placepix.parse_url(url)
    size = (spec.pixel_width, spec.pixel_height)
    layout = renderer.lay_out(spec)
    blended = Image.new("L", size, 0)
    for line in layout.lines:
        for run in line.runs:
            handle = renderer.text.handle(run.font)
            drawn = renderer.text.glyphs.draw(handle, run.size, run.glyphs)
            for glyph, x, y in zip(drawn, run.xs, run.ys, strict=True):
                if glyph.image is not None:
                    left, top = run.x + x + glyph.left, line.baseline + y + glyph.top
                    box = (left, top, left + glyph.image.width, top + glyph.image.height)
                    blended.paste(255, box, glyph.image)
    coverage = raster_of(spec).coverage
    assert coverage is not None
    composed = Image.new("L", size, 0)
    composed.paste(coverage.image, coverage.origin)
    assert ImageChops.difference(composed, blended).getbbox() is None
