"""The hand-built PNG writer must decode to exactly the reference pixels: the same raster
composed on a full-colour canvas (tests/rendering.py)."""

from __future__ import annotations

import zlib

import pytest
from PIL import ImageChops

import placepix
from placepix.codecs.png import PngWriter
from placepix.model.colors import Color
from tests.conftest import decode
from tests.rendering import raster_of, reference_image

CASES = [
    "1x1",
    "7x3?text=Hi",
    "4000x1",
    "1x400",
    "300x200",
    "1200x800",
    "97x31/ff000080/000000c8?text=Hello|World ygj",
    "500x300/transparent/000?text=a|b|c",
    "333x111/000/fff?text=gyjp|ÅÉÎ&font_size=60",  # lines touching each other
    "100x100/fff/000?text=a&font_size=400",  # text larger than the canvas, clipped
    "20x10@3x/08f/fff?text=retina",
    "640x480/fff/000?text= ",  # nothing to draw
]


@pytest.mark.parametrize("url", CASES)
def test_decodes_to_the_reference_pixels(url: str) -> None:
    spec = placepix.parse_url(f"{url.partition('?')[0]}.png?{url.partition('?')[2]}")
    size = (spec.pixel_width, spec.pixel_height)
    reference = reference_image(size, spec.background, spec.foreground, raster_of(spec))
    decoded = decode(placepix.render(spec).data)
    assert decoded.format == "PNG" and decoded.size == size
    assert ImageChops.difference(decoded.convert(reference.mode), reference).getbbox() is None


def test_alpha_is_in_a_trns_chunk_only_when_needed() -> None:
    opaque = placepix.render("20x20.png").data
    translucent = placepix.render("20x20/ff000080/fff.png").data
    assert b"tRNS" not in opaque and b"tRNS" in translucent


@pytest.mark.parametrize("count", [0, 1, 2, 3, 1000, 65521, 65522, 4001 * 4000, (1 << 24) + 5])
@pytest.mark.parametrize("start", [1, 0x12345678, zlib.adler32(b"text band")])
def test_zero_runs_continue_adler32_and_inflate(count: int, start: int) -> None:
    pieces: list[bytes] = []
    assert PngWriter()._zeros(count, pieces, start) == zlib.adler32(bytes(count), start)
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(b"".join(pieces)) == bytes(count)


def test_text_band_covers_only_rows_with_ink() -> None:
    spec = placepix.parse_url("300x200.png")
    glyphs = raster_of(spec)
    assert glyphs.coverage is not None
    assert 0 < glyphs.coverage.image.height < 200
    assert Color(0, 0, 0) != spec.background  # the default background is not black
