"""Helpers for tests of the fast encoders: shared cases, the whole-image reference (a raster
composed on a full-colour canvas the obvious way), and a render's peak memory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PIL import Image

import placepix
from placepix._native.gate import NATIVE_ENV, native_allowed
from placepix.codecs.pillow import encode
from placepix.imaging.raster import canvas_mode, ink, text_image
from placepix.imaging.types import TextRaster
from placepix.model.colors import Color
from placepix.model.spec import ImageSpec
from placepix.render import default_renderer

NATIVE = pytest.mark.skipif(not native_allowed(), reason="PLACEPIX_NATIVE=off: native paths off")

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
    size = (spec.pixel_width, spec.pixel_height)
    renderer = default_renderer()
    glyphs = renderer.text.rasterize(renderer.lay_out(spec), size)
    image = text_image(size, spec.background, spec.foreground, glyphs)
    return encode(image, spec.format)


def spec_in(url: str, extension: str) -> ImageSpec:
    """The spec of a test case written without a format, in `extension`."""
    path, _, query = url.partition("?")
    return placepix.parse_url(f"{path}.{extension}" + (f"?{query}" if query else ""))


def raster_of(spec: ImageSpec) -> TextRaster:
    """The glyph layers of `spec`, as the default renderer draws them."""
    renderer = default_renderer()
    return renderer.text.rasterize(renderer.lay_out(spec), (spec.pixel_width, spec.pixel_height))


def reference_image(
    size: tuple[int, int], background: Color, foreground: Color, raster: TextRaster
) -> Image.Image:
    """The obvious way to compose a raster: a full-colour canvas of the background, a
    full-colour image of the foreground laid over it through the coverage placed on a
    canvas-sized mask, then the colour glyphs composited. Slow, but it is the definition of
    correct output that the fast paths (palette images, banded encoders, the PNG writer) are
    tested against."""
    mode = canvas_mode(background, foreground)
    image = Image.new(mode, size, ink(background, mode))
    if raster.coverage is not None:
        mask = Image.new("L", size, 0)
        mask.paste(raster.coverage.image, raster.coverage.origin)
        image = Image.composite(Image.new(mode, size, ink(foreground, mode)), image, mask)
    if raster.color is not None:
        glyphs = Image.new("RGBA", size, (0, 0, 0, 0))
        glyphs.paste(raster.color.image, raster.color.origin)
        image.paste(glyphs, (0, 0), glyphs)
    return image


PEAK_SCRIPT = """
import dataclasses, sys
import placepix
from placepix.model.limits import Limits
from placepix.render import Renderer

def status(field):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith(field)) * 1024

spec = placepix.parse_url(sys.argv[1])
renderer = Renderer(limits=Limits(render_memory_budget=1 << 40, max_avif_pixels=1 << 40))
renderer.render(dataclasses.replace(spec, width=8, scale=1))  # fonts, encoder, colours loaded
with open("/proc/self/clear_refs", "w") as clear_refs:
    clear_refs.write("5")  # VmHWM starts again from VmRSS
before = status("VmRSS")
renderer.render(spec)
print(status("VmHWM") - before)
"""


def peak_growth(url: str, *, native: bool = True) -> int:
    """Bytes by which rendering `url` raises a fresh process's RSS at its peak (VmHWM, reset
    after a render 8 pixels wide of the same spec has loaded fonts and encoders, so that
    loading them does not hide the render's own peak); no memory limit applies; `native`
    False turns the native paths off. Linux only."""
    env = os.environ | {NATIVE_ENV: "on" if native else "off"}
    command = [sys.executable, "-c", PEAK_SCRIPT, url]
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return int(result.stdout)
