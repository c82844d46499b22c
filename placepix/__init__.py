"""placepix: placeholder images generated in memory.

>>> import placepix
>>> image = placepix.render("600x400.png?text=Hello")
>>> image.media_type
'image/png'
"""

from __future__ import annotations

from placepix._version import __version__
from placepix.errors import LimitError, PlacepixError, SpecError
from placepix.minting import make_token, token_path
from placepix.model.colors import Color, parse_color
from placepix.model.limits import Limits
from placepix.model.spec import ImageSpec
from placepix.parts import TokenPart, make_tokens, parts_html
from placepix.render import RENDER_VERSION, Plan, Rendered, Renderer, render
from placepix.url.grammar import parse, parse_url
from placepix.url.signing import sign_url
from placepix.url.tokens import image_url

__all__ = [
    "RENDER_VERSION",
    "Color",
    "ImageSpec",
    "LimitError",
    "Limits",
    "PlacepixError",
    "Plan",
    "Rendered",
    "Renderer",
    "SpecError",
    "TokenPart",
    "__version__",
    "image_url",
    "make_token",
    "make_tokens",
    "parse",
    "parse_color",
    "parse_url",
    "parts_html",
    "render",
    "sign_url",
    "token_path",
]
