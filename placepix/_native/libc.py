"""Give freed memory back to the operating system after large renders (glibc only).

glibc keeps freed memory in per-thread arenas: after a 4000x4000 WebP encode in one render
thread and an AVIF in the other, a worker would hold both peaks for ever, though neither buffer
is in use. `malloc_trim(0)` returns the free pages; it costs about a millisecond, so it runs
only after large renders. glibc also raises its mmap threshold each time a large block is freed
(up to 32 MB), after which image buffers come from the arenas, where they fragment; a fixed
threshold keeps every large buffer in its own mapping, returned whole when freed (a worker held
~35 MB less after a flood of large renders). `load()` is None where the C library is not
glibc; the server runs it behind `placepix._native.gate.NativePath`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

MMAP_THRESHOLD = 256 * 1024  # blocks this large get their own mapping
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


class Glibc:
    """The two glibc calls placepix makes."""

    def __init__(self, malloc_trim: Callable[[int], int], mallopt: Callable[[int, int], int]):
        self._malloc_trim = malloc_trim
        self._mallopt = mallopt

    def release_free_memory(self) -> None:
        self._malloc_trim(0)

    def map_large_blocks_apart(self) -> None:
        """Fix the mmap threshold (per process; called once when a worker starts)."""
        self._mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def load() -> Glibc | None:
    """glibc's malloc_trim and mallopt, or None elsewhere (musl, macOS)."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    libc = ctypes.CDLL(library)
    try:
        trim, mallopt = libc.malloc_trim, libc.mallopt
    except AttributeError:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return Glibc(trim, mallopt)
