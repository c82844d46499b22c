"""The ui-avatars dialect (placepix.url.avatars): every parameter, its default, where placepix
follows ui-avatars and where it refuses, initials in every script, the random palette."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageChops

from placepix import parse_url, render
from placepix.errors import PlacepixError, SpecError
from placepix.model.colors import Color
from placepix.url.avatars import PALETTE, ZWNJ, contrast, initials, parse_avatar

GREY, INK = Color(0xDD, 0xDD, 0xDD), Color(0x22, 0x22, 0x22)
RED, WHITE = Color(255, 0, 0), Color(255, 255, 255)


def test_defaults_are_ui_avatars() -> None:
    spec = parse_url("api/")
    assert (spec.width, spec.height, spec.format) == (64, 64, "png")
    assert (spec.background, spec.foreground) == (GREY, INK)
    assert spec.text == "JD"  # John Doe
    assert spec.font_size == 28  # 0.4375 of 64
    assert (spec.padding, spec.shape, spec.bold) == (0, "rect", False)
    assert parse_url("/api").canonical() == spec.canonical()


CASES: list[tuple[str, dict[str, Any]]] = [
    ("api/?name=Jane+Doe", {"text": "JD"}),
    ("api/?name=Ada%20Lovelace&size=256", {"text": "AL", "width": 256, "font_size": 112}),
    ("api/?size=8", {"width": 8, "height": 8}),  # ui-avatars clamps to 16; placepix draws 8
    ("api/?size=600", {"width": 600}),  # ui-avatars clamps to 512; placepix draws 600
    ("api/?background=ff0000&color=fff", {"background": RED, "foreground": WHITE}),
    ("api/?background=%23ff0000&color=%23FFFFFF", {"background": RED, "foreground": WHITE}),
    ("api/?background=red", {"background": RED}),  # placepix: CSS names too
    ("api/?name=John+Doe&length=1", {"text": "J"}),
    ("api/?name=John+Doe&length=0", {"text": "J"}),  # ui-avatars: 0 means 1
    ("api/?name=John+Doe&length=3", {"text": "JDO"}),
    ("api/?font-size=0.5", {"font_size": 32}),
    ("api/?font-size=1", {"font_size": 64}),
    ("api/?font-size=7", {"font_size": 64}),  # ui-avatars: above 1 is 1
    ("api/?font-size=.25", {"font_size": 16}),
    ("api/?rounded=true", {"shape": "circle"}),
    ("api/?rounded=1", {"shape": "circle"}),
    ("api/?rounded=TRUE", {"shape": "circle"}),
    ("api/?rounded=false", {"shape": "rect"}),
    ("api/?rounded=", {"shape": "rect"}),  # PHP's FILTER_VALIDATE_BOOLEAN: "" is false
    ("api/?rounded=true&format=jpg", {"shape": "rect", "format": "jpeg"}),  # no alpha
    ("api/?name=john+doe&uppercase=false", {"text": "jd"}),
    ("api/?name=john+doe&uppercase=no", {"text": "jd"}),
    ("api/?bold=true", {"bold": True}),
    ("api/?bold=off", {"bold": False}),
    ("api/?format=svg", {"format": "svg"}),
    ("api/?format=PNG", {"format": "png"}),
    ("api/?format=webp", {"format": "webp"}),  # placepix: every format
    ("api/?format=auto", {"format": "auto"}),
    ("api/?name=Ann&v=2&cache=busted", {"text": "AN"}),  # unknown parameters are ignored
    # the path form
    ("api/John+Doe", {"text": "JD"}),
    ("api/John%20Doe/128", {"text": "JD", "width": 128}),
    (
        "api/John+Doe/128/ff0000/fff/1/0.5/true/false/true/svg/",
        {
            "text": "J",
            "width": 128,
            "background": RED,
            "foreground": WHITE,
            "font_size": 64,
            "shape": "circle",
            "bold": True,
            "format": "svg",
        },
    ),
    ("api/john+doe/128/////////", {"text": "JD", "width": 128}),  # empty: the default
    ("api/john+doe////1", {"text": "J"}),
    ("api//128", {"text": "JD", "width": 128}),  # an empty name segment: John Doe
    ("api/Jane/?size=100", {"text": "JA", "width": 100}),  # path and query together
]


@pytest.mark.parametrize(("url", "fields"), CASES)
def test_every_parameter(url: str, fields: dict[str, Any]) -> None:
    spec = parse_url(url)
    for name, value in fields.items():
        assert getattr(spec, name) == value, name


ERRORS = [
    ("api/?size=abc", "size must be a whole number"),
    ("api/?size=-5", "size must be a whole number"),
    ("api/?size=0", "size must be at least 1"),
    ("api/?length=two", "length must be a whole number"),
    ("api/?font-size=0", "font-size must be"),
    ("api/?font-size=big", "font-size must be"),
    ("api/?font-size=-0.5", "font-size must be"),
    ("api/?rounded=maybe", "rounded must be true or false"),
    ("api/?uppercase=2", "uppercase must be true or false"),
    ("api/?bold=bolder", "bold must be true or false"),
    ("api/?background=zzz", "not a colour"),
    ("api/?color=12345", "not a colour"),
    ("api/?format=exe", "unknown format"),
    ("api/?name=a&name=b", "given twice"),
    ("api/Ann/64?size=32", "'size' given twice"),
    ("api/a/64/fff/000/2/0.5/1/1/1/png/extra", "too many path segments"),
    ("api/?name=%ff", "not valid UTF-8"),
    ("api/%ff", "not valid UTF-8"),
]


@pytest.mark.parametrize(("url", "message"), ERRORS)
def test_what_is_refused_names_the_parameter(url: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_url(url)


def test_the_image_limits_apply() -> None:
    with pytest.raises(PlacepixError, match="max_side is 4000"):
        parse_url("api/?size=5000").check()
    with pytest.raises(PlacepixError, match="ico images can be at most 256"):
        parse_url("api/?size=300&format=ico").check()


@pytest.mark.parametrize(
    ("name", "length", "uppercase", "expected"),
    [
        ("John Doe", 2, True, "JD"),
        ("John Ronald Reuel Tolkien", 2, True, "JT"),  # the first and the last
        ("John Ronald Reuel Tolkien", 3, True, "JRT"),
        ("John Doe", 3, False, "JDo"),  # then letters of the last word
        ("John Doe", 5, True, "JDOE"),  # no longer than there are letters
        ("Jean-Luc Picard", 3, True, "JLP"),  # hyphens split names
        ("madonna", 2, True, "MA"),  # one word: its first letters
        ("  Ann   Lee  ", 2, True, "AL"),
        ("O'Brien (Dr.)", 2, True, "OD"),  # ui-avatars' dropped characters
        ("a|b c\\d", 2, True, "AC"),  # | and \\ never reach the text as line breaks
        ("émile zola", 2, True, "ÉZ"),
        ("e\u0301mile zola", 2, True, "E\u0301Z"),  # a decomposed accent stays with its letter
        ("Иван Петров", 2, True, "ИП"),  # Cyrillic
        ("Γιώργος Παπαδόπουλος", 2, True, "ΓΠ"),  # Greek
        ("张伟", 2, True, "张伟"),  # Chinese: the first characters
        ("山田 太郎", 2, True, "山太"),  # Japanese with a space
        ("김민준", 2, True, "김민"),  # Korean
        ("דוד כהן", 2, True, "דכ"),  # Hebrew, in logical order: drawn right to left
        ("محمد علي", 2, True, f"م{ZWNJ}ع"),  # Arabic: kept apart, not joined into a word
        ("👩‍💻 Dev", 2, True, "👩‍💻D"),  # an emoji sequence is one character
        ("", 2, True, ""),
        ("!!!", 2, True, ""),
    ],
)
def test_initials(name: str, length: int, uppercase: bool, expected: str) -> None:
    assert initials(name, length, uppercase=uppercase) == expected


def test_initials_differ_by_name_and_by_length() -> None:
    assert parse_url("api/?name=Ann+Lee").text != parse_url("api/?name=Bob+Ray").text
    assert parse_url("api/?name=Ann+Lee&length=1").text != parse_url("api/?name=Ann+Lee").text


def test_a_huge_length_costs_no_more_than_the_name() -> None:
    assert initials("Ann Lee", 999_999, uppercase=True) == "ALEE"


def test_random_background_is_chosen_by_the_name() -> None:
    """The same name always draws the same colours (the URL stays cacheable); names spread
    over the palette; the palette's text colour wins over `color`, as in ui-avatars."""
    first = parse_url("api/?name=Jane+Doe&background=random")
    again = parse_url("api/?name=Jane+Doe&background=random&color=f00")
    assert (first.background, first.foreground) == (again.background, again.foreground)
    assert (first.background, first.foreground) in PALETTE
    chosen = {parse_url(f"api/?name=User+{n}&background=random").background for n in range(300)}
    assert len(chosen) > len(PALETTE) // 2


