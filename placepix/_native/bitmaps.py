"""FreeType's glyph bitmaps copied in one memcpy instead of a Python list.

freetype-py, the binding the text engine draws with, hands a bitmap's pixels over as a Python
list built one ctypes read at a time (`Bitmap.buffer`: ~130 ns a pixel, 40 ms and a 32 MB list
for a glyph at 2000 px). The `FT_Bitmap` struct that its `Bitmap` wraps points at the pixels;
`ctypes.string_at` copies them whole (50 µs for a glyph at 1000 px). No C function is declared
or called: this reads memory the binding's own struct describes. `load()` checks once, on a
glyph of a bundled font, that the copy is exactly what the binding's list holds.

It runs behind `placepix._native.gate.NativePath` like every other native path: with
`PLACEPIX_NATIVE=off`, or after a failure, the text engine takes the binding's list.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Any

import freetype
from freetype.ft_enums import FT_LOAD_RENDER

_FONTS = Path(__file__).resolve().parent.parent / "fonts"
_PROBE_SIZE = 24


class BitmapCopier:
    """Copies the pixels of freetype-py `Bitmap`s."""

    def copy(self, bitmap: Any) -> bytes:
        """The `pitch * rows` bytes of a freetype-py `Bitmap` (a glyph slot's, while its face
        is held)."""
        raw = bitmap._FT_Bitmap
        return ctypes.string_at(raw.buffer, raw.pitch * raw.rows)


def load() -> BitmapCopier | None:
    """A `BitmapCopier` whose copy of a real glyph equals freetype-py's own list, else None."""
    font = next(iter(sorted(_FONTS.rglob("*.ttf"))), None)
    if font is None:
        return None
    face = freetype.Face(str(font))
    face.set_pixel_sizes(0, _PROBE_SIZE)
    face.load_char("g", FT_LOAD_RENDER)
    bitmap = face.glyph.bitmap
    copier = BitmapCopier()
    return copier if copier.copy(bitmap) == bytes(bitmap.buffer) else None
