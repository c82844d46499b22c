"""Font library: which font names this instance offers and the fallback chain for characters
the chosen font lacks (the text engine, placepix.text.engine, opens the files).

A font name is only ever a key into a table built at start-up, never part of a path. Fonts come
from the package (Lato), from directories named by the `font_dirs` setting, and from the system
font directories (Debian's fonts-* packages; see deploy/apt-packages.txt).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from placepix.errors import SpecError
from placepix.text.catalogue import (
    ALIASES,
    CATALOGUE,
    COLOR_FONT_MARK,
    LAST_FALLBACKS,
    NOTO_SCRIPT,
    PRIORITY_FALLBACKS,
    STAND_INS,
)
from placepix.text.cmap import Coverage
from placepix.text.vetting import RejectedFont, Skipped, Vetting, check_font

log = logging.getLogger("placepix")

BUNDLED_DIR = Path(__file__).parent.parent / "fonts"
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
DEFAULT_FONT = "lato"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
COLOR_EMOJI_SIZE = 109  # Noto Color Emoji is a bitmap font with this one size


@dataclass(frozen=True)
class FontFile:
    """One font file; `family` is what SVG output names, `color` marks bitmap colour emoji,
    `weight` is the weight the catalogue draws it in (a variable font's `wght`; None: the
    file's default)."""

    name: str
    path: Path
    family: str
    source: str  # "bundled", "font_dirs" or "system"
    color: bool = False
    weight: int | None = None

    @cached_property
    def key(self) -> str:
        """What names this file drawn this way in caches: its path, and its weight when set."""
        return str(self.path) if self.weight is None else f"{self.path}@{self.weight}"


class FontLibrary:
    """The fonts one instance offers by name, plus the fallback chain. Built by `discover()`
    from files that passed `placepix.text.vetting`'s checks, whose coverage it keeps; a font
    that fails later, while drawing, is taken out with `discard()`."""

    def __init__(
        self,
        fonts: dict[str, FontFile],
        default: str = DEFAULT_FONT,
        fallbacks: Sequence[FontFile] = (),
        missing: Sequence[str] = (),
        coverage: Mapping[Path, Coverage] | None = None,
        skipped: Sequence[Skipped] = (),
    ) -> None:
        if default not in fonts:
            raise ValueError(f"default font {default!r} is not in the library")
        self._fonts = dict(fonts)
        self.default = default
        self.fallbacks = tuple(fallbacks)
        self.missing = tuple(missing)
        self._coverage: dict[Path, Coverage] = dict(coverage or {})
        self._skipped: tuple[Skipped, ...] = tuple(skipped)
        self._unavailable: dict[str, str] = {}  # name -> why, for names discarded while serving
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self._fonts)

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        """Font files left out, with the reason: at start-up, or discarded while serving."""
        return self._skipped

    def resolve(self, name: str | None) -> FontFile:
        """The font for a spec's `font` (None: the default); `SpecError` listing the choices.
        A font of that very name wins over an alias: an operator who has Museo Slab and puts
        `Museo-Regular.otf` in a font dir gets it for `museo`, not the stand-in."""
        fonts = self._fonts
        key = name if name in fonts else ALIASES.get(name, name) if name else self.default
        font = fonts.get(key)
        if font is None:
            choices = ", ".join(self.names)
            if key in self._unavailable:
                raise SpecError(
                    f"font {name!r} is unavailable: its file failed to draw; "
                    f"choose one of {choices}"
                )
            raise SpecError(f"unknown font {name!r}; choose one of {choices}")
        return font

    def font_for(self, char: str, primary: FontFile) -> FontFile:
        """The first font of `primary` and the fallbacks that has a glyph for `char`."""
        code = ord(char)
        if code in self.coverage(primary):
            return primary  # the common case: no 150-font tuple to build
        for font in self.fallbacks:
            if code in self.coverage(font):
                return font
        return primary  # nobody has it: the primary font's "missing glyph" box

    def coverage(self, font: FontFile) -> Coverage:
        """The code points `font` has glyphs for, read once from its cmap (by `discover()`, or
        here for a library built by hand; a file that fails the checks then is discarded)."""
        cached = self._coverage.get(font.path)
        if cached is None:
            try:
                cached = check_font(font.path, COLOR_EMOJI_SIZE if font.color else 0)
            except RejectedFont as rejected:
                self.discard(font, str(rejected))
                cached = Coverage([])
            with self._lock:
                self._coverage[font.path] = cached
        return cached

    def discard(self, font: FontFile, reason: str) -> bool:
        """Take `font`'s file out of the library (every name and the fallback chain), because
        it failed to load or draw: reported like a file skipped at start-up (one log line,
        listed in `describe()`), so one bad file fails one request, not every request.
        Thread-safe, and idempotent. The default font is never taken out (the library can't
        draw without it): False then, and when the file was already out."""
        with self._lock:
            in_use = font.path in {f.path for f in (*self._fonts.values(), *self.fallbacks)}
            if not in_use or self._fonts[self.default].path == font.path:
                return False
            gone = {name for name, f in self._fonts.items() if f.path == font.path}
            self._fonts = {n: f for n, f in self._fonts.items() if n not in gone}
            self.fallbacks = tuple(f for f in self.fallbacks if f.path != font.path)
            self._unavailable.update(dict.fromkeys(gone, reason))
            self._skipped = (*self._skipped, Skipped(font.path, font.source, reason, "render"))
            self._fingerprint = None  # what renders changed
        log.warning("font discarded: %s (%s): %s", font.path, font.source, reason)
        return True

    def fingerprint(self) -> str:
        """Changes when any font file changes, so ETags follow the fonts an instance has.
        Read once (150-odd stat calls): fonts are found at start-up, not while serving."""
        if self._fingerprint is None:
            files = [*self._fonts.values(), *self.fallbacks]
            listing = ";".join(sorted(f"{f.name}={f.path}:{_size_of(f.path)}" for f in files))
            self._fingerprint = hashlib.sha256(listing.encode()).hexdigest()
        return self._fingerprint

    def describe(self) -> dict[str, object]:
        """What GET /fonts shows: each name with its family, where this instance found it, its
        licence and upstream source; aliases and stand-ins; the names whose files are missing;
        the files skipped and why (file names only: /fonts is public, paths are not); the
        fallback chain."""
        fonts = self._fonts
        aliases = {a: name for a, name in ALIASES.items() if name in fonts and a not in fonts}
        return {
            "default": self.default,
            "fonts": [_described(font, aliases) for _, font in sorted(fonts.items())],
            "aliases": aliases,
            "stand_ins": {
                alias: {
                    "font": aliases[alias],
                    "family": fonts[aliases[alias]].family,
                    "note": note,
                }
                for alias, note in STAND_INS.items()
                if alias in aliases
            },
            "missing": list(self.missing),
            "skipped": [
                {"file": s.path.name, "source": s.source, "reason": s.reason, "stage": s.stage}
                for s in self._skipped
            ],
            "fallback": [f.family for f in self.fallbacks],
            "color_emoji": any(f.color for f in self.fallbacks),
        }

    @classmethod
    def discover(
        cls,
        font_dirs: Sequence[Path] = (),
        system_dirs: Sequence[Path] = SYSTEM_FONT_DIRS,
        vetting: Vetting | None = None,
    ) -> FontLibrary:
        """Build the library from the bundled fonts, `font_dirs` and the system directories.
        Only files that pass `vetting`'s checks join (placepix.text.vetting); the others are
        logged once and listed under `skipped`."""
        vetting = vetting or Vetting()
        found = _index(
            [(BUNDLED_DIR, "bundled")]
            + [(d, "font_dirs") for d in font_dirs]
            + [(d, "system") for d in system_dirs]
        )
        fonts: dict[str, FontFile] = {}
        missing = []
        for name, entry in CATALOGUE.items():
            hits = (found[f] for f in entry.files if f in found)
            hit = next((h for h in hits if vetting.accept(*h)), None)
            if hit is None:
                missing.append(name)
            else:
                fonts[name] = FontFile(name, hit[0], entry.family, hit[1], weight=entry.weight)
        for directory in font_dirs:  # every other font an operator adds gets a name too
            for path in _font_files(directory):
                name = _name_from_file(path.stem)
                if name not in fonts and vetting.accept(path, "font_dirs"):
                    fonts[name] = FontFile(name, path, path.stem, "font_dirs")
        fallbacks = [
            font
            for font in _fallbacks(found)
            if vetting.accept(font.path, font.source, COLOR_EMOJI_SIZE if font.color else 0)
        ]
        skipped = list(vetting.skipped.values())
        return cls(fonts, DEFAULT_FONT, fallbacks, missing, vetting.coverage, skipped)


