"""Single flight: concurrent requests for one image render it once.

The work runs as a task of its own. A request that goes away (a client that disconnects)
cancels only its own wait: the others still get the image, and it still reaches the cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class SingleFlight(Generic[V]):
    """At most one `make()` per key at a time; every caller for that key shares its result."""

    def __init__(self) -> None:
        self._flights: dict[str, asyncio.Task[V]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(self, key: str, make: Callable[[], Awaitable[V]]) -> tuple[V, bool]:
        """The result of the flight for `key`, started with `make()` when none is under way;
        and whether this call started it. Failures are shared, never kept."""
        flight = self._flights.get(key)
        started = flight is None
        if flight is None:
            flight = asyncio.ensure_future(make())
            self._flights[key] = flight
            flight.add_done_callback(lambda done: self._land(key, done))
        return await asyncio.shield(flight), started

    def _land(self, key: str, flight: asyncio.Task[V]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved: no "never retrieved" warning when nobody waits
