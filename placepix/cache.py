"""The explicit render cache: encoded images bounded in bytes (a cachetools LRU), with
single-flight so that concurrent misses for one key render once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from cachetools import LRUCache

ENTRY_SHARE = 8  # no entry may take more than this fraction of the cache


class RenderCache:
    """Byte-bounded LRU of `key -> bytes`, one per worker process."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lru: LRUCache[str, bytes] = LRUCache(maxsize=max(1, max_bytes), getsizeof=len)
        self._lock = threading.Lock()
        self._in_flight: dict[str, asyncio.Future[bytes]] = {}
        self.hits = 0
        self.misses = 0

    @property
    def current_bytes(self) -> int:
        return int(self._lru.currsize)

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._lru.get(key)

    def keeps(self, size: int) -> bool:
        """Whether an entry of `size` bytes may be cached: one huge BMP would push out
        thousands of placeholders, so it is served but not kept."""
        return size <= self.max_bytes // ENTRY_SHARE

    def put(self, key: str, value: bytes) -> None:
        if not self.keeps(len(value)):
            return
        with self._lock:
            self._lru[key] = value

    async def get_or_make(self, key: str, make: Callable[[], Awaitable[bytes]]) -> bytes:
        """The cached bytes for `key`, or the result of one `make()` shared by every caller
        that asks for `key` while it runs. Failures are shared but never cached."""
        cached = self.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        pending = self._in_flight.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending)
        self.misses += 1
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            value = await make()
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # mark retrieved: no "never retrieved" warning without waiters
            raise
        else:
            self.put(key, value)
            future.set_result(value)
            return value
        finally:
            del self._in_flight[key]
