"""AVIF encoded band by band, with the interpreter free while libavif works.

Pillow's AVIF encoder takes the image as one RGB string (`tobytes`, 3 bytes a pixel), copies it
into libavif's RGB buffer while it holds the GIL, and converts that to YUV 4:2:0 planes (1.5
bytes a pixel). At 4000x4000 the copy alone stalls every other thread of the worker, its event
loop included, for ~25 ms, and the RGB canvas and its two copies take ~150 MB. libavif can
convert part of an image (a view of a band of rows, `avifImageSetViewRect`), and it averages
chroma over pairs of rows, so bands of an even number of rows give the planes of the whole
image. Here the caller draws each band, libavif converts it into the image's own planes, and
the encoder runs on the planes; every libavif call goes through ctypes, which releases the GIL.

Only the libavif that Pillow itself loaded is used, when its version is Pillow's and within
SUPPORTED_VERSIONS (the struct layouts below are those of libavif 1.0 to 1.4), and a small image
encodes to exactly Pillow's bytes, with Pillow's settings (tests/test_avif.py compares many
more); otherwise `load()` is None and callers use Pillow. The RGB image struct, which libavif
fills itself, has room to spare, so a field added in a minor release can't write past it. It
runs behind `placepix._native.gate.NativePath`.
"""

from __future__ import annotations

import ctypes
import io
from collections.abc import Mapping
from ctypes import POINTER, Structure, c_char_p, c_int, c_size_t, c_uint16, c_uint32, c_void_p
from types import MappingProxyType
from typing import Any

from PIL import Image, features

from placepix._native.loader import BandSource, pillows_library

BAND_ROWS = 64  # even: libavif averages chroma over pairs of rows
SUPPORTED_VERSIONS = ((1, 0), (1, 5))  # [from, to): the struct layouts below were checked there
_STRUCT_RESERVE = 256  # bytes past the declared fields of structs that libavif fills
_OK = 0
_YUV420 = 3
_RANGE_FULL = 1
_PRIMARIES_BT709, _TRANSFER_SRGB, _MATRIX_BT601 = 1, 13, 6  # what Pillow writes without ICC
_RGB, _RGBA = 0, 1
_PLANES_YUV, _PLANES_ALL = 0x1, 0xFF
_ADD_IMAGE_SINGLE = 1 << 1
_TIMESCALE = 1000  # Pillow's
_MAX_AOM_THREADS = 64  # Pillow caps max_threads there when aom encodes


class _Image(Structure):
    """The head of `avifImage`, up to the fields placepix sets."""

    _fields_ = [
        ("width", c_uint32),
        ("height", c_uint32),
        ("depth", c_uint32),
        ("yuvFormat", c_int),
        ("yuvRange", c_int),
        ("yuvChromaSamplePosition", c_int),
        ("yuvPlanes", c_void_p * 3),
        ("yuvRowBytes", c_uint32 * 3),
        ("imageOwnsYUVPlanes", c_int),
        ("alphaPlane", c_void_p),
        ("alphaRowBytes", c_uint32),
        ("imageOwnsAlphaPlane", c_int),
        ("alphaPremultiplied", c_int),
        ("icc_data", c_void_p),
        ("icc_size", c_size_t),
        ("colorPrimaries", c_uint16),
        ("transferCharacteristics", c_uint16),
        ("matrixCoefficients", c_uint16),
    ]


class _RGBImage(Structure):
    _fields_ = [
        ("width", c_uint32),
        ("height", c_uint32),
        ("depth", c_uint32),
        ("format", c_int),
        ("chromaUpsampling", c_int),
        ("chromaDownsampling", c_int),
        ("avoidLibYUV", c_int),
        ("ignoreAlpha", c_int),
        ("alphaPremultiplied", c_int),
        ("isFloat", c_int),
        ("maxThreads", c_int),
        ("pixels", c_char_p),
        ("rowBytes", c_uint32),
        ("_reserve", ctypes.c_uint8 * _STRUCT_RESERVE),
    ]


