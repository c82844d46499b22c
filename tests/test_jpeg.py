"""The banded JPEG writer against libjpeg encoding the whole image (the reference)."""

from __future__ import annotations

import pytest

import placepix
from placepix.encoders import encode
from placepix.fonts import default_library
from placepix.layout import rasterize_text
from placepix.raster import text_image
from placepix.render import lay_out
from tests.conftest import decode

CASES = [
    "1x1",
    "15x15",
    "16x16?text=a",
    "17x33?text=Hi",
    "300x200",
    "301x199/000/fff?text=odd|sizes",
    "1200x800/ff000080/0000ffc0?text=alpha|flattened",
    "640x360/123/eee?text=emoji 😀 and 日本語",
    "500x100/fff/000?text=bottom&font_size=60&padding=1",
    "999x777/abc/123?text=long text that wraps onto several lines in the middle of the image",
]


@pytest.mark.parametrize("url", CASES)
def test_banded_jpeg_is_byte_identical_to_a_whole_image_encode(url: str) -> None:
    spec = placepix.parse_url(url.replace("?", ".jpg?", 1) if "?" in url else url + ".jpg")
    fonts = default_library()
    size = (spec.pixel_width, spec.pixel_height)
    glyphs = rasterize_text(lay_out(spec, fonts, fonts.resolve(spec.font)), size)
    whole = encode(
        text_image(size, spec.background, spec.foreground, glyphs, palette=False), "jpeg"
    )
    banded = placepix.render(spec).data
    assert banded == whole
    assert decode(banded).size == size
