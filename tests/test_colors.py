from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placepix.errors import SpecError
from placepix.model.colors import Color, is_color, parse_color


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fff", Color(255, 255, 255)),
        ("#000", Color(0, 0, 0)),
        ("f008", Color(255, 0, 0, 0x88)),
        ("FF8800", Color(255, 136, 0)),
        ("ff880080", Color(255, 136, 0, 128)),
        ("red", Color(255, 0, 0)),
        ("RebeccaPurple", Color(102, 51, 153)),
        ("transparent", Color(0, 0, 0, 0)),
        ("ff0000,128", Color(255, 0, 0, 128)),
        ("000,255", Color(0, 0, 0, 255)),
        ("red,0", Color(255, 0, 0, 0)),
    ],
)
def test_parses_every_colour_form(text: str, expected: Color) -> None:
    assert parse_color(text) == expected


@pytest.mark.parametrize("text", ["", "ff", "fffff", "ggg", "notacolour", "ff0000,256", "f,1,2"])
def test_rejects_what_is_not_a_colour(text: str) -> None:
    with pytest.raises(SpecError):
        parse_color(text)
    assert not is_color(text)


def test_canonical_hex_drops_alpha_only_when_opaque() -> None:
    assert Color(1, 2, 3).hex() == "010203"
    assert Color(1, 2, 3, 4).hex() == "01020304"
    assert Color(1, 2, 3, 4).css() == "#010203"


@given(st.tuples(*[st.integers(0, 255)] * 4))
def test_hex_round_trips(channels: tuple[int, int, int, int]) -> None:
    color = Color(*channels)
    assert parse_color(color.hex()) == color
