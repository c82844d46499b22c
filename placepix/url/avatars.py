"""ui-avatars.com's URL dialect -> ImageSpec: `/api/?name=John+Doe&size=128&rounded=true` and
the path form `/api/{name}/{size}/{background}/{color}/{length}/{font-size}/{rounded}/
{uppercase}/{bold}/{format}`. Pure, like the rest of placepix.url.

An avatar is an ordinary spec: a square of `size`, the initials as its text at `font-size` of
the size, no padding, `shape=circle` when rounded. Its canonical URL is therefore a
placehold.co-style one, and two URLs that draw the same avatar share an ETag. Where placepix
follows ui-avatars and where it refuses what ui-avatars would quietly change: docs/avatars.md.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

import regex

from placepix.errors import SpecError
from placepix.model.colors import Color, parse_color
from placepix.model.formats import AUTO, require_format
from placepix.model.spec import ImageSpec
from placepix.url.query import decode, merge, query_params

# The order of the path form's segments, which is also every parameter ui-avatars reads.
PARAMETERS = (
    "name",
    "size",
    "background",
    "color",
    "length",
    "font-size",
    "rounded",
    "uppercase",
    "bold",
    "format",
)
DEFAULT_NAME = "John Doe"
DEFAULT_SIZE = 64
DEFAULT_BACKGROUND = Color(0xDD, 0xDD, 0xDD)
DEFAULT_COLOR = Color(0x22, 0x22, 0x22)
DEFAULT_LENGTH = 2
DEFAULT_FONT_SHARE = 0.4375
RANDOM = "random"
# PHP's FILTER_VALIDATE_BOOLEAN, which ui-avatars reads flags with; "" is false there too.
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("0", "false", "off", "no", "")
_NUMBER = re.compile(r"\d{1,6}")
_SHARE = re.compile(r"\d{0,3}(\.\d{1,6})?")
# ui-avatars (php-initials) drops these before it takes initials; `\` too here, so that no
# initials spell placepix's `\n` line break.
_DROPPED = re.compile(r'[!@#$%^&*(),.?":{}|<>_\\]')
_GRAPHEME = regex.compile(r"\X")
# Scripts whose letters join: initials side by side are kept apart by a zero-width non-joiner,
# so each is drawn in its own (isolated) form instead of spelling a word.
_JOINING = re.compile(
    "[\u0600-\u074f\u0750-\u077f\u07c0-\u07ff\u0860-\u08ff\u1800-\u18af\ufb50-\ufdff\ufe70-\ufeff]"
)
ZWNJ = "\u200c"


def _palette() -> tuple[tuple[Color, Color], ...]:
    """`background=random`'s colours: 24 hues in three shades, each with the text colour
    (white or near black) of the higher WCAG contrast against it."""
    pairs = []
    for lightness, saturation in ((0.36, 0.62), (0.5, 0.58), (0.72, 0.7)):
        for step in range(24):
            r, g, b = colorsys.hls_to_rgb(step / 24, lightness, saturation)
            background = Color(round(r * 255), round(g * 255), round(b * 255))
            pairs.append((background, _text_colour_for(background)))
    return tuple(pairs)


def _text_colour_for(background: Color) -> Color:
    white, ink = Color(255, 255, 255), Color(0x1A, 0x1A, 0x1A)
    return max((white, ink), key=lambda text: contrast(background, text))


def contrast(first: Color, second: Color) -> float:
    """The WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in color.rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


PALETTE = _palette()


def is_avatar_path(path: str) -> bool:
    """Whether a path (without its leading slash) is ui-avatars' `/api` or `/api/...`."""
    return path == "api" or path.startswith("api/")


def parse_avatar(path: str, query: str, *, default_format: str) -> ImageSpec:
    """The spec of an avatar URL (path without its leading slash, raw query); `SpecError` names
    the bad parameter. `default_format` applies when the URL names no format."""
    params = merge(_path_params(path), query_params(query, PARAMETERS))
    name = params.get("name", DEFAULT_NAME)
    size = _whole(params, "size", DEFAULT_SIZE)
    if size < 1:
        raise SpecError("size must be at least 1 pixel")
    length = max(1, _whole(params, "length", DEFAULT_LENGTH))  # ui-avatars: 0 means 1
    background, color = _colours(params, name)
    fmt = params.get("format", "")
    return ImageSpec(
        width=size,
        height=size,
        format=_format(fmt) if fmt else default_format,
        background=background,
        foreground=color,
        text=initials(name, length, uppercase=_flag(params, "uppercase", default=True)),
        font_size=max(1, round(size * _share(params.get("font-size")))),
        padding=0,
        shape="circle" if _flag(params, "rounded", default=False) else "rect",
        bold=_flag(params, "bold", default=False),
    )


