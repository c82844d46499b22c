"""The one-copy read of FreeType's bitmaps (placepix/_native/bitmaps.py) and its fallback,
freetype-py's own list: the same pixels either way, and a failure is never an error."""

from __future__ import annotations

import logging

import freetype
import pytest
from freetype.ft_enums import FT_LOAD_RENDER

from placepix._native import bitmaps
from placepix._native.gate import NativePath
from placepix.render import Renderer
from placepix.text.glyphs import Glyphs

TEXTS = [
    "300x200.png?text=Hamburgefonstiv",
    "300x200/fff/000.png?text=%E6%BC%A2%E5%AD%97%E3%81%8B%E3%81%AA",  # CJK
    "1200x1200/fff/000.png?text=W&font_size=900",  # one large glyph
    "600x200/fff/000.png?text=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7",  # Arabic
]


def test_the_copy_is_the_bindings_list() -> None:
    copier = bitmaps.load()
    assert copier is not None
    face = freetype.Face(str(next(iter(sorted(bitmaps._FONTS.rglob("*.ttf"))))))
    for size in (9, 40, 300):
        face.set_pixel_sizes(0, size)
        face.load_char("Q", FT_LOAD_RENDER)
        bitmap = face.glyph.bitmap
        assert copier.copy(bitmap) == bytes(bitmap.buffer)
        assert len(copier.copy(bitmap)) == bitmap.pitch * bitmap.rows > 0


@pytest.mark.parametrize("url", TEXTS)
def test_both_paths_draw_the_same_bytes(url: str) -> None:
    native, listed = Renderer(native=True), Renderer(native=False)
    assert native.text.glyphs.bitmaps.active and not listed.text.glyphs.bitmaps.active
    assert native.render(url).data == listed.render(url).data


def test_a_failing_copy_falls_back_and_switches_the_path_off(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken(bitmaps.BitmapCopier):
        def copy(self, bitmap: object) -> bytes:
            raise RuntimeError("bad pointer")

    renderer = Renderer(native=True)
    expected = Renderer(native=False).render(TEXTS[0]).data
    path: NativePath[bitmaps.BitmapCopier] = NativePath("bitmaps", Broken)  # loads a broken one
    renderer.text.glyphs.bitmaps = path
    with caplog.at_level(logging.WARNING, logger="placepix"):
        assert renderer.render(TEXTS[0]).data == expected
    assert not path.active and "bad pointer" in str(path.reason)
    assert [r.message for r in caplog.records].count(
        "native bitmaps path off, its fallback serves instead: RuntimeError: bad pointer"
    ) == 1


def test_the_estimate_counts_listed_pixels() -> None:
    """With the copy off, a glyph's pixels pass through a list: 8 bytes more a pixel."""
    url = "3000x3000/fff/000.png?text=W&font_size=2000"
    native, listed = Renderer(native=True), Renderer(native=False)
    extra = listed.refine(listed.plan(url)).memory - native.refine(native.plan(url)).memory
    largest = native.text.ink(native.lay_out(native.plan(url).spec)).largest_glyph
    assert largest > 1_000_000 and extra == 8 * largest


def test_glyphs_without_native_never_load_the_copier() -> None:
    assert Glyphs(native=False).bitmaps.reason == "switched off (PLACEPIX_NATIVE=off)"
