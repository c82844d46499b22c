"""The codec libraries that Pillow itself loaded, for the encoders that talk to them directly.

placepix.webp and placepix.avif reach libwebp and libavif through ctypes (no compiler, no new
dependency), and only the copies Pillow uses: then their bytes are exactly Pillow's.
"""

from __future__ import annotations

import ctypes.util
import importlib
import re
from pathlib import Path


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
