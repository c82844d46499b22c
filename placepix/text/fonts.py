"""Font library: which font names this instance offers, the fallback chain for characters the
chosen font lacks, and cached FreeType faces.

A font name is only ever a key into a table built at start-up, never part of a path. Fonts come
from the package (Lato), from directories named by the `font_dirs` setting, and from the system
font directories (Debian's fonts-* packages; see deploy/apt-packages.txt).
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from placepix.caching import SizedLRU
from placepix.errors import SpecError
from placepix.text.cmap import Coverage, UnsupportedCmapError, read_coverage

BUNDLED_DIR = Path(__file__).parent.parent / "fonts"
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
DEFAULT_FONT = "lato"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
COLOR_EMOJI_SIZE = 109  # Noto Color Emoji is a bitmap font with this one size
# Loaded FreeType faces kept per process, bounded in bytes: a face holds ~0.3 MB once used,
# plus the bitmap of the last glyph it drew (up to size² bytes). Loading one takes ~20 µs.
FACE_CACHE_BYTES = 2 * 1024 * 1024  # Pillow faces: colour, right-to-left and mixed-script runs
FACE_ENTRY_SHARE = 2  # faces up to 1 MiB (~850 px)
FACE_BYTES = 300 * 1024

# name -> (family, file names to look for); placehold.co's names first.
CATALOGUE: dict[str, tuple[str, tuple[str, ...]]] = {
    "lato": ("Lato", ("Lato-Regular.ttf",)),
    "lora": ("Lora", ("Lora-Regular.ttf",)),
    "montserrat": ("Montserrat", ("Montserrat-Regular.ttf",)),
    "noto-sans": ("Noto Sans", ("NotoSans-Regular.ttf",)),
    "open-sans": ("Open Sans", ("OpenSans-Regular.ttf",)),
    "oswald": ("Oswald", ("Oswald-Regular.ttf",)),
    "playfair-display": ("Playfair Display", ("PlayfairDisplay-Regular.ttf",)),
    "poppins": ("Poppins", ("Poppins-Regular.ttf",)),
    "pt-sans": ("PT Sans", ("PTSans-Regular.ttf", "PTS55F.ttf")),
    "raleway": ("Raleway", ("Raleway-Regular.ttf",)),
    "roboto": ("Roboto", ("Roboto-Regular.ttf",)),
    "source-sans-pro": (
        "Source Sans Pro",
        ("SourceSansPro-Regular.ttf", "SourceSans3-Regular.ttf"),
    ),
    "noto-serif": ("Noto Serif", ("NotoSerif-Regular.ttf",)),
    "dejavu-sans": ("DejaVu Sans", ("DejaVuSans.ttf",)),
    "inter": ("Inter", ("Inter-Regular.otf", "Inter-Regular.ttf")),
}
ALIASES = {"noto": "noto-sans", "opensans": "open-sans", "sans": "noto-sans", "serif": "noto-serif"}

# After the chosen font, characters it lacks are looked up in these, in order.
PRIORITY_FALLBACKS = (
    "NotoSans-Regular.ttf",
    "NotoSansCJK-Regular.ttc",
    "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari-Regular.ttf",
    "NotoSansThai-Regular.ttf",
)
NOTO_SCRIPT = re.compile(r"NotoSans[A-Z][A-Za-z]*-Regular\.ttf")
LAST_FALLBACKS = (
    "NotoColorEmoji.ttf",
    "DejaVuSans.ttf",
    "NotoSansSymbols-Regular.ttf",
    "NotoSansSymbols2-Regular.ttf",
    "NotoSansMath-Regular.ttf",
)


@dataclass(frozen=True)
class FontFile:
    """One font file; `family` is what SVG output names, `color` marks bitmap colour emoji."""

    name: str
    path: Path
    family: str
    source: str  # "bundled", "font_dirs" or "system"
    color: bool = False


class FontLibrary:
    """The fonts one instance offers by name, plus the fallback chain."""

    def __init__(
        self,
        fonts: dict[str, FontFile],
        default: str = DEFAULT_FONT,
        fallbacks: Sequence[FontFile] = (),
        missing: Sequence[str] = (),
    ) -> None:
        if default not in fonts:
            raise ValueError(f"default font {default!r} is not in the library")
        self._fonts = fonts
        self.default = default
        self.fallbacks = tuple(fallbacks)
        self.missing = tuple(missing)
        self._coverage: dict[Path, Coverage] = {}
        self._fingerprint: str | None = None
        self._lock = threading.Lock()

    @property
    def names(self) -> list[str]:
        return sorted(self._fonts)

    def resolve(self, name: str | None) -> FontFile:
        """The font for a spec's `font` (None: the default); `SpecError` listing the choices."""
        key = ALIASES.get(name, name) if name else self.default
        font = self._fonts.get(key)
        if font is None:
            raise SpecError(f"unknown font {name!r}; choose one of {', '.join(self.names)}")
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
        """The code points `font` has glyphs for, read once from its cmap."""
        cached = self._coverage.get(font.path)
        if cached is None:
            try:
                cached = read_coverage(font.path)
            except UnsupportedCmapError:
                cached = Coverage([])  # no Unicode subtable we read: never a fallback
            with self._lock:
                self._coverage[font.path] = cached
        return cached

    def face(self, font: FontFile, size: int) -> ImageFont.FreeTypeFont:
        """A cached face; colour bitmap fonts only come in COLOR_EMOJI_SIZE (callers scale)."""
        return face_of(font, size)

    def fingerprint(self) -> str:
        """Changes when any font file changes, so ETags follow the fonts an instance has.
        Read once (150-odd stat calls): fonts are found at start-up, not while serving."""
        if self._fingerprint is None:
            files = [*self._fonts.values(), *self.fallbacks]
            listing = ";".join(sorted(f"{f.name}={f.path}:{_size_of(f.path)}" for f in files))
            self._fingerprint = hashlib.sha256(listing.encode()).hexdigest()
        return self._fingerprint

    def describe(self) -> dict[str, object]:
        """What GET /fonts shows."""
        return {
            "default": self.default,
            "fonts": [
                {"name": f.name, "family": f.family, "source": f.source}
                for _, f in sorted(self._fonts.items())
            ],
            "missing": list(self.missing),
            "aliases": ALIASES,
            "fallback": [f.family for f in self.fallbacks],
            "color_emoji": any(f.color for f in self.fallbacks),
        }

    @classmethod
    def discover(
        cls, font_dirs: Sequence[Path] = (), system_dirs: Sequence[Path] = SYSTEM_FONT_DIRS
    ) -> FontLibrary:
        """Build the library from the bundled fonts, `font_dirs` and the system directories."""
        found = _index(
            [(BUNDLED_DIR, "bundled")]
            + [(d, "font_dirs") for d in font_dirs]
            + [(d, "system") for d in system_dirs]
        )
        fonts: dict[str, FontFile] = {}
        missing = []
        for name, (family, files) in CATALOGUE.items():
            hit = next((found[f] for f in files if f in found), None)
            if hit is None:
                missing.append(name)
            else:
                fonts[name] = FontFile(name, hit[0], family, hit[1])
        for directory in font_dirs:  # every other font an operator adds gets a name too
            for path in _font_files(directory):
                name = _name_from_file(path.stem)
                fonts.setdefault(name, FontFile(name, path, path.stem, "font_dirs"))
        return cls(fonts, DEFAULT_FONT, _fallbacks(found), missing)


