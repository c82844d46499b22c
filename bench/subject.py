"""The placepix under test, through the one API every version has, so that bench/sidebyside.py
can time an older checkout with this benchmark code: render a spec with the text seen before
(warm) or with the text caches emptied first (cold)."""

from __future__ import annotations

import importlib
from typing import Any

import placepix

# AVIF up to 4000x4000 too, and no memory budget (the field's name changed on 2026-11-29)
_BUDGET = (
    "render_memory_budget"
    if "render_memory_budget" in placepix.Limits.__dataclass_fields__
    else "max_render_memory"
)
BENCH_LIMITS = placepix.Limits(max_avif_pixels=4000 * 4000, **{_BUDGET: 1 << 40})


class Subject:
    """A Renderer without an image cache (every call renders), or, in versions before the
    Renderer, the module-level render and its cache-clearing function."""

    def __init__(self) -> None:
        module: Any = importlib.import_module("placepix.render")
        if hasattr(module, "Renderer"):
            renderer = module.Renderer(limits=BENCH_LIMITS, cache_bytes=0)
            self._render = renderer.render
            self._clear = renderer.clear_text_caches
        else:  # the API of placepix before the Renderer (2026-11-28 and earlier)
            self._render = lambda spec: module.render(spec, limits=BENCH_LIMITS)
            self._clear = module.clear_layout_caches

    def warm(self, spec: placepix.ImageSpec) -> bytes:
        data: bytes = self._render(spec).data
        return data

    def cold(self, spec: placepix.ImageSpec) -> bytes:
        self._clear()
        return self.warm(spec)
