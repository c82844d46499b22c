"""Colour grammar: hex (#rgb #rgba #rrggbb #rrggbbaa), CSS names, `transparent`, and
fakeimg.pl's `rrggbb,alpha` (alpha 0-255)."""

from __future__ import annotations

import re
from typing import NamedTuple

from PIL import ImageColor

from placepix.errors import SpecError

_HEX = re.compile(r"#?([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_FAKEIMG_ALPHA = re.compile(r"(.+),([0-9]{1,3})")  # ASCII digits only


class Color(NamedTuple):
    """An sRGB colour with 8-bit channels; `a` is 255 for opaque."""

    r: int
    g: int
    b: int
    a: int = 255

    @property
    def opaque(self) -> bool:
        return self.a == 255

    @property
    def rgb(self) -> tuple[int, int, int]:
        return (self.r, self.g, self.b)

    def hex(self) -> str:
        """Canonical form: `rrggbb`, or `rrggbbaa` when not opaque (lower case, no `#`)."""
        if self.a == 255:
            return f"{self.r:02x}{self.g:02x}{self.b:02x}"
        return f"{self.r:02x}{self.g:02x}{self.b:02x}{self.a:02x}"

    def css(self) -> str:
        """`#rrggbb` for SVG attributes (alpha goes in a separate opacity attribute)."""
        return "#" + "".join(f"{c:02x}" for c in self.rgb)


TRANSPARENT = Color(0, 0, 0, 0)
# Every colour name a URL may use: the 148 CSS names (as Pillow knows them) and `transparent`.
COLOUR_NAMES = (*sorted(ImageColor.colormap), "transparent")

WHITE = Color(255, 255, 255)


def contrast_ratio(foreground: Color, background: Color) -> float:
    """WCAG 2's contrast ratio of text in `foreground` on `background`, 1 to 21 (AA asks 4.5
    for normal text). Translucent colours are judged as they show over a white page: the
    background over white, then the text over that."""
    under = _over(background, WHITE)
    lighter, darker = sorted((_luminance(_over(foreground, under)), _luminance(under)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def _over(top: Color, bottom: Color) -> Color:
    """`top` composited over the opaque `bottom`."""
    alpha = top.a / 255
    r, g, b = (round(t * alpha + u * (1 - alpha)) for t, u in zip(top.rgb, bottom.rgb, strict=True))
    return Color(r, g, b)


def _luminance(color: Color) -> float:
    """WCAG 2's relative luminance of an opaque sRGB colour."""
    linear = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in color.rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def any_translucent(*colors: Color) -> bool:
    """Whether an image in these colours needs an alpha channel."""
    return any(color.a != 255 for color in colors)


def parse_color(text: str) -> Color:
    """Read one colour segment of a URL; raise `SpecError` naming it when it is not a colour.
    Only ASCII spells a colour ("blac\u212a" would lower to black)."""
    if not text.isascii():
        raise SpecError(f"not a colour: {text[:40]!r} (use hex like ff8800 or a CSS name)")
    match = _FAKEIMG_ALPHA.fullmatch(text)
    if match:
        base, alpha = match.groups()
        if int(alpha) > 255:
            raise SpecError(f"colour alpha must be 0-255, got {alpha!r}")
        return parse_color(base)._replace(a=int(alpha))
    match = _HEX.fullmatch(text)
    if match:
        return _from_hex(match.group(1))
    name = text.lower()
    if name == "transparent":
        return TRANSPARENT
    if name in ImageColor.colormap:
        r, g, b = ImageColor.getrgb(name)[:3]
        return Color(r, g, b)
    raise SpecError(
        f"not a colour: {text[:40]!r} (use hex like ff8800, a CSS name, or transparent)"
    )


def is_color(text: str) -> bool:
    """True when `text` reads as a colour."""
    try:
        parse_color(text)
    except SpecError:
        return False
    return True


def _from_hex(digits: str) -> Color:
    if len(digits) in (3, 4):
        digits = "".join(d * 2 for d in digits)
    values = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
    return Color(*values)
