"""Anti-OCR distortion: levels in the URL and the spec, deterministic bytes, pixels only around
the text, every glyph still there and visible (placepix.imaging.legibility), colours that keep
WCAG AA contrast. How well it stops OCR is tests/test_ocr.py's."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

import placepix
from placepix.errors import SpecError
from placepix.imaging import clutter, legibility
from placepix.imaging.distort import LEVELS, DistortedText, distort_layers
from placepix.imaging.types import GlyphLayer
from placepix.model.colors import contrast_ratio, parse_color
from placepix.model.spec import ImageSpec
from placepix.render import Renderer
from scripts import distort_gallery
from scripts.ocr_attack import corpus
from tests.conftest import decode

RENDERER = Renderer()


def pixels(url: str) -> bytes:
    return decode(placepix.render(url).data).convert("RGB").tobytes()


def layers(url: str) -> DistortedText:
    """The distortion of `url`'s text in layers, as `Renderer.execute` makes it."""
    spec = placepix.parse_url(url)
    layout = RENDERER.lay_out(spec)
    size = (spec.pixel_width, spec.pixel_height)
    raster = RENDERER.text.rasterize(layout, size)
    boxes = RENDERER.text.glyph_boxes(layout)
    made = distort_layers(raster, boxes, size, layout.font_size, spec.canonical(), spec.distort)
    assert made is not None
    return made


def test_distortion_changes_the_text_and_only_near_it() -> None:
    plain = decode(placepix.render("400x200/fff/000.png?text=secret").data).convert("RGB")
    for level in LEVELS:
        waved = decode(placepix.render(f"400x200/fff/000.png?text=secret&distort={level}").data)
        changed = ImageChops.difference(plain, waved.convert("RGB")).getbbox()
        assert changed is not None
        left, top, right, bottom = changed
        assert left > 0 and top > 0 and right < 400 and bottom < 200


def test_distortion_is_deterministic_and_differs_per_text_and_level() -> None:
    url = "300x80/fff/222.png?text=a@b.c&distort="
    assert pixels(url + "1") == pixels(url + "1")
    assert pixels(url + "1") != pixels("300x80/fff/222.png?text=a@b.d&distort=1")
    assert len({pixels(url + str(level)) for level in LEVELS}) == len(LEVELS)


def test_the_work_stays_within_the_text_box_on_a_large_canvas() -> None:
    """Cost follows the text: every layer of a short text on a wide canvas lies within the
    text's box and a margin of half an em, far from the canvas's size."""
    made = layers("4000x400/fff/222.png?text=hello&font_size=40&distort=3")
    left, top, right, bottom = made.area
    assert right - left < 400 and bottom - top < 120
    everything = [made.marks, *made.glyphs]
    for layer in everything:
        assert left <= layer.origin[0] and layer.origin[0] + layer.image.width <= right + 60


@pytest.mark.parametrize("fmt", ["jpeg", "webp", "gif", "avif", "bmp", "tiff"])
def test_every_raster_format_takes_it(fmt: str) -> None:
    assert decode(placepix.render(f"120x40.{fmt}/fff/000?text=x&distort=2").data).size == (120, 40)


def test_svg_refuses_it() -> None:
    with pytest.raises(SpecError, match="raster formats"):
        placepix.render("120x40.svg/fff/000?text=x&distort=1")


@pytest.mark.parametrize(
    ("given", "level"),
    [("1", 1), ("yes", 1), ("true", 1), ("on", 1), ("2", 2), ("3", 3), ("0", 0), ("off", 0)],
)
def test_levels_in_the_url_and_the_canonical_url(given: str, level: int) -> None:
    spec = placepix.parse_url(f"10x10/fff/000?distort={given}")
    assert spec.distort == level
    assert spec.canonical().endswith(f"?distort={level}" if level else ".png")
    assert placepix.parse_url(spec.canonical()) == spec


@pytest.mark.parametrize("given", ["4", "maybe", "-1", "1.5", ""])
def test_other_levels_are_refused_with_a_message(given: str) -> None:
    with pytest.raises(SpecError, match=r"distort must be 0 to 3 \(or true/false\)"):
        placepix.parse_url(f"10x10?distort={given}")


def test_the_spec_takes_true_as_level_1_and_refuses_other_levels() -> None:
    assert ImageSpec(10, 10, distort=True).distort == 1
    assert ImageSpec(10, 10, distort=True).canonical().endswith("?distort=1")
    with pytest.raises(SpecError, match="distort must be 0 to 3"):
        ImageSpec(10, 10, distort=4)


@pytest.mark.parametrize(
    ("foreground", "background", "ratio"),
    [("000", "fff", 21.0), ("fff", "fff", 1.0), ("777", "fff", 4.48), ("767676", "fff", 4.54)],
)
def test_contrast_is_wcag_2s(foreground: str, background: str, ratio: float) -> None:
    measured = contrast_ratio(parse_color(foreground), parse_color(background))
    assert measured == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(parse_color(background), parse_color(foreground)) == measured


