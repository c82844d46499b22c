"""Font files are checked before they join a library, so that a bad file costs one log line at
start-up instead of a 500 (or a hung worker) on every request that reaches it.

A file joins only if it is a regular, non-empty file (`stat` first: a FIFO or a device is never
opened, a dangling symlink is named as such), it opens without blocking, it is an OpenType or
TrueType font (or collection) whose every table lies inside the file (a truncated download
would pass the rest and draw blank glyphs), its `cmap` table maps at least one character (its
coverage, read here once for the library to keep), and the text engine's libraries draw one of
its glyphs: FreeType (freetype-py) an outline font's, HarfBuzz a colour bitmap font's PNG. Each
check runs in a daemon thread with a time limit per file and one for the whole start-up, so a
file on a hung mount costs at most that long and never blocks the process's exit. A file that
fails is recorded as `Skipped` with the reason.
"""

from __future__ import annotations

import logging
import mmap
import os
import stat
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import freetype
import uharfbuzz as hb
from freetype.ft_enums import FT_LOAD_NO_BITMAP, FT_LOAD_RENDER
from freetype.ft_errors import FT_Exception

from placepix.text.cmap import Coverage, coverage_of

log = logging.getLogger("placepix")

CHECK_SECONDS = 2.0  # per file: a healthy font takes 1-15 ms (the CJK collection the most)
STARTUP_CHECK_SECONDS = 30.0  # for all files together; the rest are skipped, not waited for
SFNT_TAGS = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")  # TrueType, CFF, Apple, collection
PROBE_SIZE = 32  # the pixel size FreeType draws a glyph of a scalable font at to check it
PROBE_FLAGS = FT_LOAD_RENDER | FT_LOAD_NO_BITMAP
OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)

Check = Callable[[Path, int], Coverage]


class RejectedFont(Exception):
    """A font file that cannot join a library; the message says why, in a few words."""


@dataclass(frozen=True)
class Skipped:
    """A font file left out of the library: at start-up, or discarded when it failed to draw."""

    path: Path
    source: str  # "bundled", "font_dirs" or "system"
    reason: str
    stage: str = "start-up"  # or "render"


def check_font(path: Path, fixed_size: int = 0) -> Coverage:
    """The characters the font at `path` has, or `RejectedFont`. `fixed_size`: the one pixel
    size a bitmap-only font (colour emoji) has, else 0."""
    _check_kind(path)
    try:
        fd = os.open(path, OPEN_FLAGS)  # non-blocking: a FIFO swapped in after stat() can't hang
    except OSError as error:
        raise RejectedFont(f"not readable: {error.strerror}") from error
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise RejectedFont("not a regular file once opened")
        try:
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                _check_tables(data)
                coverage = coverage_of(data)
        except (OSError, ValueError, struct.error, IndexError) as error:
            raise RejectedFont(f"unreadable tables or cmap: {_say(error)}") from error
    sample = coverage.sample("\U0001f600" if fixed_size else "A")
    if sample is None:
        raise RejectedFont("its cmap table maps no Unicode character")
    _check_freetype(path, fixed_size or PROBE_SIZE, sample)
    return coverage


def _check_kind(path: Path) -> None:
    try:
        info = os.stat(path)  # follows symlinks
    except FileNotFoundError as error:
        if os.path.islink(path):
            raise RejectedFont("dangling symlink") from error
        raise RejectedFont("no such file") from error
    except OSError as error:
        raise RejectedFont(f"cannot stat: {error.strerror}") from error
    if not stat.S_ISREG(info.st_mode):
        raise RejectedFont(f"not a regular file ({_kind(info.st_mode)})")
    if info.st_size == 0:
        raise RejectedFont("empty file")


