"""The text engine: one stack on maintained bindings, its caches its own and bounded, its
versions in every ETag, and fonts that fail while drawing taken out instead of failing
requests."""

from __future__ import annotations

import ast
import logging
import shutil
import struct
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fontTools.ttLib import TTFont

import placepix
from placepix.render import Renderer
from placepix.server.settings import Settings, renderer_for
from placepix.text.engine import TextEngine, environment
from placepix.text.fonts import BUNDLED_DIR, FontFile, FontLibrary
from placepix.text.glyphs import GlyphImage
from placepix.text.shaping import FontFailure, FontHandle
from tests.conftest import darkest, decode
from tests.server import running_server

TEXT_PACKAGE = Path(placepix.__file__).parent / "text"
LIBRARY = FontLibrary.discover()  # read once: each test that breaks a font builds its own


def fresh_renderer() -> Renderer:
    """A Renderer with a library of its own (fonts it discards stay discarded there only)."""
    fonts = FontLibrary(
        {name: LIBRARY.resolve(name) for name in LIBRARY.names},
        fallbacks=LIBRARY.fallbacks,
        coverage={f.path: LIBRARY.coverage(f) for f in (*LIBRARY.fallbacks, LIBRARY.resolve(None))},
    )
    return Renderer(fonts=fonts, cache_bytes=0)


def families(renderer: Renderer, url: str) -> set[str]:
    layout = renderer.lay_out(placepix.parse_url(url))
    return {run.font.family for line in layout.lines for run in line.runs}


def test_the_text_stack_uses_no_private_pillow_api_and_no_pillow_text() -> None:
    """Pillow makes canvases and decodes PNGs here; it draws no text."""
    for path in TEXT_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "PIL":
                names = {alias.name for alias in node.names}
                assert names <= {"Image"}, (path.name, names)
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("_new", "im", "map_buffer", "_imaging"), path.name
            if isinstance(node, ast.Name):
                assert node.id not in ("ImageFont", "ImageDraw", "_imaging"), path.name


def test_ctypes_declares_nothing_in_the_text_stack() -> None:
    """The one use of ctypes copies a bitmap freetype-py points to (glyphs._pixels): no C
    function is declared or loaded."""
    for path in TEXT_PACKAGE.glob("*.py"):
        source = path.read_text()
        for banned in ("CDLL", "argtypes", "restype", "Structure", "pillows_library"):
            assert banned not in source, (path.name, banned)


def test_the_environment_names_the_text_stack_and_goes_into_etags() -> None:
    found = environment()
    assert set(found) >= {"uharfbuzz", "harfbuzz", "freetype-py", "freetype", "python-bidi"}
    assert all(found.values())
    renderer = Renderer(fonts=LIBRARY)
    assert renderer.environment["text"] == found
    other = Renderer(fonts=LIBRARY, min_font_size=12)  # changes pixels: changes ETags
    assert renderer.etag("/1x1.png") != other.etag("/1x1.png")


def test_every_cache_belongs_to_the_engine_and_is_bounded() -> None:
    renderer = Renderer(fonts=LIBRARY)
    engine = renderer.text
    assert all(cache in renderer.caches.caches for cache in engine.caches())
    for url in ("300x200", "600x400.png?text=Hello 日本語 مرحبا 😀", "4000x4000"):
        renderer.render(url)
    held = sum(cache.current_bytes for cache in engine.caches())
    assert 0 < held <= sum(cache.max_bytes for cache in engine.caches())
    engine.clear()
    assert engine.glyphs.coverage.current_bytes == 0


def test_two_engines_share_nothing() -> None:
    one, other = TextEngine(LIBRARY), TextEngine(LIBRARY)
    lato = LIBRARY.resolve(None)
    one.lay_out("shared?", lato, (300, 100), font_size=None, align="center", padding=5, wrap=True)
    assert all(cache.current_bytes == 0 for cache in other.caches())
    assert one.handle(lato) is not other.handle(lato)


def test_a_font_file_is_opened_once() -> None:
    engine = TextEngine(LIBRARY)
    lato = LIBRARY.resolve(None)
    assert engine.handle(lato) is engine.handle(lato)


def test_variable_fonts_draw_at_the_catalogues_weight() -> None:
    oswald = LIBRARY.resolve("oswald")
    assert oswald.weight == 400 and "[wght]" in oswald.path.name
    assert TextEngine(LIBRARY).handle(oswald).axes == {"wght": 400.0}
    heavy = FontFile("oswald", oswald.path, "Oswald", "bundled", weight=700)
    engine = TextEngine(LIBRARY)
    regular = engine.shape(oswald, "Wide", "Latn", False).width
    assert engine.shape(heavy, "Wide", "Latn", False).width > regular  # the axis is applied


