"""The colour-independent raster kept per text: reused across colours and formats, never
changing the bytes, bounded in size."""

from __future__ import annotations

import pytest

import placepix
from placepix.codecs.png import PngWriter, palette_png
from placepix.imaging.raster import blend_palette
from placepix.model.limits import Limits
from placepix.prepared import CACHE_BYTES, ENTRY_SHARE, PreparedText
from placepix.render import Renderer

OTHER_COLOURS = ["/300x200/123456/fedcba", "/300x200/ff000080/00ff00", "/300x200/000/fff"]
RENDERER = Renderer(cache_bytes=0)  # no encoded image is kept: every render uses the raster


@pytest.mark.parametrize("fmt", ["png", "jpeg", "gif", "webp", "bmp", "tiff"])
def test_a_kept_raster_gives_the_bytes_of_a_fresh_render(fmt: str) -> None:
    url = f"/300x200/abcdef/012345.{fmt}?text=Kept+raster"
    fresh = Renderer().render(url).data
    for other in OTHER_COLOURS:  # the same text in other colours and formats, kept
        RENDERER.render(f"{other}.png?text=Kept+raster")
        RENDERER.render(f"{other}.jpeg?text=Kept+raster")
    assert RENDERER.render(url).data == fresh


def test_png_indices_are_compressed_once_and_match_the_plain_writer() -> None:
    spec = placepix.parse_url("/640x480/eee/333.png?text=Indices")
    layout = RENDERER.lay_out(spec)
    writer = PngWriter()
    raster = RENDERER.text.rasterize(layout, (640, 480))
    prepared = PreparedText(raster, (640, 480), writer.index_chunk)
    first = prepared.png_indices()
    assert prepared.png_indices() is first
    palette = blend_palette(spec.background, spec.foreground)
    indices = writer.index_chunk((640, 480), prepared.raster.coverage)
    plain = palette_png((640, 480), palette, False, indices)
    assert first in plain  # the same IDAT chunk, byte for byte
    assert plain == RENDERER.render(spec).data


def test_a_raster_is_kept_per_text_and_huge_ones_are_not_kept() -> None:
    renderer = Renderer(cache_bytes=0, limits=Limits(render_memory_budget=1 << 40))
    renderer.render("/300x200.png?text=small")
    assert renderer.prepared.current_bytes > 0
    kept = renderer.prepared.current_bytes
    renderer.render("/300x200/000/fff.gif?text=small")  # same text: nothing new is kept
    assert renderer.prepared.current_bytes == kept
    huge = placepix.parse_url("/4000x4000.png?text=HUGE&font_size=1500")
    renderer.render(huge)
    assert renderer.prepared.current_bytes == kept  # larger than an entry may be
    assert renderer.prepared.max_bytes // ENTRY_SHARE < 4000 * 1500
    assert renderer.prepared.max_bytes == CACHE_BYTES
