"""A PNG writer for placeholder images: only the rows with text are compressed.

Every pixel outside the text band has palette index 0 and every row starts with filter byte 0,
so the flat rows above and below the text are runs of zero bytes. Deflate pieces for runs of
2**k zero bytes are compressed once per `PngWriter` and joined (each ends in a sync flush, so
they concatenate into one valid stream), and the Adler-32 of a run of zeros has a closed form.
The cost of an image is then the cost of its text band, whatever the canvas size.
"""

from __future__ import annotations

import struct
import threading
import zlib
from collections.abc import Iterator

from isal import isal_zlib
from PIL import Image

from placepix.imaging.types import GlyphLayer

SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAND_LEVEL = 1  # isal level for the text band: measured 5x faster than zlib at level 1
BAND_BLOCK_BYTES = 512 * 1024  # the text band is drawn and compressed this much at a time: it
# stays in the CPU cache (measured: a 10 MB band took 2.4 ms in blocks of 256 KiB to 1 MiB,
# 10 ms in blocks of 2 MiB, 18 ms whole)
TRUECOLOUR_BATCH_ROWS = 64  # rows joined (with their filter bytes) per call to the compressor
_ADLER_MOD = 65521
_WINDOW_BITS = -15  # raw deflate: the zlib header and trailer are written here


def palette_png(size: tuple[int, int], palette: bytes, has_alpha: bool, indices: bytes) -> bytes:
    """The PNG file around `indices` (an `index_chunk` of the same size) in these colours."""
    width, height = size
    chunks = [
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
        _chunk(b"PLTE", _channels(palette, has_alpha, rgb=True)),
    ]
    if has_alpha:
        chunks.append(_chunk(b"tRNS", _channels(palette, has_alpha, rgb=False)))
    return SIGNATURE + b"".join(chunks) + indices + _IEND


def _text_band(width: int, coverage: GlyphLayer) -> Iterator[bytes]:
    """The raw scanlines (filter byte + indices) of the rows with text, a block of at most
    `BAND_BLOCK_BYTES` at a time: each block drawn on its own (its rows of the coverage pasted,
    clipped, into a block-sized image), so no band-sized image or buffer is ever made and what
    is compressed is still in the CPU's cache."""
    mask, (left, _) = coverage.image, coverage.origin
    row_bytes = width + 1
    block_rows = max(1, BAND_BLOCK_BYTES // row_bytes)
    for first in range(0, mask.height, block_rows):
        rows = min(block_rows, mask.height - first)
        # One extra leading column of zeros is the filter byte (0, None) of every scanline.
        block = Image.new("L", (row_bytes, rows), 0)
        block.paste(mask, (left + 1, -first))
        yield block.tobytes()


def _channels(palette: bytes, has_alpha: bool, *, rgb: bool) -> bytes:
    if not has_alpha:
        return palette if rgb else b""
    if rgb:
        return b"".join(palette[i : i + 3] for i in range(0, len(palette), 4))
    return palette[3::4]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_IEND = _chunk(b"IEND", b"")
_FINAL_BLOCK = zlib.compressobj(9, zlib.DEFLATED, _WINDOW_BITS).flush(zlib.Z_FINISH)  # empty, final


def truecolour_png(image: Image.Image, level: int = BAND_LEVEL) -> bytes:
    """An RGB or RGBA image as a PNG, every row unfiltered and the whole compressed by isal:
    for images that are not flat (a clipped avatar), several times faster than Pillow's
    adaptive filters and zlib, at a similar size for placeholders' flat colours."""
    width, height = image.size
    channels = {"RGB": 3, "RGBA": 4}[image.mode]
    pixels = memoryview(image.tobytes())
    stride = width * channels
    compressor = isal_zlib.compressobj(level, isal_zlib.DEFLATED, isal_zlib.MAX_WBITS)
    pieces = []
    for first in range(0, height, TRUECOLOUR_BATCH_ROWS):  # a batch at a time: no second copy
        rows = range(first * stride, min(height, first + TRUECOLOUR_BATCH_ROWS) * stride, stride)
        pieces.append(
            compressor.compress(b"".join(p for r in rows for p in (b"\0", pixels[r : r + stride])))
        )
    data = b"".join(pieces) + compressor.flush()
    colour_type = 6 if channels == 4 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _IEND


class PngWriter:
    """Writes the palette indices of text on a flat canvas, keeping the compressed runs of
    zero bytes it has made (at most one per power of two: a few KiB)."""

    def __init__(self) -> None:
        self._zero_runs: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def index_chunk(self, size: tuple[int, int], coverage: GlyphLayer | None) -> bytes:
        """The IDAT chunk of the palette indices: it depends on the text, not on the colours,
        so it can be kept and reused for the same text in every colour."""
        width, height = size
        row_bytes = width + 1
        top, rows = (coverage.origin[1], coverage.image.height) if coverage else (0, 0)
        pieces: list[bytes] = []
        adler = 1
        adler = self._zeros(top * row_bytes, pieces, adler)
        if coverage is not None and rows:
            compressor = isal_zlib.compressobj(BAND_LEVEL, isal_zlib.DEFLATED, _WINDOW_BITS)
            for block in _text_band(width, coverage):
                pieces.append(compressor.compress(block))
                adler = isal_zlib.adler32(block, adler)
            pieces.append(compressor.flush(isal_zlib.Z_SYNC_FLUSH))
        adler = self._zeros((height - top - rows) * row_bytes, pieces, adler)
        pieces.append(_FINAL_BLOCK)
        return _chunk(b"IDAT", b"\x78\x9c" + b"".join(pieces) + struct.pack(">I", adler))

    def _zeros(self, count: int, pieces: list[bytes], adler: int) -> int:
        """Append deflate pieces for `count` zero bytes; the Adler-32 continued over them."""
        bit = 0
        while count >> bit:
            if count >> bit & 1:
                pieces.append(self._zero_run(bit))
            bit += 1
        a, b = adler & 0xFFFF, adler >> 16
        return ((b + count * a) % _ADLER_MOD) << 16 | a

    def _zero_run(self, bit: int) -> bytes:
        """Raw deflate for 2**bit zero bytes, ending in a sync flush (not final)."""
        run = self._zero_runs.get(bit)
        if run is None:
            compressor = zlib.compressobj(9, zlib.DEFLATED, _WINDOW_BITS)
            run = compressor.compress(bytes(1 << bit)) + compressor.flush(zlib.Z_SYNC_FLUSH)
            with self._lock:
                self._zero_runs[bit] = run
        return run
