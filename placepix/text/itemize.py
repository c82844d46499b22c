"""Text cut into the pieces HarfBuzz shapes: runs of one font, one script and one bidi level.

Fonts are chosen per grapheme cluster (a base character with its marks, joiners and
modifiers: `regex`'s `\\X`), from the fonts' cmaps: the chosen font where it has every
character of the cluster, else the first font of the fallback chain that has them (the
script's Noto, CJK, then colour emoji), else the first that has the base character. A cluster
that asks for emoji presentation (U+FE0F, a keycap, a skin tone, a ZWJ sequence, a flag) tries
the colour fonts first; U+FE0E asks for a text font. White space takes the font of the text
before it when that font has it and is not a colour font, so the space between two emoji is as
wide as the text's spaces.

Scripts come from fontTools' Unicode data; common and inherited characters (spaces, digits,
punctuation, marks) take the script of the text around them, as HarfBuzz expects.

Two caps bound what one text can cost: at most `MAX_MARKS` combining marks per grapheme cluster
(more are dropped: `cap_marks`), and at most `MAX_RUNS` changes of font or script per text (after
that, characters stay in the font and script before them: a glyph the font lacks shows as its
box). Both are far beyond what any writing system needs.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import regex
from fontTools import unicodedata as unicode_data

from placepix.text.fonts import FontFile, FontLibrary

MAX_MARKS = 16  # combining marks kept per grapheme cluster (Zalgo text stacks hundreds)
MAX_RUNS = 256  # font or script changes per text: every run is a shaping call and a font
_CLUSTER = regex.compile(r"\X")
# Characters that may share a grapheme cluster with the one before or after them (marks,
# joiners, modifiers, prepended signs, Hangul jamo, flags' regional indicators): text without
# them has a cluster per character.
_JOINING = regex.compile(
    r"[\p{gcb=Extend}\p{gcb=ZWJ}\p{gcb=SpacingMark}\p{gcb=Prepend}"
    r"\p{gcb=L}\p{gcb=V}\p{gcb=T}\p{gcb=Regional_Indicator}]"
)
_LATIN_BELOW = "\u0250"  # below it, letters are Latin and the rest is shared punctuation
_EMOJI_ASKED = frozenset("\ufe0f\u20e3\u200d")  # emoji presentation, keycap, ZWJ sequence
_TEXT_ASKED = "\ufe0e"
_SHARED_SCRIPTS = frozenset({"Zyyy", "Zinh", "Zzzz"})
_HAN_SCRIPTS = frozenset({"Hani", "Hira", "Kana", "Bopo"})  # one run: HarfBuzz shapes alike


@dataclass(frozen=True)
class Piece:
    """Characters [start, end) of a paragraph in one font, script and bidi level."""

    start: int
    end: int
    font: FontFile
    script: str
    level: int

    @property
    def rtl(self) -> bool:
        return self.level % 2 == 1


@dataclass(frozen=True)
class Itemized:
    """A paragraph with the font and script of each character and its bidi levels."""

    text: str
    fonts: tuple[FontFile, ...]
    scripts: tuple[str, ...]
    levels: tuple[int, ...]
    base: int  # the paragraph's level: 0 left to right, 1 right to left
    uniform: bool = False  # one font, one script, one level throughout (known when made)

    def pieces(
        self, start: int = 0, end: int | None = None, levels: Sequence[int] = ()
    ) -> list[Piece]:
        """The pieces of characters [start, end), in logical order; `levels` (one per
        character of the range) replace the paragraph's, as rule L1 does for a line."""
        end = len(self.text) if end is None else end
        if self.uniform and not levels and end > start:
            return [Piece(start, end, self.fonts[start], self.scripts[start], self.levels[start])]
        levels = levels or self.levels[start:end]
        fonts, scripts = self.fonts, self.scripts
        found: list[Piece] = []
        first = start
        for index in range(start + 1, end + 1):
            if (
                index == end
                or fonts[index] is not fonts[first]
                or scripts[index] != scripts[first]
                or levels[index - start] != levels[first - start]
            ):
                found.append(
                    Piece(first, index, fonts[first], scripts[first], levels[first - start])
                )
                first = index
        return found


def cap_marks(text: str, limit: int = MAX_MARKS) -> str:
    """`text` with at most `limit` combining marks in each grapheme cluster (the first ones)."""
    if text.isascii() or not any(unicodedata.category(c)[0] == "M" for c in set(text)):
        return text
    kept: list[str] = []
    for cluster in _CLUSTER.findall(text):
        marks = 0
        for char in cluster:
            if unicodedata.category(char)[0] == "M":
                marks += 1
                if marks > limit:
                    continue
            kept.append(char)
    return "".join(kept)


