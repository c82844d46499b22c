"""The per-format cost model that admission control and inline rendering rely on."""

from __future__ import annotations

from placepix.encoders import COST_PER_PIXEL, render_microseconds, working_memory
from placepix.spec import MEDIA_TYPES


def test_every_format_has_a_cost() -> None:
    """A format missing here would make every request for it fail on the server."""
    assert set(COST_PER_PIXEL) == set(MEDIA_TYPES)


def test_costs_grow_with_pixels_and_order_the_encoders() -> None:
    assert working_memory("webp", 4000 * 4000) > working_memory("png", 4000 * 4000)
    assert render_microseconds("avif", 1_000_000) > render_microseconds("png", 1_000_000)
    assert working_memory("png", 200) == 2 * working_memory("png", 100)
