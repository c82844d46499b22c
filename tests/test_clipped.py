"""Images clipped by `shape=circle` (the encoder's mask path): clear anti-aliased corners in
every format with alpha, the background colour in those without, bold ink, and the banded
WebP and AVIF encoders making the bytes Pillow makes of the whole clipped image."""

from __future__ import annotations

import pytest
from PIL import Image

import placepix
from placepix.codecs.pillow import encode
from placepix.imaging.raster import text_image
from placepix.imaging.shapes import clip
from placepix.model.limits import Limits
from placepix.render import Renderer, default_renderer
from tests.conftest import decode
from tests.rendering import NATIVE

ALPHA_FORMATS = ("png", "webp", "avif", "gif", "tiff", "ico")


def rgba(url: str) -> Image.Image:
    return decode(placepix.render(url).data).convert("RGBA")


@pytest.mark.parametrize("fmt", ALPHA_FORMATS)
def test_corners_are_clear_and_the_middle_is_the_background(fmt: str) -> None:
    image = rgba(f"/64x64/f00/fff.{fmt}?text=A&shape=circle&padding=20")
    assert image.size == (64, 64)
    for corner in ((0, 0), (63, 0), (0, 63), (63, 63), (5, 5)):
        assert image.getpixel(corner)[3] == 0, corner  # type: ignore[index]
    r, g, b, a = image.getpixel((32, 4))  # type: ignore[misc]  # inside, above the letter
    assert a > 245 and r > 230 and g < 30 and b < 30  # AVIF's alpha is lossy


@pytest.mark.parametrize("fmt", ["png", "webp", "avif", "tiff"])
def test_the_edge_is_anti_aliased(fmt: str) -> None:
    alphas = set(rgba(f"/200x200/f00/fff.{fmt}?shape=circle").getchannel("A").tobytes())
    assert len(alphas - {0, 255}) > 16


def test_gif_edges_are_all_or_nothing() -> None:
    alphas = set(rgba("/200x200/f00/fff.gif?shape=circle").getchannel("A").tobytes())
    assert alphas == {0, 255}


@pytest.mark.parametrize("fmt", ["jpeg", "bmp"])
def test_formats_without_alpha_keep_the_background_outside(fmt: str) -> None:
    circle = placepix.render(f"/64x64/f00/fff.{fmt}?text=A&shape=circle")
    square = placepix.render(f"/64x64/f00/fff.{fmt}?text=A")
    assert circle.data == square.data
    r, g, b = decode(circle.data).convert("RGB").getpixel((0, 0))  # type: ignore[misc]
    assert r > 245 and g < 10 and b < 10  # red, as JPEG rounds it


def test_png_is_exactly_the_clipped_canvas() -> None:
    """The PNG writer for clipped images is lossless: the decoded image is the reference
    composition (full canvas, then the mask as alpha) pixel for pixel."""
    url = "/90x70/123456/fedcba.png?text=Ab&shape=circle"
    spec = placepix.parse_url(url)
    renderer = default_renderer()
    raster = renderer.text.rasterize(renderer.lay_out(spec), (90, 70))
    expected = clip(
        text_image((90, 70), spec.background, spec.foreground, raster),
        renderer.encoder.ellipse((90, 70)),
    )
    assert rgba(url).tobytes() == expected.tobytes()


@NATIVE
@pytest.mark.parametrize("fmt", ["webp", "avif"])
@pytest.mark.parametrize("url", ["/64x64/f00/fff", "/301x199/00f8/fff", "/200x200/eee/123"])
def test_banded_encoders_match_pillow_on_the_whole_clipped_image(fmt: str, url: str) -> None:
    native = Renderer(native=True)
    if not native.encoder.banded(fmt):
        pytest.skip(f"the banded {fmt} encoder is not active here")
    spec = placepix.parse_url(f"{url}.{fmt}?text=Hi+there&shape=circle")
    size = (spec.pixel_width, spec.pixel_height)
    raster = native.text.rasterize(native.lay_out(spec), size)
    whole = clip(
        text_image(size, spec.background, spec.foreground, raster), native.encoder.ellipse(size)
    )
    assert native.render(spec).data == encode(whole, fmt)


def test_bold_adds_ink_and_keeps_its_place() -> None:
    regular = rgba("/200x100/fff/000.png?text=Hi&font_size=60").convert("L")
    bold = rgba("/200x100/fff/000.png?text=Hi&font_size=60&bold=1").convert("L")
    ink = [sum(255 - v for v in image.tobytes()) for image in (regular, bold)]
    assert ink[1] > ink[0] * 1.1
    assert regular.getbbox() is not None
    inverted = [Image.eval(image, lambda v: 255 - v).getbbox() for image in (regular, bold)]
    assert inverted[0] is not None and inverted[1] is not None
    assert abs(inverted[0][0] - inverted[1][0]) <= 3  # grown by ~1.3 px a side, not moved


def test_svg_draws_the_circle_and_asks_for_bold() -> None:
    svg = placepix.render("/64x64/f00/fff.svg?text=AB&shape=circle&bold=1").data.decode()
    assert '<ellipse cx="32" cy="32" rx="32" ry="32" fill="#ff0000"/>' in svg
    assert 'font-weight="bold"' in svg and "<rect" not in svg
    plain = placepix.render("/64x64/f00/fff.svg?text=AB").data.decode()
    assert "<rect" in plain and "font-weight" not in plain


def test_masks_are_kept_per_size_and_bounded() -> None:
    renderer = Renderer(limits=Limits())
    first = renderer.encoder.ellipse((64, 64))
    assert renderer.encoder.ellipse((64, 64)) is first
    renderer.encoder.ellipse((2000, 2000))  # 4 MB: made for its render, not kept
    assert renderer.encoder.masks.get((2000, 2000)) is None
