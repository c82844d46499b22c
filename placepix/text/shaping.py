"""Runs of text measured and drawn exactly as Pillow does, with each glyph rasterised once.

For a new label, FreeType was most of a small image's cost: Pillow's `getlength` builds a
HarfBuzz font for every call, and its `getmask2` loads each glyph three times and rasterises it
twice. A `FontFace` keeps each font file open once, a `Shaper` a FreeType size and a HarfBuzz
font per pixel size on it, and glyph bitmaps are cached (`GLYPHS`), so a new label at a known
size costs one shaping call and a few pastes. Its numbers and pixels are Pillow's own
(tests/test_shaping.py compares them across fonts, sizes and scripts), because it makes the same
calls, through the same libraries (placepix.text.freetype), that raqm and Pillow's renderer make:

- shaping: the text cut into runs of one script as raqm resolves them, each run shaped in the
  text's direction with the whole text as context;
- placement: pen positions in 26.6 units rounded with Pillow's PIXEL(), the box from each
  glyph's grid-fitted outline box and the pen line;
- coverage: each bitmap blended over what is there as Pillow blends it (a paste of white
  through the bitmap computes the very same rounding).

`itemize()` says which text takes this path: text that is left to right throughout, and
right-to-left text in one script with only neutral characters beside its letters (raqm lays
both out without reordering anything). Text whose bidi levels need resolving, colour fonts,
embedded bitmap strikes, and machines where Pillow's libraries can't be reached go through
Pillow as before.
"""

from __future__ import annotations

import ctypes
import os
import threading
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from PIL import Image, _imaging

from placepix.caching import SizedLRU
from placepix.text import freetype
from placepix.text.fonts import FontFile

