from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest

import placepix
from placepix.errors import LimitError, SpecError
from placepix.model.colors import Color
from placepix.model.formats import MEDIA_TYPES
from placepix.model.limits import Limits
from placepix.model.spec import ImageSpec
from placepix.render import Renderer, default_renderer, render
from tests.conftest import decode

RASTER_FORMATS = sorted(set(MEDIA_TYPES) - {"svg"})
LOSSY = {"jpeg", "webp", "avif"}


def close(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


@pytest.mark.parametrize("fmt", RASTER_FORMATS)
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (256, 200), (33, 250)])
def test_every_format_decodes_to_the_right_size_and_colours(
    fmt: str, size: tuple[int, int]
) -> None:
    width, height = size
    spec = ImageSpec(width, height, format=fmt, background=Color(255, 136, 0), text=" ")
    rendered = render(spec)
    assert rendered.media_type == MEDIA_TYPES[fmt]
    image = decode(rendered.data)
    assert image.size == size
    corner = image.convert("RGB").getpixel((0, 0))
    assert isinstance(corner, tuple)
    assert close(corner, (255, 136, 0), 6 if fmt in LOSSY else 0), corner


@pytest.mark.parametrize("fmt", ["png", "webp", "avif", "tiff", "ico"])
def test_alpha_is_kept_where_the_format_has_it(fmt: str) -> None:
    spec = ImageSpec(40, 30, format=fmt, background=Color(255, 0, 0, 64))
    corner = decode(render(spec).data).convert("RGBA").getpixel((0, 0))
    assert isinstance(corner, tuple)
    assert close(corner, (255, 0, 0, 64), 6), corner


def test_gif_makes_translucent_backgrounds_fully_transparent() -> None:
    image = decode(render(ImageSpec(40, 30, format="gif", background=Color(0, 0, 0, 0))).data)
    corner = image.convert("RGBA").getpixel((0, 0))
    assert isinstance(corner, tuple) and corner[3] == 0


@pytest.mark.parametrize("fmt", ["jpeg", "bmp"])
def test_formats_without_alpha_flatten_onto_white(fmt: str) -> None:
    image = decode(render(ImageSpec(40, 30, format=fmt, background=Color(0, 0, 0, 0))).data)
    corner = image.getpixel((0, 0))
    assert image.mode == "RGB" and isinstance(corner, tuple)
    assert close(corner, (255, 255, 255), 3)


def test_retina_multiplies_the_pixels() -> None:
    assert decode(render("100x50@3x.png").data).size == (300, 150)


def test_text_is_drawn_in_the_foreground_colour() -> None:
    black, white = Color(0, 0, 0), Color(255, 255, 255)
    blank = ImageSpec(200, 100, text=" ", background=black, foreground=white)
    texted = ImageSpec(200, 100, text="Hi", background=black, foreground=white)
    assert decode(render(blank).data).convert("L").getextrema() == (0, 0)
    assert decode(render(texted).data).convert("L").getextrema() == (0, 255)


def test_the_library_takes_a_url_or_a_spec() -> None:
    from_url = placepix.render("600x400.webp?text=Hi")
    from_spec = placepix.render(placepix.ImageSpec(600, 400, format="webp", text="Hi"))
    assert from_url.data == from_spec.data
    assert from_url.media_type == "image/webp"
    assert from_url.extension == "webp"


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
def test_rendering_is_deterministic_within_a_process(fmt: str) -> None:
    url = f"123x77/f0f/00f8.{fmt}?text=Same|bytes"
    assert Renderer().render(url).data == Renderer().render(url).data


def test_rendering_is_deterministic_across_processes() -> None:
    urls = [f"221x123/0af/fff.{fmt}?text=Hello" for fmt in sorted(MEDIA_TYPES)]
    script = (
        "import hashlib, sys, placepix\n"
        "for url in sys.argv[1:]:\n"
        "    print(hashlib.sha256(placepix.render(url).data).hexdigest())\n"
    )
    other = subprocess.run(
        [sys.executable, "-c", script, *urls], capture_output=True, text=True, check=True
    )
    here = [hashlib.sha256(render(url).data).hexdigest() for url in urls]
    assert other.stdout.split() == here


def test_limits_are_checked_before_rendering() -> None:
    with pytest.raises(LimitError, match=r"max_pixels|max_side"):
        render("100000x100000")
    with pytest.raises(SpecError, match="unknown font"):
        render("10x10?font=no-such-font")


def test_etag_follows_meaning_not_spelling() -> None:
    renderer = default_renderer()
    assert renderer.plan("600x400").etag == renderer.plan("600x400/ddd").etag
    assert renderer.plan("600x400").etag != renderer.plan("600x401").etag


