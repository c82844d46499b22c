from __future__ import annotations

import asyncio

import pytest

from placepix.caching import CachePool, RenderCache, SizedLRU


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used() -> None:
    cache = RenderCache(max_bytes=800)
    cache.put("a", b"x" * 100)
    cache.put("b", b"x" * 100)
    for filler in range(6):  # full: 8 entries of 100
        cache.put(f"f{filler}", b"x" * 100)
    assert cache.get("a") is not None  # touch a: b is now the oldest
    cache.put("c", b"x" * 100)
    assert cache.current_bytes <= 800
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


def test_values_over_an_eighth_of_the_cache_are_not_kept() -> None:
    cache = RenderCache(max_bytes=80)
    cache.put("big", b"x" * 11)
    cache.put("fits", b"x" * 10)
    assert cache.get("big") is None and cache.get("fits") is not None


def test_zero_bytes_disables_the_cache() -> None:
    cache = RenderCache(max_bytes=0)
    cache.put("a", b"x")
    assert cache.get("a") is None


def test_concurrent_misses_for_one_key_make_once() -> None:
    cache = RenderCache(max_bytes=1000)
    calls = 0

    async def make() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return b"image"

    async def main() -> list[bytes]:
        return await asyncio.gather(*(cache.get_or_make("k", make) for _ in range(20)))

    results = asyncio.run(main())
    assert results == [b"image"] * 20
    assert calls == 1
    assert (cache.misses, cache.hits) == (1, 19)


def test_failures_reach_every_waiter_and_are_not_cached() -> None:
    cache = RenderCache(max_bytes=1000)
    calls = 0

    async def failing() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    async def main() -> list[BaseException | bytes]:
        return await asyncio.gather(
            *(cache.get_or_make("k", failing) for _ in range(5)), return_exceptions=True
        )

    results = asyncio.run(main())
    assert all(isinstance(r, ValueError) for r in results)
    assert calls == 1
    with pytest.raises(ValueError):
        asyncio.run(cache.get_or_make("k", failing))
    assert calls == 2


def filled(max_bytes: int, entries: int, size: int) -> SizedLRU[str, bytes]:
    cache: SizedLRU[str, bytes] = SizedLRU(max_bytes, len)
    for index in range(entries):
        cache.put(f"e{index}", b"x" * size)
    return cache


def test_shrinking_drops_the_least_recently_used_first() -> None:
    cache = filled(1000, 10, 100)
    assert cache.get("e0") is not None  # e0 is now the most recent
    assert cache.shrink_to(300) == 700
    assert cache.current_bytes == 300
    assert cache.get("e0") is not None and cache.get("e9") is not None
    assert cache.get("e1") is None
    cache.put("again", b"x" * 100)  # the bound did not change
    assert cache.current_bytes == 400


def test_caches_give_way_to_renders_in_proportion_to_their_bounds() -> None:
    images, masks = filled(3000, 30, 100), filled(1000, 10, 100)
    pool = CachePool([images, masks])
    assert pool.make_room(in_use=0) == 0  # full caches and no render: nothing to do
    assert pool.make_room(in_use=2000) == 2000  # half the combined bound
    assert (images.current_bytes, masks.current_bytes) == (1500, 500)
    assert pool.make_room(in_use=1000) == 0  # caches + renders fit already
    pool.make_room(in_use=10_000)  # renders larger than every cache: the caches empty
    assert pool.current_bytes == 0
