"""In-process render speed: placepix against naive Pillow (RGB canvas, ImageDraw.text, save with
the library's defaults) for the same text, font and size, timed in the same run.

Two cases: *cold*, new text (placepix's layouts, rasterised runs and glyphs emptied first; the
naive service loads its font and measures the text again), and *warm*, text seen before (only
colours or format differ: every repetition a new background; the naive side keeps its font and
still draws and encodes everything). The naive service is plain Pillow, independent of
placepix's text engine, so that two versions of placepix can be compared against the same
baseline (bench/sidebyside.py)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import placepix
from bench.subject import Subject
from bench.timing import median_ms

SIZES = ["300x200", "1200x800", "4000x4000"]
FORMATS = ["png", "jpeg", "gif", "webp", "avif"]
LATO = Path(placepix.__file__).parent / "fonts" / "Lato-Regular.ttf"


class Naive:
    """What a plain Pillow service does (fakeimg.pl's approach): the text centred at the size
    that fits 80 % of the width and 45 % of the height."""

    def __init__(self, font: Path = LATO) -> None:
        self.path = font
        self.fonts: dict[int, ImageFont.FreeTypeFont] = {}

    def render(self, spec: placepix.ImageSpec) -> bytes:
        width, height = spec.pixel_width, spec.pixel_height
        text = spec.display_text
        measure = self.font(100).getlength(text) or 1.0
        size = max(1, int(min(width * 0.8 * 100 / measure, height * 0.45)))
        image = Image.new("RGB", (width, height), spec.background.rgb)
        draw = ImageDraw.Draw(image)
        draw.text((width / 2, height / 2), text, spec.foreground.rgb, self.font(size), "mm")
        buffer = io.BytesIO()
        image.save(buffer, spec.format.upper())
        return buffer.getvalue()

    def cold(self, spec: placepix.ImageSpec) -> bytes:
        """The naive service meeting new text: its fonts loaded and measured again."""
        self.fonts.clear()
        return self.render(spec)

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        if size not in self.fonts:
            self.fonts[size] = ImageFont.truetype(str(self.path), size)
        return self.fonts[size]


def in_new_colours(
    spec: placepix.ImageSpec, render: Callable[[placepix.ImageSpec], bytes]
) -> Callable[[], bytes]:
    """A render of `spec` in a background colour not used before, each time it is called:
    the text is known, the image is not (repeating one spec would time the caches' lookups)."""
    colours = (placepix.Color(*index.to_bytes(3, "big")) for index in itertools.count(1))
    return lambda: render(replace(spec, background=next(colours)))


def repetitions(size: str, fmt: str, quick: bool) -> int:
    slow = size == "4000x4000" or fmt == "avif"
    return (3 if slow else 15) if quick else (7 if slow else 61)


def run(quick: bool = False) -> list[dict[str, object]]:
    subject, naive = Subject(), Naive()
    rows: list[dict[str, object]] = []
    for size in SIZES:
        for fmt in FORMATS:
            spec = placepix.parse_url(f"{size}.{fmt}")
            repeat = repetitions(size, fmt, quick)
            baseline = median_ms(in_new_colours(spec, naive.render), repeat)
            baseline_cold = median_ms(partial(naive.cold, spec), repeat)
            cold = median_ms(partial(subject.cold, spec), repeat)
            warm = median_ms(in_new_colours(spec, subject.warm), repeat)
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
                }
            )
    return rows