def initials(name: str, length: int, *, uppercase: bool) -> str:
    """The initials ui-avatars draws for `name` (php-initials' rules): with one word, its first
    `length` characters; with several (split at spaces and hyphens), the first letter of each
    in turn, the last one from the last word, then further letters of the last word. A
    character is a grapheme cluster here, so accents and emoji sequences stay whole."""
    text = name.strip()
    if uppercase:
        text = text.upper()
    text = _DROPPED.sub("", text).strip().strip("-").strip()
    words = [part for word in text.split() for part in word.split("-") if part]
    if len(words) <= 1:
        return _joined(_graphemes(text)[:length])
    letters = [_graphemes(word) for word in words]
    length = min(length, sum(map(len, letters)))  # no longer than the name, however asked
    picked: list[str] = []
    start = 0
    for position in range(length):
        index = position
        if (position == length - 1 and position > 0) or index > len(words) - 1:
            index = len(words) - 1
        if position >= len(words):
            start += 1
        if start < len(letters[index]):
            picked.append(letters[index][start])
    return _joined(picked[:length])


def _joined(letters: list[str]) -> str:
    """Letters side by side; a joiner-breaker between two of a joining script (Arabic...)."""
    text = ""
    for letter in letters:
        if text and _JOINING.match(text[-1]) and _JOINING.match(letter):
            text += ZWNJ
        text += letter
    return text


def _graphemes(text: str) -> list[str]:
    return [cluster for cluster in _GRAPHEME.findall(text) if not cluster.isspace()]


def _path_params(path: str) -> dict[str, str]:
    """The path form's parameters by position; an empty segment leaves its default."""
    rest = path.removeprefix("api").removeprefix("/")
    if not rest:
        return {}
    segments = rest.split("/")
    if segments[-1] == "":
        segments.pop()  # one trailing slash
    if len(segments) > len(PARAMETERS):
        raise SpecError(f"too many path segments for an avatar: /api/{'/'.join(PARAMETERS)}")
    params = {}
    for key, raw in zip(PARAMETERS, segments, strict=False):
        value = decode(raw.replace("+", " "), key)
        if value:
            params[key] = value
    return params


def _whole(params: dict[str, str], key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    if not _NUMBER.fullmatch(value.strip()):
        raise SpecError(f"{key} must be a whole number")
    return int(value)


def _share(value: str | None) -> float:
    """font-size: a share of the size; above 1 is 1, as in ui-avatars; 0 or not a number is
    refused (ui-avatars turns those into 0.5)."""
    if value is None:
        return DEFAULT_FONT_SHARE
    value = value.strip()
    if not value or not _SHARE.fullmatch(value) or float(value) <= 0:
        raise SpecError("font-size must be a share of the size, more than 0 (0.5 is half)")
    return min(1.0, float(value))


def _flag(params: dict[str, str], key: str, *, default: bool) -> bool:
    value = params.get(key)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SpecError(f"{key} must be true or false")


def _colours(params: dict[str, str], name: str) -> tuple[Color, Color]:
    """(background, text colour). `background=random` takes a palette pair chosen by the name,
    so a URL always draws the same avatar (ui-avatars picks anew on every request); as there,
    the palette's text colour then wins over `color`."""
    background = params.get("background")
    if background is not None and background.strip().lower() == RANDOM:
        digest = hashlib.sha256(name.encode("utf-8")).digest()
        return PALETTE[int.from_bytes(digest[:8], "big") % len(PALETTE)]
    color = params.get("color")
    return (
        parse_color(background.strip()) if background is not None else DEFAULT_BACKGROUND,
        parse_color(color.strip()) if color is not None else DEFAULT_COLOR,
    )


def _format(text: str) -> str:
    text = text.strip()
    return AUTO if text.lower() == AUTO else require_format(text)