class _Encoder(Structure):
    """The head of `avifEncoder`, up to the fields placepix sets."""

    _fields_ = [
        ("codecChoice", c_int),
        ("maxThreads", c_int),
        ("speed", c_int),
        ("keyframeInterval", c_int),
        ("timescale", ctypes.c_uint64),
        ("repetitionCount", c_int),
        ("extraLayerCount", c_uint32),
        ("quality", c_int),
        ("qualityAlpha", c_int),
        ("minQuantizer", c_int),
        ("maxQuantizer", c_int),
        ("minQuantizerAlpha", c_int),
        ("maxQuantizerAlpha", c_int),
        ("tileRowsLog2", c_int),
        ("tileColsLog2", c_int),
        ("autoTiling", c_int),
    ]


class _RWData(Structure):
    _fields_ = [("data", c_void_p), ("size", c_size_t)]


class _CropRect(Structure):
    _fields_ = [("x", c_uint32), ("y", c_uint32), ("width", c_uint32), ("height", c_uint32)]


class BandedEncoder:
    """AVIF from bands of rows, through one libavif shared library."""

    def __init__(self, library: ctypes.CDLL) -> None:
        self._lib = library
        for name, (restype, argtypes) in _SIGNATURES.items():
            function = getattr(library, name)
            function.restype = restype
            function.argtypes = argtypes

    def encode(
        self,
        size: tuple[int, int],
        band: BandSource,
        alpha: bool,
        *,
        quality: int,
        speed: int,
        max_threads: int,
    ) -> bytes:
        """The AVIF that Pillow's `save(format="AVIF", quality=..., speed=...,
        max_threads=...)` makes of the image whose rows `band` draws; `alpha` says whether it
        may be translucent."""
        lib = self._lib
        image = lib.avifImageCreate(size[0], size[1], 8, _YUV420)
        encoder = lib.avifEncoderCreate()
        output = _RWData()
        try:
            if not image or not encoder:
                raise MemoryError("libavif could not allocate the image or the encoder")
            _set_up_like_pillow(image.contents, encoder.contents, quality, speed, max_threads)
            _check(lib.avifImageAllocatePlanes(image, _PLANES_ALL if alpha else _PLANES_YUV))
            self._convert_bands(image, band, alpha)
            _check(lib.avifEncoderAddImage(encoder, image, 0, _ADD_IMAGE_SINGLE))
            _check(lib.avifEncoderFinish(encoder, ctypes.byref(output)))
            return ctypes.string_at(output.data, output.size)
        finally:
            lib.avifRWDataFree(ctypes.byref(output))
            if encoder:
                lib.avifEncoderDestroy(encoder)
            if image:
                lib.avifImageDestroy(image)

    def _convert_bands(self, image: Any, band: BandSource, alpha: bool) -> None:
        """Convert each band to YUV(A) straight into the image's planes, through a view."""
        lib = self._lib
        width, height = image.contents.width, image.contents.height
        view = lib.avifImageCreateEmpty()
        if not view:
            raise MemoryError("libavif could not allocate a view")
        rgb = _RGBImage()
        try:
            for top in range(0, height, BAND_ROWS):
                rows = min(BAND_ROWS, height - top)
                _check(lib.avifImageSetViewRect(view, image, _CropRect(0, top, width, rows)))
                pixels = band(top, top + rows).tobytes("raw", "RGBA" if alpha else "RGB")
                row_bytes = (4 if alpha else 3) * width
                if len(pixels) != row_bytes * rows:  # libavif would read past the end
                    raise ValueError(f"a band of {rows} rows has {len(pixels)} bytes")
                lib.avifRGBImageSetDefaults(ctypes.byref(rgb), view)
                rgb.format = _RGBA if alpha else _RGB
                rgb.pixels = pixels
                rgb.rowBytes = row_bytes
                result = lib.avifImageRGBToYUV(view, ctypes.byref(rgb))
                _disown_planes(view.contents)
                _check(result)
        finally:
            lib.avifImageDestroy(view)