def test_the_palette_text_colours_are_readable() -> None:
    """WCAG AA for large text (3:1) at least, for every pair (ui-avatars has white on yellow)."""
    assert len(set(PALETTE)) == len(PALETTE) >= 48
    for background, text in PALETTE:
        assert contrast(background, text) >= 3.0, background


@pytest.mark.parametrize(
    "same",
    [
        ["api/?name=John+Doe", "api/John+Doe", "api/?name=Jane+Doe&size=64", "api/"],
        ["api/?rounded=true&format=jpg", "api/?format=jpeg", "api//////////jpg"],
        ["api/?name=Ann&size=100&background=fff&color=000", "/100x100/fff/000.png?text=AN"
         "&font_size=44&padding=0"],
    ],
)  # fmt: skip
def test_urls_that_draw_one_avatar_share_a_canonical_form(same: list[str]) -> None:
    assert len({parse_url(url).canonical() for url in same}) == 1


def test_the_canonical_form_reads_back_to_the_same_spec() -> None:
    spec = parse_url("api/?name=Zoë+Ünal&size=200&rounded=1&bold=1&background=random")
    assert parse_url(spec.canonical()) == spec


def test_default_format_applies_when_none_is_named() -> None:
    assert parse_avatar("api", "", default_format="webp").format == "webp"
    assert parse_avatar("api", "format=gif", default_format="webp").format == "gif"


