"""Shapes that clip an image: the anti-aliased ellipse of `shape=circle` (avatars).

A mask is an 'L' image of the canvas's size: 255 inside, 0 outside, and on the edge the share
of each pixel the ellipse covers, estimated from the signed distance of the pixel's centre to
the edge (exact for a circle to within a few levels; tests compare it with a 16x supersampled
drawing). Only the pixels near the edge are computed one by one: a row is a run of zeros, the
edge, a run of 255s, the edge and zeros, so a mask costs its height plus its perimeter, not
its area, in Python.
"""

from __future__ import annotations

import math

from PIL import Image, ImageChops


def ellipse_mask(size: tuple[int, int]) -> Image.Image:
    """The mask of the largest ellipse inside a canvas of `size` (a circle on a square)."""
    width, height = size
    rx, ry = width / 2, height / 2
    # The bottom half mirrors the top: the ellipse is symmetric about its horizontal axis.
    top = [_row(width, (y + 0.5 - ry), rx, ry) for y in range((height + 1) // 2)]
    rows = top + top[: height // 2][::-1]
    return Image.frombytes("L", size, b"".join(rows))


def _row(width: int, dy: float, rx: float, ry: float) -> bytes:
    """One row of the mask, `dy` pixels below the centre (pixel centres)."""
    outer = _half_width(dy, rx + 1, ry + 1)  # beyond this, nothing is covered
    inner = _half_width(dy, rx - 1, ry - 1)  # within this, everything is
    left_out = max(0, math.floor(rx - outer))
    left_in = min(width // 2, max(left_out, math.ceil(rx - inner) if inner > 0 else width // 2))
    edge = bytes(_coverage(x + 0.5 - rx, dy, rx, ry) for x in range(left_out, left_in))
    full = width - 2 * left_in
    # The right half mirrors the left: the ellipse is symmetric about its vertical axis.
    middle = b"\xff" * full if full > 0 else _middle(width, left_in, dy, rx, ry)
    return bytes(left_out) + edge + middle + edge[::-1] + bytes(left_out)


def _middle(width: int, left_in: int, dy: float, rx: float, ry: float) -> bytes:
    """The centre column of an odd width when no pixel of the row is fully covered."""
    if width - 2 * left_in <= 0:
        return b""
    return bytes((_coverage(left_in + 0.5 - rx, dy, rx, ry),))


def _half_width(dy: float, rx: float, ry: float) -> float:
    """Half the width of an ellipse with radii rx, ry at `dy` from its centre (0 outside)."""
    if rx <= 0 or ry <= 0 or abs(dy) >= ry:
        return 0.0
    return rx * math.sqrt(1 - (dy / ry) ** 2)


def _coverage(dx: float, dy: float, rx: float, ry: float) -> int:
    """0-255: the share of the pixel centred at (dx, dy) inside the ellipse, from the distance
    of its centre to the edge (the implicit function over the length of its gradient)."""
    nx, ny = dx / rx, dy / ry
    level = nx * nx + ny * ny - 1
    gradient = 2 * math.hypot(nx / rx, ny / ry)
    distance = level / gradient if gradient else -max(rx, ry)
    return round(255 * min(1.0, max(0.0, 0.5 - distance)))


def clip(image: Image.Image, mask: Image.Image) -> Image.Image:
    """`image` (RGB or RGBA) with its alpha multiplied by `mask`: an RGBA image (`image`
    itself, changed)."""
    if image.mode == "RGB":
        image.putalpha(mask)  # opaque: the mask is the alpha
        return image
    alpha = ImageChops.multiply(image.getchannel("A"), mask)
    image.putalpha(alpha)
    return image
