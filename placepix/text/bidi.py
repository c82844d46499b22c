"""The Unicode Bidirectional Algorithm (UAX #9), from python-bidi: embedding levels per
character for a paragraph, the visual order of a line, and the line as a string in that order.

python-bidi resolves a paragraph's levels with the Rust `unicode-bidi` crate (the whole
algorithm: explicit embeddings and isolates, weak and neutral types, bracket pairs). Its Python
API returns the reordered string, or with `debug=True` the resolved levels (documented: "return
the calculated levels"), which the engine needs, because a line's runs are shaped in several
fonts before they are put in order. `paragraph_levels` reads them from there and checks that it
found one level per UTF-8 byte of the text, so a change of that output fails loudly
(tests/test_bidi.py), never silently.

Lines are ordered by the algorithm's rules L1 (white space at the end of a line takes the
paragraph's level) and L2 (from the highest level down to the lowest odd one, reverse every
sequence at that level or higher). Mirroring (L4: a bracket in right-to-left text is drawn as its
mirror image) is HarfBuzz's, which mirrors when it shapes right to left; `visual_text` mirrors
too, with python-bidi's table, to show the order as a string.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from types import MappingProxyType

from bidi import get_display, mirror

# Bidi classes that can make any character's level odd; text without them is left to right
# at level 0 throughout, and python-bidi isn't asked.
RIGHT_TO_LEFT = frozenset({"R", "AL", "AN", "RLE", "RLO", "RLI", "FSI"})
# Classes that rule L1 returns to the paragraph's level at the end of a line.
TRAILING = frozenset({"WS", "FSI", "LRI", "RLI", "PDI", "BN", "LRE", "RLE", "LRO", "RLO", "PDF"})
MIRRORED = MappingProxyType(mirror.MIRRORED)  # python-bidi's table of mirrored characters
_LEVELS = re.compile(r"\n    levels: \[\n(.*?)\n    \],\n", re.DOTALL)
_LEVEL = re.compile(r"Level\(\s*(\d+),?\s*\)")


def needs_bidi(text: str) -> bool:
    """Whether any character of `text` may be drawn right to left."""
    if text.isascii():
        return False
    return any(unicodedata.bidirectional(char) in RIGHT_TO_LEFT for char in set(text))


def paragraph_levels(text: str) -> tuple[int, list[int]]:
    """The paragraph's base level (0 left to right, 1 right to left, by its first strong
    character: rules P2 and P3) and each character's resolved embedding level."""
    if not needs_bidi(text):
        return 0, [0] * len(text)
    found = _LEVELS.search(str(get_display(text, debug=True)))
    per_byte = [int(level) for level in _LEVEL.findall(found.group(1))] if found else []
    encoded = [len(char.encode()) for char in text]
    if len(per_byte) != sum(encoded):
        raise RuntimeError("python-bidi gave no level per byte: its debug output has changed")
    levels, at = [], 0
    for size in encoded:
        levels.append(per_byte[at])
        at += size
    base = 1 if _first_strong(text) == "R" else 0
    return base, levels


def line_levels(text: str, levels: Sequence[int], base: int) -> list[int]:
    """Rule L1: white space and isolate marks at the end of a line take the paragraph's level."""
    adjusted = list(levels)
    index = len(text)
    while index > 0 and unicodedata.bidirectional(text[index - 1]) in TRAILING:
        index -= 1
        adjusted[index] = base
    return adjusted


def visual_order(levels: Sequence[int]) -> list[int]:
    """Rule L2: the indices of items at `levels`, in the order they are drawn left to right."""
    order = list(range(len(levels)))
    if not levels:
        return order
    highest = max(levels)
    lowest_odd = min((level for level in levels if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(order):
            if levels[order[index]] >= level:
                end = index
                while end < len(order) and levels[order[end]] >= level:
                    end += 1
                order[index:end] = order[index:end][::-1]
                index = end
            else:
                index += 1
    return order


def visual_text(text: str, levels: Sequence[int] | None = None, base: int | None = None) -> str:
    """`text` as one line, in the order it is drawn left to right, characters at odd levels
    mirrored: what a reader sees, as a string (levels: the paragraph's, by default)."""
    if levels is None or base is None:
        base, levels = paragraph_levels(text)
    adjusted = line_levels(text, levels, base)
    return "".join(
        MIRRORED.get(text[index], text[index]) if adjusted[index] % 2 else text[index]
        for index in visual_order(adjusted)
    )


def _first_strong(text: str) -> str | None:
    """'R' or 'L' by the first strong character outside isolates (rule P2); None if none."""
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("LRI", "RLI", "FSI"):
            depth += 1
        elif kind == "PDI":
            depth = max(0, depth - 1)
        elif depth == 0 and kind in ("R", "AL"):
            return "R"
        elif depth == 0 and kind == "L":
            return "L"
    return None
