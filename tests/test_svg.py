"""SVG output: the raster layout, written as escaped text with a fixed set of elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import placepix

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED = {f"{SVG}svg", f"{SVG}rect", f"{SVG}text", f"{SVG}tspan"}


def parse(url: str) -> ET.Element:
    return ET.fromstring(placepix.render(url).data)


def test_lines_sit_where_the_raster_layout_puts_them() -> None:
    from placepix.render import default_renderer

    spec = placepix.parse_url("600x300.svg?text=one|two")
    layout = default_renderer().lay_out(spec)
    spans = parse("600x300.svg?text=one|two").iter(f"{SVG}tspan")
    for span, line in zip(spans, layout.lines, strict=True):
        assert float(span.get("x", "")) == line.x + line.width / 2
        assert int(span.get("y", "")) == line.baseline
        assert span.text == line.text


def test_font_families_follow_the_fallback_chain() -> None:
    text = parse("600x300.svg?text=Hi 日本 😀").find(f"{SVG}text")
    assert text is not None
    family = text.get("font-family", "")
    assert family.startswith("Lato, 'Noto Sans CJK'") and family.endswith("sans-serif")
    assert "'Noto Color Emoji'" in family


@pytest.mark.parametrize(
    "align,anchor", [("left", "start"), ("right", "end"), ("center", "middle")]
)
def test_alignment_becomes_the_text_anchor(align: str, anchor: str) -> None:
    text = parse(f"300x100.svg?text=Hi&align={align}").find(f"{SVG}text")
    assert text is not None and text.get("text-anchor") == anchor


def test_translucent_colours_become_opacity() -> None:
    svg = parse("100x100/ff000080/00f.svg")
    rect = svg.find(f"{SVG}rect")
    assert rect is not None and rect.get("fill-opacity") == "0.502"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=80))
def test_no_text_adds_markup(text: str) -> None:
    from urllib.parse import quote

    try:
        document = parse(f"200x100.svg?text={quote(text.encode('utf-8', 'surrogatepass'))}")
    except placepix.PlacepixError:
        return  # refused with a message (e.g. a lone surrogate): fine
    assert {element.tag for element in document.iter()} <= ALLOWED
    assert all(
        name
        in (
            "x",
            "y",
            "width",
            "height",
            "viewBox",
            "fill",
            "fill-opacity",
            "font-family",
            "font-size",
            "text-anchor",
            "direction",
            "unicode-bidi",
            "{http://www.w3.org/XML/1998/namespace}space",
        )
        for element in document.iter()
        for name in element.attrib
    )
