"""Admission control for renders, per worker: a bounded queue, a memory budget, first come
first served, and a bound on the bytes of large answers still waiting for slow clients.

At most `max_pending` renders may wait or run at once; one more is refused at once with 503
and a retry hint, instead of queueing without limit. Running renders share a budget of working
memory (each render's cost is its estimate in bytes, `placepix.budget`), so two
huge encodes never hold their buffers at the same time in one worker; a render larger than the
whole budget still runs, alone. Renders start in the order they arrived: a large
one waiting for the whole budget is not overtaken by smaller ones that would fit beside the
renders in flight (it would starve behind a steady stream of them). Cached images never come
here.

A rendered answer lives in memory until its client has read it. Answers too large for the cache
are counted while they are being sent (`sending`), and one that would take them past
`max_unsent_bytes` is refused (503) instead of sent: clients that never read cannot pile up
answers in a worker's memory. Only such answers are refused: renders whose answers the cache
keeps go on, so a few clients that never read hold up large answers, not the service.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager

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
    def __init__(
        self,
        max_pending: int,
        budget: int,
        retry_after_ms: int = 250,
        max_unsent_bytes: int | None = None,
    ) -> None:
        self.max_pending = max_pending
        self.budget = budget
        self.retry_after_ms = retry_after_ms
        self.max_unsent_bytes = max_unsent_bytes
        self.pending = 0
        self.in_use = 0
        self.unsent_bytes = 0
        self._queue: deque[tuple[int, asyncio.Future[None]]] = deque()

    @asynccontextmanager
    async def admit(self, cost: int | Callable[[], Awaitable[int]]) -> AsyncIterator[None]:
        """Hold a place for a render needing `cost` bytes; `OverloadedError` when none is free.
        `cost` may be an estimate still to make (awaited once the render has its place, so that
        a flood is refused before any estimate is made; it may refuse the render by raising)."""
        if self.pending >= self.max_pending:
            raise OverloadedError(self.retry_after_ms)
        self.pending += 1
        try:
            if not isinstance(cost, int):
                cost = await cost()
            await self._take(cost)
            try:
                yield
            finally:
                self._give_back(cost)
        finally:
            self.pending -= 1

    @contextmanager
    def sending(self, size: int) -> Iterator[None]:
        """Count `size` bytes as waiting for a client for as long as the block runs;
        `OverloadedError` at once when they don't fit beside those already waiting."""
        if not self.may_send(size):
            raise OverloadedError(self.retry_after_ms)
        self.unsent_bytes += size
        try:
            yield
        finally:
            self.unsent_bytes -= size

    def may_send(self, size: int) -> bool:
        """Whether an answer of `size` bytes may wait for its client now (the first always
        may, however large)."""
        limit = self.max_unsent_bytes
        return limit is None or not self.unsent_bytes or self.unsent_bytes + size <= limit

    async def _take(self, cost: int) -> None:
        """Reserve `cost` bytes of the budget, after every render that arrived before."""
        if not self._queue and self._fits(cost):
            self.in_use += cost
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (cost, granted)
        self._queue.append(entry)
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self._give_back(cost)  # granted, but the request went away first
            else:
                self._queue.remove(entry)
                self._grant()  # the next in line may fit now
            raise

    def _give_back(self, cost: int) -> None:
        self.in_use -= cost
        self._grant()

    def _grant(self) -> None:
        """Start waiting renders in order, for as long as the first in line fits."""
        while self._queue and self._fits(self._queue[0][0]):
            cost, granted = self._queue.popleft()
            self.in_use += cost  # reserved in its name before it wakes up
            granted.set_result(None)

    def _fits(self, cost: int) -> bool:
        return self.in_use == 0 or self.in_use + cost <= self.budget
