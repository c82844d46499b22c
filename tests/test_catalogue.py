"""The bundled fonts and the catalogue agree: every file in placepix/fonts is an entry's, has its
licence file beside it under a licence the wheel may carry, says so itself, and draws the weight
the catalogue records without the engine setting any axis."""

from __future__ import annotations

import re

import pytest
from fontTools.ttLib import TTFont

from placepix.text.catalogue import BUNDLED_LICENCES, CATALOGUE, Entry
from placepix.text.fonts import BUNDLED_DIR, FONT_SUFFIXES

BUNDLED = {name: entry for name, entry in CATALOGUE.items() if entry.licence_file}
FONT_FILES = sorted(p for p in BUNDLED_DIR.iterdir() if p.name.lower().endswith(FONT_SUFFIXES))
BUNDLED_BYTES_LIMIT = 3 * 1024 * 1024  # the wheel's fonts, uncompressed (docs/fonts.md)
# What each licence's text says: the OFL's own title (or a Debian copyright file's field),
# the Apache licence's title and version.
LICENCE_TEXT = {
    "OFL-1.1": re.compile(
        r"SIL OPEN FONT LICEN[CS]E,? Version 1\.1|^License: OFL-1\.1$", re.I | re.M
    ),
    "Apache-2.0": re.compile(r"Apache License\s+Version 2\.0", re.I),
}
NAME_TABLE_LICENCE = {"OFL-1.1": "Open Font License", "Apache-2.0": "Apache License"}


def bundled_file(entry: Entry) -> str:
    """The entry's file that is in the package: the first of its files."""
    return entry.files[0]


def test_every_bundled_file_belongs_to_one_entry() -> None:
    claimed = [bundled_file(entry) for entry in BUNDLED.values()]
    assert sorted(claimed) == [path.name for path in FONT_FILES]
    assert len(set(claimed)) == len(claimed)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_font_has_its_licence_file_beside_it(name: str) -> None:
    entry = BUNDLED[name]
    assert entry.licence in BUNDLED_LICENCES  # SIL OFL 1.1 or Apache 2.0, nothing else
    assert entry.licence_file is not None
    text = (BUNDLED_DIR / entry.licence_file).read_text(encoding="utf-8")
    assert LICENCE_TEXT[entry.licence].search(text), entry.licence_file
    other = next(lic for lic in LICENCE_TEXT if lic != entry.licence)
    assert not LICENCE_TEXT[other].search(text)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_font_states_the_same_licence_itself(name: str) -> None:
    entry = BUNDLED[name]
    font = TTFont(BUNDLED_DIR / bundled_file(entry), lazy=True)
    description = font["name"].getDebugName(13) or ""
    assert NAME_TABLE_LICENCE[entry.licence] in description


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_font_draws_the_recorded_weight_as_it_stands(name: str) -> None:
    """The text engine sets no variation axes: a variable font must default to the weight the
    catalogue records (Montserrat's, Source Sans 3's and Yanone Kaffeesatz's do not, which is
    why their static files are bundled instead)."""
    entry = BUNDLED[name]
    font = TTFont(BUNDLED_DIR / bundled_file(entry), lazy=True)
    if "fvar" in font:
        axes = {axis.axisTag: axis.defaultValue for axis in font["fvar"].axes}
        assert axes == {"wght": entry.weight}
        assert "[wght]" in bundled_file(entry)
    else:
        assert font["OS/2"].usWeightClass == entry.weight
    assert font["name"].getDebugName(1).startswith(entry.family)


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_each_bundled_font_names_its_upstream_at_a_commit(name: str) -> None:
    upstream = BUNDLED[name].upstream
    if name == "lato":  # bundled before this catalogue, from Debian's package
        assert upstream.startswith("Debian fonts-lato")
        return
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/blob/[0-9a-f]{40}/\S+", upstream)
    file_name = bundled_file(BUNDLED[name])
    assert upstream.endswith(f"/{file_name}") or upstream.endswith(".zip")  # Poppins: a release zip


def test_the_bundled_fonts_keep_the_wheel_reasonable() -> None:
    total = sum(path.stat().st_size for path in FONT_FILES)
    assert total <= BUNDLED_BYTES_LIMIT, f"{total} bytes of fonts; docs/fonts.md says why not more"
