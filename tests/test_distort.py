"""Anti-OCR distortion: changes the text's pixels, deterministically, inside the canvas."""

from __future__ import annotations

import pytest
from PIL import ImageChops

import placepix
from placepix.errors import SpecError
from tests.conftest import decode


def pixels(url: str) -> bytes:
    return decode(placepix.render(url).data).convert("RGB").tobytes()


def test_distortion_changes_the_text_and_only_near_it() -> None:
    plain = decode(placepix.render("400x200/fff/000.png?text=secret").data).convert("RGB")
    waved = decode(placepix.render("400x200/fff/000.png?text=secret&distort=1").data)
    changed = ImageChops.difference(plain, waved.convert("RGB")).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert left > 0 and top > 0 and right < 400 and bottom < 200


def test_distortion_is_deterministic_and_differs_per_text() -> None:
    assert pixels("300x80.png?text=a@b.c&distort=1") == pixels("300x80.png?text=a@b.c&distort=1")
    assert pixels("300x80.png?text=a@b.c&distort=1") != pixels("300x80.png?text=a@b.d&distort=1")


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "gif"])
def test_every_raster_format_takes_it(fmt: str) -> None:
    assert decode(placepix.render(f"120x40.{fmt}?text=x&distort=1").data).size == (120, 40)


def test_svg_refuses_it() -> None:
    with pytest.raises(SpecError, match="raster formats"):
        placepix.render("120x40.svg?text=x&distort=1")


def test_it_is_part_of_the_canonical_url() -> None:
    assert placepix.parse_url("10x10?distort=yes").canonical().endswith("?distort=1")
    with pytest.raises(SpecError, match="distort must be 1 or 0"):
        placepix.parse_url("10x10?distort=maybe")
