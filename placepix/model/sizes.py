"""Size grammar: `WxH`, `W` (square), ratios (`640x4:3`, `16:9x1080`), named sizes, `@2x`/`@3x`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from placepix.errors import SpecError

MAX_SCALE = 3
_NUMBER_DIGITS = 9  # longer numbers are rejected here, before any arithmetic on them

# dummyimage.com's names (ad units and screen standards), plus modern presets.
NAMED_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        # IAB ad units
        "mediumrectangle": (300, 250),
        "squarepopup": (250, 250),
        "verticalrectangle": (240, 400),
        "largerectangle": (336, 280),
        "rectangle": (180, 150),
        "popunder": (720, 300),
        "fullbanner": (468, 60),
        "halfbanner": (234, 60),
        "microbar": (88, 31),
        "button1": (120, 90),
        "button2": (120, 60),
        "verticalbanner": (120, 240),
        "squarebutton": (125, 125),
        "leaderboard": (728, 90),
        "wideskyscraper": (160, 600),
        "skyscraper": (120, 600),
        "halfpage": (300, 600),
        # screen standards
        "cga": (320, 200),
        "qvga": (320, 240),
        "vga": (640, 480),
        "wvga": (800, 480),
        "svga": (800, 600),
        "wsvga": (1024, 600),
        "xga": (1024, 768),
        "wxga": (1280, 800),
        "wsxga": (1440, 900),
        "wuxga": (1920, 1200),
        "wqxga": (2560, 1600),
        "ntsc": (720, 480),
        "pal": (768, 576),
        "hd720": (1280, 720),
        "hd1080": (1920, 1080),
        # modern presets
        "og": (1200, 630),
        "story": (1080, 1920),
        "square": (1080, 1080),
        "twitter": (1200, 675),
        "favicon": (32, 32),
        "avatar": (256, 256),
        "thumbnail": (150, 150),
        "4k": (3840, 2160),
    }
)

_SCALE = re.compile(r"(.+)@(\d+)x", re.IGNORECASE)
_FRACTIONAL_SCALE = re.compile(r"(.+)@(\d*[.,]\d+)x(?:\..*)?", re.IGNORECASE)
_NUMBER = r"(\d+)"
_RATIO = r"(\d+):(\d+)"
_PAIR = re.compile(rf"{_NUMBER}(?:[xX]{_NUMBER})?")
_WIDTH_RATIO = re.compile(rf"{_NUMBER}[xX]{_RATIO}")
_RATIO_HEIGHT = re.compile(rf"{_RATIO}[xX]{_NUMBER}")


class Size(NamedTuple):
    width: int
    height: int
    scale: int = 1


def parse_size(text: str) -> Size:
    """Read the size segment (without any format suffix); raise `SpecError` naming it."""
    scale = 1
    match = _SCALE.fullmatch(text)
    if match:
        text, scale = match.group(1), _number(match.group(2))
        if not 1 <= scale <= MAX_SCALE:
            raise SpecError(f"retina scale must be @1x to @{MAX_SCALE}x, got @{scale}x")
    width, height = _dimensions(text)
    return Size(width, height, scale)


def reject_fractional_scale(segment: str) -> None:
    """`SpecError` for a size segment with a fractional scale (`600x400@2.5x`, with or without
    a format after it), which would otherwise read as the format `5x`; the message says which
    pixel size the fraction meant."""
    match = _FRACTIONAL_SCALE.fullmatch(segment)
    if not match:
        return
    size_text, scale_text = match.group(1), match.group(2).replace(",", ".")
    hint = ""
    try:
        width, height = _dimensions(size_text)
        factor = float(scale_text)
        pixels = f"{round(width * factor)}x{round(height * factor)}"
        hint = f"; for {scale_text}x pixels ask for {pixels}"
    except (SpecError, ValueError):
        pass
    raise SpecError(
        f"retina scale must be a whole number, @1x to @{MAX_SCALE}x, got @{scale_text}x{hint}"
    )


def _dimensions(text: str) -> tuple[int, int]:
    named = NAMED_SIZES.get(text.lower())
    if named:
        return named
    if match := _PAIR.fullmatch(text):
        width = _number(match.group(1))
        height = _number(match.group(2)) if match.group(2) else width
        return width, height
    if match := _WIDTH_RATIO.fullmatch(text):
        width, across, down = (_number(g) for g in match.groups())
        return width, _scaled(width, down, across)
    if match := _RATIO_HEIGHT.fullmatch(text):
        across, down, height = (_number(g) for g in match.groups())
        return _scaled(height, across, down), height
    raise SpecError(
        f"not a size: {text[:40]!r} (use WIDTHxHEIGHT like 600x400, a ratio like 640x4:3, "
        "or a name like hd720)"
    )


def _scaled(side: int, numerator: int, denominator: int) -> int:
    """`side * numerator / denominator`, rounded half up, in integers."""
    if denominator == 0 or numerator == 0:
        raise SpecError("a ratio needs two non-zero numbers, like 16:9")
    return (2 * side * numerator + denominator) // (2 * denominator)


def _number(digits: str) -> int:
    if len(digits) > _NUMBER_DIGITS:
        raise SpecError(f"number too large: {digits[:12]}...")
    return int(digits)
