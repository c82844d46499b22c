"""The font library: names, fallback chain, coverage, discovery of operators' fonts."""

from __future__ import annotations

import gc
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from placepix.errors import SpecError
from placepix.render import default_renderer
from placepix.text.catalogue import ALIASES, CATALOGUE, STAND_INS
from placepix.text.fonts import BUNDLED_DIR, FontFile, FontLibrary
from tests.test_vetting import bad_files

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
    assert {font["name"] for font in fonts} | set(missing) == set(CATALOGUE)
    assert described["color_emoji"] is True and described["skipped"] == []


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


def test_without_system_fonts_only_the_bundled_fonts_are_offered() -> None:
    library = FontLibrary.discover([], system_dirs=[])
    bundled = sorted(name for name, entry in CATALOGUE.items() if entry.licence_file)
    assert library.names == bundled and len(bundled) == 12
    assert {font.source for font in map(library.resolve, bundled)} == {"bundled"}
    assert "roboto" in library.describe()["missing"]  # type: ignore[operator]
    # A character no font has falls back to the default font's missing-glyph box, no error.
    assert library.font_for("日", library.resolve(None)).name == "lato"


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("montserrat", "Montserrat"),
        ("poppins", "Poppins"),
        ("raleway", "Raleway"),
        ("oswald", "Oswald"),
        ("lora", "Lora"),
        ("playfair-display", "Playfair Display"),
        ("source-sans-pro", "Source Sans 3"),
        ("bebas", "Bebas Neue"),
        ("lobster", "Lobster"),
        ("yanone", "Yanone Kaffeesatz"),
        ("museo", "Roboto Slab"),
    ],
)
def test_every_name_the_anchors_offer_is_bundled(name: str, family: str) -> None:
    font = FontLibrary.discover([], system_dirs=[]).resolve(name)
    assert font.family == family and font.source == "bundled"
    assert font.path.parent == BUNDLED_DIR


def test_describe_gives_each_bundled_font_its_licence_and_upstream() -> None:
    described = FontLibrary.discover([], system_dirs=[]).describe()
    fonts = described["fonts"]
    assert isinstance(fonts, list) and len(fonts) == 12
    for font in fonts:
        entry = CATALOGUE[font["name"]]
        assert font["licence"] == entry.licence in ("OFL-1.1", "Apache-2.0")
        assert font["upstream"] == entry.upstream and font["family"] == entry.family
    by_name = {font["name"]: font for font in fonts}
    assert by_name["bebas-neue"]["aliases"] == ["bebas"]
    assert by_name["roboto-slab"]["aliases"] == ["museo"]
    assert described["stand_ins"] == {
        "museo": {"font": "roboto-slab", "family": "Roboto Slab", "note": STAND_INS["museo"]}
    }
    assert "Museo Slab" in STAND_INS["museo"]


def test_aliases_and_stand_ins_name_catalogue_fonts() -> None:
    assert set(ALIASES.values()) <= set(CATALOGUE)
    assert not set(ALIASES) & set(CATALOGUE)  # an alias never hides a name
    assert set(STAND_INS) <= set(ALIASES)


def test_an_operators_own_museo_wins_over_the_stand_in(tmp_path: Path) -> None:
    """Museo Slab isn't free to bundle, but an operator who has it can serve it as `museo`."""
    shutil.copy(BUNDLED_DIR / "Lobster-Regular.otf", tmp_path / "Museo-Regular.otf")
    library = FontLibrary.discover([tmp_path], system_dirs=[])
    assert library.resolve("museo").path == tmp_path / "Museo-Regular.otf"
    described = library.describe()
    assert "museo" not in described["aliases"] and described["stand_ins"] == {}  # type: ignore[operator]
    assert library.resolve("roboto-slab").family == "Roboto Slab"  # still there by its name


