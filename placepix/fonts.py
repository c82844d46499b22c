"""Font library: which font names this instance offers, and cached FreeType faces.

A font name is only ever a key into a table built at start-up, never part of a path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from placepix.errors import SpecError

BUNDLED_DIR = Path(__file__).parent / "fonts"
DEFAULT_FONT = "lato"


@dataclass(frozen=True)
class FontFile:
    """One font offered under `name`; `family` is what SVG output names."""

    name: str
    path: Path
    family: str
    source: str  # "bundled" or "system"


class FontLibrary:
    """The fonts one instance offers, by name."""

    def __init__(self, fonts: dict[str, FontFile], default: str = DEFAULT_FONT) -> None:
        if default not in fonts:
            raise ValueError(f"default font {default!r} is not in the library")
        self._fonts = fonts
        self.default = default

    @property
    def names(self) -> list[str]:
        return sorted(self._fonts)

    def resolve(self, name: str | None) -> FontFile:
        """The font for a spec's `font` (None: the default); `SpecError` listing the choices."""
        font = self._fonts.get(name or self.default)
        if font is None:
            raise SpecError(f"unknown font {name!r}; choose one of {', '.join(self.names)}")
        return font

    def fingerprint(self) -> str:
        """Changes when the set of font files changes, so ETags follow the fonts."""
        return ";".join(f"{f.name}={f.path.name}" for _, f in sorted(self._fonts.items()))

    def face(self, font: FontFile, size: int) -> ImageFont.FreeTypeFont:
        return _face(str(font.path), size)


@lru_cache(maxsize=512)
def _face(path: str, size: int) -> ImageFont.FreeTypeFont:
    """Load each (file, size) once per process; FreeType faces are immutable once built."""
    return ImageFont.truetype(path, size, layout_engine=ImageFont.Layout.RAQM)


def bundled_fonts() -> dict[str, FontFile]:
    return {"lato": FontFile("lato", BUNDLED_DIR / "Lato-Regular.ttf", "Lato", "bundled")}


@lru_cache(maxsize=8)
def default_library() -> FontLibrary:
    """The bundled fonts; built once per process."""
    return FontLibrary(bundled_fonts())
