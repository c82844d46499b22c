"""placepix: placeholder images generated in memory.

>>> import placepix
>>> image = placepix.render("600x400.png?text=Hello")
>>> image.media_type
'image/png'
"""

from __future__ import annotations

from placepix.errors import LimitError, PlacepixError, SpecError
from placepix.model.colors import Color
from placepix.model.spec import ImageSpec, Limits
from placepix.render import RENDER_VERSION, Rendered, render
from placepix.url.grammar import parse, parse_url

__version__ = "0.1.0"

__all__ = [
    "RENDER_VERSION",
    "Color",
    "ImageSpec",
    "LimitError",
    "Limits",
    "PlacepixError",
    "Rendered",
    "SpecError",
    "__version__",
    "parse",
    "parse_url",
    "render",
]