def test_bad_files_in_a_font_dir_are_skipped_with_their_reasons(tmp_path: Path) -> None:
    reasons = bad_files(tmp_path)
    del reasons["Folder-Regular.ttf"]  # discovery walks into a directory, whatever its name
    corrupt_noto = tmp_path / "NotoSansZzzz-Regular.ttf"  # a name the fallback chain takes
    corrupt_noto.write_bytes(b"\x00\x01\x00\x00\x00\x09" + bytes(range(256)) * 16)
    shutil.copy(BUNDLED_DIR / "Lato-Regular.ttf", tmp_path / "HouseStyle-Regular.ttf")
    library = FontLibrary.discover([tmp_path])
    skipped = {s.path.name: s for s in library.skipped}
    assert set(skipped) == {*reasons, corrupt_noto.name}
    for name, reason in reasons.items():
        assert skipped[name].reason.startswith(reason) and skipped[name].stage == "start-up"
    assert library.resolve("house-style").source == "font_dirs"
    assert corrupt_noto not in [font.path for font in library.fallbacks]
    for name in ("fifo", "empty", "gone", "corrupt", "noto-sans-zzzz"):
        with pytest.raises(SpecError, match="unknown font"):
            library.resolve(name)
    lato = library.resolve(None)
    assert library.font_for("😀", lato).color and library.font_for("日", lato).family != "Lato"
    listed = library.describe()["skipped"]
    assert isinstance(listed, list) and len(listed) == len(skipped)
    assert all(set(entry) == {"file", "source", "reason", "stage"} for entry in listed)
    assert str(tmp_path) not in str(listed)  # /fonts is public: file names, never paths


def _small_library() -> tuple[FontLibrary, FontFile, FontFile]:
    library = FontLibrary.discover([], system_dirs=[])
    lato, lora = library.resolve("lato"), library.resolve("lora")
    chain = [FontFile("lora", lora.path, "Lora", "bundled"), library.resolve("roboto-slab")]
    fonts = {name: library.resolve(name) for name in library.names}
    return FontLibrary(fonts, "lato", chain), lato, lora


def test_a_discarded_font_leaves_the_chain_and_is_reported() -> None:
    library, _, lora = _small_library()
    cyrillic = "Ж"  # Lato has it too; take Lato out of the way by asking from Bebas Neue
    bebas = library.resolve("bebas")
    assert ord(cyrillic) not in library.coverage(bebas)
    assert library.font_for(cyrillic, bebas).path == lora.path
    fingerprint = library.fingerprint()
    assert library.discard(lora, "FreeType error 0x55 while drawing") is True
    assert library.font_for(cyrillic, bebas).family == "Roboto Slab"
    assert lora.path not in [font.path for font in library.fallbacks]
    assert library.fingerprint() != fingerprint  # what renders changed, so do ETags
    with pytest.raises(SpecError, match="'lora' is unavailable: its file failed to draw"):
        library.resolve("lora")
    (skipped,) = library.skipped
    assert (skipped.path, skipped.stage) == (lora.path, "render")
    assert library.describe()["skipped"] == [
        {"file": lora.path.name, "source": "bundled", "reason": skipped.reason, "stage": "render"}
    ]
    assert library.discard(lora, "again") is False  # once only
    assert len(library.skipped) == 1


def test_the_default_font_is_never_discarded() -> None:
    library, lato, _ = _small_library()
    assert library.discard(lato, "broken") is False
    assert library.resolve(None) == lato and not library.skipped


def test_discard_is_thread_safe() -> None:
    """Many render threads may find the same bad font at once: it is taken out once, and
    lookups running meanwhile never fail."""
    library, _, lora = _small_library()
    bebas = library.resolve("bebas")
    start = threading.Barrier(8)

    def discard() -> bool:
        start.wait()
        return library.discard(lora, "failed")

    def look_up() -> set[str]:
        start.wait()
        return {library.font_for(char, bebas).family for char in "ЖЯйё" * 500}

    with ThreadPoolExecutor(8) as pool:
        discards = [pool.submit(discard) for _ in range(4)]
        lookups = [pool.submit(look_up) for _ in range(4)]
        assert sum(future.result() for future in discards) == 1
        assert all(future.result() <= {"Lora", "Roboto Slab"} for future in lookups)
    assert len(library.skipped) == 1 and library.font_for("Ж", bebas).family == "Roboto Slab"


def test_a_library_built_by_hand_checks_a_file_before_reading_it(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "Fifo-Regular.ttf")
    fifo = FontFile("fifo", tmp_path / "Fifo-Regular.ttf", "Fifo", "font_dirs")
    library, lato, _ = _small_library()
    library = FontLibrary({"lato": lato, "fifo": fifo}, "lato", [fifo])
    assert library.font_for("A", library.resolve(None)) == lato  # Lato's coverage, read lazily
    assert library.font_for("日", lato) == lato  # the FIFO was never opened, and discarded
    assert [s.reason for s in library.skipped] == ["not a regular file (a FIFO)"]
