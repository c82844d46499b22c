"""The per-format cost model that admission control and inline rendering rely on."""

from __future__ import annotations

import sys

import pytest

import placepix
from placepix.codecs.encode import COST_PER_PIXEL, render_microseconds, working_memory
from placepix.model.formats import MEDIA_TYPES
from placepix.render import memory_needed
from placepix.text.fonts import default_library
from tests.rendering import peak_growth


def test_every_format_has_a_cost() -> None:
    """A format missing here would make every request for it fail on the server."""
    assert set(COST_PER_PIXEL) == set(MEDIA_TYPES)


def test_costs_grow_with_pixels_and_order_the_encoders() -> None:
    pixels, label = 4000 * 4000, 2_000_000
    webp = working_memory("webp", pixels, label)
    assert working_memory("avif", pixels, label) > working_memory("png", pixels, label)
    assert working_memory("webp", pixels, label, translucent=True) > 5 * webp
    assert working_memory("gif", pixels, label, colour_glyphs=True) > 5 * webp
    assert working_memory("png", pixels, pixels) > 3 * working_memory("png", pixels, label)
    assert render_microseconds("avif", 1_000_000) > render_microseconds("png", 1_000_000)
    assert working_memory("png", 2000, 200) == 2 * working_memory("png", 1000, 100)


SENTENCE = "text=The+quick+brown+fox+jumps+over+the+lazy+dog"
MEASURED = [
    f"3000x3000{colours}.{fmt}?{text}"
    for fmt in ("png", "jpeg", "bmp", "tiff", "gif", "webp")
    for colours in ("/fff/000", "/ff000080/00f")
    for text in (SENTENCE, "text=%F0%9F%98%80")
] + [
    f"1500x1500/ff000080/00f.avif?{SENTENCE}",
    "1500x1500.avif?text=%F0%9F%98%80",
    "1500x1500.avif",
    f"1000x700/ff000080/00f.avif?{SENTENCE}",  # the most per pixel measured (fixed costs)
    *(f"4000x4000.{fmt}" for fmt in ("png", "jpeg", "gif", "webp")),  # size labels: a strip
    "1800x1800/ff000080/00f.webp?text=flood",
]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("url", MEASURED)
def test_the_estimate_is_at_least_the_measured_peak(url: str) -> None:
    """Admission control and the render_memory_budget check trust the estimate: a render must
    not take more than it says (measured in a fresh process, after a small warm-up render)."""
    grown = peak_growth(url)
    estimate = memory_needed(placepix.parse_url(url), default_library())
    assert grown <= estimate, f"{grown >> 20} MiB measured, {estimate >> 20} MiB estimated"
