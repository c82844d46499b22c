"""The colour-independent raster kept per text: reused across colours and formats, never
changing the bytes, bounded in size."""

from __future__ import annotations

import pytest

import placepix
from placepix.codecs.png import encode_palette_png
from placepix.imaging.raster import blend_palette
from placepix.prepared import CACHE_BYTES, ENTRY_SHARE, PreparedText, prepared_text
from placepix.render import clear_layout_caches, lay_out
from placepix.text.fonts import default_library
from placepix.text.layout import rasterize_text

OTHER_COLOURS = ["/300x200/123456/fedcba", "/300x200/ff000080/00ff00", "/300x200/000/fff"]


@pytest.mark.parametrize("fmt", ["png", "jpeg", "gif", "webp", "bmp", "tiff"])
def test_a_kept_raster_gives_the_bytes_of_a_fresh_render(fmt: str) -> None:
    url = f"/300x200/abcdef/012345.{fmt}?text=Kept+raster"
    clear_layout_caches()
    fresh = placepix.render(url).data
    for other in OTHER_COLOURS:  # the same text in other colours and formats, kept
        placepix.render(f"{other}.png?text=Kept+raster")
        placepix.render(f"{other}.jpeg?text=Kept+raster")
    assert placepix.render(url).data == fresh


def test_png_indices_are_compressed_once_and_match_the_plain_writer() -> None:
    spec = placepix.parse_url("/640x480/eee/333.png?text=Indices")
    fonts = default_library()
    layout = lay_out(spec, fonts, fonts.resolve(spec.font))
    prepared = PreparedText(rasterize_text(layout, (640, 480)), (640, 480))
    first = prepared.png_indices()
    assert prepared.png_indices() is first
    palette = blend_palette(spec.background, spec.foreground)
    plain = encode_palette_png((640, 480), palette, False, prepared.raster.coverage)
    assert first in plain  # the same IDAT chunk, byte for byte


def test_the_same_key_gives_the_kept_raster_and_huge_ones_are_not_kept() -> None:
    clear_layout_caches()
    fonts = default_library()
    small = placepix.parse_url("/300x200.png?text=small")
    layout = lay_out(small, fonts, fonts.resolve(small.font))
    assert prepared_text("small", layout, (300, 200)) is prepared_text("small", layout, (300, 200))
    huge = placepix.parse_url("/4000x4000.png?text=HUGE&font_size=1500")
    layout = lay_out(huge, fonts, fonts.resolve(huge.font))
    first = prepared_text("huge", layout, (4000, 4000))
    assert first.nbytes > CACHE_BYTES // ENTRY_SHARE
    assert prepared_text("huge", layout, (4000, 4000)) is not first