def test_a_font_that_fails_to_open_is_taken_out_and_the_request_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    renderer = fresh_renderer()
    engine = renderer.text
    hebrew = renderer.fonts.font_for("ש", renderer.fonts.resolve(None))
    assert hebrew.family == "Noto Sans Hebrew"
    opened: list[str] = []

    def loader(font: FontFile) -> FontHandle:
        opened.append(font.family)
        if font.path == hebrew.path:
            raise FontFailure(font, "a corrupt 'glyf' table (test)")
        return FontHandle(font)

    engine._load_font = loader
    with caplog.at_level(logging.WARNING, logger="placepix"):
        data = renderer.render("400x100/fff/000.png?text=שלום עולם").data
        renderer.render("400x100/fff/000.png?text=עולם שלום")
    assert darkest(decode(data)) < 100  # Hebrew drawn, in another font
    assert "Noto Sans Hebrew" not in families(renderer, "400x100.png?text=שלום")
    assert opened.count("Noto Sans Hebrew") == 1  # not tried again
    skipped = renderer.fonts.describe()["skipped"]
    assert isinstance(skipped, list)
    assert [s["stage"] for s in skipped if "Hebrew" in str(s["file"])] == ["render"]
    assert "font discarded" in caplog.text


def test_a_chosen_font_that_fails_is_replaced_by_the_default_then_unavailable() -> None:
    renderer = fresh_renderer()
    lobster = renderer.fonts.resolve("lobster")

    def loader(font: FontFile) -> FontHandle:
        if font.path == lobster.path:
            raise FontFailure(font, "broken (test)")
        return FontHandle(font)

    renderer.text._load_font = loader
    assert families(renderer, "300x100.png?text=Hello&font=lobster") == {"Lato"}
    with pytest.raises(placepix.SpecError, match="unavailable"):
        renderer.render("300x100.png?text=Hello&font=lobster")


def test_a_font_that_fails_to_draw_a_glyph_is_taken_out() -> None:
    renderer = fresh_renderer()
    engine = renderer.text
    cjk = renderer.fonts.font_for("日", renderer.fonts.resolve(None))
    draw = engine.glyphs.draw

    def failing(handle: FontHandle, size: int, glyphs: Iterable[int]) -> list[GlyphImage]:
        if handle.font.path == cjk.path:
            raise FontFailure(handle.font, "FreeType cannot draw glyph 42 (test)")
        return draw(handle, size, glyphs)

    engine.glyphs.draw = failing  # type: ignore[method-assign]
    first = renderer.render("300x100/fff/000.png?text=A日本B").data  # drawn without the CJK glyphs
    assert decode(first).size == (300, 100)
    assert cjk.path not in {f.path for f in renderer.fonts.fallbacks}
    assert cjk.family not in families(renderer, "300x100.png?text=A日本B")


def corrupt_glyph_font(source: Path, char: str, target: Path) -> None:
    """A copy of `source` whose glyph for `char` has an outline FreeType refuses ('invalid
    outline'), while every other glyph (and the check at start-up, which draws 'A') is fine."""
    font = TTFont(source)
    glyph = font.getGlyphID(font.getBestCmap()[ord(char)])
    data = bytearray(source.read_bytes())
    (tables,) = struct.unpack_from(">H", data, 4)
    records = (struct.unpack_from(">4sIII", data, 12 + 16 * i) for i in range(tables))
    glyf = next(offset for tag, _, offset, _ in records if tag == b"glyf")
    start = glyf + font["loca"][glyph]
    data[start + 10 : start + 12] = b"\xff\xf0"  # its first contour ends at point 65520
    target.write_bytes(bytes(data))


@pytest.mark.e2e
def test_a_font_that_passes_the_checks_but_fails_to_draw_never_costs_a_5xx(
    tmp_path: Path,
) -> None:
    corrupt_glyph_font(BUNDLED_DIR / "Lato-Regular.ttf", "B", tmp_path / "Brokenb-Regular.ttf")
    shutil.copy(BUNDLED_DIR / "Lato-OFL.txt", tmp_path)
    env = {"PLACEPIX_FONT_DIRS": f'["{tmp_path}"]'}
    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        fonts = client.get("/fonts").json()
        assert "brokenb" in {font["name"] for font in fonts["fonts"]}  # it passed the checks
        statuses = [
            client.get(f"/300x100/fff/000.png?text={quote(text)}&font=brokenb").status_code
            for text in ("AAA", "ABBA", "BBB")
        ]
        assert statuses[:2] == [200, 200]
        assert statuses[2] == 400  # by then it is out: named as unavailable
        skipped = client.get("/fonts").json()["skipped"]
        assert [s["stage"] for s in skipped if s["file"] == "Brokenb-Regular.ttf"] == ["render"]
        assert "Traceback" not in server.log()


def test_min_font_size_is_a_setting_passed_to_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLACEPIX_MIN_FONT_SIZE", "14")
    assert renderer_for(Settings()).text.min_font_size == 14
