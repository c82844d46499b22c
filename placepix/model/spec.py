"""ImageSpec: the one frozen value that describes an image, its canonical URL, and limit checks.

The grammar builds it, the renderer consumes it, the web layer hashes its canonical form
for the ETag. Two URLs that mean the same image give equal specs and the same canonical URL.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Literal, overload
from urllib.parse import quote

from placepix.errors import LimitError, SpecError
from placepix.model.colors import Color, any_translucent, contrast_ratio, parse_color
from placepix.model.formats import (
    AUTO,
    DEFAULT_FORMAT,
    FORMAT_MAX_SIDE,
    MEDIA_TYPES,
    OPAQUE_FORMATS,
)
from placepix.model.limits import DEFAULT_LIMITS, Limits

Align = Literal["left", "center", "right"]
ALIGNMENTS: tuple[Align, ...] = ("left", "center", "right")
Shape = Literal["rect", "circle"]
SHAPES: tuple[Shape, ...] = ("rect", "circle")

DEFAULT_BACKGROUND = Color(0xDD, 0xDD, 0xDD)
DEFAULT_FOREGROUND = Color(0x99, 0x99, 0x99)
DISTORT_LEVELS = (0, 1, 2, 3)  # 0 off, 1 the default strength (placepix.imaging.distort.LEVELS)
# WCAG 2 AA for normal text: distorted text is harder to read, so its colours need at least this
# contrast (docs/tokens.md). A standard, not a resource limit: no setting lowers it.
DISTORT_MIN_CONTRAST = 4.5


class ColorField:
    """A colour field of ImageSpec that is always a `Color` when read, and may be given as a
    `Color` or as a colour string, parsed as URLs are (`"ff8800"`, `"#f80"`, `"rebeccapurple"`,
    `"ff0000,128"`); `SpecError` for anything else. A descriptor, so that type checkers see
    both: `str` accepted by `ImageSpec(...)`, `Color` read back."""

    def __init__(self, default: Color) -> None:
        self.default = default
        self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = f"_{name}"

    @overload
    def __get__(self, spec: None, owner: type | None = None) -> Color: ...
    @overload
    def __get__(self, spec: ImageSpec, owner: type | None = None) -> Color: ...
    def __get__(self, spec: ImageSpec | None, owner: type | None = None) -> Color:
        if spec is None:
            return self.default  # the dataclass default
        colour: Color = getattr(spec, self.slot)
        return colour

    def __set__(self, spec: ImageSpec, value: Color | str) -> None:
        if isinstance(value, str):
            value = parse_color(value)
        elif not isinstance(value, Color):
            raise SpecError(f"{self.name} must be a Color or a colour like 'ff8800' or 'red'")
        object.__setattr__(spec, self.slot, value)  # set once, by the frozen __init__


@dataclass(frozen=True)
class ImageSpec:
    """Everything that decides an image's bytes. Sizes are logical (CSS) pixels; the image
    has `width * scale` by `height * scale` pixels. `format` may be `auto` (placepix.model.
    formats.AUTO): the server picks a concrete one per request, anything else takes PNG."""

    width: int
    height: int
    scale: int = 1
    format: str = DEFAULT_FORMAT
    background: ColorField = ColorField(DEFAULT_BACKGROUND)  # a Color; a string is parsed
    foreground: ColorField = ColorField(DEFAULT_FOREGROUND)
    text: str | None = None  # None: the size, e.g. "600 × 400"
    font: str | None = None  # None: the instance's default font
    font_size: int | None = None  # None: fit the text to the image
    align: Align = "center"
    padding: int | None = None  # None: proportional to the image
    distort: int = 0  # anti-OCR strength, 0 (off) to 3 (placepix.imaging.distort), for tokens
    shape: Shape = "rect"  # circle: the largest ellipse in the image (avatars), clear outside
    bold: bool = False  # a bolder weight of the text

    def __post_init__(self) -> None:
        if self.format not in MEDIA_TYPES and self.format != AUTO:
            raise SpecError(
                f"unknown format {self.format!r}; choose one of {', '.join(MEDIA_TYPES)}, auto"
            )
        if self.align not in ALIGNMENTS:
            raise SpecError(f"align must be one of {', '.join(ALIGNMENTS)}")
        if self.shape not in SHAPES:
            raise SpecError(f"shape must be one of {', '.join(SHAPES)}")
        if self.shape == "circle" and self.format in OPAQUE_FORMATS:
            # Outside the circle is the background colour in formats without alpha: the same
            # image as the rectangle, so the same spec, canonical URL and ETag.
            object.__setattr__(self, "shape", "rect")
        if self.text is not None:
            object.__setattr__(self, "text", normalise_text(self.text))
        if self.distort not in DISTORT_LEVELS:
            raise SpecError("distort must be 0 to 3 (or true/false)")
        object.__setattr__(self, "distort", int(self.distort))  # True is 1

    @property
    def pixel_width(self) -> int:
        return self.width * self.scale

    @property
    def pixel_height(self) -> int:
        return self.height * self.scale

    @property
    def translucent(self) -> bool:
        """Whether the image needs an alpha channel (a colour is not opaque)."""
        return any_translucent(self.background, self.foreground)

    @property
    def media_type(self) -> str:
        if self.format == AUTO:
            raise SpecError("format auto has no media type until a format is chosen")
        return MEDIA_TYPES[self.format]

    @property
    def display_text(self) -> str:
        """The text drawn on the image."""
        return self.text if self.text is not None else f"{self.width} × {self.height}"

    def canonical(self) -> str:
        """The one URL (path and query) in placepix's primary grammar that means this image."""
        retina = f"@{self.scale}x" if self.scale != 1 else ""
        path = (
            f"/{self.width}x{self.height}{retina}/{self.background.hex()}/"
            f"{self.foreground.hex()}.{self.format}"
        )
        params = [
            ("text", self.text),
            ("font", self.font),
            ("font_size", self.font_size),
            ("align", None if self.align == "center" else self.align),
            ("padding", self.padding),
            ("distort", self.distort or None),
            ("shape", None if self.shape == "rect" else self.shape),
            ("bold", 1 if self.bold else None),
        ]
        query = "&".join(f"{k}={url_text(str(v))}" for k, v in params if v is not None)
        return f"{path}?{query}" if query else path

    def check(self, limits: Limits = DEFAULT_LIMITS) -> ImageSpec:
        """Raise `SpecError`/`LimitError` naming the first limit this spec breaks, else return it
        (so calls chain)."""
        self.check_distortion()
        for name, side in (("width", self.width), ("height", self.height)):
            if side < 1:
                raise SpecError(f"{name} must be at least 1 pixel")
        width, height = self.pixel_width, self.pixel_height
        if max(width, height) > limits.max_side:
            raise LimitError(
                f"image too large: {width}x{height} pixels; max_side is {limits.max_side}"
            )
        if width * height > limits.max_pixels:
            raise LimitError(
                f"image too large: {width * height} pixels; max_pixels is {limits.max_pixels}"
            )
        if self.format == "avif" and width * height > limits.max_avif_pixels:
            raise LimitError(
                f"avif images can be at most {limits.max_avif_pixels} pixels; max_avif_pixels "
                f"is {limits.max_avif_pixels} (webp or png have no such limit)"
            )
        format_side = FORMAT_MAX_SIDE.get(self.format)
        if format_side and max(width, height) > format_side:
            raise LimitError(f"{self.format} images can be at most {format_side} pixels a side")
        if len(self.display_text) > limits.max_text_length:
            raise LimitError(f"text too long: max_text_length is {limits.max_text_length}")
        if self.font_size is not None and not 1 <= self.font_size <= limits.max_font_size:
            raise LimitError(f"font_size must be 1 to {limits.max_font_size}")
        if self.padding is not None and not 0 <= self.padding * 2 < min(self.width, self.height):
            raise LimitError("padding must be at least 0 and less than half the smaller side")
        return self

    def check_distortion(self) -> None:
        """Raise `SpecError` when `distort` is set on an image it can't be: SVG (its text is
        text), or colours whose contrast is below `DISTORT_MIN_CONTRAST` (distorted text that
        is also faint is unreadable for many people)."""
        if not self.distort:
            return
        if self.format == "svg":
            raise SpecError("distort is for raster formats: SVG carries its text as text")
        ratio = contrast_ratio(self.foreground, self.background)
        if ratio < DISTORT_MIN_CONTRAST:
            shown = math.floor(ratio * 100) / 100
            raise SpecError(
                f"distort needs a contrast of at least {DISTORT_MIN_CONTRAST:g}:1 between "
                f"text and background (WCAG AA); {self.foreground.hex()} on "
                f"{self.background.hex()} has {shown:.2f}:1"
            )


def normalise_text(text: str) -> str:
    """NFC; CR LF and Unicode line and paragraph separators become line feeds; tabs become
    spaces; control characters and the two characters XML forbids (U+FFFE, U+FFFF) are dropped,
    so they never reach a font or an SVG document. Format characters (ZWJ, bidi marks) stay:
    emoji and scripts need them. The line breaks URLs write (`|`, `\\n`) are the grammar's."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        raise SpecError("text is not valid Unicode (lone surrogate)")
    text = text.replace("\r\n", "\n").replace("\t", " ")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c == "\n" or _allowed(c))


def _allowed(char: str) -> bool:
    return unicodedata.category(char) != "Cc" and char not in "\ufffe\uffff"


def url_text(text: str) -> str:
    """`text` percent-encoded for a URL, as the grammar reads it back: every byte but
    unreserved ones encoded (`|` is `%7C`, a literal bar), and a backslash before `n` as
    `%5C%6E`, which is not a line break."""
    return quote(text, safe="").replace("%5Cn", "%5C%6E")
