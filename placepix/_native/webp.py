"""Lossy WebP encoded band by band, so that a 4000x4000 image never exists in full colour.

Pillow hands libwebp a full ARGB copy of the image (4 bytes a pixel) and libwebp converts it
to the YUV 4:2:0 planes its encoder works on (1.5 bytes a pixel), keeping both: with Pillow's
own RGB canvas, a 4000x4000 WebP peaks near 150 MB. libwebp can also import pixels straight
into YUV planes (`use_argb = 0`), and its conversion works on pairs of rows, so an image
imported 64 rows at a time gives the same planes as one imported whole. Here the caller draws
each band, libwebp converts it, the planes are copied into the picture, and the encoder runs
on the planes alone: ~2 bytes a pixel at the peak.

This talks to the libwebp that Pillow itself loaded (ctypes, no compiler needed), and only when
its version is Pillow's, its major version is one this code was written for (1: encoder ABI
0x02xx, whose structs are declared below), and a small image encodes to exactly Pillow's bytes
(tests/test_webp.py compares many more); otherwise `load()` is None and callers use Pillow.
It runs behind `placepix._native.gate.NativePath`.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Mapping
from ctypes import Structure, c_float, c_int, c_size_t, c_uint32, c_void_p
from types import MappingProxyType
from typing import Any

from PIL import Image, features

from placepix._native.loader import BandSource, pillows_library

BAND_ROWS = 64  # even: libwebp averages chroma over pairs of rows
_ABI_VERSION = 0x0210  # WEBP_ENCODER_ABI_VERSION of libwebp 1.6; structs unchanged across 1.x
SUPPORTED_MAJOR = "1"  # libwebp 2 may change the structs: refused, Pillow encodes instead
_YUV420, _YUV420A = 0, 4
_PRESET_DEFAULT = 0


class _Config(Structure):
    _fields_ = [
        ("lossless", c_int),
        ("quality", c_float),
        ("method", c_int),
        ("image_hint", c_int),
        ("target_size", c_int),
        ("target_PSNR", c_float),
        *((name, c_int) for name in (
            "segments", "sns_strength", "filter_strength", "filter_sharpness", "filter_type",
            "autofilter", "alpha_compression", "alpha_filtering", "alpha_quality", "pass",
            "show_compressed", "preprocessing", "partitions", "partition_limit",
            "emulate_jpeg_size", "thread_level", "low_memory", "near_lossless", "exact",
            "use_delta_palette", "use_sharp_yuv", "qmin", "qmax",
        )),
    ]  # fmt: skip


class _Picture(Structure):
    _fields_ = [
        ("use_argb", c_int),
        ("colorspace", c_int),
        ("width", c_int),
        ("height", c_int),
        ("y", c_void_p),
        ("u", c_void_p),
        ("v", c_void_p),
        ("y_stride", c_int),
        ("uv_stride", c_int),
        ("a", c_void_p),
        ("a_stride", c_int),
        ("pad1", c_uint32 * 2),
        ("argb", c_void_p),
        ("argb_stride", c_int),
        ("pad2", c_uint32 * 3),
        ("writer", c_void_p),
        ("custom_ptr", c_void_p),
        ("extra_info_type", c_int),
        ("extra_info", c_void_p),
        ("stats", c_void_p),
        ("error_code", c_int),
        ("progress_hook", c_void_p),
        ("user_data", c_void_p),
        ("pad3", c_uint32 * 3),
        ("pad4", c_void_p),
        ("pad5", c_void_p),
        ("pad6", c_uint32 * 8),
        ("memory_", c_void_p),
        ("memory_argb_", c_void_p),
        ("pad7", c_void_p * 2),
    ]


class _MemoryWriter(Structure):
    _fields_ = [("mem", c_void_p), ("size", c_size_t), ("max_size", c_size_t), ("pad", c_uint32)]


class BandedEncoder:
    """Lossy WebP from bands of rows, through one libwebp shared library."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._lib = library
        for name, argtypes in _SIGNATURES.items():
            function = getattr(library, name)
            function.argtypes = argtypes
            function.restype = c_int
        self._write = ctypes.cast(library.WebPMemoryWrite, c_void_p).value

    def encode(
        self, size: tuple[int, int], band: BandSource, alpha: bool, quality: float, method: int
    ) -> bytes:
        """The WebP that Pillow's `save(format="WEBP", quality=..., method=...)` makes of the
        image whose rows `band` draws; `alpha` says whether it may be translucent."""
        config = self._config(quality, method)
        picture = self._picture(size, _YUV420A if alpha else _YUV420)
        writer = _MemoryWriter()
        try:
            if not self._lib.WebPPictureAlloc(ctypes.byref(picture)):
                raise MemoryError("libwebp could not allocate the picture")
            self._import_bands(picture, band, alpha)
            self._lib.WebPMemoryWriterInit(ctypes.byref(writer))
            picture.writer = self._write
            picture.custom_ptr = ctypes.addressof(writer)
            if not self._lib.WebPEncode(ctypes.byref(config), ctypes.byref(picture)):
                raise ValueError(f"libwebp encoding error {picture.error_code}")
            return ctypes.string_at(writer.mem, writer.size)
        finally:
            self._lib.WebPPictureFree(ctypes.byref(picture))
            self._lib.WebPMemoryWriterClear(ctypes.byref(writer))

    def _config(self, quality: float, method: int) -> _Config:
        config = _Config()
        if not self._lib.WebPConfigInitInternal(
            ctypes.byref(config), _PRESET_DEFAULT, c_float(75.0), _ABI_VERSION
        ):
            raise RuntimeError("libwebp rejected its configuration")
        config.quality = quality
        config.method = method
        if not self._lib.WebPValidateConfig(ctypes.byref(config)):
            raise ValueError(f"invalid WebP settings: quality {quality}, method {method}")
        return config

    def _picture(self, size: tuple[int, int], colorspace: int) -> _Picture:
        picture = _Picture()
        if not self._lib.WebPPictureInitInternal(ctypes.byref(picture), _ABI_VERSION):
            raise RuntimeError("libwebp rejected its picture")
        picture.width, picture.height = size
        picture.colorspace = colorspace
        return picture

    def _import_bands(self, picture: _Picture, band: BandSource, alpha: bool) -> None:
        """Convert each band to YUV(A) in a scratch picture and copy its planes into place."""
        width, height = picture.width, picture.height
        scratch = self._picture((width, BAND_ROWS), _YUV420)
        lib = self._lib
        import_pixels = lib.WebPPictureImportRGBA if alpha else lib.WebPPictureImportRGBX
        try:
            for top in range(0, height, BAND_ROWS):
                rows = min(BAND_ROWS, height - top)
                scratch.height = rows
                pixels = band(top, top + rows).tobytes("raw", "RGBA" if alpha else "RGBX")
                if not import_pixels(ctypes.byref(scratch), pixels, 4 * width):
                    raise MemoryError("libwebp could not convert a band")
                _copy_planes(scratch, picture, top, rows)
        finally:
            self._lib.WebPPictureFree(ctypes.byref(scratch))


