"""Text layout: runs by font coverage, auto-fit, wrapping, ellipsis, alignment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placepix.model.spec import normalise_text
from placepix.render import default_renderer
from placepix.text.layout import ELLIPSIS, TextLayout, Typesetter, lay_out_text, natural_size

FONTS = default_renderer().fonts
SETTER = Typesetter(FONTS, FONTS.resolve(None))


def lay_out(
    text: str, size: tuple[int, int], font_size: int | None = None, **options: object
) -> TextLayout:
    align = options.get("align", "center")
    padding = options.get("padding", 0)
    assert isinstance(padding, int) and align in ("left", "center", "right")
    return lay_out_text(text, SETTER, size, font_size=font_size, align=align, padding=padding)


def ink_box(layout: TextLayout) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of every run's glyphs, from the fonts' own bounding boxes."""
    boxes = []
    for line in layout.lines:
        for run in line.runs:
            if run.text.strip():
                left, top, right, bottom = run.face.getbbox(run.text, anchor="ls")
                scale = run.scale
                boxes.append(
                    (
                        run.x + left * scale,
                        line.baseline + top * scale,
                        run.x + right * scale,
                        line.baseline + bottom * scale,
                    )
                )
    assert boxes, "nothing drawn"
    return (
        int(min(b[0] for b in boxes)),
        int(min(b[1] for b in boxes)),
        int(max(b[2] for b in boxes)),
        int(max(b[3] for b in boxes)),
    )


def test_runs_follow_font_coverage() -> None:
    runs = SETTER.runs("Hello 日本語 مرحبا 😀")
    families = [font.family for font, _ in runs]
    assert families[0] == "Lato"
    assert any("CJK" in f for f in families)
    assert any("Arabic" in f for f in families)
    assert any("Emoji" in f for f in families)
    assert "".join(piece for _, piece in runs) == "Hello 日本語 مرحبا 😀"


def test_spaces_between_one_font_stay_in_one_run() -> None:
    assert [piece for _, piece in SETTER.runs("Hello big world")] == ["Hello big world"]


def test_emoji_modifiers_and_joiners_stay_with_their_emoji() -> None:
    runs = SETTER.runs("👍🏽👩\u200d💻")
    assert len(runs) == 1 and runs[0][0].color


def test_right_to_left_lines_put_their_runs_right_to_left() -> None:
    line = lay_out("שלום Привет", (800, 200)).lines[0]
    hebrew = next(r for r in line.runs if "ש" in r.text)
    cyrillic = next(r for r in line.runs if "П" in r.text)
    assert hebrew.x > cyrillic.x


@pytest.mark.parametrize(
    ("text", "visual"),
    [
        # The brackets come from Lato (Noto's Hebrew and Arabic fonts have none): drawn in
        # runs of their own, they are turned as raqm would have turned them in the word's run.
        ("שלום (עולם)", ["(", "עולם", ")", " ", "שלום"]),
        ("(שלום)", ["(", "שלום", ")"]),
        ("مرحبا [عالم]!", ["![", "عالم", "]", " ", "مرحبا"]),
        ("abc (def)", ["abc (def)"]),  # left to right: untouched
    ],
)
def test_neutral_runs_of_right_to_left_lines_are_reversed_and_mirrored(
    text: str, visual: list[str]
) -> None:
    line = lay_out(text, (800, 200)).lines[0]
    assert [run.text for run in sorted(line.runs, key=lambda run: run.x)] == visual
    assert line.text == text  # the logical text, for SVG, is unchanged


@pytest.mark.parametrize("size", [(10, 10), (20, 20), (300, 200), (4000, 4000), (4000, 20)])
def test_default_text_fits_inside(size: tuple[int, int]) -> None:
    layout = lay_out(f"{size[0]} × {size[1]}", size)
    left, top, right, bottom = ink_box(layout)
    assert left >= 0 and right <= size[0] and top >= 0 and bottom <= size[1]


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
    """Wrapping may enlarge text by breaking between words, never inside one (that happens
    only at the smallest size, when nothing else fits)."""
    layout = lay_out("flood4032 x", size)
    assert [line.text for line in layout.lines] in (["flood4032 x"], ["flood4032", "x"])


def test_cjk_wraps_between_characters() -> None:
    layout = lay_out("日本語のテキストはスペースなしで折り返す" * 3, (200, 300))
    assert len(layout.lines) > 1


def test_overflow_at_the_smallest_size_ends_with_an_ellipsis() -> None:
    layout = lay_out("word " * 100, (40, 12))
    assert layout.lines[-1].text.endswith(ELLIPSIS)


def test_explicit_font_size_is_kept() -> None:
    assert lay_out("Hi", (600, 400), font_size=37).font_size == 37


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_alignment_within_the_padding(align: str) -> None:
    layout = lay_out("a|much longer line".replace("|", "\n"), (600, 200), align=align, padding=20)
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
    top, bottom = ink_box(layout)[1], ink_box(layout)[3]
    assert abs(top - (400 - bottom)) <= layout.font_size // 3


def test_natural_size_holds_the_text() -> None:
    width, height = natural_size("jane@example.com", SETTER, 40, 10)
    layout = lay_out("jane@example.com", (width, height), font_size=40, padding=10)
    assert len(layout.lines) == 1
    left, _, right, _ = ink_box(layout)
    assert left >= 0 and right <= width


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(min_size=1, max_size=120),
    width=st.integers(10, 900),
    height=st.integers(10, 900),
)
def test_any_text_lays_out_inside_the_image(text: str, width: int, height: int) -> None:
    layout = lay_out(normalise_text(text), (width, height))  # what a spec hands the layout
    assert layout.font_size >= 1
    for line in layout.lines:
        assert line.baseline - layout.font_size <= height
        if line.text.strip():
            assert line.x >= -1 or line.width > width  # only an unbreakable glyph may spill


@pytest.mark.parametrize(
    "text", ["Hello wonderful world", "jane.doe@example.com", "+44 20 7946 0000", "a b c d e f"]
)
def test_text_at_its_natural_size_stays_on_one_line(text: str) -> None:
    """Wrapping measures word by word, which can be a fraction wider than the shaped line:
    natural_size must leave room for that, or the text wraps and ends in an ellipsis."""
    from placepix.text.layout import Typesetter, lay_out_text, natural_size

    fonts = default_renderer().fonts
    setter = Typesetter(fonts, fonts.resolve(None))
    size = natural_size(text, setter, 20, 4)
    layout = lay_out_text(text, setter, size, font_size=20, align="center", padding=4)
    assert [line.text for line in layout.lines] == [text]
