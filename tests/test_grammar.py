from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placepix.errors import PlacepixError, SpecError, UrlTooLongError
from placepix.model.colors import Color
from placepix.model.formats import MEDIA_TYPES
from placepix.model.limits import Limits
from placepix.model.spec import DEFAULT_BACKGROUND, DEFAULT_FOREGROUND, ImageSpec
from placepix.url.grammar import parse, parse_url, split_url

BLACK, WHITE, RED = Color(0, 0, 0), Color(255, 255, 255), Color(255, 0, 0)

# URL -> the fields of ImageSpec that differ from the defaults
CASES: list[tuple[str, dict[str, Any]]] = [
    # placehold.co
    ("/600x400", {"width": 600, "height": 400}),
    ("/600", {"width": 600, "height": 600}),
    ("/600x400@2x", {"width": 600, "height": 400, "scale": 2}),
    ("/600x400.png", {"width": 600, "height": 400, "format": "png"}),
    ("/600x400/png", {"width": 600, "height": 400, "format": "png"}),
    ("/600x400.jpg", {"width": 600, "height": 400, "format": "jpeg"}),
    ("/600x400/000000/FFFFFF", {"background": BLACK, "foreground": WHITE}),
    ("/600x400/000/fff/webp", {"background": BLACK, "foreground": WHITE, "format": "webp"}),
    ("/600x400/ff0000/fff.png", {"background": RED, "foreground": WHITE, "format": "png"}),
    ("/600x400.png/ff0000/fff", {"background": RED, "foreground": WHITE, "format": "png"}),
    ("/600x400@2x.webp/000", {"scale": 2, "format": "webp", "background": BLACK}),
    ("/600x400@3x.avif", {"scale": 3, "format": "avif"}),
    ("/600x400/red", {"background": RED}),
    ("/600x400/transparent/000.png", {"background": Color(0, 0, 0, 0), "foreground": BLACK}),
    ("/600x400?text=Hello+World", {"text": "Hello World"}),
    ("/600x400?text=Hello%20World&font=Open%20Sans", {"text": "Hello World", "font": "open-sans"}),
    ("/600x400?text=a\\nb", {"text": "a\nb"}),
    ("/600x400?v=2&utm_source=x", {}),  # unknown parameters are ignored
    # dummyimage.com
    ("/600x400/000/fff.png&text=hi", {"background": BLACK, "foreground": WHITE, "text": "hi"}),
    ("/600x400&text=a+b", {"text": "a b"}),
    ("/600x400?text=one|two", {"text": "one\ntwo"}),
    ("/640x4:3", {"width": 640, "height": 480}),
    ("/16:9x1080", {"width": 1920, "height": 1080}),
    ("/vga", {"width": 640, "height": 480}),
    ("/leaderboard.gif", {"width": 728, "height": 90, "format": "gif"}),
    # fakeimg.pl
    ("/300x200/ff0000,128/000,255/", {"background": Color(255, 0, 0, 128), "foreground": BLACK}),
    ("/300x200/", {"width": 300, "height": 200}),
    ("/300x200?retina=1", {"scale": 2}),
    ("/300x200?retina=0", {"scale": 1}),
    ("/300x200?font_size=20", {"font_size": 20}),
    ("/300x200/img.webp", {"format": "webp"}),
    ("/300x200/000/img.gif", {"background": BLACK, "format": "gif"}),
    # text options
    ("/300x200?align=left&padding=10", {"align": "left", "padding": 10}),
    # shapes and weight (what avatars use; any image may)
    ("/300x200?shape=circle&bold=1", {"shape": "circle", "bold": True}),
    ("/300x200?shape=CIRCLE&bold=no", {"shape": "circle", "bold": False}),
    ("/300x200.jpg?shape=circle", {"shape": "rect", "format": "jpeg"}),  # no alpha: the same
    # format auto: chosen per request by the server
    ("/600x400.auto", {"format": "auto"}),
    ("/600x400/auto", {"format": "auto"}),
    ("/600x400/000/fff.AUTO", {"format": "auto", "background": BLACK, "foreground": WHITE}),
    ("/600x400?format=auto", {"format": "auto"}),
    ("/600x400?format=webp", {"format": "webp"}),
    ("/600x400?auto=format", {"format": "auto"}),
    ("/600x400?auto=compress,format", {"format": "auto"}),
    ("/600x400?auto=compress", {"format": "png"}),
    ("/600x400.gif?auto=format", {"format": "gif"}),  # imgix: a named format wins
]


@pytest.mark.parametrize(("url", "fields"), CASES)
def test_every_url_form(url: str, fields: dict[str, Any]) -> None:
    spec = parse_url(url)
    defaults = {"background": DEFAULT_BACKGROUND, "foreground": DEFAULT_FOREGROUND}
    for name, value in (defaults | fields).items():
        assert getattr(spec, name) == value, name


