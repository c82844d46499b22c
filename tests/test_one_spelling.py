"""One spelling per image (issue 18, row 10): sizes, numbers and keywords are ASCII, so no
Unicode digit or case mapping makes another URL (and another cache entry) of the same image."""

from __future__ import annotations

import pytest

from placepix.errors import SpecError
from placepix.url.grammar import parse

OTHER_SPELLINGS = [
    ("/𝟒𝟎𝟎𝟎x𝟒𝟎𝟎𝟎", "mathematical bold digits"),
    ("/٦٠٠x٤٠٠", "Arabic-Indic digits"),
    ("/６００x４００", "fullwidth digits"),
    ("/600x400@２x", "a fullwidth retina scale"),
    ("/640x４:3", "a fullwidth ratio"),
    ("/4\u212a", "the Kelvin sign, which lowers to k (4k)"),
    ("/600x400/blac\u212a", "a colour with the Kelvin sign"),
    ("/600x400/ff0000,١٢٨", "an Arabic-Indic alpha"),
    ("/600x400.pn\u0261", "a format with a non-ASCII letter"),
]


@pytest.mark.parametrize(("path", "why"), OTHER_SPELLINGS, ids=[why for _, why in OTHER_SPELLINGS])
def test_non_ascii_sizes_colours_and_formats_are_refused(path: str, why: str) -> None:
    with pytest.raises(SpecError):
        parse(path)


@pytest.mark.parametrize(
    "query",
    ["font_size=٤٠", "padding=𝟏𝟎", "font=blac\u212a-sans", "font_size=1_0"],
)
def test_non_ascii_numbers_and_names_in_the_query_are_refused(query: str) -> None:
    with pytest.raises(SpecError):
        parse("/600x400", query)


def test_the_ascii_spellings_still_read() -> None:
    assert (parse("/4k").width, parse("/600x400@2x").scale) == (3840, 2)
    spec = parse("/600x400/black/ff0000,128.png", "font_size=40&padding=10")
    assert (spec.font_size, spec.padding, spec.foreground.a, spec.format) == (40, 10, 128, "png")
