"""The cost model that admission control, the memory budget and inline rendering rely on:
estimates must never be less than what a render takes, on either encoder path."""

from __future__ import annotations

import sys

import pytest

from placepix import budget
from placepix.model.formats import MEDIA_TYPES
from placepix.model.limits import Limits
from placepix.render import Renderer
from placepix.url.grammar import parse_url
from tests.rendering import NATIVE, peak_growth

UNLIMITED = Limits(render_memory_budget=1 << 40, max_avif_pixels=1 << 40)
PATHS = [pytest.param(True, id="native", marks=NATIVE), pytest.param(False, id="pillow")]


def test_every_format_has_a_cost_on_both_paths() -> None:
    """A format missing here would make every request for it fail on the server."""
    assert set(budget.COSTS) == set(MEDIA_TYPES)
    assert set(budget.PILLOW_COSTS) <= set(MEDIA_TYPES)
    for fmt in MEDIA_TYPES:
        assert budget.cost_of(fmt, banded=False).opaque >= budget.cost_of(fmt).opaque


def test_a_circle_costs_what_a_translucent_image_costs_and_more() -> None:
    """A clipped image is translucent and not flat: its estimate is never that of the opaque
    rectangle, and formats without alpha (which draw the rectangle) cost the same."""
    for fmt in ("png", "gif", "tiff", "webp", "avif"):
        square = budget.canvas_memory(parse_url(f"1000x1000/fff/000.{fmt}"))
        circle = budget.canvas_memory(parse_url(f"1000x1000/fff/000.{fmt}?shape=circle"))
        translucent = budget.canvas_memory(parse_url(f"1000x1000/fff8/000.{fmt}"))
        assert circle > square and circle >= translucent, fmt
    jpeg = budget.canvas_memory(parse_url("1000x1000/fff/000.jpg?shape=circle"))
    assert jpeg == budget.canvas_memory(parse_url("1000x1000/fff/000.jpg"))
    assert Renderer().plan("64x64.png?shape=circle").inline  # a small avatar stays inline


def test_the_estimate_knows_which_path_runs() -> None:
    """Pillow's WebP needs several times the banded encoder's memory: admission must budget
    the path that will run, or a worker with native paths off runs past its bound."""
    pixels, label = 4000 * 4000, 2_000_000
    banded = budget.working_memory("webp", pixels, label)
    assert budget.working_memory("webp", pixels, label, banded=False) > 4 * banded
    native, pillow = (
        Renderer(native=True, limits=UNLIMITED),
        Renderer(native=False, limits=UNLIMITED),
    )
    if native.encoder.banded("webp"):
        url = "3000x3000.webp"  # the size label: a strip of text on a large canvas
        banded_label = native.refine(native.plan(url)).memory
        assert pillow.refine(pillow.plan(url)).memory > 3 * banded_label


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
    # anti-OCR distortion: one large glyph, a sentence, emoji among text
    *(f"3000x3000/fff/000.{fmt}?text=W&distort=3" for fmt in ("png", "webp")),
    f"3000x3000/fff/000.png?{SENTENCE}&distort=3",
    "3000x3000/fff/000.png?text=%F0%9F%98%80+hi&distort=3",
    "1500x1500/fff/000.avif?text=Wow&distort=2",
    # shape=circle: clipped, no longer flat (issue 20); bold grows the text's coverage
    *(f"3000x3000/fff/000.{fmt}?{SENTENCE}&shape=circle" for fmt in ("png", "gif", "tiff", "webp")),
    "3000x3000/ff000080/00f.png?text=%F0%9F%98%80&shape=circle",
    f"1500x1500/ff000080/00f.avif?{SENTENCE}&shape=circle",
    "256x256.ico?shape=circle",
    "3000x3000/fff/000.png?text=Hi&font_size=1400&bold=1",
    "3000x3000/fff/000.webp?text=W&font_size=2000&bold=1&shape=circle",
]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("native", PATHS)
@pytest.mark.parametrize("url", MEASURED)
@pytest.mark.slow
def test_the_estimate_is_at_least_the_measured_peak(url: str, native: bool) -> None:
    """Admission control and the render_memory_budget check trust the estimate: a render must
    not take more than it says (measured in a fresh process, after a small warm-up render)."""
    if not native and url.partition("?")[0].rsplit(".", 1)[-1] not in budget.PILLOW_COSTS:
        pytest.skip("the same path either way")
    grown = peak_growth(url, native=native)
    renderer = Renderer(native=native, limits=UNLIMITED)
    estimate = renderer.refine(renderer.plan(url)).memory
    assert grown <= estimate, f"{grown >> 20} MiB measured, {estimate >> 20} MiB estimated"


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
@pytest.mark.parametrize("native", PATHS)
def test_the_worst_case_covers_the_empty_canvas(fmt: str, native: bool) -> None:
    """Renderer.plan checks the canvas alone only when the worst case is over the budget."""
    for url in (f"900x700/fff/000.{fmt}", f"900x700/fff8/000.{fmt}?shape=circle&bold=1"):
        spec = parse_url(url)
        banded = Renderer(native=native).encoder.banded(spec.format)
        worst = budget.worst_memory(spec, banded=banded)
        assert worst >= budget.canvas_memory(spec, banded=banded), url
