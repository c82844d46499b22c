"""SizedLRU, bounded in bytes, and CachePool, which makes caches give way to renders."""

from __future__ import annotations

from placepix.caching import CachePool, SizedLRU


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used() -> None:
    cache = SizedLRU[str, bytes](800, len)
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
    cache = SizedLRU[str, bytes](80, len)
    cache.put("big", b"x" * 11)
    cache.put("fits", b"x" * 10)
    assert cache.get("big") is None and cache.get("fits") is not None


def test_zero_bytes_disables_the_cache() -> None:
    cache = SizedLRU[str, bytes](0, len)
    cache.put("a", b"x")
    assert cache.get("a") is None


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
