"""The codec libraries that Pillow itself loaded, for the encoders that talk to them directly.

`webp` and `avif` beside this module reach libwebp and libavif through ctypes (no compiler, no
new dependency), and only the copies Pillow uses: then their bytes are exactly Pillow's. Both
take the image as bands of rows that the caller draws (`BandSource`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image

BandSource = Callable[[int, int], Image.Image]
"""Draws rows [top, bottom) of the image, full width, in RGB or RGBA."""


def pillows_library(
    name: str, pillow_module: str, version_of: Callable[[ctypes.CDLL], str], wanted: str
) -> ctypes.CDLL | None:
    """The first `lib<name>` from `loaded_libraries` whose `version_of` is `wanted` (Pillow's
    own version of it), or None."""
    for path in loaded_libraries(name, pillow_module):
        try:
            library = ctypes.CDLL(path)
            version = version_of(library)
        except (OSError, AttributeError):
            continue
        if version == wanted:
            return library
    return None


def loaded_libraries(name: str, pillow_module: str) -> list[str]:
    """Paths of `lib<name>` mapped into this process once Pillow's `pillow_module` (e.g.
    'PIL._webp') is imported, then the system's `lib<name>`, in that order."""
    importlib.import_module(pillow_module)
    found: list[str] = []
    maps = Path("/proc/self/maps")
    if maps.exists():
        pattern = re.compile(rf"(/\S*/lib{re.escape(name)}(?:-[0-9a-f]+)?\.so[.\d]*)$")
        for line in maps.read_text().splitlines():
            match = pattern.search(line)
            if match and match.group(1) not in found:
                found.append(match.group(1))
    system = ctypes.util.find_library(name)
    if system:
        found.append(system)
    return found
