"""The FreeType and HarfBuzz bindings: Pillow's own libraries, at Pillow's versions."""

from __future__ import annotations

import ctypes

from PIL import _imagingft

from placepix.text import freetype


def test_pillows_freetype_and_harfbuzz_are_found() -> None:
    """Without them every label goes through Pillow's slower path (tests/test_shaping.py would
    then test nothing)."""
    libraries = freetype.libraries()
    assert libraries is not None
    assert freetype._freetype_version(libraries.ft) == _imagingft.freetype2_version
    assert freetype._harfbuzz_version(libraries.hb) == _imagingft.harfbuzz_version


def test_harfbuzz_records_have_their_c_sizes() -> None:
    """hb_glyph_info_t and hb_glyph_position_t are read as arrays: a wrong size would shift
    every glyph after the first."""
    assert ctypes.sizeof(freetype.GlyphInfo) == 20
    assert ctypes.sizeof(freetype.GlyphPosition) == 20


def test_script_tags_are_harfbuzz_tags() -> None:
    libraries = freetype.libraries()
    assert libraries is not None
    libraries.hb.hb_script_from_string.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libraries.hb.hb_script_from_string.restype = ctypes.c_uint32
    assert libraries.hb.hb_script_from_string(b"Zyyy", -1) == freetype.HB_SCRIPT_COMMON
    assert libraries.hb.hb_script_from_string(b"Zinh", -1) == freetype.HB_SCRIPT_INHERITED