def test_translucent_colours_are_judged_over_white() -> None:
    """Black at half opacity shows as #7f7f7f on white: 4.0:1, too faint to distort."""
    assert contrast_ratio(parse_color("00000080"), parse_color("fff")) == pytest.approx(4.0, 0.01)
    assert contrast_ratio(parse_color("000"), parse_color("transparent")) == pytest.approx(21)


@pytest.mark.parametrize("colours", ["dddddd/999999", "fff/777", "fff/00000080", "000/333"])
def test_distortion_refuses_colours_below_wcag_aa(colours: str) -> None:
    with pytest.raises(SpecError, match=r"contrast of at least 4.5:1 .* has \d\.\d\d:1"):
        placepix.render(f"300x60/{colours}.png?text=x&distort=1")
    assert placepix.render(f"300x60/{colours}.png?text=x").data  # fine without distortion


def test_colours_at_wcag_aa_are_accepted() -> None:
    assert placepix.render("300x60/fff/767676.png?text=x&distort=3").data


def test_every_glyph_keeps_its_ink_and_stays_visible_at_every_level() -> None:
    """The thresholds of placepix.imaging.legibility on a slice of the OCR corpus (every kind
    and font): distortion must not shrink, clip or bury any glyph."""
    for sample in corpus(60, seed=22):
        for level in LEVELS:
            measured = legibility.measure(layers(sample.url(level)))
            assert measured.acceptable(), (sample, level, measured)


def test_periods_and_hyphens_are_never_buried() -> None:
    """'77.70' must not read as '7770': marks get a clear halo, from strokes and neighbours."""
    made = layers("300x60/fff/222.png?text=%E2%82%AC77.70-1&font_size=28&distort=3")
    measured = legibility.measure(made)
    small = [index for index, glyph in enumerate(made.glyphs) if glyph.image.height < 12]
    assert len(small) == 2  # the period and the hyphen
    assert all(measured.uncovered[index] > 0.95 for index in small)


def test_a_buried_glyph_fails_the_legibility_check() -> None:
    """The measure itself can fail: a glyph under a solid mark has none of its ink its own."""
    glyph = Image.new("L", (20, 20), 0)
    ImageDraw.Draw(glyph).rectangle((5, 5, 14, 14), fill=255)
    marks = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(marks).rectangle((0, 0, 39, 39), fill=255)
    buried = DistortedText(
        [GlyphLayer(glyph, (10, 10))], [], GlyphLayer(marks, (0, 0)), [25500], (0, 0, 40, 40)
    )
    measured = legibility.measure(buried)
    assert measured.uncovered == [0.0] and measured.ink_kept == [1.0] and not measured.acceptable()
    shrunk = DistortedText(
        [GlyphLayer(glyph, (10, 10))],
        [],
        GlyphLayer(Image.new("L", (40, 40)), (0, 0)),
        [51000],
        (0, 0, 40, 40),
    )
    assert legibility.measure(shrunk).ink_kept == [0.5]


@pytest.mark.parametrize("width", [2, 3, 5, 8])
def test_strokes_are_as_thick_as_the_glyphs_stems(width: int) -> None:
    """Thinner or lighter lines are what a recogniser filters out first."""
    stems = Image.new("L", (60, 60), 0)
    draw = ImageDraw.Draw(stems)
    for x in (5, 25, 45):
        draw.rectangle((x, 5, x + width - 1, 54), fill=255)
    assert clutter.stem_width([stems], 40) == pytest.approx(width, rel=0.25)


def test_marks_are_drawn_in_the_text_colour_at_full_strength() -> None:
    """Light strokes are thresholded away by any attacker: most of the marks' ink is as dark
    as the glyphs' (full coverage), the rest is their anti-aliased edge."""
    made = layers("400x80/fff/222.png?text=jane.doe%40example.com&distort=3")
    histogram = made.marks.image.histogram()
    assert sum(histogram[250:]) > 0.4 * sum(histogram[1:])


def test_colour_glyphs_move_with_the_text() -> None:
    image = decode(placepix.render("300x80/fff/222.png?text=hi+%F0%9F%98%80&distort=2").data)
    colours = image.convert("RGB").getcolors(1 << 16)
    assert colours is not None
    rgbs = [colour for _, colour in colours if isinstance(colour, tuple)]
    assert any(max(rgb) - min(rgb) > 60 for rgb in rgbs)  # the emoji's colours


def test_lines_of_text_are_distorted_each() -> None:
    made = layers("300x120/fff/222.png?text=first+line|second+line&distort=1")
    tops = {glyph.origin[1] for glyph in made.glyphs}
    assert max(tops) - min(tops) > 30


def test_the_gallery_script_draws_a_sheet_and_prints_the_costs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """scripts/distort_gallery.py makes docs/distort/: one sheet per font, a row per kind of
    text and a column per level, and the legibility figures of docs/tokens.md."""
    distort_gallery.main(["--fonts", "lato", "--out", str(tmp_path), "--count", "5"])
    sheet = Image.open(tmp_path / "lato.png")
    assert sheet.width > 4 * 100 and sheet.height > 5 * 20
    printed = capsys.readouterr().out
    assert "contrast of #222 on white: 15.9:1" in printed
    assert len([line for line in printed.splitlines() if line.strip()[:1] in "123"]) == 3
