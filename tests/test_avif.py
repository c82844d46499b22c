"""The banded AVIF encoder against Pillow encoding the whole image (the reference)."""

from __future__ import annotations

import sys

import pytest
from PIL import Image

import placepix
from placepix._native import avif
from tests.conftest import decode
from tests.rendering import BANDED_CASES, NATIVE, peak_growth, spec_in, whole_image_encode


@NATIVE
def test_pillows_own_libavif_is_found() -> None:
    """Without it every AVIF falls back to Pillow, its full-colour copies and its GIL stall."""
    assert avif.load() is not None


@pytest.mark.parametrize("url", BANDED_CASES)
def test_banded_avif_is_byte_identical_to_pillows_encoder(url: str) -> None:
    spec = spec_in(url, "avif")
    banded = placepix.render(spec).data
    assert banded == whole_image_encode(spec)
    assert decode(banded).size == (spec.pixel_width, spec.pixel_height)


@NATIVE
def test_libavif_errors_become_exceptions() -> None:
    encoder = avif.load()
    assert encoder is not None
    with pytest.raises(ValueError, match="libavif error"):
        encoder.encode((0, 8), _grey_band, False, quality=60, speed=10, max_threads=1)


@NATIVE
def test_a_band_of_the_wrong_size_is_refused_before_libavif_reads_it() -> None:
    encoder = avif.load()
    assert encoder is not None
    with pytest.raises(ValueError, match="a band of 8 rows has 96 bytes"):
        encoder.encode(
            (8, 8),
            lambda top, bottom: _grey_band(top, 4),
            False,
            quality=60,
            speed=10,
            max_threads=1,
        )


def _grey_band(top: int, bottom: int) -> Image.Image:
    return Image.new("RGB", (8, bottom - top), (128, 128, 128))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@NATIVE
def test_a_1500_square_avif_takes_no_full_colour_copies() -> None:
    """Pillow's path held an RGB canvas and two RGB copies beside the YUV planes (~30 MB more
    at 1500x1500); what is left is the planes and the AV1 encoder's own."""
    grown = peak_growth("1500x1500.avif?text=peak")
    assert grown < 40 << 20, f"{grown >> 20} MiB"
