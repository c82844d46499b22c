"""Minting tokens from text: the image spec for a text and its style, sized to the text when no
size is given, sealed into a token (`placepix.url.tokens`).

Sizing needs a Renderer's text engine, which the pure token format below it must not import; so the
one call that a back end or a template filter makes lives here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from placepix.errors import LimitError, SpecError
from placepix.model.colors import Color, parse_color
from placepix.model.formats import require_format
from placepix.model.spec import Align, ImageSpec
from placepix.render import Renderer, default_renderer
from placepix.url.grammar import parse_url
from placepix.url.sealing import NEWEST_VERSION
from placepix.url.tokens import image_url, seal_spec

TOKEN_FONT_SIZE = 20  # font size of tokens that give no size, in pixels
TOKEN_PADDING = 4


def make_token(
    text: str,
    secret: str,
    *,
    ttl: int | None = None,
    deterministic: bool = True,
    version: int = NEWEST_VERSION,
    **style: Any,
) -> str:
    """The token for an image of `text`, encrypted with `secret` (the newest configured key).

    `style` is `token_spec`'s: size, colours, font, format, padding, scale, distort. `ttl`
    (seconds) makes the token expire; `deterministic=False` makes every token differ;
    `version=1` mints the old AES-SIV format for servers that do not accept version 2 yet.

    Nothing is made that the server would refuse: `SpecError` for an empty secret or text, a
    ttl that is not a positive number of seconds, or bad style; `LimitError` for an image
    over the limits of `style`'s `renderer` (default: the default limits, as a server on
    default settings applies them).
    """
    check_token_arguments(text, secret, ttl)
    spec = token_spec(text, **style)
    return seal_spec(spec, secret, ttl=ttl, deterministic=deterministic, version=version)


def check_token_arguments(text: str, secret: str, ttl: int | None) -> None:
    """`SpecError` for a text, secret or ttl that would make a useless token."""
    if not text.strip():
        raise SpecError("text is empty: a token shows a text")
    if not isinstance(secret, str) or not secret.strip():
        raise SpecError("secret is empty: use the server's newest PLACEPIX_SECRET_KEYS entry")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0):
        raise SpecError(f"ttl must be a positive whole number of seconds, got {ttl!r}")


def token_spec(
    text: str,
    *,
    width: int | None = None,
    height: int | None = None,
    background: str = "ffffff",
    foreground: str = "000000",
    font: str | None = None,
    font_size: int | None = None,
    format: str = "png",
    padding: int | None = None,
    align: Align = "center",
    scale: int = 1,
    distort: bool = False,
    renderer: Renderer | None = None,
    check: bool = True,
) -> ImageSpec:
    """The image a token of `text` shows. Without `width`/`height` it is just large enough for
    the text at `font_size`. `distort` makes the text hard for OCR (placepix.imaging.distort).
    SVG is refused when sealed: it would carry the text as text. The spec is the one its
    canonical URL reads as, so every back end that follows docs/token-format.md seals the same
    URL for the same options.

    With `check` (the default), `renderer.plan` checks it as the server will, so that a token
    the server would refuse is never made: `SpecError`/`LimitError` naming the problem."""
    if not text:  # a part of a line may be a space, but not nothing
        raise SpecError("text is empty: a token shows a text")
    renderer = renderer or default_renderer()
    spec = ImageSpec(
        width or 1,
        height or 1,
        scale=scale,
        format=require_format(format),
        background=_color(background),
        foreground=_color(foreground),
        text=text,
        font=font,
        font_size=font_size,
        align=align,
        padding=padding,
        distort=distort,
    )
    sized = width is None or height is None
    if sized:
        spec = _sized_to_text(spec, width, height, renderer)
    spec = parse_url(spec.canonical())  # as the server will read it: "Open Sans" is open-sans
    if check:
        try:
            renderer.plan(spec)
        except LimitError as error:
            if not sized:
                raise
            raise LimitError(
                f"{error.message} (the image is sized to the text: shorten it, make font_size "
                "smaller, or split it into parts)"
            ) from None
    return spec


def token_path(text: str, secret: str, **style: Any) -> str:
    """`image_url(make_token(text, secret, **style))`: the one call a template filter needs."""
    return image_url(make_token(text, secret, **style))


def _color(text: str) -> Color:
    return parse_color(text.removeprefix("#"))


def _sized_to_text(
    spec: ImageSpec, width: int | None, height: int | None, renderer: Renderer
) -> ImageSpec:
    font_size = spec.font_size or TOKEN_FONT_SIZE
    padding = spec.padding if spec.padding is not None else TOKEN_PADDING
    font = renderer.fonts.resolve(spec.font)
    natural_width, natural_height = renderer.text.natural_size(
        spec.display_text, font, font_size, padding
    )
    return replace(
        spec,
        width=width or natural_width,
        height=height or natural_height,
        font_size=font_size,
        padding=padding,
    )
