"""Multi-part tokens: one line of text split over several images, so that no single image (and
no single OCR pass over one) carries the whole string; placed side by side with no gap, the
images read as the one line.

The text is cut between grapheme clusters (Unicode's user-perceived characters: `regex`'s
`\\X`), at equal counts of them, never so that the first part ends with a space. Every part is
drawn at the same font size on a canvas of the same height, so the baselines line up; each is
as wide as its own text (`natural_size`, so it stays on one line), the first right-aligned
after the padding and the others left-aligned, the last followed by the padding. Each cut can
move the rest of the line by up to a pixel, as every part starts on a whole pixel.
Kerning and ligatures across a cut are lost (a pixel or so); right-to-left text and line breaks
are refused, since the images would have to be reordered.
"""

from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass
from html import escape
from typing import Any

import regex

from placepix.errors import SpecError
from placepix.minting import TOKEN_FONT_SIZE, TOKEN_PADDING, check_token_arguments, token_spec
from placepix.model.spec import Align
from placepix.render import Renderer, default_renderer
from placepix.url.sealing import NEWEST_VERSION
from placepix.url.tokens import image_url, seal_spec

MAX_PARTS = 16  # more images than this is a page of <img>s, not a line of text
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class TokenPart:
    """One image of a multi-part text: its token and its size in CSS pixels."""

    token: str
    width: int
    height: int

    def path(self, fmt: str | None = None) -> str:
        return image_url(self.token, fmt)


def make_tokens(
    text: str,
    secret: str,
    parts: int = 3,
    *,
    font_size: int = TOKEN_FONT_SIZE,
    padding: int = TOKEN_PADDING,
    height: int | None = None,
    ttl: int | None = None,
    deterministic: bool = True,
    version: int = NEWEST_VERSION,
    renderer: Renderer | None = None,
    **style: Any,
) -> list[TokenPart]:
    """Tokens for `text` cut into `parts` images that show it as one line side by side.

    `style` is `make_token`'s (colours, font, format, scale, distort) but for the size: each
    image is as wide as its part of the text, and all are as high as the whole text needs
    (`height` for more). `SpecError` for text that can't be split: line breaks, right-to-left
    characters, or fewer characters than parts.
    """
    for name in ("width", "align"):
        if name in style:
            raise TypeError(f"make_tokens sizes and aligns each part itself: no {name!r}")
    check_token_arguments(text, secret, ttl)
    renderer = renderer or default_renderer()
    whole = token_spec(  # only its parts are served, and checked
        text, font_size=font_size, padding=padding, renderer=renderer, check=False, **style
    )
    pieces = split_text(whole.display_text, parts)
    font = renderer.fonts.resolve(whole.font)
    _, natural_height = renderer.text.natural_size(whole.display_text, font, font_size, padding)
    side = max(height or 0, natural_height)
    made = []
    for index, piece in enumerate(pieces):
        first, last = index == 0, index == len(pieces) - 1
        align: Align = "center" if first and last else "right" if first else "left"
        width = renderer.text.natural_size(piece, font, font_size, 0)[0] + padding * (first + last)
        spec = token_spec(
            piece,
            width=width,
            height=side,
            font_size=font_size,
            padding=0,
            align=align,
            renderer=renderer,
            **style,
        )
        token = seal_spec(spec, secret, ttl=ttl, deterministic=deterministic, version=version)
        made.append(TokenPart(token, width, side))
    return made


def split_text(text: str, parts: int) -> list[str]:
    """`text` cut into `parts` pieces of about as many grapheme clusters each, the first never
    ending with white space (a right-aligned part would lose it); `SpecError` when it can't be."""
    if not 1 <= parts <= MAX_PARTS:
        raise SpecError(f"parts must be 1 to {MAX_PARTS}")
    if "\n" in text:
        raise SpecError("text in parts must be one line: line breaks can't be split")
    if any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text):
        raise SpecError("right-to-left text can't be split into parts: use one image")
    clusters = _GRAPHEME.findall(text)
    if len(clusters) < parts:
        raise SpecError(f"text too short for {parts} parts: it has {len(clusters)} characters")
    cuts = [round(k * len(clusters) / parts) for k in range(parts + 1)]
    while cuts[1] > 1 and clusters[cuts[1] - 1].isspace():
        cuts[1] -= 1
    if any(a >= b for a, b in itertools.pairwise(cuts)) or clusters[0].isspace():
        raise SpecError(f"text can't be split into {parts} parts without an empty or blank one")
    return ["".join(clusters[a:b]) for a, b in itertools.pairwise(cuts)]


def parts_html(parts: list[TokenPart], alt: str, *, base: str = "", fmt: str | None = None) -> str:
    """An HTML snippet that shows `parts` as one line: the images in a `white-space:nowrap`
    span, with no white space between them (it would be a gap), their sizes given (no layout
    shift, no scaling by `max-width` rules), bottoms aligned. `alt` describes the whole (say what
    it is, not what it says: repeating the text would put it back into the page); it goes on the
    span as `role="img"` with `aria-label`, and each image gets `alt=""`, so a screen reader
    announces it once."""
    images = "".join(
        f'<img src="{escape(base + part.path(fmt))}" width="{part.width}" '
        f'height="{part.height}" alt="" style="vertical-align:bottom;max-width:none">'
        for part in parts
    )
    return f'<span style="white-space:nowrap" role="img" aria-label="{escape(alt)}">{images}</span>'