def test_etag_names_the_render_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade that may change bytes (a codec, Pillow, fonts, a path switched off) changes
    every ETag by itself, so no cache serves old bytes under it."""
    fonts = default_renderer().fonts
    pillow = Renderer(native=False, fonts=fonts)
    assert Renderer(native=False, fonts=fonts).plan("60x40").etag == pillow.plan("60x40").etag
    native = Renderer(native=True, fonts=fonts)
    if native.encoder.banded("webp"):
        assert native.plan("60x40.webp").etag != pillow.plan("60x40.webp").etag
    monkeypatch.setattr("PIL.__version__", "99.0.0")
    assert Renderer(native=False, fonts=fonts).plan("60x40").etag != pillow.plan("60x40").etag
    monkeypatch.undo()
    monkeypatch.setattr("PIL.features.version", lambda name: "0.0-other")
    assert Renderer(native=False, fonts=fonts).plan("60x40").etag != pillow.plan("60x40").etag


def test_svg_is_escaped_text() -> None:
    svg = render('200x100.svg?text=<script>alert("x")</script>&').data.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    assert "&lt;script&gt;" in svg


def test_a_render_that_would_need_more_than_the_memory_budget_is_refused() -> None:
    with pytest.raises(LimitError, match=r"translucent webp needs about .* render_memory_budget"):
        render("4000x4000/ff000080/00f.webp")
    small = Renderer(limits=Limits(render_memory_budget=32 * 1024 * 1024))
    with pytest.raises(LimitError, match=r"webp needs about \d+ MiB, render_memory_budget is 32"):
        small.render("4000x4000.webp")
    assert small.render("1500x1500.webp").data.startswith(b"RIFF")


def test_plans_are_cheap_and_execute_renders_them() -> None:
    renderer = Renderer()
    plan = renderer.plan("300x200.gif?text=planned+text+of+the+day")
    assert plan.exact and not plan.inline and plan.memory > 0  # text: not cheap by construction
    assert renderer.plan("300x200.gif").inline  # the size label on a small canvas is
    assert not renderer.images.current_bytes and not renderer.prepared.current_bytes
    assert decode(renderer.execute(plan)).size == (300, 200)
    large = renderer.plan("3000x3000.png?text=" + "word+" * 40)
    assert not large.exact and not large.inline  # worst case until the text is laid out
    refined = renderer.refine(large)
    assert refined.exact and refined.memory < large.memory
    assert renderer.refine(refined) is refined


@pytest.mark.parametrize(
    ("url", "inline"),
    [
        ("300x200.png?text=16+characters...", True),
        ("500x500.png?text=%E6%BC%A2%E5%AD%97", True),  # any script, one colour
        ("300x200.png?text=17+characters....", False),
        ("300x200.png?text=a%F0%9F%98%80", False),  # an emoji: a colour glyph
        ("300x200.png?text=short&font_size=101", False),
        ("300x200@2x.png?text=short&font_size=60", False),  # 120 px on the canvas
        ("300x200/fff/000.png?text=short&distort=1", False),
        ("600x500.png?text=short", False),  # over 250 000 pixels
    ],
)
def test_only_short_text_in_one_colour_is_cheap_by_construction(url: str, inline: bool) -> None:
    assert Renderer().plan(url).inline is inline


def test_two_renderers_share_nothing() -> None:
    first, second = Renderer(), Renderer()
    first.render("123x45.png?text=only+in+the+first")
    assert first.images.current_bytes and first.prepared.current_bytes
    assert not second.images.current_bytes and not second.prepared.current_bytes


def test_only_cheap_renders_run_inline() -> None:
    """execute_inline makes the size label on a small canvas, and new colours of a text whose
    raster is prepared when that encodes quickly; anything else is None (a render thread's)."""
    renderer = Renderer()
    assert decode(renderer.execute_inline(renderer.plan("300x200.png")) or b"").size == (300, 200)
    text = "1200x800/000/fff.png?text=Hello+there"
    assert renderer.execute_inline(renderer.plan(text)) is None  # new text: glyphs, layout
    renderer.execute(renderer.plan(text))  # its raster is prepared now
    again = renderer.execute_inline(renderer.plan(text.replace("000", "123")))
    assert again is not None and decode(again).size == (1200, 800)
    svg, distorted = text.replace(".png", ".svg"), text.replace("000", "321") + "&distort=1"
    assert renderer.execute_inline(renderer.plan(svg)) is None  # SVG is a layout
    assert renderer.execute_inline(renderer.plan(distorted)) is None  # drawn anew every time


def test_colour_glyphs_on_a_large_canvas_never_run_inline() -> None:
    """One emoji on 1825x1825: its canvas is composed in full colour (~0.3-0.6 s) even when the
    raster is prepared, so new colours of it go to a render thread (issue 18, row 2)."""
    renderer = Renderer()
    url = "1825x1825/000/fff.png?text=%F0%9F%98%80+" + "a%D5%B9" * 16
    renderer.execute(renderer.plan(url))
    assert renderer.prepared.get(renderer._prepared_key(renderer.plan(url).spec)) is not None
    assert renderer.execute_inline(renderer.plan(url.replace("000", "123"))) is None
    small = "60x40/000/fff.png?text=%F0%9F%98%80"
    renderer.execute(renderer.plan(small))
    assert renderer.execute_inline(renderer.plan(small.replace("000", "123"))) is not None
