"""Give freed memory back to the operating system after large renders.

glibc keeps freed memory in per-thread arenas: after a 4000x4000 WebP encode in one render
thread and an AVIF in the other, a worker would hold both peaks for ever, though neither buffer
is in use. `malloc_trim(0)` returns the free pages; it costs about a millisecond, so it runs
only after large renders. A no-op where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> None:
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