ERRORS = [
    ("/", "missing size"),
    ("/abc", "not a size"),
    ("/600x400.exe", "unknown format"),
    ("/600x400/zzz", "not a colour"),
    ("/600x400/000/fff/000", "too many path segments"),
    ("/600x400/png/000", "nothing may follow the format"),
    ("/600x400.png/webp", "format given twice"),
    ("/600x400.png/000/fff.webp", "format given twice"),
    ("/600x400//fff", "empty path segment"),
    ("/600x400?text=a&text=b", "given twice"),
    ("/600x400&text=a?text=b", "given twice"),
    ("/600x400?text=%ff", "not valid UTF-8"),
    ("/600x400?text=%ed%a0%80", "not valid UTF-8"),  # an encoded lone surrogate
    ("/600x400/%ff", "not valid UTF-8"),
    ("/600x400?font=../../etc/passwd", "font names"),
    ("/600x400?font_size=-3", "font_size"),
    ("/600x400?font_size=99999999999", "font_size"),
    ("/600x400?retina=2", "retina"),
    ("/600x400@2x?retina=1", "retina given twice"),
    ("/600x400?align=justify", "align"),
    ("/600@9x", "retina scale"),
    ("/600x400?shape=star", "shape must be"),
    ("/600x400?bold=very", "bold must be"),
    ("/600x400.png?format=auto", "format given twice"),
    ("/600x400?format=exe", "unknown format"),
]


@pytest.mark.parametrize(("url", "message"), ERRORS)
def test_errors_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_url(url)


def test_default_format_is_a_parameter() -> None:
    assert parse("/10x10", default_format="webp").format == "webp"
    assert parse("/10x10.gif", default_format="webp").format == "gif"


def test_url_length_is_checked_first() -> None:
    with pytest.raises(UrlTooLongError):
        parse_url("/10x10?text=" + "a" * 3000, Limits())


@pytest.mark.parametrize(
    "same",
    [
        ["/600x400", "/600x400.png", "/600x400/png", "/600x400/ddd/999", "/600x400/DDD/999999.png"],
        ["/300x200@2x", "/300x200?retina=1", "/300x200@2x/"],
        ["/640x480", "/640x4:3", "/vga", "/4:3x480"],
        ["/10?text=a%0Ab", "/10?text=a|b", "/10?text=a\\nb", "/10&text=a|b"],
        ["/600x400.auto", "/600x400/auto", "/600x400?format=auto", "/600x400?auto=format"],
        ["/64x64.jpg?shape=circle", "/64x64.jpeg"],
    ],
)
def test_urls_that_mean_one_image_share_a_canonical_form(same: list[str]) -> None:
    assert len({parse_url(url).canonical() for url in same}) == 1


@given(st.text(max_size=200))
def test_any_string_parses_or_raises_the_grammar_error(url: str) -> None:
    try:
        spec = parse_url(url)
    except SpecError:
        return
    assert isinstance(spec, ImageSpec)


@given(st.text(alphabet="0123456789x:@./,&?=%abcdefABCDEF|+-_ ", max_size=60))
def test_url_like_strings_parse_or_raise_the_grammar_error(url: str) -> None:
    with contextlib.suppress(PlacepixError):
        parse_url(url).check()


def colors() -> st.SearchStrategy[Color]:
    channel = st.integers(0, 255)
    return st.builds(Color, channel, channel, channel, channel)


specs = st.builds(
    ImageSpec,
    width=st.integers(1, 5000),
    height=st.integers(1, 5000),
    scale=st.integers(1, 3),
    format=st.sampled_from([*sorted(MEDIA_TYPES), "auto"]),
    background=colors(),
    foreground=colors(),
    text=st.none() | st.text(max_size=50),
    font=st.none() | st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True),
    font_size=st.none() | st.integers(1, 999),
    align=st.sampled_from(["left", "center", "right"]),
    padding=st.none() | st.integers(0, 99),
    shape=st.sampled_from(["rect", "circle"]),
    bold=st.booleans(),
)


@given(specs)
def test_canonical_form_parses_back_to_the_same_spec(spec: ImageSpec) -> None:
    assert parse_url(spec.canonical()) == spec


@pytest.mark.parametrize(
    ("url", "path", "query"),
    [
        ("https://placehold.co/600x400/png?text=Hi", "/600x400/png", "text=Hi"),
        ("http://dummyimage.com/600x400/000/fff&text=hi", "/600x400/000/fff&text=hi", ""),
        ("//fakeimg.pl/300x200/?retina=1#top", "/300x200/", "retina=1"),
        ("placehold.co/600x400", "600x400", ""),
        ("www.placehold.co/600x400?text=a", "600x400", "text=a"),
        ("https://ui-avatars.com/api/?name=John+Doe", "/api/", "name=John+Doe"),
        ("600x400.png?text=Hi", "600x400.png", "text=Hi"),
        ("/og", "/og", ""),
        ("example.com/600x400", "example.com/600x400", ""),  # an unknown host is a path
    ],
)
def test_split_url_keeps_only_the_path_and_query(url: str, path: str, query: str) -> None:
    assert split_url(url) == (path, query)


def test_parse_url_reads_full_urls_of_other_services() -> None:
    assert parse_url("https://placehold.co/600x400/000000/FFFFFF.webp?text=Hi") == parse_url(
        "600x400/000/fff.webp?text=Hi"
    )
    assert parse_url("https://dummyimage.com/600x400/000/fff&text=hi").text == "hi"
    with pytest.raises(UrlTooLongError):
        parse_url("https://placehold.co/600x400?text=" + "a" * 60, Limits(max_url_length=40))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/600x400@2.5x", "got @2.5x; for 2.5x pixels ask for 1500x1000"),
        ("/600x400@1.5x.png", "got @1.5x; for 1.5x pixels ask for 900x600"),
        ("/og@0,5x/000", "got @0.5x; for 0.5x pixels ask for 600x315"),
        ("/abc@2.5x", "retina scale must be a whole number, @1x to @3x, got @2.5x"),
    ],
)
def test_a_fractional_scale_is_named_as_one(path: str, message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        parse(path)
