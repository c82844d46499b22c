"""The cmap reader, against fontTools on every font the library has."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from placepix.render import default_renderer
from placepix.text.cmap import Coverage, read_coverage

LIBRARY = default_renderer().fonts
FONTS = sorted({font.path for font in LIBRARY.fallbacks} | {LIBRARY.resolve(None).path})


def mapped_by_fonttools(path: Path) -> set[int]:
    """Code points fontTools' best Unicode cmap maps to a glyph other than .notdef."""
    with TTFont(path, fontNumber=0, lazy=True) as font:
        notdef = font.getGlyphOrder()[0]
        return {code for code, name in (font.getBestCmap() or {}).items() if name != notdef}


@pytest.mark.parametrize("path", FONTS, ids=lambda path: path.name)
def test_coverage_matches_fonttools(path: Path) -> None:
    expected = mapped_by_fonttools(path)
    coverage = read_coverage(path)
    assert len(coverage) == len(expected)
    assert all(code in coverage for code in expected)


def test_there_are_fonts_of_both_subtable_formats() -> None:
    """Format 12 (CJK, emoji: beyond the BMP) and format 4 (most fonts) are both exercised."""
    assert any(max(mapped_by_fonttools(path), default=0) > 0xFFFF for path in FONTS)
    assert len(FONTS) > 20


def test_ranges_answer_membership() -> None:
    coverage = Coverage([(0x41, 0x5A), (0x3042, 0x3042), (0x1F600, 0x1F64F)])
    assert 0x41 in coverage and 0x5A in coverage and 0x3042 in coverage and 0x1F64F in coverage
    assert 0x40 not in coverage and 0x5B not in coverage and 0x3043 not in coverage
    assert 0 not in coverage and 0x10FFFF not in coverage and "A" not in coverage
    assert len(coverage) == 26 + 1 + 80


def test_a_file_that_is_not_a_font_is_an_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 8)
    with pytest.raises(ValueError):
        read_coverage(junk)
