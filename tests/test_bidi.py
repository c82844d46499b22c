"""Bidi order: mixed-direction lines read as the Unicode bidi algorithm orders them, checked on
the visual string (what a reader sees, left to right), in the raster's runs and in SVG."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

import placepix
from placepix.render import default_renderer
from placepix.text import bidi
from placepix.text.layout import Line

RENDERER = default_renderer()

# text -> what it reads as left to right (UAX #9, with brackets mirrored in right-to-left runs)
CASES = {
    "مرحبا (test) 123": "123 (test) ابحرم",  # the case: it came out "(test) 123 مرحبا"
    "سعر [٣٠٠] ريال": "لاير [٣٠٠] رعس",  # Arabic-Indic digits stay left to right
    "(مرحبا)": "(ابحرم)",  # brackets around right-to-left text: mirrored
    "שלום world 123!": "!world 123 םולש",
    "abc (שלום) def": "abc (םולש) def",  # a left-to-right paragraph
    "עברית 1.5 ו-English": "English-ו 1.5 תירבע",
    "Hello, עולם!": "Hello, םלוע!",
    "\u2067שלום abc\u2069 x": "\u2067abc םולש\u2069 x",  # an isolate (RLI ... PDI)
}


def only_line(text: str, size: str = "1200x200") -> Line:
    layout = RENDERER.lay_out(placepix.parse_url(f"{size}.png?text={text}&font_size=40"))
    (line,) = layout.lines
    return line


@pytest.mark.parametrize(("text", "visual"), CASES.items())
def test_the_visual_string_is_the_algorithms(text: str, visual: str) -> None:
    assert bidi.visual_text(text) == visual
    assert only_line(text).visual == visual


@pytest.mark.parametrize(("text", "visual"), CASES.items())
def test_the_runs_are_drawn_in_that_order(text: str, visual: str) -> None:
    """The runs, left to right on the image, each read in its own direction (a right-to-left
    run's brackets mirrored, as HarfBuzz draws them), spell the visual string."""
    line = only_line(text)
    runs = sorted(line.runs, key=lambda run: run.x)
    drawn = "".join(
        "".join(bidi.MIRRORED.get(c, c) for c in reversed(run.text)) if run.rtl else run.text
        for run in runs
    )
    assert drawn == visual
    assert all(a.x + a.width <= b.x + 1 for a, b in itertools.pairwise(runs))


def test_right_to_left_brackets_are_mirrored_glyphs() -> None:
    """In '(مرحبا)' the logical ')' ends up on the left, drawn mirrored: the same glyph as the
    '(' that starts '(abc)'."""
    rtl = only_line("(مرحبا)")
    ltr = only_line("(abc)")
    leftmost = min(rtl.runs, key=lambda run: run.x)
    assert leftmost.glyphs[0] == min(ltr.runs, key=lambda run: run.x).glyphs[0]


def test_lines_keep_the_paragraphs_direction() -> None:
    assert only_line("مرحبا (test) 123").direction == "rtl"
    assert only_line("abc (שלום) def").direction == "ltr"


def test_wrapped_lines_are_each_ordered() -> None:
    layout = RENDERER.lay_out(
        placepix.parse_url("260x300.png?text=مرحبا بالعالم (test one) 123 456&font_size=30")
    )
    assert len(layout.lines) > 1
    assert all(line.rtl for line in layout.lines)
    assert [line.visual for line in layout.lines] == [
        bidi.visual_text(line.text, list(line.levels) or None, 1) if line.levels else line.text
        for line in layout.lines
    ]


@pytest.mark.parametrize(
    ("levels", "order"),
    [
        ([0, 0, 0], [0, 1, 2]),
        ([1, 1, 1], [2, 1, 0]),
        ([1, 1, 2, 2, 1], [4, 2, 3, 1, 0]),
        ([0, 1, 1, 0, 2, 2], [0, 2, 1, 3, 4, 5]),
    ],
)
def test_rule_l2_reverses_from_the_highest_level_down(levels: list[int], order: list[int]) -> None:
    assert bidi.visual_order(levels) == order


def test_left_to_right_text_never_asks_python_bidi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bidi, "get_display", lambda *args, **kwargs: pytest.fail("asked"))
    assert bidi.paragraph_levels("Hello, wörld 日本 😀 123") == (0, [0] * 21)


def test_a_change_in_python_bidis_output_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bidi, "get_display", lambda *args, **kwargs: "םולש")
    with pytest.raises(RuntimeError, match="debug output has changed"):
        bidi.paragraph_levels("שלום")


def test_svg_lines_tell_the_viewer_their_direction() -> None:
    document = ET.fromstring(
        placepix.render("600x200.svg?text=abc|مرحبا (test) 123&align=left").data
    )
    spans = list(document.iter("{http://www.w3.org/2000/svg}tspan"))
    assert [span.get("direction") for span in spans] == [None, "rtl"]
    assert spans[1].get("unicode-bidi") == "isolate"
    assert spans[1].get("text-anchor") == "end"  # 'left' is the end of a right-to-left line
    assert spans[1].text == "مرحبا (test) 123"  # logical order: the viewer shapes and orders it
