"""FreeType and HarfBuzz, the copies Pillow itself loaded, through ctypes.

Pillow lays text out with raqm (HarfBuzz over a FreeType face) and draws it with FreeType, but
builds that state again for every call: a new HarfBuzz font for each `getlength`, and each glyph
loaded three times and rasterised twice for each `getmask2`. placepix.text.shaping keeps the state
between calls instead. To get exactly Pillow's positions and pixels it must use the very
libraries Pillow uses, so `libraries()` only answers when their versions are Pillow's (the
wheels bundle both); elsewhere it is None and text goes through Pillow.

Only the parts of the structures that placepix reads are declared; their layout is FreeType's
public ABI, unchanged across 2.x.
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import POINTER, Structure, c_char_p, c_int, c_long, c_uint, c_uint32, c_void_p
from dataclasses import dataclass, field
from functools import cache

from PIL import features

from placepix._native.loader import pillows_library

Pos = c_long  # FT_Pos: 26.6 fixed point, or whole pixels for FT_GLYPH_BBOX_PIXELS

LOAD_DEFAULT = 0
RENDER_MODE_NORMAL = 0
GLYPH_FORMAT_OUTLINE = int.from_bytes(b"outl", "big")
PIXEL_MODE_GRAY = 2
SIZE_REQUEST_TYPE_NOMINAL = 0
HB_DIRECTION_LTR = 4
HB_DIRECTION_RTL = 5
HB_BUFFER_FLAGS_BOT_EOT = 0x1 | 0x2  # raqm's flags for a whole paragraph
HB_CATEGORY_NON_SPACING_MARK = 12


def hb_tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")


HB_SCRIPT_COMMON = hb_tag("Zyyy")
HB_SCRIPT_INHERITED = hb_tag("Zinh")


class _Generic(Structure):
    _fields_ = [("data", c_void_p), ("finalizer", c_void_p)]


class BBox(Structure):
    _fields_ = [("xMin", Pos), ("yMin", Pos), ("xMax", Pos), ("yMax", Pos)]


class Bitmap(Structure):
    _fields_ = [
        ("rows", c_uint),
        ("width", c_uint),
        ("pitch", c_int),
        ("buffer", c_void_p),
        ("num_grays", ctypes.c_ushort),
        ("pixel_mode", ctypes.c_ubyte),
        ("palette_mode", ctypes.c_ubyte),
        ("palette", c_void_p),
    ]


class Outline(Structure):
    _fields_ = [
        ("n_contours", ctypes.c_short),
        ("n_points", ctypes.c_short),
        ("points", c_void_p),
        ("tags", c_void_p),
        ("contours", c_void_p),
        ("flags", c_int),
    ]


class GlyphSlot(Structure):
    _fields_ = [
        ("library", c_void_p),
        ("face", c_void_p),
        ("next", c_void_p),
        ("glyph_index", c_uint),
        ("generic", _Generic),
        ("metrics", Pos * 8),
        ("linearHoriAdvance", c_long),
        ("linearVertAdvance", c_long),
        ("advance", Pos * 2),
        ("format", c_int),
        ("bitmap", Bitmap),
        ("bitmap_left", c_int),
        ("bitmap_top", c_int),
        ("outline", Outline),
    ]


class SizeMetrics(Structure):
    _fields_ = [
        ("x_ppem", ctypes.c_ushort),
        ("y_ppem", ctypes.c_ushort),
        ("x_scale", c_long),
        ("y_scale", c_long),
        ("ascender", Pos),
        ("descender", Pos),
        ("height", Pos),
        ("max_advance", Pos),
    ]


class Size(Structure):
    _fields_ = [("face", c_void_p), ("generic", _Generic), ("metrics", SizeMetrics)]


class Face(Structure):
    _fields_ = [
        ("num_faces", c_long),
        ("face_index", c_long),
        ("face_flags", c_long),
        ("style_flags", c_long),
        ("num_glyphs", c_long),
        ("family_name", c_char_p),
        ("style_name", c_char_p),
        ("num_fixed_sizes", c_int),
        ("available_sizes", c_void_p),
        ("num_charmaps", c_int),
        ("charmaps", c_void_p),
        ("generic", _Generic),
        ("bbox", BBox),
        *((name, ctypes.c_short) for name in (
            "units_per_EM", "ascender", "descender", "height", "max_advance_width",
            "max_advance_height", "underline_position", "underline_thickness",
        )),
        ("glyph", POINTER(GlyphSlot)),
        ("size", POINTER(Size)),
    ]  # fmt: skip


class SizeRequest(Structure):
    _fields_ = [
        ("type", c_int),
        ("width", c_long),
        ("height", c_long),
        ("horiResolution", c_uint),
        ("vertResolution", c_uint),
    ]


class GlyphInfo(Structure):  # hb_glyph_info_t
    _fields_ = [(name, c_uint32) for name in ("codepoint", "mask", "cluster", "var1", "var2")]


class GlyphPosition(Structure):  # hb_glyph_position_t
    _fields_ = [
        ("x_advance", ctypes.c_int32),
        ("y_advance", ctypes.c_int32),
        ("x_offset", ctypes.c_int32),
        ("y_offset", ctypes.c_int32),
        ("var", c_uint32),
    ]


FacePointer = POINTER(Face)


@dataclass(frozen=True)
class Libraries:
    """Pillow's libfreetype and libharfbuzz, their functions typed, and a FreeType library
    instance of placepix's own (FreeType allows several in a process). Faces are opened and
    closed under `faces_lock`: a FreeType library's list of faces is not thread-safe (Pillow
    locks the same calls)."""

    ft: ctypes.CDLL
    hb: ctypes.CDLL
    library: c_void_p
    faces_lock: threading.Lock = field(default_factory=threading.Lock, compare=False)


@cache
def libraries() -> Libraries | None:
    """The libraries, once per process; None when Pillow lays text out without raqm or its
    libraries can't be found at Pillow's versions."""
    from PIL import _imagingft

    if not features.check("raqm"):
        return None
    ft = pillows_library(
        "freetype", "PIL._imagingft", _freetype_version, _imagingft.freetype2_version
    )
    hb = pillows_library(
        "harfbuzz", "PIL._imagingft", _harfbuzz_version, str(_imagingft.harfbuzz_version)
    )
    if ft is None or hb is None:
        return None
    _declare(ft, hb)
    library = c_void_p()
    if ft.FT_Init_FreeType(ctypes.byref(library)) != 0:
        return None
    return Libraries(ft, hb, library)


def _freetype_version(ft: ctypes.CDLL) -> str:
    probe = c_void_p()
    if ft.FT_Init_FreeType(ctypes.byref(probe)) != 0:
        return ""
    parts = [c_int(), c_int(), c_int()]
    ft.FT_Library_Version(probe, *(ctypes.byref(part) for part in parts))
    ft.FT_Done_FreeType(probe)
    return ".".join(str(part.value) for part in parts)


def _harfbuzz_version(hb: ctypes.CDLL) -> str:
    hb.hb_version_string.restype = c_char_p
    return str(hb.hb_version_string().decode())


def _declare(ft: ctypes.CDLL, hb: ctypes.CDLL) -> None:
    """Argument and result types: ctypes would otherwise pass 64-bit pointers as C ints."""
    ft.FT_New_Face.argtypes = [c_void_p, c_char_p, c_long, POINTER(FacePointer)]
    ft.FT_Done_Face.argtypes = [FacePointer]
    ft.FT_Request_Size.argtypes = [FacePointer, POINTER(SizeRequest)]
    ft.FT_New_Size.argtypes = [FacePointer, POINTER(c_void_p)]
    ft.FT_Activate_Size.argtypes = [c_void_p]
    ft.FT_Done_Size.argtypes = [c_void_p]
    ft.FT_Load_Glyph.argtypes = [FacePointer, c_uint, ctypes.c_int32]
    ft.FT_Render_Glyph.argtypes = [POINTER(GlyphSlot), c_int]
    ft.FT_Outline_Get_CBox.argtypes = [POINTER(Outline), POINTER(BBox)]
    hb.hb_ft_font_create_referenced.argtypes = [FacePointer]
    hb.hb_ft_font_create_referenced.restype = c_void_p
    hb.hb_font_destroy.argtypes = [c_void_p]
    hb.hb_buffer_create.restype = c_void_p
    hb.hb_buffer_destroy.argtypes = [c_void_p]
    hb.hb_buffer_clear_contents.argtypes = [c_void_p]
    hb.hb_buffer_add_utf32.argtypes = [c_void_p, POINTER(c_uint32), c_int, c_uint, c_int]
    hb.hb_buffer_set_script.argtypes = [c_void_p, c_uint32]
    hb.hb_buffer_set_language.argtypes = [c_void_p, c_void_p]
    hb.hb_buffer_set_direction.argtypes = [c_void_p, c_int]
    hb.hb_buffer_set_flags.argtypes = [c_void_p, c_uint]
    hb.hb_shape.argtypes = [c_void_p, c_void_p, c_void_p, c_uint]
    hb.hb_buffer_get_glyph_infos.argtypes = [c_void_p, POINTER(c_uint)]
    hb.hb_buffer_get_glyph_infos.restype = POINTER(GlyphInfo)
    hb.hb_buffer_get_glyph_positions.argtypes = [c_void_p, POINTER(c_uint)]
    hb.hb_buffer_get_glyph_positions.restype = POINTER(GlyphPosition)
    hb.hb_language_get_default.restype = c_void_p
    hb.hb_unicode_funcs_get_default.restype = c_void_p
    hb.hb_unicode_script.argtypes = [c_void_p, c_uint32]
    hb.hb_unicode_script.restype = c_uint32
    hb.hb_unicode_general_category.argtypes = [c_void_p, c_uint32]
    hb.hb_unicode_general_category.restype = c_int
