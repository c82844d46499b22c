"""Which characters a font file has glyphs for, read from its 'cmap' table as ranges.

The fallback chain asks this of 150-odd fonts (an emoji walks all of them). fontTools answered
it by building a dict of every code point, tens of thousands of Python objects per font: a
worker kept ~10 MB of fragmented heap from one emoji. This reads the two subtable formats fonts
use for Unicode (4 for the Basic Multilingual Plane, 12 for all planes) straight into arrays of
ranges. tests/test_cmap.py checks it against fontTools on every installed font.
"""

from __future__ import annotations

import mmap
import struct
from array import array
from bisect import bisect_right
from pathlib import Path

Buffer = bytes | mmap.mmap
# Unicode subtables by preference, as fontTools' getBestCmap: (platform, encoding).
PREFERRED_SUBTABLES = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3), (0, 2), (0, 1), (0, 0))


class UnsupportedCmapError(ValueError):
    """The font's Unicode subtable is in a format other than 4 or 12."""


class Coverage:
    """Code points as sorted, disjoint ranges [start, end]: a few bytes per range."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self._starts = array("I", (start for start, _ in ranges))
        self._ends = array("I", (end for _, end in ranges))

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        index = bisect_right(self._starts, code) - 1
        return index >= 0 and code <= self._ends[index]

    def __len__(self) -> int:
        return sum(end - start + 1 for start, end in zip(self._starts, self._ends, strict=True))

    def sample(self, preferred: str = "A") -> str | None:
        """A character the font has: `preferred` if it has it, else its first; None if empty."""
        if ord(preferred) in self:
            return preferred
        return chr(self._starts[0]) if self._starts else None


def read_coverage(path: Path, font_number: int = 0) -> Coverage:
    """The code points the font maps to a glyph other than .notdef (collections: font
    `font_number`). `UnsupportedCmapError` for other subtable formats; `OSError`,
    `struct.error` or `ValueError` for files that are not fonts."""
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
        # mapped, not read: the CJK collection is 20 MB, of which the cmap is a small part
        return coverage_of(data, font_number)


def coverage_of(data: Buffer, font_number: int = 0) -> Coverage:
    """`read_coverage` for a font already read or mapped (placepix.text.vetting opens the file
    itself, having checked what it is); the same errors."""
    cmap = _table(data, b"cmap", font_number)
    return Coverage(_merge(_subtable_ranges(data, cmap)))


def _table(data: Buffer, tag: bytes, font_number: int) -> int:
    """The offset of table `tag` in an OpenType file or collection."""
    start = 0
    if data[:4] == b"ttcf":
        (count,) = struct.unpack_from(">I", data, 8)
        if font_number >= count:
            raise ValueError(f"collection has {count} fonts")
        (start,) = struct.unpack_from(">I", data, 12 + 4 * font_number)
    (tables,) = struct.unpack_from(">H", data, start + 4)
    for index in range(tables):
        record = start + 12 + 16 * index
        if data[record : record + 4] == tag:
            return int(struct.unpack_from(">I", data, record + 8)[0])
    raise ValueError(f"no {tag.decode()} table")


def _subtable_ranges(data: Buffer, cmap: int) -> list[tuple[int, int]]:
    _, count = struct.unpack_from(">HH", data, cmap)
    offsets: dict[tuple[int, int], int] = {}
    for index in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * index)
        offsets.setdefault((platform, encoding), cmap + offset)
    for key in PREFERRED_SUBTABLES:
        if key in offsets:
            subtable = offsets[key]
            (fmt,) = struct.unpack_from(">H", data, subtable)
            if fmt == 4:
                return _format_4(data, subtable)
            if fmt == 12:
                return _format_12(data, subtable)
            raise UnsupportedCmapError(f"cmap subtable format {fmt}")
    return []


def _format_12(data: Buffer, at: int) -> list[tuple[int, int]]:
    """Groups of consecutive code points mapped to consecutive glyphs."""
    (groups,) = struct.unpack_from(">I", data, at + 12)
    ranges = []
    for start, end, glyph in struct.iter_unpack(">III", data[at + 16 : at + 16 + 12 * groups]):
        if glyph == 0:  # the group's first code point maps to .notdef
            start += 1
        if start <= end:
            ranges.append((start, end))
    return ranges


def _format_4(data: Buffer, at: int) -> list[tuple[int, int]]:
    """Segments of BMP code points; a segment either adds a delta to each code point or looks
    its glyph up in an array, where 0 means no glyph."""
    (seg_count_x2,) = struct.unpack_from(">H", data, at + 6)
    segments = seg_count_x2 // 2
    ends = struct.unpack_from(f">{segments}H", data, at + 14)
    starts = struct.unpack_from(f">{segments}H", data, at + 16 + seg_count_x2)
    deltas = struct.unpack_from(f">{segments}h", data, at + 16 + 2 * seg_count_x2)
    range_offsets_at = at + 16 + 3 * seg_count_x2
    range_offsets = struct.unpack_from(f">{segments}H", data, range_offsets_at)
    ranges: list[tuple[int, int]] = []
    for index in range(segments):
        start, end = starts[index], ends[index]
        delta, range_offset = deltas[index], range_offsets[index]
        if start > end or start == 0xFFFF:
            continue
        if range_offset == 0:  # glyph = code + delta: .notdef for at most one code point
            notdef = -delta & 0xFFFF
            if start <= notdef <= end:
                ranges += [(a, b) for a, b in ((start, notdef - 1), (notdef + 1, end)) if a <= b]
            else:
                ranges.append((start, end))
            continue
        glyphs_at = range_offsets_at + 2 * index + range_offset
        found = struct.unpack_from(f">{end - start + 1}H", data, glyphs_at)
        for code, glyph in zip(range(start, end + 1), found, strict=True):
            if glyph and (glyph + delta) & 0xFFFF:
                ranges.append((code, code))
    return ranges


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, with overlapping and adjacent ranges joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