def _fallbacks(found: dict[str, tuple[Path, str]]) -> list[FontFile]:
    chosen = (*PRIORITY_FALLBACKS, *LAST_FALLBACKS)
    scripts = sorted(f for f in found if NOTO_SCRIPT.fullmatch(f) and f not in chosen)
    chain = [f for f in (*PRIORITY_FALLBACKS, *scripts, *LAST_FALLBACKS) if f in found]
    result = []
    for file_name in chain:
        path, source = found[file_name]
        family = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", Path(file_name).stem.split("-")[0])
        result.append(
            FontFile(_name_from_file(path.stem), path, family, source, "ColorEmoji" in file_name)
        )
    return result


def _index(directories: Iterable[tuple[Path, str]]) -> dict[str, tuple[Path, str]]:
    """file name -> (path, source); the first directory that has a file name wins."""
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


def face_of(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    """The face of `font` at `size` (COLOR_EMOJI_SIZE for colour bitmap fonts), loaded once
    while it is in use. Hold on to it only while drawing: the cache bounds the faces in memory,
    not the references to them."""
    key = (str(font.path), COLOR_EMOJI_SIZE if font.color else size)
    face = FACES.get(key)
    if face is None:
        face = ImageFont.truetype(key[0], key[1], layout_engine=ImageFont.Layout.RAQM)
        FACES.put(key, face)
    return face


def _face_bytes(face: ImageFont.FreeTypeFont) -> int:
    return FACE_BYTES + int(face.size) ** 2


FACES: SizedLRU[tuple[str, int], ImageFont.FreeTypeFont] = SizedLRU(
    FACE_CACHE_BYTES, _face_bytes, FACE_ENTRY_SHARE
)