FONT_FACE_CACHE_BYTES = 3 * 1024 * 1024  # font files kept open per process
FONT_FACE_ENTRY_SHARE = 1  # a CJK collection (~2 MB open) is kept too
# An open face: this plus a ninth of its file (measured: Lato 180 KB, DejaVu Sans 200 KB, Noto
# Sans 100 KB, Inter 150 KB, Noto Sans CJK 2 MB).
FACE_BASE_BYTES = 100 * 1024
FACE_FILE_SHARE = 9
SHAPER_CACHE_BYTES = 1024 * 1024  # sizes of open faces kept per process
SHAPER_ENTRY_SHARE = 2  # sizes up to ~670 px
# A size with its HarfBuzz font (measured: 61 KB with Lato's hinting, ~1 KB unhinted), plus
# size² for the face's glyph bitmap it may enlarge.
SIZE_BYTES = 64 * 1024
SHAPED_CACHE_BYTES = 256 * 1024  # shaped runs kept: a run is measured, then drawn
GLYPH_CACHE_BYTES = 4 * 1024 * 1024 - SHAPED_CACHE_BYTES  # rasterised glyphs kept per process
GLYPH_OVERHEAD = 200  # bytes of bookkeeping counted per cached glyph
# Blocks where bidi algorithms take unassigned code points as right-to-left.
_RTL_BLOCKS = [(0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF), (0x10800, 0x10FFF)]
_RTL_BLOCKS += [(0x1E800, 0x1EFFF)]
# Bidi classes (Python's names). Explicit embeddings, paragraph separators and code points this
# Python doesn't know never take this path; right-to-left letters make the text right to left,
# which this path takes only with neutrals around them (they all resolve to the same level).
_NOT_LTR = {"R", "AL", "AN", "LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
_NOT_LTR |= {"B", ""}
_RTL_STRONG = {"R", "AL"}
_RTL_PLAIN = {"R", "AL", "NSM", "BN", "WS", "S", "ON", "ES", "ET", "CS"}
# raqm's paired characters: an opening one at an even index, its closing one next.
_PAIRED_CHARS = (
    *(0x28, 0x29, 0x3C, 0x3E, 0x5B, 0x5D, 0x7B, 0x7D, 0xAB, 0xBB),
    *(0x2018, 0x2019, 0x201C, 0x201D, 0x2039, 0x203A),
    *range(0x3008, 0x3012),
    *range(0x3014, 0x301C),
)
_PAIRED = {code: index for index, code in enumerate(_PAIRED_CHARS)}


def pixel(value: int) -> int:
    """Pillow's PIXEL(): 26.6 fixed point to whole pixels, halves rounded up."""
    return ((value + 32) & -64) >> 6


class Glyph(NamedTuple):
    """One glyph at one size: its coverage as a Pillow core image (None when it has no pixels,
    as a space: cores paste without the `Image` wrapper's per-call checks), where that bitmap
    sits relative to the pen, its grid-fitted outline box in pixels, and the bytes it holds."""

    coverage: Any
    left: int
    top: int
    box: tuple[int, int, int, int]  # x_min, y_min, x_max, y_max
    nbytes: int


GLYPHS: SizedLRU[tuple[str, int, int], Glyph] = SizedLRU(GLYPH_CACHE_BYTES, lambda g: g.nbytes)
Shaped = list[tuple[int, int, int, int, int]]  # per glyph: index, x advance, x/y offset, y advance
SHAPED: SizedLRU[tuple[str, int, str], Shaped] = SizedLRU(
    SHAPED_CACHE_BYTES, lambda shaped: 100 + 120 * len(shaped)
)
_NO_GLYPH = Glyph(None, 0, 0, (0, 0, 0, 0), 0)  # marks a glyph this path can't draw (not gray)


class FontFace:
    """A font file opened by FreeType, shared by the shapers of its sizes: most of a face's
    memory is the file's (a CJK collection's is ~2 MB), not the size's. Its glyph slot and its
    active size serve one thread at a time: hold `lock` and activate a size first."""

    def __init__(self, libraries: freetype.Libraries, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self._libraries = libraries
        pointer = freetype.FacePointer()
        with libraries.faces_lock:
            error = libraries.ft.FT_New_Face(
                libraries.library, os.fsencode(path), 0, ctypes.byref(pointer)
            )
        if error:
            raise OSError(f"FreeType can't open {path} (error {error})")
        self.pointer = pointer
        self.slot = pointer.contents.glyph.contents  # the face's one glyph slot, for life
        self.nbytes = FACE_BASE_BYTES + os.path.getsize(path) // FACE_FILE_SHARE

    def __del__(self) -> None:
        if getattr(self, "pointer", None) is not None:
            with self._libraries.faces_lock:
                self._libraries.ft.FT_Done_Face(self.pointer)


class Shaper:
    """One font file at one pixel size, as Pillow's `ImageFont.truetype(path, size)` with raqm
    sees it: a FreeType size object of a shared `FontFace`, and a HarfBuzz font on it. Safe to
    share between threads."""

    def __init__(self, libraries: freetype.Libraries, face: FontFace, size: int) -> None:
        self.path = face.path
        self.size = size
        self._face = face
        self._ft = libraries.ft
        self._hb = libraries.hb
        self._size = ctypes.c_void_p()
        with face.lock:
            if self._ft.FT_New_Size(face.pointer, ctypes.byref(self._size)):
                raise OSError(f"FreeType can't add a size to {face.path}")
            self._ft.FT_Activate_Size(self._size)
            request = freetype.SizeRequest(freetype.SIZE_REQUEST_TYPE_NOMINAL, size * 64, size * 64)
            if self._ft.FT_Request_Size(face.pointer, ctypes.byref(request)):
                self._ft.FT_Done_Size(self._size)
                raise OSError(f"FreeType can't size {face.path} at {size} px")
            metrics = face.pointer.contents.size.contents.metrics
            self._metrics = (pixel(metrics.ascender), -pixel(metrics.descender))
            self._font = self._hb.hb_ft_font_create_referenced(face.pointer)  # reads this size
        self._box = freetype.BBox()
        self._buffer = self._hb.hb_buffer_create()
        self._language = self._hb.hb_language_get_default()

    def __del__(self) -> None:
        if getattr(self, "_buffer", None) is None:
            return  # __init__ failed: it closed what it had opened
        self._hb.hb_buffer_destroy(self._buffer)
        with self._face.lock:
            # The size first: the HarfBuzz font holds a reference to the face, which keeps it
            # (and so this size) alive even when the FontFace went first (as at exit).
            self._ft.FT_Done_Size(self._size)
            self._hb.hb_font_destroy(self._font)

    def metrics(self) -> tuple[int, int]:
        """Ascent and descent in pixels: Pillow's `getmetrics()`."""
        return self._metrics

    def advance(self, text: str, items: Items) -> float:
        """The pen advance of `text` in pixels: Pillow's `getlength()`."""
        with self._face.lock:
            return sum(advance for _, advance, _, _, _ in self._shape(text, items)) / 64

    def mask(self, text: str, items: Items) -> tuple[Image.Image, tuple[int, int]] | None:
        """`text` drawn as Pillow's `getmask2(text, mode='L', anchor='ls')` draws it: the
        coverage image and the offset of its top-left corner from the start of the baseline.
        None when a glyph comes as a bitmap this path doesn't blend (a monochrome strike)."""
        with self._face.lock:
            shaped = self._shape(text, items)
            glyphs = [self._glyph(index) for index, _, _, _, _ in shaped]
        if any(glyph is _NO_GLYPH for glyph in glyphs):
            return None
        x_min = x_max = y_min = y_max = 0
        pen = 0
        for (_, advance, x_offset, y_offset, _), glyph in zip(shaped, glyphs, strict=True):
            left, top = pixel(pen + x_offset), pixel(y_offset)
            pen += advance
            box_left, box_bottom, box_right, box_top = glyph.box
            x_max = max(x_max, pixel(pen), box_right + left)
            x_min = min(x_min, box_left + left)
            y_max = max(y_max, box_top + top)
            y_min = min(y_min, box_bottom + top)
        mask = Image.new("L", (x_max - x_min, y_max - y_min), 0)
        pen = pen_y = 0
        for (_, advance, x_offset, y_offset, y_advance), glyph in zip(shaped, glyphs, strict=True):
            if glyph.coverage is not None:
                x = pixel(pen + x_offset) - x_min + glyph.left
                y = y_max - pixel(pen_y + y_offset) - glyph.top
                width, height = glyph.coverage.size
                mask.im.paste(255, (x, y, x + width, y + height), glyph.coverage)
            pen += advance
            pen_y += y_advance
        return mask, (x_min, -y_max)

    def _shape(self, text: str, items: Items) -> Shaped:
        """Glyph index, x advance, x and y offsets and y advance (26.6) of each glyph, as raqm
        shapes `text` left to right, run by run (`itemize(text)`). Kept a while: a run is
        measured while it is laid out, then drawn. Holds the face's lock."""
        key = (self.path, self.size, text)
        shaped = SHAPED.get(key)
        if shaped is None:
            self._ft.FT_Activate_Size(self._size)  # HarfBuzz asks FreeType for advances
            codepoints = (ctypes.c_uint32 * len(text))(*map(ord, text))
            shaped = []
            for start, end, script, direction in items:
                shaped += self._shape_item(codepoints, start, end, script, direction)
            SHAPED.put(key, shaped)
        return shaped

    def _shape_item(
        self,
        codepoints: ctypes.Array[ctypes.c_uint32],
        start: int,
        end: int,
        script: int,
        direction: int,
    ) -> Shaped:
        """One run, with the whole text around it as context (as raqm adds it). HarfBuzz gives
        a right-to-left run's glyphs in visual order, as raqm passes them on."""
        hb, buffer = self._hb, self._buffer
        hb.hb_buffer_clear_contents(buffer)
        hb.hb_buffer_add_utf32(buffer, codepoints, len(codepoints), start, end - start)
        hb.hb_buffer_set_script(buffer, script)
        hb.hb_buffer_set_language(buffer, self._language)
        hb.hb_buffer_set_direction(buffer, direction)
        hb.hb_buffer_set_flags(buffer, freetype.HB_BUFFER_FLAGS_BOT_EOT)
        hb.hb_shape(self._font, buffer, None, 0)
        count = ctypes.c_uint()
        infos = hb.hb_buffer_get_glyph_infos(buffer, ctypes.byref(count))
        positions = hb.hb_buffer_get_glyph_positions(buffer, None)
        return [
            (info.codepoint, at.x_advance, at.x_offset, at.y_offset, at.y_advance)
            for info, at in zip(infos[: count.value], positions[: count.value], strict=True)
        ]

    def _glyph(self, index: int) -> Glyph:
        """Glyph `index` loaded and rasterised as Pillow's renderer does (FT_LOAD_DEFAULT, then
        rendered in normal mode), from the cache when it was drawn before. Holds the face's
        lock."""
        key = (self.path, self.size, index)
        cached = GLYPHS.get(key)
        if cached is not None:
            return cached
        ft = self._ft
        ft.FT_Activate_Size(self._size)
        if ft.FT_Load_Glyph(self._face.pointer, index, freetype.LOAD_DEFAULT):
            return _NO_GLYPH
        slot, box = self._face.slot, self._box
        if slot.format != freetype.GLYPH_FORMAT_OUTLINE:
            return _NO_GLYPH  # an embedded bitmap strike: Pillow draws it
        ft.FT_Outline_Get_CBox(ctypes.byref(slot.outline), ctypes.byref(box))
        if ft.FT_Render_Glyph(ctypes.byref(slot), freetype.RENDER_MODE_NORMAL):
            return _NO_GLYPH
        bitmap = slot.bitmap
        width, rows, pitch = bitmap.width, bitmap.rows, bitmap.pitch
        coverage = None
        if rows and width:
            if bitmap.pixel_mode != freetype.PIXEL_MODE_GRAY or pitch < 0:
                return _NO_GLYPH
            pixels = ctypes.string_at(bitmap.buffer, pitch * rows)
            coverage = _imaging.map_buffer(pixels, (width, rows), "raw", 0, ("L", pitch, 1))
        # FT_Glyph_Get_CBox(FT_GLYPH_BBOX_PIXELS), as Pillow's box: outward to whole pixels.
        pixels_box = (box.xMin >> 6, box.yMin >> 6, -(-box.xMax >> 6), -(-box.yMax >> 6))
        nbytes = pitch * rows + GLYPH_OVERHEAD
        glyph = Glyph(coverage, slot.bitmap_left, slot.bitmap_top, pixels_box, nbytes)
        GLYPHS.put(key, glyph)
        return glyph


FONT_FACES: SizedLRU[str, FontFace] = SizedLRU(
    FONT_FACE_CACHE_BYTES, lambda face: face.nbytes, FONT_FACE_ENTRY_SHARE
)
SHAPERS: SizedLRU[tuple[str, int], Shaper] = SizedLRU(
    SHAPER_CACHE_BYTES, lambda shaper: SIZE_BYTES + shaper.size**2, SHAPER_ENTRY_SHARE
)


def shaper_of(font: FontFile, size: int) -> Shaper | None:
    """The shaper of `font` at `size`, loaded once while it is in use; None for colour
    bitmap fonts and where Pillow's libraries can't be used (then Pillow draws)."""
    libraries = freetype.libraries()
    if libraries is None or font.color:
        return None
    key = (str(font.path), size)
    shaper = SHAPERS.get(key)
    if shaper is None:
        face = FONT_FACES.get(key[0])
        if face is None:
            face = FontFace(libraries, key[0])
            FONT_FACES.put(key[0], face)
        shaper = Shaper(libraries, face, size)
        SHAPERS.put(key, shaper)
    return shaper


Items = tuple[tuple[int, int, int, int], ...]
"""The runs raqm shapes a text in, in text order: (start, end, HarfBuzz script, direction)."""


def shaper_for(font: FontFile, size: int, text: str) -> tuple[Shaper, Items] | None:
    """The shaper that measures and draws `text` in `font` at `size` as Pillow would, with the
    runs to shape it in; None when Pillow must (see `itemize`, `shaper_of`)."""
    items = itemize(text)
    shaper = shaper_of(font, size) if items is not None else None
    return (shaper, items) if shaper is not None and items is not None else None


@lru_cache(maxsize=1024)
def itemize(text: str) -> Items | None:
    """The runs raqm would shape `text` in, when their order is plain: text that is left to
    right throughout, cut by script (raqm's script resolution: common and inherited characters
    take the script around them, brackets the script of their opening one), or right-to-left
    text in one script with no numbers or left-to-right letters in it. None for anything else
    (and for empty text): Pillow lays that out, with fribidi's levels. Kept for the last
    texts: a run is itemized to be measured at two sizes, then drawn."""
    classes = [_char_class(ord(char)) for char in text]
    if not text or None in classes:
        return None
    allowed = {found[1] for found in classes if found is not None}
    if any(kind & _RTL_LETTER for kind in allowed):
        if not all(kind & _IN_RTL for kind in allowed):
            return None
        direction = freetype.HB_DIRECTION_RTL
    elif all(kind & _IN_LTR for kind in allowed):
        direction = freetype.HB_DIRECTION_LTR
    else:
        return None
    resolved = _resolve_scripts(text, [found[0] for found in classes if found is not None])
    items = []
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or resolved[index] != resolved[start]:
            items.append((start, index, resolved[start], direction))
            start = index
    if direction == freetype.HB_DIRECTION_RTL and len(items) > 1:
        return None  # raqm orders right-to-left runs visually: not done here
    return tuple(items)


def _resolve_scripts(text: str, scripts: list[int]) -> list[int]:
    """raqm's _raqm_resolve_scripts, step for step."""
    neutral = (freetype.HB_SCRIPT_COMMON, freetype.HB_SCRIPT_INHERITED)
    last_script_index = last_set_index = -1
    last_script = 0  # HB_SCRIPT_INVALID
    stack: list[tuple[int, int]] = []  # (script, pair index) of open brackets
    for index, char in enumerate(text):
        script = scripts[index]
        if script == freetype.HB_SCRIPT_COMMON and last_script_index != -1:
            pair = _PAIRED.get(ord(char), -1)
            if pair >= 0 and pair % 2 == 0:
                scripts[index] = last_script
                stack.append((last_script, pair))
            elif pair >= 0:
                while stack and stack[-1][1] != pair & ~1:
                    stack.pop()
                scripts[index] = stack[-1][0] if stack else last_script
                last_script = scripts[index]
            else:
                scripts[index] = last_script
            last_set_index = index
        elif script == freetype.HB_SCRIPT_INHERITED and last_script_index != -1:
            scripts[index] = last_script
            last_set_index = index
        else:
            for before in range(last_set_index + 1, index):
                scripts[before] = script
            last_script = script
            last_script_index = last_set_index = index
    for index in range(len(text) - 2, -1, -1):
        if scripts[index] in neutral:
            scripts[index] = scripts[index + 1]
    return scripts


# What a character allows of the text around it on this path (bits).
_IN_LTR, _IN_RTL, _RTL_LETTER = 1, 2, 4


@lru_cache(maxsize=4096)
def _char_class(codepoint: int) -> tuple[int, int] | None:
    """A character's script as raqm takes it before resolving (non-spacing marks inherit), and
    which direction of text it allows on this path; None where Pillow's libraries aren't
    reached."""
    libraries = freetype.libraries()
    if libraries is None:
        return None
    bidi = unicodedata.bidirectional(chr(codepoint))
    kind = _IN_RTL if bidi in _RTL_PLAIN else 0
    if bidi in _RTL_STRONG:
        kind |= _RTL_LETTER
    elif bidi not in _NOT_LTR and not any(start <= codepoint <= end for start, end in _RTL_BLOCKS):
        kind |= _IN_LTR
    hb = libraries.hb
    funcs = hb.hb_unicode_funcs_get_default()
    if hb.hb_unicode_general_category(funcs, codepoint) == freetype.HB_CATEGORY_NON_SPACING_MARK:
        return freetype.HB_SCRIPT_INHERITED, kind
    return int(hb.hb_unicode_script(funcs, codepoint)), kind


def clear_glyphs() -> None:
    """Forget every rasterised glyph, shaped and itemized run (the shapers stay loaded)."""
    GLYPHS.clear()
    SHAPED.clear()
    itemize.cache_clear()
