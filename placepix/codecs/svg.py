"""The SVG writer: the same layout as the raster path, written as escaped text.

Only <svg>, <rect> (or <ellipse>, for `shape=circle`), <text> and <tspan> elements are ever
written; every attribute value and every piece of text goes through XML escaping, so no input
can add markup.

Each line is written in logical order, as the viewer's shaping needs it; a viewer orders it
with the Unicode bidi algorithm, as the raster path does, given the line's paragraph direction:
a right-to-left line's <tspan> is an isolate (`unicode-bidi="isolate"`) with `direction="rtl"`,
and its anchor is mirrored (`start` is its right end), so it sits where the raster line does.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from placepix.model.colors import Color
from placepix.model.spec import Align, Shape

# Lines are anchored where the alignment holds them (a line's middle when centred), so that a
# viewer whose fonts measure a little differently still centres them.
ANCHORS = MappingProxyType(
    {"left": ("start", 0.0), "center": ("middle", 0.5), "right": ("end", 1.0)}
)
RTL_ANCHORS = MappingProxyType({"start": "end", "middle": "middle", "end": "start"})


class SvgLine(NamedTuple):
    """One line of text as the raster layout placed it: its start, width and baseline, and
    its paragraph's direction ('ltr' or 'rtl')."""

    text: str
    x: int
    width: int
    baseline: int
    direction: str = "ltr"


def write_svg(
    size: tuple[int, int],
    background: Color,
    foreground: Color,
    lines: Sequence[SvgLine],
    *,
    font_size: int,
    families: Sequence[str],
    align: Align,
    shape: Shape = "rect",
    bold: bool = False,
) -> bytes:
    """An SVG document of laid-out lines: one <tspan> per line at the raster layout's
    position, the font families in the order the raster path uses them, then the viewer's
    sans-serif. The background is the whole canvas, or the ellipse inside it for a circle;
    bold asks the viewer's font for its bold weight."""
    width, height = size
    anchor, share = ANCHORS[align]
    tspans = "".join(
        f'<tspan x="{line.x + line.width * share:g}" y="{line.baseline}"{_direction(line, anchor)}>'
        f"{escape(line.text)}</tspan>"
        for line in lines
    )
    family = ", ".join(_family(name) for name in families)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f'{_background(size, shape)} fill="{background.css()}"{_opacity(background)}/>'
        f'<text font-family={quoteattr(family + ", sans-serif")} font-size="{font_size}"'
        f"{WEIGHT_BOLD if bold else ''} "
        f'fill="{foreground.css()}"{_opacity(foreground)} text-anchor="{anchor}" '
        f'xml:space="preserve">{tspans}</text>'
        "</svg>"
    )
    return svg.encode("utf-8")


def _direction(line: SvgLine, anchor: str) -> str:
    """The attributes that make a viewer order a right-to-left line as the raster path did."""
    if line.direction != "rtl":
        return ""
    mirrored = RTL_ANCHORS[anchor]
    return f' direction="rtl" unicode-bidi="isolate" text-anchor="{mirrored}"'


WEIGHT_BOLD = ' font-weight="bold"'


def _background(size: tuple[int, int], shape: Shape) -> str:
    """The opening of the background element, without its fill."""
    width, height = size
    if shape == "circle":
        rx, ry = f"{width / 2:g}", f"{height / 2:g}"
        return f'<ellipse cx="{rx}" cy="{ry}" rx="{rx}" ry="{ry}"'
    return f'<rect width="{width}" height="{height}"'


def _family(name: str) -> str:
    """A CSS font-family entry: quoted when it has spaces; only letters, digits, spaces and
    hyphens survive, so a family name can't break out of the attribute."""
    clean = "".join(c for c in name if c.isalnum() or c in " -")
    return f"'{clean}'" if " " in clean else clean


def _opacity(color: Color) -> str:
    return "" if color.opaque else f' fill-opacity="{color.a / 255:.3f}"'