def _disown_planes(view: _Image) -> None:
    """`avifImageRGBToYUV` marks the planes it writes as the image's own, even a view's that
    point into another image: left so, the next `avifImageSetViewRect` would free them."""
    view.imageOwnsYUVPlanes = 0
    view.imageOwnsAlphaPlane = 0


def _set_up_like_pillow(
    image: _Image, encoder: _Encoder, quality: int, speed: int, max_threads: int
) -> None:
    """The settings of Pillow's `AvifEncoderNew` for an image without ICC profile or Exif."""
    image.yuvRange = _RANGE_FULL
    image.alphaPremultiplied = 0
    image.colorPrimaries = _PRIMARIES_BT709
    image.transferCharacteristics = _TRANSFER_SRGB
    image.matrixCoefficients = _MATRIX_BT601
    encoder.maxThreads = min(max_threads, _MAX_AOM_THREADS)
    encoder.quality = quality
    encoder.codecChoice = 0  # auto
    encoder.speed = max(0, min(10, speed))
    encoder.timescale = _TIMESCALE
    encoder.autoTiling = 1


def _check(result: int) -> None:
    if result != _OK:
        raise ValueError(f"libavif error {result}")


_P = c_void_p
_IMAGE = POINTER(_Image)
_SIGNATURES: Mapping[str, tuple[Any, list[Any]]] = MappingProxyType(
    {
        "avifImageCreate": (_IMAGE, [c_uint32, c_uint32, c_uint32, c_int]),
        "avifImageCreateEmpty": (_IMAGE, []),
        "avifImageAllocatePlanes": (c_int, [_IMAGE, c_uint32]),
        "avifImageSetViewRect": (c_int, [_IMAGE, _IMAGE, POINTER(_CropRect)]),
        "avifImageDestroy": (None, [_IMAGE]),
        "avifRGBImageSetDefaults": (None, [_P, _IMAGE]),
        "avifImageRGBToYUV": (c_int, [_IMAGE, _P]),
        "avifEncoderCreate": (POINTER(_Encoder), []),
        "avifEncoderAddImage": (c_int, [POINTER(_Encoder), _IMAGE, ctypes.c_uint64, c_uint32]),
        "avifEncoderFinish": (c_int, [POINTER(_Encoder), _P]),
        "avifEncoderDestroy": (None, [POINTER(_Encoder)]),
        "avifRWDataFree": (None, [_P]),
    }
)


def load() -> BandedEncoder | None:
    """The banded encoder over Pillow's own libavif, or None when that library can't be found
    or is not one this code was written for."""
    wanted = features.version("avif")
    if wanted is None or not _supported(wanted):
        return None
    library = pillows_library("avif", "PIL._avif", _version, wanted)
    if library is None:
        return None
    encoder = BandedEncoder(library)
    return encoder if _matches_pillow(encoder) else None


def _supported(version: str) -> bool:
    try:
        major_minor = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    low, high = SUPPORTED_VERSIONS
    return low <= major_minor < high


def _matches_pillow(encoder: BandedEncoder) -> bool:
    """The self-test of the gate: a small translucent image, banded and by Pillow."""
    image = Image.new("RGBA", (67, 131), (200, 30, 90, 255))
    image.paste((10, 200, 40, 120), (5, 70, 60, 131))
    buffer = io.BytesIO()
    image.save(buffer, "AVIF", quality=60, speed=10, max_threads=1)
    banded = encoder.encode(
        image.size,
        lambda top, bottom: image.crop((0, top, 67, bottom)),
        True,
        quality=60,
        speed=10,
        max_threads=1,
    )
    return banded == buffer.getvalue()


def _version(library: ctypes.CDLL) -> str:
    library.avifVersion.restype = c_char_p
    version: bytes = library.avifVersion()
    return version.decode()
