from __future__ import annotations

import pytest

from placepix.errors import LimitError, SpecError
from placepix.model.colors import Color
from placepix.model.limits import DEFAULT_LIMITS, Limits
from placepix.model.spec import ImageSpec, normalise_text
from placepix.server.settings import Settings
from placepix.url.grammar import parse_url


def test_default_text_is_the_logical_size() -> None:
    assert ImageSpec(600, 400, scale=2).display_text == "600 × 400"
    assert ImageSpec(600, 400, text="hi").display_text == "hi"


def test_pixel_size_follows_retina() -> None:
    spec = ImageSpec(600, 400, scale=3)
    assert (spec.pixel_width, spec.pixel_height) == (1800, 1200)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ImageSpec(0, 0), "width must be at least 1"),
        (ImageSpec(10, 0), "height must be at least 1"),
        (ImageSpec(4001, 10), "max_side is 4000"),
        (ImageSpec(2001, 10, scale=2), "max_side is 4000"),
        (ImageSpec(10, 10, text="x" * 501), "max_text_length is 500"),
        (ImageSpec(10, 10, font_size=0), "font_size"),
        (ImageSpec(10, 10, font_size=2001), "font_size"),
        (ImageSpec(10, 10, padding=5), "padding"),
        (ImageSpec(300, 300, format="ico"), "ico images can be at most 256"),
    ],
)
def test_check_names_the_limit(spec: ImageSpec, message: str) -> None:
    with pytest.raises((SpecError, LimitError), match=message):
        spec.check()


def test_max_pixels_is_separate_from_max_side() -> None:
    limits = Limits(max_side=10_000, max_pixels=1_000_000)
    assert ImageSpec(10_000, 100).check(limits)
    with pytest.raises(LimitError, match="max_pixels is 1000000"):
        ImageSpec(10_000, 101).check(limits)


def test_unknown_format_is_refused_at_construction() -> None:
    with pytest.raises(SpecError, match="unknown format"):
        ImageSpec(10, 10, format="exe")


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("a\\nb", "a\\nb"),  # the URL grammar's line breaks, not the spec's
        ("a|b", "a|b"),
        ("a\r\nb", "a\nb"),
        ("a\ufffeb\uffff", "ab"),  # XML forbids them: an SVG would not parse
        ("a\tb", "a b"),
        ("a\x00b\x07c", "abc"),
        ("e\u0301", "\u00e9"),  # NFC
        ("👩\u200d💻", "👩\u200d💻"),  # ZWJ kept for emoji sequences
        ("a\u2028b", "a\nb"),
    ],
)
def test_text_is_normalised(raw: str, normal: str) -> None:
    assert normalise_text(raw) == normal
    assert ImageSpec(10, 10, text=raw).text == normal


def test_lone_surrogates_are_refused() -> None:
    with pytest.raises(SpecError, match="surrogate"):
        ImageSpec(10, 10, text="a\ud800")


def test_canonical_form() -> None:
    spec = ImageSpec(
        600, 400, 2, "webp", Color(0, 0, 0), Color(255, 255, 255, 128), "Hi there", "lato", 20
    )
    assert spec.canonical() == (
        "/600x400@2x/000000/ffffff80.webp?text=Hi%20there&font=lato&font_size=20"
    )


def test_the_server_defaults_are_the_library_defaults() -> None:
    """`placepix.render` and `placepix serve` refuse the same things unless configured."""
    assert Settings().limits() == DEFAULT_LIMITS


def test_a_library_caller_draws_bars_and_backslashes_as_they_are() -> None:
    spec = ImageSpec(200, 50, text=r"C:\new|folder")
    assert spec.text == "C:\\new|folder"
    assert parse_url(spec.canonical()).text == spec.text  # the canonical URL says the same


def test_every_limit_is_a_setting_of_the_same_name_and_default() -> None:
    """One name per limit: the library's Limits and the server's settings can't drift."""
    from dataclasses import fields

    defaults = Settings()
    for field in fields(Limits):
        assert getattr(defaults, field.name) == getattr(DEFAULT_LIMITS, field.name), field.name
    assert defaults.limits() == DEFAULT_LIMITS


@pytest.mark.parametrize(
    ("given", "colour"),
    [
        ("ff8800", Color(255, 136, 0)),
        ("#f80", Color(255, 136, 0)),
        ("RebeccaPurple", Color(102, 51, 153)),
        ("ff000080", Color(255, 0, 0, 128)),
        ("red,128", Color(255, 0, 0, 128)),
        ("transparent", Color(0, 0, 0, 0)),
        (Color(1, 2, 3), Color(1, 2, 3)),
    ],
)
def test_colours_may_be_given_as_strings(given: Color | str, colour: Color) -> None:
    spec = ImageSpec(10, 10, background=given, foreground=given)
    assert spec.background == spec.foreground == colour
    assert isinstance(spec.background, Color)
    assert spec == ImageSpec(10, 10, background=colour, foreground=colour)


def test_a_bad_colour_string_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="not a colour: 'zzz'"):
        ImageSpec(10, 10, background="zzz")
    with pytest.raises(SpecError, match="foreground must be a Color or a colour"):
        ImageSpec(10, 10, foreground=(1, 2, 3))  # type: ignore[arg-type]


def test_a_spec_stays_frozen_with_its_default_colours() -> None:
    spec = ImageSpec(10, 10)
    assert (spec.background.hex(), spec.foreground.hex()) == ("dddddd", "999999")
    with pytest.raises(AttributeError):
        spec.background = Color(0, 0, 0)  # type: ignore[misc]
