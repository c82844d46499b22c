"""The one gate every direct C call passes: a kill switch, a version check, and a fall back.

A `NativePath` wraps one optional fast path (banded WebP, banded AVIF, glibc's malloc tuning,
the one-copy read of FreeType's bitmaps).
It loads its library once, and only a library its loader accepts (each loader checks versions
and ABI and runs a self-test against Pillow's own output). When the kill switch is off
(`PLACEPIX_NATIVE=off`, or `Renderer(native=False)`), nothing is loaded. The first exception a
path raises switches it off for the life of its owner, logs one line, and the caller's
fallback serves the request (Pillow's encoders; freetype-py's own list of a glyph's pixels): a
native failure is never a 5xx.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

NATIVE_ENV = "PLACEPIX_NATIVE"
_OFF = ("0", "off", "false", "no")
T = TypeVar("T")
R = TypeVar("R")
log = logging.getLogger("placepix")


def native_allowed() -> bool:
    """The kill switch: False when `PLACEPIX_NATIVE` is off. Read where a Renderer is built
    without an explicit choice, so that library users and CI can turn every path off too."""
    return os.environ.get(NATIVE_ENV, "on").strip().lower() not in _OFF


class NativePath(Generic[T]):
    """One optional native implementation, loaded lazily by `load` (None: not available here)."""

    def __init__(self, name: str, load: Callable[[], T | None], *, enabled: bool = True) -> None:
        self.name = name
        self._load = load
        self._enabled = enabled
        self._impl: T | None = None
        self._loaded = False
        self.reason: str | None = None if enabled else "switched off (PLACEPIX_NATIVE=off)"
        self._lock = threading.Lock()

    @property
    def impl(self) -> T | None:
        """The implementation, loaded on first use; None when refused, failed or switched off."""
        if not self._loaded:
            with self._lock:
                if not self._loaded:
                    self._impl = self._try_load() if self._enabled else None
                    self._loaded = True
        return self._impl

    @property
    def active(self) -> bool:
        return self.impl is not None

    def run(self, call: Callable[[T], R], fallback: Callable[[], R]) -> R:
        """`call(impl)`, or `fallback()` when the path is not active or `call` fails (which
        switches the path off)."""
        impl = self.impl
        if impl is None:
            return fallback()
        try:
            return call(impl)
        except Exception as error:  # any failure in C-facing code: fall back, never 5xx
            self.disable(f"{type(error).__name__}: {error}")
            return fallback()

    def disable(self, reason: str) -> None:
        """Switch the path off for good and say so once."""
        with self._lock:
            if self._impl is None and self._loaded:
                return
            self._impl, self._loaded, self.reason = None, True, reason
        log.warning("native %s path off, its fallback serves instead: %s", self.name, reason)

    def _try_load(self) -> T | None:
        try:
            impl = self._load()
        except Exception as error:
            self.reason = f"failed to load: {type(error).__name__}: {error}"
            log.warning("native %s path not loaded: %s", self.name, self.reason)
            return None
        if impl is None:
            self.reason = "no library this code was written for"
        return impl

    def describe(self) -> dict[str, object]:
        """For /info.json and `placepix doctor`: whether the path runs, and why not."""
        return {"active": self.active, "reason": self.reason}