@given(st.text(max_size=80), st.integers(0, 30), st.booleans())
def test_any_name_gives_initials_or_nothing(name: str, length: int, uppercase: bool) -> None:
    result = initials(name, max(1, length), uppercase=uppercase)
    assert "\n" not in result and "|" not in result
    assert len(result) <= 4 * len(name)


DOCS = Path(__file__).parent.parent / "docs"
DOC_EXAMPLE = re.compile(
    r"^\| `/(?P<url>api/[^`]+)` \| !\[[^\]]*\]\((?P<image>examples/[^)]+)\) \|$"
)
DOC_EXAMPLES = [
    (match["url"], match["image"])
    for line in (DOCS / "avatars.md").read_text().splitlines()
    if (match := DOC_EXAMPLE.match(line))
]


@pytest.mark.parametrize(("url", "image"), DOC_EXAMPLES, ids=[i for _, i in DOC_EXAMPLES])
def test_each_example_in_the_docs_is_what_its_url_renders(url: str, image: str) -> None:
    """Regenerate a stale one with `placepix render URL -o docs/examples/NAME.png`."""
    assert len(DOC_EXAMPLES) >= 3
    rendered = Image.open(io.BytesIO(render(url).data)).convert("RGBA")
    kept = Image.open(DOCS / image).convert("RGBA")
    assert rendered.size == kept.size
    assert ImageChops.difference(rendered, kept).getbbox(alpha_only=False) is None