def _copy_planes(band: _Picture, picture: _Picture, top: int, rows: int) -> None:
    assert band.y_stride == picture.y_stride and band.uv_stride == picture.uv_stride
    luma, chroma = picture.y_stride, picture.uv_stride
    chroma_rows = (rows + 1) // 2
    ctypes.memmove(picture.y + top * luma, band.y, rows * luma)
    ctypes.memmove(picture.u + top // 2 * chroma, band.u, chroma_rows * chroma)
    ctypes.memmove(picture.v + top // 2 * chroma, band.v, chroma_rows * chroma)
    if picture.a:
        destination = picture.a + top * picture.a_stride
        if band.a:  # libwebp leaves out the alpha plane of a band that is all opaque
            ctypes.memmove(destination, band.a, rows * picture.a_stride)
        else:
            ctypes.memset(destination, 0xFF, rows * picture.a_stride)


_P = c_void_p
_SIGNATURES: Mapping[str, list[Any]] = MappingProxyType(
    {
        "WebPGetEncoderVersion": [],
        "WebPConfigInitInternal": [_P, c_int, c_float, c_int],
        "WebPValidateConfig": [_P],
        "WebPPictureInitInternal": [_P, c_int],
        "WebPPictureAlloc": [_P],
        "WebPPictureImportRGBA": [_P, ctypes.c_char_p, c_int],
        "WebPPictureImportRGBX": [_P, ctypes.c_char_p, c_int],
        "WebPPictureFree": [_P],
        "WebPMemoryWriterInit": [_P],
        "WebPMemoryWriterClear": [_P],
        "WebPEncode": [_P, _P],
    }
)


def load() -> BandedEncoder | None:
    """The banded encoder over Pillow's own libwebp, or None when that library can't be found
    or is not one this code was written for."""
    wanted = features.version("webp")
    if wanted is None or wanted.split(".")[0] != SUPPORTED_MAJOR:
        return None
    library = pillows_library("webp", "PIL._webp", _encoder_version, wanted)
    if library is None:
        return None
    encoder = BandedEncoder(library)
    return encoder if _matches_pillow(encoder) else None


def _matches_pillow(encoder: BandedEncoder) -> bool:
    """The self-test of the gate: a small translucent image, banded and by Pillow."""
    image = Image.new("RGBA", (67, 131), (200, 30, 90, 255))
    image.paste((10, 200, 40, 120), (5, 70, 60, 131))
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=80, method=0)
    banded = encoder.encode(image.size, lambda top, bottom: image.crop((0, top, 67, bottom)),
                            True, 80, 0)  # fmt: skip
    return banded == buffer.getvalue()


def _encoder_version(library: ctypes.CDLL) -> str:
    library.WebPGetEncoderVersion.restype = c_int
    version = library.WebPGetEncoderVersion()
    return f"{version >> 16}.{(version >> 8) & 0xFF}.{version & 0xFF}"
