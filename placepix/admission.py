"""Admission control for renders, per worker: a bounded queue and a pixel budget.

At most `max_pending` renders may wait or run at once; one more is refused at once with 503
and a retry hint, instead of queueing without limit. Running renders share a budget of pixels,
so two 4000x4000 encodes never hold their buffers at the same time in one worker; an image
larger than the whole budget still runs, alone. Cached images never come here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from placepix.errors import PlacepixError


class OverloadedError(PlacepixError):
    status = 503

    def __init__(self, retry_after_ms: int) -> None:
        super().__init__("busy: too many renders in progress, try again shortly")
        self.headers = {
            "Retry-After": str(max(1, -(-retry_after_ms // 1000))),  # HTTP wants whole seconds
            "Retry-After-Ms": str(retry_after_ms),
        }


class Admission:
    def __init__(self, max_pending: int, pixel_budget: int, retry_after_ms: int = 250) -> None:
        self.max_pending = max_pending
        self.pixel_budget = pixel_budget
        self.retry_after_ms = retry_after_ms
        self.pending = 0
        self.pixels_in_use = 0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def admit(self, pixels: int) -> AsyncIterator[None]:
        """Hold a place for a render of `pixels`; raise `OverloadedError` when none is free."""
        if self.pending >= self.max_pending:
            raise OverloadedError(self.retry_after_ms)
        self.pending += 1
        try:
            async with self._changed:
                await self._changed.wait_for(lambda: self._fits(pixels))
                self.pixels_in_use += pixels
            try:
                yield
            finally:
                async with self._changed:
                    self.pixels_in_use -= pixels
                    self._changed.notify_all()
        finally:
            self.pending -= 1

    def _fits(self, pixels: int) -> bool:
        return self.pixels_in_use == 0 or self.pixels_in_use + pixels <= self.pixel_budget
