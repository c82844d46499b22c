"""In-process render speed: placepix against naive Pillow (RGB canvas, ImageDraw.text, save with
the library's defaults) for the same text, font and size, timed in the same run.

Two cases: *cold*, new text (layouts, rasterised and shaped runs and glyph bitmaps emptied
first; fonts stay loaded, on both sides: the naive service has to lay new text out too), and
*warm*, text seen before (only colours or format differ: every repetition a new background; the
naive side gets the cached layout and still draws and encodes everything)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import replace

from PIL import Image, ImageChops, ImageDraw

import placepix
from bench.timing import median_ms
from placepix.model.colors import parse_color
from placepix.model.limits import Limits
from placepix.render import clear_layout_caches, lay_out
from placepix.text.fonts import default_library
from tests.rendering import reference_image

SIZES = ["300x200", "1200x800", "4000x4000"]
FORMATS = ["png", "jpeg", "gif", "webp", "avif"]


def naive(spec: placepix.ImageSpec) -> bytes:
    """What a plain Pillow service does (fakeimg.pl's approach)."""
    fonts = default_library()
    layout = lay_out(spec, fonts, fonts.resolve(spec.font))
    image = Image.new("RGB", (spec.pixel_width, spec.pixel_height), spec.background.rgb)
    draw = ImageDraw.Draw(image)
    for line in layout.lines:
        for run in line.runs:
            draw.text((run.x, line.baseline), run.text, spec.foreground.rgb, run.face, "ls")
    buffer = io.BytesIO()
    image.save(buffer, spec.format.upper())
    return buffer.getvalue()


def naive_cold(spec: placepix.ImageSpec) -> bytes:
    """The naive service meeting new text: it has to lay it out too."""
    clear_layout_caches()
    return naive(spec)


def same_pixels(spec: placepix.ImageSpec) -> bool:
    """PNG only: does placepix's output decode to exactly the reference pixels?"""
    fonts = default_library()
    layout = lay_out(spec, fonts, fonts.resolve(spec.font))
    size = (spec.pixel_width, spec.pixel_height)
    reference = reference_image(size, spec.background, spec.foreground, layout)
    decoded = Image.open(io.BytesIO(render_warm(spec))).convert(reference.mode)
    return ImageChops.difference(decoded, reference).getbbox() is None


BENCH_LIMITS = Limits(max_avif_pixels=4000 * 4000, max_render_memory=1 << 40)  # AVIF too


def render_cold(spec: placepix.ImageSpec) -> bytes:
    """placepix with its layout and glyph caches emptied first: the cost of new text."""
    clear_layout_caches()
    return placepix.render(spec, limits=BENCH_LIMITS).data


def render_warm(spec: placepix.ImageSpec) -> bytes:
    """placepix when the text was seen before (only colours or format differ)."""
    return placepix.render(spec, limits=BENCH_LIMITS).data


def in_new_colours(spec: placepix.ImageSpec) -> Callable[[], bytes]:
    """A render of `spec` in a background colour not used before, each time it is called:
    the text is known, the image is not (repeating one spec would time the caches' lookups)."""
    colours = (parse_color(f"{index:06x}") for index in itertools.count(1))
    return lambda: render_warm(replace(spec, background=next(colours)))


def repetitions(size: str, fmt: str, quick: bool) -> int:
    slow = size == "4000x4000" or fmt == "avif"
    return (3 if slow else 15) if quick else (7 if slow else 61)


def run(quick: bool = False) -> list[dict[str, object]]:
    rows = []
    for size in SIZES:
        for fmt in FORMATS:
            spec = placepix.parse_url(f"{size}.{fmt}")
            repeat = repetitions(size, fmt, quick)
            baseline = median_ms(lambda spec=spec: naive(spec), repeat)
            baseline_cold = median_ms(lambda spec=spec: naive_cold(spec), repeat)
            cold = median_ms(lambda spec=spec: render_cold(spec), repeat)
            warm = median_ms(in_new_colours(spec), repeat)
            rows.append(
                {
                    "size": size,
                    "format": fmt,
                    "naive_cold_ms": round(baseline_cold, 3),
                    "cold_ms": round(cold, 3),
                    "cold_ratio": round(baseline_cold / cold, 1),
                    "naive_ms": round(baseline, 3),
                    "warm_ms": round(warm, 3),
                    "warm_ratio": round(baseline / warm, 1),
                    "identical": same_pixels(spec) if fmt == "png" else "",
                }
            )
    return rows