def clusters(text: str) -> list[str]:
    """The grapheme clusters of `text`."""
    return list(text) if text.isascii() or not _JOINING.search(text) else _CLUSTER.findall(text)


def itemize(
    text: str,
    fonts: FontLibrary,
    primary: FontFile,
    levels: Sequence[int],
    base: int,
    changes_left: int = MAX_RUNS,
) -> tuple[Itemized, int]:
    """The font and script of every character of the paragraph `text`, and how many changes
    of font or script it made (at most `changes_left`: after that, characters keep the font
    and script before them)."""
    coverage = fonts.coverage(primary)
    if not _JOINING.search(text) and all(ord(char) in coverage for char in set(text)):
        # every cluster is one character the chosen font has (the common case): no choice
        found = tuple(_scripts(text))
        changes = sum(1 for a, b in itertools.pairwise(found) if a != b)
        if changes <= changes_left:
            uniform = not changes and len(set(levels)) <= 1
            itemized = Itemized(text, (primary,) * len(text), found, tuple(levels), base, uniform)
            return itemized, changes
    scripts = _scripts(text)
    chosen: list[tuple[FontFile, str]] = []
    memo: dict[str, FontFile] = {}
    changes = 0
    for cluster in clusters(text):
        previous = chosen[-1] if chosen else None
        if previous is not None and changes >= changes_left:
            font, script = previous
        else:
            script = scripts[len(chosen)]
            if cluster.isspace():
                font = _space_font(cluster, fonts, primary, previous and previous[0])
            else:
                font = memo.get(cluster) or memo.setdefault(
                    cluster, cluster_font(cluster, fonts, primary)
                )
        changes += previous is not None and previous != (font, script)
        chosen += [(font, script)] * len(cluster)
    itemized = Itemized(
        text,
        tuple(font for font, _ in chosen),
        tuple(script for _, script in chosen),
        tuple(levels),
        base,
    )
    return itemized, changes


def cluster_font(cluster: str, fonts: FontLibrary, primary: FontFile) -> FontFile:
    """The font that draws a grapheme cluster (see the module's docstring)."""
    base = cluster[0]
    if len(cluster) == 1 and not 0x1F1E6 <= ord(base) <= 0x1F1FF:
        return fonts.font_for(base, primary)
    chain = (primary, *fonts.fallbacks)
    if _TEXT_ASKED in cluster:
        chain = tuple(font for font in chain if not font.color)
    elif _asks_for_emoji(cluster):
        chain = tuple(sorted(chain, key=lambda font: not font.color))  # stable: colour first
    needed = [ord(char) for char in cluster if not _ignorable(char)]
    for font in chain:
        coverage = fonts.coverage(font)
        if all(code in coverage for code in needed):
            return font
    return next((f for f in chain if ord(base) in fonts.coverage(f)), primary)


def _space_font(
    cluster: str, fonts: FontLibrary, primary: FontFile, previous: FontFile | None
) -> FontFile:
    code = ord(cluster[0])
    if previous is not None and not previous.color and code in fonts.coverage(previous):
        return previous
    font = fonts.font_for(cluster[0], primary)
    return primary if font.color else font


def _asks_for_emoji(cluster: str) -> bool:
    return any(
        char in _EMOJI_ASKED
        or 0x1F3FB <= ord(char) <= 0x1F3FF  # skin tones
        or 0x1F1E6 <= ord(char) <= 0x1F1FF  # regional indicators: flags
        or 0xE0020 <= ord(char) <= 0xE007F  # tags: subdivision flags
        for char in cluster
    )


def _ignorable(char: str) -> bool:
    """Characters a font need not have: joiners, variation selectors, tags."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def _scripts(text: str) -> list[str]:
    """Each character's script (ISO 15924); shared characters take the script before them
    (or, at the start, the first one after them)."""
    if not text or max(text) < _LATIN_BELOW:
        return ["Latn"] * len(text)
    memo: dict[str, str] = {}
    raw = [memo.get(c) or memo.setdefault(c, _script(c)) for c in text]
    first = next((script for script in raw if script not in _SHARED_SCRIPTS), "Latn")
    resolved: list[str] = []
    for script in raw:
        shared = script in _SHARED_SCRIPTS
        resolved.append((resolved[-1] if resolved else first) if shared else script)
    return resolved


def _script(char: str) -> str:
    script = str(unicode_data.script(char))
    return "Hani" if script in _HAN_SCRIPTS else script