def _check_tables(data: mmap.mmap) -> None:
    """An OpenType/TrueType font or collection whose every table lies inside the file: a
    truncated download passes the cmap and FreeType checks, then draws its glyphs blank."""
    tag = data[:4]
    if tag not in SFNT_TAGS:
        raise RejectedFont(f"not an OpenType or TrueType font (starts with {tag!r})")
    starts = [0]
    if tag == b"ttcf":
        (count,) = struct.unpack_from(">I", data, 8)
        starts = list(struct.unpack_from(f">{min(count, 1024)}I", data, 12))
    for start in starts:
        (tables,) = struct.unpack_from(">H", data, start + 4)
        for index in range(tables):
            name, _, offset, length = struct.unpack_from(">4sIII", data, start + 12 + 16 * index)
            if offset + length > len(data):
                raise RejectedFont(
                    f"truncated: its {name.decode('latin-1')!r} table ends at byte "
                    f"{offset + length} of {len(data)}"
                )


def _kind(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), f"mode {mode:o}")


def _check_freetype(path: Path, size: int, sample: str) -> None:
    """FreeType opens the face at `size` and draws the glyph for `sample`; at the one size of
    a colour bitmap font, HarfBuzz gives its PNG instead (freetype-py's FreeType has no PNG
    support)."""
    try:
        face = freetype.Face(str(path))
        face.set_pixel_sizes(0, size)
        if size == PROBE_SIZE:
            face.load_char(sample, PROBE_FLAGS)
            return
        font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
        glyph = font.get_nominal_glyph(ord(sample))
        png = font.get_glyph_color_png(glyph) if glyph else None
    except (FT_Exception, hb.HarfBuzzError, OSError, ValueError, MemoryError) as error:
        raise RejectedFont(f"FreeType cannot load it: {_say(error)}") from error
    if png is None or not png.data:
        raise RejectedFont(f"HarfBuzz finds no colour bitmap for {sample!r}")


def _say(error: BaseException) -> str:
    said = str(error) or type(error).__name__
    return said.removeprefix("FT_Exception:").strip().removeprefix("(").removesuffix(")")


class Vetting:
    """Checks each font file once, within the time limits, and remembers what it found: the
    coverage of every accepted file, and every skipped one with its reason (logged once)."""

    def __init__(
        self,
        check: Check = check_font,
        per_file: float = CHECK_SECONDS,
        overall: float = STARTUP_CHECK_SECONDS,
    ) -> None:
        self._check = check
        self._per_file = per_file
        self._deadline = time.monotonic() + overall
        self.coverage: dict[Path, Coverage] = {}
        self.skipped: dict[Path, Skipped] = {}

    def accept(self, path: Path, source: str, fixed_size: int = 0) -> bool:
        """Whether the file at `path` may join the library (checked on first call)."""
        if path in self.coverage or path in self.skipped:
            return path in self.coverage
        remaining = self._deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise RejectedFont("not checked: the start-up font checks ran out of time")
            self.coverage[path] = _bounded(
                self._check, path, fixed_size, min(self._per_file, remaining)
            )
        except RejectedFont as rejected:
            self.skipped[path] = Skipped(path, source, str(rejected))
            log.warning("font skipped: %s (%s): %s", path, source, rejected)
            return False
        return True


def _bounded(check: Check, path: Path, fixed_size: int, seconds: float) -> Coverage:
    """`check(path, fixed_size)` in a daemon thread, waiting at most `seconds` for it: a check
    that hangs is abandoned (it holds no lock and no one waits for it at exit)."""
    outcome: list[Coverage | BaseException] = []

    def run() -> None:
        try:
            outcome.append(check(path, fixed_size))
        except BaseException as error:  # handed to the caller below
            outcome.append(error)

    worker = threading.Thread(target=run, name=f"font check {path.name}", daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome:
        raise RejectedFont(f"checking it took longer than {seconds:.2g} s")
    result = outcome[0]
    if isinstance(result, RejectedFont):
        raise result
    if isinstance(result, BaseException):  # a bug in a parser, not a verdict on the file
        raise RejectedFont(f"checking it failed: {_say(result)}") from result
    return result
