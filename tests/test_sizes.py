from __future__ import annotations

import pytest

from placepix.errors import SpecError
from placepix.model.sizes import NAMED_SIZES, Size, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600x400", Size(600, 400)),
        ("600X400", Size(600, 400)),
        ("600", Size(600, 600)),
        ("600x400@2x", Size(600, 400, 2)),
        ("600@3x", Size(600, 600, 3)),
        ("640x4:3", Size(640, 480)),
        ("16:9x1080", Size(1920, 1080)),
        ("100x3:2", Size(100, 67)),  # 66.67 rounds half up
        ("vga", Size(640, 480)),
        ("HD720@2x", Size(1280, 720, 2)),
        ("leaderboard", Size(728, 90)),
        ("og", Size(1200, 630)),
        ("story", Size(1080, 1920)),
        ("0x0", Size(0, 0)),  # the grammar reads it; ImageSpec.check refuses it
    ],
)
def test_parses_every_size_form(text: str, expected: Size) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    "text", ["", "x", "600x", "x400", "-5x5", "600x400x3", "600@4x", "600@0x", "1:0x5", "abc"]
)
def test_rejects_what_is_not_a_size(text: str) -> None:
    with pytest.raises(SpecError):
        parse_size(text)


def test_huge_numbers_are_refused_before_arithmetic() -> None:
    with pytest.raises(SpecError, match="too large"):
        parse_size("9" * 5000 + "x1")


def test_named_sizes_are_all_positive() -> None:
    assert all(w > 0 and h > 0 for w, h in NAMED_SIZES.values())
