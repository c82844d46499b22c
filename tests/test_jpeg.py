"""The banded JPEG writer against libjpeg encoding the whole image (the reference)."""

from __future__ import annotations

import pytest

import placepix
from tests.conftest import decode
from tests.rendering import spec_in, whole_image_encode

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
    spec = spec_in(url, "jpg")
    banded = placepix.render(spec).data
    assert banded == whole_image_encode(spec)
    assert decode(banded).size == (spec.pixel_width, spec.pixel_height)
