"""Helpers for tests of the fast encoders: shared cases, the whole-image reference, and a
render's peak memory."""

from __future__ import annotations

import subprocess
import sys

import placepix
from placepix.encoders import encode
from placepix.fonts import default_library
from placepix.layout import rasterize_text
from placepix.raster import text_image
from placepix.render import lay_out
from placepix.spec import ImageSpec

# Cases for the encoders that draw bands of rows (WebP, AVIF): odd sizes, a row past two
# bands, alpha on either side, emoji, wrapped text.
BANDED_CASES = [
    "1x1",
    "2x3",
    "300x200",
    "301x199/000/fff?text=odd|sizes",
    "129x129/fff/000?text=one+row+past+two+bands",
    "1200x800/ff000080/0000ffc0?text=alpha",
    "640x360/123/0000ff40?text=translucent+text+on+opaque",
    "640x360/00000000/fff?text=transparent",
    "640x360/123/eee?text=emoji 😀 and 日本語",
    "500x100/fff/000?text=bottom&font_size=60&padding=1",
    "999x777/abc/123?text=long text that wraps onto several lines in the middle of the image",
]


def whole_image_encode(spec: ImageSpec) -> bytes:
    """`spec` drawn on one full-colour canvas and saved by Pillow: what a banded encoder must
    match byte for byte."""
    fonts = default_library()
    size = (spec.pixel_width, spec.pixel_height)
    glyphs = rasterize_text(lay_out(spec, fonts, fonts.resolve(spec.font)), size)
    image = text_image(size, spec.background, spec.foreground, glyphs, palette=False)
    return encode(image, spec.format)


def spec_in(url: str, extension: str) -> ImageSpec:
    """The spec of a test case written without a format, in `extension`."""
    path, _, query = url.partition("?")
    return placepix.parse_url(f"{path}.{extension}" + (f"?{query}" if query else ""))


PEAK_SCRIPT = """
import dataclasses, sys
import placepix
from placepix.spec import Limits

def status(field):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith(field)) * 1024

spec = placepix.parse_url(sys.argv[1])
placepix.render(dataclasses.replace(spec, width=8, scale=1))  # fonts, encoder and colours loaded
with open("/proc/self/clear_refs", "w") as clear_refs:
    clear_refs.write("5")  # VmHWM starts again from VmRSS
before = status("VmRSS")
placepix.render(spec, limits=Limits(max_render_memory=1 << 40))
print(status("VmHWM") - before)
"""


def peak_growth(url: str) -> int:
    """Bytes by which rendering `url` raises a fresh process's RSS at its peak (VmHWM, reset
    after a render 8 pixels wide of the same spec has loaded fonts and encoders, so that
    loading them does not hide the render's own peak); no memory limit applies. Linux only."""
    result = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, url], capture_output=True, text=True, check=True
    )
    return int(result.stdout)
