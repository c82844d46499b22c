"""Text layout: fonts by coverage, auto-fit, wrapping, the minimum legible size, ellipsis,
alignment, and the size label centred on its ink."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageChops

import placepix
from placepix.model.spec import Align, normalise_text
from placepix.render import Renderer, default_renderer
from placepix.text.engine import TextEngine
from placepix.text.itemize import MAX_MARKS
from placepix.text.layout import ELLIPSIS, MIN_FONT_SIZE, TextLayout
from tests.conftest import decode

RENDERER = default_renderer()
ENGINE = RENDERER.text
FONTS = RENDERER.fonts
LATO = FONTS.resolve(None)


def lay_out(
    text: str,
    size: tuple[int, int],
    font_size: int | None = None,
    *,
    align: Align = "center",
    padding: int = 0,
    wrap: bool = True,
    engine: TextEngine = ENGINE,
) -> TextLayout:
    return engine.lay_out(
        text,
        LATO,
        size,
        font_size=font_size,
        align=align,
        padding=padding,
        wrap=wrap,
    )


def ink_box(layout: TextLayout, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the drawn glyphs, from the raster itself."""
    raster = ENGINE.rasterize(layout, size)
    boxes = []
    for layer in (raster.coverage, raster.color):
        if layer is not None:
            found = layer.image.getbbox()
            assert found is not None
            x, y = layer.origin
            boxes.append((found[0] + x, found[1] + y, found[2] + x, found[3] + y))
    assert boxes, "nothing drawn"
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def runs_of(layout: TextLayout) -> list[tuple[str, str]]:
    """(family, text) of every run, line by line, in visual order."""
    return [(run.font.family, run.text) for line in layout.lines for run in line.runs]


def test_runs_follow_font_coverage() -> None:
    families = [family for family, _ in runs_of(lay_out("Hello 日本語 مرحبا 😀", (900, 200)))]
    assert families[0] == "Lato"
    assert any("CJK" in f for f in families)
    assert any("Arabic" in f for f in families)
    assert any("Emoji" in f for f in families)


def test_spaces_between_one_font_stay_in_one_run() -> None:
    assert runs_of(lay_out("Hello big world", (900, 200))) == [("Lato", "Hello big world")]


def test_emoji_modifiers_joiners_and_flags_stay_with_their_emoji() -> None:
    layout = lay_out("👍🏽👩\u200d💻🇫🇷", (400, 200))
    (run,) = layout.lines[0].runs
    assert run.font.color
    assert len(run.glyphs) == 3  # one glyph per sequence: HarfBuzz ligated each


def test_keycaps_take_the_colour_font() -> None:
    layout = lay_out("1\ufe0f\u20e3", (200, 200))
    assert all(run.font.color for run in layout.lines[0].runs)


def test_a_space_between_emoji_is_as_wide_as_the_texts_space() -> None:
    """👍 👍 at 60 px: the gap was ~90 px when the emoji font's space (drawn at its bitmap
    size, scaled) stood between them."""
    layout = lay_out("👍 👍", (600, 200), 60)
    space = lay_out("a a", (600, 200), 60)
    emoji_space = [run for run in layout.lines[0].runs if run.text == " "]
    text_space = space.lines[0].width - lay_out("aa", (600, 200), 60).lines[0].width
    assert [run.font.family for run in emoji_space] == ["Lato"]
    assert abs(emoji_space[0].width - text_space) <= 1


@pytest.mark.parametrize("size", [(10, 10), (20, 20), (300, 200), (4000, 4000), (4000, 20)])
def test_the_size_label_fits_inside(size: tuple[int, int]) -> None:
    layout = lay_out(f"{size[0]} × {size[1]}", size, wrap=False)
    left, top, right, bottom = ink_box(layout, size)
    assert left >= 0 and right <= size[0] and top >= 0 and bottom <= size[1]


@pytest.mark.parametrize("url", ["600x400", "1920x1080", "300x200", "1200x630", "80x40"])
def test_the_size_label_is_centred_on_its_ink(url: str) -> None:
    """Digits have no descenders: centred by the font's box, the label sat 5 px high on
    600x400 and 14 px high on 1920x1080."""
    image = decode(placepix.render(f"{url}/fff/000.png").data).convert("L")
    box = ImageChops.invert(image).getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert abs(top - (image.height - bottom)) <= 1
    assert abs(left - (image.width - right)) <= 1


