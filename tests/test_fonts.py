"""The font library: names, fallback chain, coverage, discovery of operators' fonts."""

from __future__ import annotations

import gc
import shutil
import weakref
from pathlib import Path

import pytest

import placepix
from placepix.errors import SpecError
from placepix.render import default_renderer
from placepix.text.fonts import (
    BUNDLED_DIR,
    CATALOGUE,
    FACE_CACHE_BYTES,
    FACES,
    FontLibrary,
)

FONTS = default_renderer().fonts


def test_the_default_font_is_bundled_with_its_licence() -> None:
    lato = FONTS.resolve(None)
    assert lato.name == "lato" and lato.source == "bundled"
    assert "License: OFL-1.1" in (BUNDLED_DIR / "Lato-OFL.txt").read_text()


@pytest.mark.parametrize("name", ["noto-sans", "open-sans", "roboto", "inter", "pt-sans"])
def test_placehold_co_names_come_from_system_packages(name: str) -> None:
    assert FONTS.resolve(name).name == name


def test_aliases_resolve() -> None:
    assert FONTS.resolve("opensans") == FONTS.resolve("open-sans")


@pytest.mark.parametrize("name", ["nope", "../../etc/passwd", "/usr/share/fonts/x.ttf", "lato\x00"])
def test_unknown_names_list_the_choices_and_never_touch_the_file_system(name: str) -> None:
    with pytest.raises(SpecError, match=r"choose one of .*lato"):
        FONTS.resolve(name)


@pytest.mark.parametrize(
    ("char", "family"),
    [("A", "Lato"), ("日", "Noto Sans CJK"), ("ب", "Noto Sans Arabic"), ("ש", "Noto Sans Hebrew")],
)
def test_each_character_gets_the_first_font_that_has_it(char: str, family: str) -> None:
    assert FONTS.font_for(char, FONTS.resolve(None)).family == family


def test_emoji_come_from_a_colour_font() -> None:
    assert FONTS.font_for("😀", FONTS.resolve(None)).color


def test_describe_says_what_is_there_and_what_is_missing() -> None:
    described = FONTS.describe()
    fonts, missing = described["fonts"], described["missing"]
    assert isinstance(fonts, list) and isinstance(missing, list)
    names = {font["name"] for font in fonts}
    assert names | set(missing) >= set(CATALOGUE)
    assert described["color_emoji"] is True


def test_faces_are_loaded_once_per_size() -> None:
    lato = FONTS.resolve(None)
    assert FONTS.face(lato, 33) is FONTS.face(lato, 33)
    assert FONTS.face(lato, 33) is not FONTS.face(lato, 34)


def test_faces_at_many_sizes_stay_within_the_cache_bound() -> None:
    lato = FONTS.resolve(None)
    for size in range(10, 1500, 7):
        FONTS.face(lato, size)
    assert 0 < FACES.current_bytes <= FACE_CACHE_BYTES


def test_a_cached_layout_does_not_keep_its_faces_alive() -> None:
    """Layouts are cached by the thousand; faces are bounded by their own cache only if
    nothing else holds them (each is ~0.3 MB and more at large sizes)."""
    spec = placepix.parse_url("777x333.png?text=kept")
    layout = default_renderer().lay_out(spec)
    face = weakref.ref(layout.lines[0].runs[0].face)
    FACES.clear()
    gc.collect()
    assert face() is None
    assert layout.lines[0].runs[0].face.size == layout.font_size  # loaded again on demand


def test_reading_coverage_leaves_no_cyclic_garbage() -> None:
    """An emoji walks the whole fallback chain, reading 150-odd cmaps; fontTools left ~20 MB of
    cyclic garbage and a fragmented heap for it (placepix.text.cmap reads ranges instead)."""
    library = FontLibrary.discover([])
    gc.collect()
    gc.disable()
    try:
        assert library.font_for("😀", library.resolve(None)).color
        assert gc.collect() < 100
    finally:
        gc.enable()


def test_font_dirs_add_fonts_by_name(tmp_path: Path) -> None:
    shutil.copy(BUNDLED_DIR / "Lato-Regular.ttf", tmp_path / "HouseStyle-Regular.ttf")
    library = FontLibrary.discover([tmp_path], system_dirs=[])
    assert library.resolve("house-style").source == "font_dirs"


def test_without_system_fonts_only_the_bundled_font_is_offered() -> None:
    library = FontLibrary.discover([], system_dirs=[])
    assert library.names == ["lato"]
    assert "roboto" in library.describe()["missing"]  # type: ignore[operator]
    # A character no font has falls back to the default font's missing-glyph box, no error.
    assert library.font_for("日", library.resolve(None)).name == "lato"
