"""The banded WebP encoder against Pillow encoding the whole image (the reference)."""

from __future__ import annotations

import sys

import pytest

import placepix
from placepix._native import webp
from tests.conftest import decode
from tests.rendering import BANDED_CASES, NATIVE, peak_growth, spec_in, whole_image_encode


@NATIVE
def test_pillows_own_libwebp_is_found() -> None:
    """Without it every WebP falls back to Pillow and its ~150 MB peak at 4000x4000."""
    assert webp.load() is not None


@pytest.mark.parametrize("url", BANDED_CASES)
def test_banded_webp_is_byte_identical_to_pillows_encoder(url: str) -> None:
    spec = spec_in(url, "webp")
    banded = placepix.render(spec).data
    assert banded == whole_image_encode(spec)
    assert decode(banded).size == (spec.pixel_width, spec.pixel_height)


@NATIVE
def test_bad_settings_are_refused_by_libwebp() -> None:
    encoder = webp.load()
    assert encoder is not None
    with pytest.raises(ValueError, match="invalid WebP settings"):
        encoder.encode((8, 8), lambda top, bottom: None, False, 80, 9)  # type: ignore[arg-type,return-value]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@NATIVE
def test_a_4000_square_webp_takes_little_more_than_its_yuv_planes() -> None:
    """24 MB of YUV planes plus the encoder's own; Pillow's path took ~150 MB more."""
    grown = peak_growth("4000x4000.webp?text=peak")
    assert grown < 60 << 20, f"{grown >> 20} MiB"
