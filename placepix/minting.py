"""Minting tokens from text: the image spec for a text and its style, sized to the text when no
size is given, sealed into a token (`placepix.url.tokens`).

Sizing needs a Renderer's text engine, which the pure token format below it must not import; so the
one call that a back end or a template filter makes lives here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from placepix.model.colors import Color, parse_color
from placepix.model.spec import ImageSpec
from placepix.render import Renderer, default_renderer
from placepix.url.tokens import image_url, seal_spec

TOKEN_FONT_SIZE = 20  # font size of tokens that give no size, in pixels
TOKEN_PADDING = 4


def make_token(
    text: str,
    secret: str,
    *,
    width: int | None = None,
    height: int | None = None,
    background: str = "ffffff",
    foreground: str = "000000",
    font: str | None = None,
    font_size: int | None = None,
    format: str = "png",
    padding: int | None = None,
    scale: int = 1,
    ttl: int | None = None,
    deterministic: bool = True,
    distort: bool = False,
    renderer: Renderer | None = None,
) -> str:
    """The token for an image of `text`, encrypted with `secret` (the newest configured key).

    Without `width`/`height` the image is just large enough for the text at `font_size`.
    `distort` makes the text hard for OCR (placepix.imaging.distort). SVG is refused: it would
    carry the text as text. `ttl` (seconds) makes the token expire.
    """
    spec = ImageSpec(
        width or 1,
        height or 1,
        scale=scale,
        format=format,
        background=_color(background),
        foreground=_color(foreground),
        text=text,
        font=font,
        font_size=font_size,
        padding=padding,
        distort=distort,
    )
    if width is None or height is None:
        spec = _sized_to_text(spec, width, height, renderer or default_renderer())
    return seal_spec(spec, secret, ttl=ttl, deterministic=deterministic)


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