def test_auto_fit_grows_with_the_image() -> None:
    sizes = [lay_out("Hello", (w, w)).font_size for w in (50, 200, 800, 3200)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_long_text_wraps_on_words() -> None:
    text = "The quick brown fox jumps over the lazy dog " * 4
    layout = lay_out(text.strip(), (300, 300), padding=15)
    assert len(layout.lines) > 1
    words = set(text.split())
    assert all(set(line.text.split()) <= words for line in layout.lines)  # no word is cut


@pytest.mark.parametrize("size", [(4000, 4000), (1600, 1600), (300, 300)])
def test_a_word_is_not_broken_to_be_drawn_larger(size: tuple[int, int]) -> None:
    layout = lay_out("flood4032 x", size)
    assert [line.text for line in layout.lines] in (["flood4032 x"], ["flood4032", "x"])


def test_cjk_wraps_between_characters() -> None:
    layout = lay_out("日本語のテキストはスペースなしで折り返す" * 3, (200, 300))
    assert len(layout.lines) > 1


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (" ".join(["placeholder", "text", "that", "goes", "on"] * 20), (200, 100)),
        ("Supercalifragilisticexpialidocious" * 3, (300, 100)),  # one unbroken word
        ("word " * 100, (300, 40)),
    ],
)
def test_text_is_never_smaller_than_the_minimum_legible_size(
    text: str, size: tuple[int, int]
) -> None:
    """It wraps (inside words if it must) and ends with an ellipsis instead of shrinking to
    ~4 px, as it did."""
    layout = lay_out(text, size, padding=5)
    assert layout.font_size >= MIN_FONT_SIZE
    shown = [line.text for line in layout.lines]
    assert len(shown) > 1
    assert shown[-1].endswith(ELLIPSIS) or "".join(shown).replace(" ", "") == text.replace(" ", "")
    left, _, right, _ = ink_box(layout, size)
    assert left >= 0 and right <= size[0]


def test_the_minimum_is_a_setting_and_scales() -> None:
    text = " ".join(["placeholder", "text"] * 40)
    engine = Renderer(fonts=FONTS, min_font_size=14).text
    assert lay_out(text, (200, 100), engine=engine).font_size == 14
    retina = Renderer(fonts=FONTS, min_font_size=14)
    assert retina.lay_out(placepix.parse_url(f"200x100@2x?text={text}")).font_size == 28


def test_tiny_images_still_get_text_inside_them() -> None:
    layout = lay_out("Hello world", (12, 8))
    assert 1 <= layout.font_size < MIN_FONT_SIZE  # nothing larger fits
    left, top, right, bottom = ink_box(layout, (12, 8))
    assert left >= 0 and top >= 0 and right <= 12 and bottom <= 8


def test_explicit_font_size_is_kept() -> None:
    assert lay_out("Hi", (600, 400), 37).font_size == 37
    assert lay_out("Hi", (600, 400), 4).font_size == 4  # asked for: no minimum


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_alignment_within_the_padding(align: Align) -> None:
    layout = lay_out("a\nmuch longer line", (600, 200), align=align, padding=20)
    short, long = layout.lines
    if align == "left":
        assert short.x == long.x == 20
    elif align == "right":
        assert short.x + short.width == long.x + long.width == 580
    else:
        assert abs((short.x + short.width / 2) - (long.x + long.width / 2)) <= 1


def test_lines_are_spaced_evenly_and_centred_as_a_block() -> None:
    layout = lay_out("one\ntwo\nthree", (400, 400))
    baselines = [line.baseline for line in layout.lines]
    assert baselines[1] - baselines[0] == baselines[2] - baselines[1] == layout.line_height
    _, top, _, bottom = ink_box(layout, (400, 400))
    assert abs(top - (400 - bottom)) <= layout.font_size // 3


@pytest.mark.parametrize(
    "text", ["Hello wonderful world", "jane.doe@example.com", "+44 20 7946 0000", "a b c d e f"]
)
def test_text_at_its_natural_size_stays_on_one_line(text: str) -> None:
    size = ENGINE.natural_size(text, LATO, 20, 4)
    layout = lay_out(text, size, 20, padding=4)
    assert [line.text for line in layout.lines] == [text]
    left, _, right, _ = ink_box(layout, size)
    assert left >= 0 and right <= size[0]


def test_combining_marks_are_capped_per_character() -> None:
    text = "a" + "\u0301" * 40 + "b" + "\u0302" * 3
    layout = lay_out(text, (600, 400), 40)
    assert layout.lines[0].text == "a" + "\u0301" * MAX_MARKS + "b" + "\u0302" * 3


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(min_size=1, max_size=120),
    width=st.integers(10, 900),
    height=st.integers(10, 900),
)
def test_any_text_lays_out_inside_the_image(text: str, width: int, height: int) -> None:
    layout = lay_out(
        normalise_text(text), (width, height), padding=max(1, min(width, height) // 20)
    )
    assert layout.font_size >= 1
    raster = ENGINE.rasterize(layout, (width, height))
    for layer in (raster.coverage, raster.color):
        if layer is not None:  # layers are clipped to the canvas; nothing overflows it
            x, y = layer.origin
            assert x >= 0 and y >= 0
            assert x + layer.image.width <= width and y + layer.image.height <= height
    for line in layout.lines:  # and only a character wider than the image may spill
        assert line.x >= -1 or line.width > width
