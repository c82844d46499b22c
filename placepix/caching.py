"""The explicit caches: `SizedLRU`, a thread-safe LRU bounded in bytes (cachetools) behind every
cache of rendered data, and `CachePool`, which makes a Renderer's caches give way to the renders
in flight, so that caches and renders share one memory bound."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, TypeVar

from cachetools import LRUCache

ENTRY_SHARE = 8  # no entry may take more than this fraction of the cache
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SizedLRU(Generic[K, V]):
    """A least-recently-used cache bounded in bytes (as `sizeof` counts them), safe to share
    between render threads. An entry larger than 1/`entry_share` of the bound is not kept: one
    huge image would push out thousands of small ones, so it is used once and dropped."""

    def __init__(
        self, max_bytes: int, sizeof: Callable[[V], int], entry_share: int = ENTRY_SHARE
    ) -> None:
        self.max_bytes = max_bytes
        self.sizeof = sizeof
        self.entry_share = entry_share
        self._lru: LRUCache[K, V] = LRUCache(maxsize=max(1, max_bytes), getsizeof=sizeof)
        self._lock = threading.Lock()

    @property
    def current_bytes(self) -> int:
        return int(self._lru.currsize)

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._lru.get(key)

    def keeps(self, size: int) -> bool:
        """Whether an entry of `size` bytes may be kept."""
        return size <= self.max_bytes // self.entry_share

    def put(self, key: K, value: V) -> None:
        if not self.keeps(self.sizeof(value)):
            return
        with self._lock:
            self._lru[key] = value

    def clear(self) -> None:
        with self._lock:
            self._lru.clear()

    def shrink_to(self, max_bytes: int) -> int:
        """Drop least-recently-used entries until at most `max_bytes` remain; the bytes dropped.
        The bound itself is unchanged: the cache may grow again."""
        dropped = 0
        with self._lock:
            while self._lru.currsize > max_bytes:
                _, value = self._lru.popitem()
                dropped += self.sizeof(value)
        return dropped


class CachePool:
    """Caches that give way to renders. While renders hold `in_use` bytes of working memory,
    the caches together keep at most their combined bound minus `in_use` (each in proportion
    to its own bound): a worker holds at most max(combined bound, render budget) for both,
    instead of their sum. Caches fill again once the renders are done."""

    def __init__(self, caches: Sequence[SizedLRU[Any, Any]]) -> None:
        self.caches = tuple(caches)
        self.max_bytes = sum(cache.max_bytes for cache in self.caches)

    @property
    def current_bytes(self) -> int:
        return sum(cache.current_bytes for cache in self.caches)

    def make_room(self, in_use: int) -> int:
        """Shrink the caches for renders holding `in_use` bytes; the bytes dropped."""
        if self.current_bytes + in_use <= self.max_bytes:
            return 0
        share = max(0, self.max_bytes - in_use) / self.max_bytes
        return sum(cache.shrink_to(int(cache.max_bytes * share)) for cache in self.caches)
