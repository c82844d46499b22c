"""Give freed memory back to the operating system after large renders.

glibc keeps freed memory in per-thread arenas: after a 4000x4000 WebP encode in one render
thread and an AVIF in the other, a worker would hold both peaks for ever, though neither buffer
is in use. `malloc_trim(0)` returns the free pages; it costs about a millisecond, so it runs
only after large renders. glibc also raises its mmap threshold each time a large block is freed
(up to 32 MB), after which image buffers come from the arenas, where they fragment; a fixed
threshold keeps every large buffer in its own mapping, returned whole when freed (a worker held
~35 MB less after a flood of large renders). No-ops where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable
from functools import cache

MMAP_THRESHOLD = 256 * 1024  # blocks this large get their own mapping
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


@cache
def _libc_function(name: str) -> Callable[..., int] | None:
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError):
        return None
    return function


def release_free_memory() -> None:
    trim = _libc_function("malloc_trim")
    if trim is not None:
        trim(0)


def map_large_blocks_apart() -> None:
    """Fix glibc's mmap threshold (per process; called once when a worker starts)."""
    mallopt = _libc_function("mallopt")
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def lower_thread_priority(niceness: int) -> None:
    """Make the calling thread `niceness` nicer (Linux: a thread's own nice value), so that
    render threads take the CPU only when the event loop does not need it. Never raises it
    back: a thread already that nice is left alone."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
            os.setpriority(os.PRIO_PROCESS, thread, niceness)
    except OSError:
        pass  # not allowed here (e.g. a seccomp profile): renders keep the default priority
