"""How the WebP and AVIF settings were chosen: encode time and size for each setting against
the library's default, on the same placeholder image, in the same run."""

from __future__ import annotations

import io
from functools import partial
from typing import Any

from PIL import Image

import placepix
from bench.timing import median_ms
from placepix.imaging.raster import text_image
from placepix.render import default_renderer

SIZES = ["300x200", "1200x800", "4000x4000"]
# (format, label, options); the first of each format is the library's default
SETTINGS: list[tuple[str, str, dict[str, Any]]] = [
    ("WEBP", "q80 method 4 (libwebp default)", {"quality": 80, "method": 4}),
    ("WEBP", "q80 method 2", {"quality": 80, "method": 2}),
    ("WEBP", "q80 method 0 (placepix)", {"quality": 80, "method": 0}),
    ("AVIF", "q60 speed 6 (libavif default)", {"quality": 60, "speed": 6, "max_threads": 1}),
    ("AVIF", "q60 speed 8", {"quality": 60, "speed": 8, "max_threads": 1}),
    ("AVIF", "q60 speed 10 (placepix)", {"quality": 60, "speed": 10, "max_threads": 1}),
]


def canvas(size: str) -> Image.Image:
    spec = placepix.parse_url(size)
    pixels = (spec.pixel_width, spec.pixel_height)
    renderer = default_renderer()
    glyphs = renderer.text.rasterize(renderer.lay_out(spec), pixels)
    return text_image(pixels, spec.background, spec.foreground, glyphs)


def encoded(image: Image.Image, fmt: str, options: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def run(quick: bool = False) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for size in SIZES:
        image = canvas(size)
        repeat = 3 if quick or size == "4000x4000" else 11
        defaults: dict[str, tuple[float, int]] = {}
        for fmt, label, options in SETTINGS:
            ms = median_ms(partial(encoded, image, fmt, options), repeat, warmup=1)
            length = len(encoded(image, fmt, options))
            base_ms, base_bytes = defaults.setdefault(fmt, (ms, length))
            rows.append(
                {
                    "size": size,
                    "setting": f"{fmt.lower()} {label}",
                    "ms": round(ms, 2),
                    "speed_vs_default": round(base_ms / ms, 1),
                    "bytes": length,
                    "size_vs_default": round(length / base_bytes, 2),
                }
            )
    return rows