def _described(font: FontFile, aliases: dict[str, str]) -> dict[str, object]:
    """A font as /fonts shows it; licence, upstream and weight are unknown (None) for a file
    the operator put in a `font_dirs` directory."""
    entry = CATALOGUE.get(font.name) if font.source != "font_dirs" else None
    return {
        "name": font.name,
        "family": font.family,
        "source": font.source,
        "licence": entry.licence if entry else None,
        "upstream": entry.upstream if entry else None,
        "weight": entry.weight if entry else None,
        "aliases": sorted(alias for alias, name in aliases.items() if name == font.name),
    }


def _fallbacks(found: dict[str, tuple[Path, str]]) -> list[FontFile]:
    chosen = (*PRIORITY_FALLBACKS, *LAST_FALLBACKS)
    scripts = sorted(f for f in found if NOTO_SCRIPT.fullmatch(f) and f not in chosen)
    chain = [f for f in (*PRIORITY_FALLBACKS, *scripts, *LAST_FALLBACKS) if f in found]
    result = []
    for file_name in chain:
        path, source = found[file_name]
        family = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", Path(file_name).stem.split("-")[0])
        color = COLOR_FONT_MARK in file_name
        result.append(FontFile(_name_from_file(path.stem), path, family, source, color))
    return result


def _index(directories: Iterable[tuple[Path, str]]) -> dict[str, tuple[Path, str]]:
    """file name -> (path, source); the first directory that has a file name wins. Lists
    directories only: no file is opened here."""
    found: dict[str, tuple[Path, str]] = {}
    for directory, source in directories:
        for path in _font_files(directory):
            found.setdefault(path.name, (path, source))
    return found


def _font_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    files = []
    for root, _, names in os.walk(directory):
        files += [Path(root) / n for n in sorted(names) if n.lower().endswith(FONT_SUFFIXES)]
    return sorted(files)


def _name_from_file(stem: str) -> str:
    stem = re.sub(r"[-_ ]?(Regular|Roman)$", "", stem)
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", stem)
    return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1
