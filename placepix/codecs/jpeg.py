"""JPEG for text on a flat background: encode only the rows with text, splice in flat rows.

With a restart marker after every row of MCUs (16-pixel rows with 4:2:0 subsampling), each row
of the entropy-coded data stands alone: the DC predictors restart. A row that is all background
encodes to the same bytes wherever it is, so it is encoded once per (width, colour) and kept
(by the `BandedJpeg` that a Renderer owns);
only the band of rows that holds text goes through libjpeg. The rows are joined with their
restart markers renumbered (RST0..RST7 in turn) under the header of the band's encode, its
height patched to the full image. The result is byte-identical to libjpeg encoding the whole
image with `restart_marker_rows=1` (tests/test_jpeg.py), at the cost of the band alone.
"""

from __future__ import annotations

import io
import struct
import threading

from cachetools import LRUCache
from PIL import Image

MCU_HEIGHT = 16  # 4:2:0 subsampling: an MCU is 16x16 pixels
FLAT_ROWS_CACHED = 64  # (width, colour, quality) entries
_SOF0, _SOS, _EOI = b"\xff\xc0", b"\xff\xda", b"\xff\xd9"


def _encode(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, restart_marker_rows=1)
    return buffer.getvalue()


def _split(jpeg: bytes) -> tuple[bytes, list[bytes]]:
    """The header up to the entropy-coded data, and that data row by row (markers removed)."""
    sos = jpeg.index(_SOS)
    data_start = sos + 2 + struct.unpack(">H", jpeg[sos + 2 : sos + 4])[0]
    data = jpeg[data_start : jpeg.rindex(_EOI)]
    rows, start = [], 0
    position = data.find(b"\xff", start)
    while position != -1:
        following = data[position + 1]
        if 0xD0 <= following <= 0xD7:  # RSTn; 0xFF 0x00 is a stuffed data byte
            rows.append(data[start:position])
            start = position + 2
        position = data.find(b"\xff", position + 2)
    rows.append(data[start:])
    return jpeg[:data_start], rows


def _with_height(header: bytes, height: int) -> bytes:
    sof = header.index(_SOF0)
    return header[: sof + 5] + struct.pack(">H", height) + header[sof + 7 :]


class BandedJpeg:
    """The banded JPEG encoder, with the flat rows it has encoded."""

    def __init__(self) -> None:
        self._flat_rows: LRUCache[tuple[int, tuple[int, int, int], int], bytes] = LRUCache(
            FLAT_ROWS_CACHED
        )
        self._lock = threading.Lock()

    def encode(
        self,
        size: tuple[int, int],
        background: tuple[int, int, int],
        band: Image.Image | None,
        band_top: int,
        quality: int,
    ) -> bytes:
        """A JPEG of `size` in `background`, with `band` (RGB, full width) at row `band_top`,
        which must be a multiple of MCU_HEIGHT; the band reaches the bottom or ends on an MCU
        row."""
        width, height = size
        rows = -(-height // MCU_HEIGHT)
        if band is None:
            band = Image.new("RGB", (width, min(height, MCU_HEIGHT)), background)
            band_top = 0
        header, band_rows = _split(_encode(band, quality))
        first = band_top // MCU_HEIGHT
        flat = self._flat_row(width, background, quality)
        segments = [flat] * first + band_rows + [flat] * (rows - first - len(band_rows))
        body = bytearray(_with_height(header, height))
        for index, segment in enumerate(segments):
            body += segment
            if index < len(segments) - 1:
                body += bytes((0xFF, 0xD0 + index % 8))
        return bytes(body + _EOI)

    def _flat_row(self, width: int, colour: tuple[int, int, int], quality: int) -> bytes:
        """The entropy-coded bytes of one MCU row of `colour`: the same for every such row."""
        key = (width, colour, quality)
        with self._lock:
            cached = self._flat_rows.get(key)
        if cached is None:
            _, rows = _split(_encode(Image.new("RGB", (width, MCU_HEIGHT), colour), quality))
            cached = rows[0]
            with self._lock:
                self._flat_rows[key] = cached
        return cached
