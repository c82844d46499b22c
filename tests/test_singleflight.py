"""Single flight: concurrent requests for one image render it once, and a request that goes
away does not take the image from the others."""

from __future__ import annotations

import asyncio

import pytest

from placepix.server.singleflight import SingleFlight


def test_concurrent_calls_for_one_key_make_once() -> None:
    flights: SingleFlight[bytes] = SingleFlight()
    calls = 0

    async def make() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return b"image"

    async def main() -> list[tuple[bytes, bool]]:
        return await asyncio.gather(*(flights.run("k", make) for _ in range(20)))

    results = asyncio.run(main())
    assert [data for data, _ in results] == [b"image"] * 20
    assert [started for _, started in results].count(True) == 1
    assert calls == 1 and len(flights) == 0


def test_failures_reach_every_waiter_and_are_not_kept() -> None:
    flights: SingleFlight[bytes] = SingleFlight()
    calls = 0

    async def failing() -> bytes:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        raise ValueError("boom")

    async def main() -> list[BaseException | tuple[bytes, bool]]:
        return await asyncio.gather(
            *(flights.run("k", failing) for _ in range(5)), return_exceptions=True
        )

    assert all(isinstance(result, ValueError) for result in asyncio.run(main()))
    assert calls == 1
    with pytest.raises(ValueError):
        asyncio.run(flights.run("k", failing))
    assert calls == 2


def test_the_others_still_get_the_image_when_the_first_caller_is_cancelled() -> None:
    """A client that disconnects cancels its own request; before, every request waiting on
    the same render got CancelledError with it."""
    flights: SingleFlight[bytes] = SingleFlight()
    finished = 0

    async def make() -> bytes:
        nonlocal finished
        await asyncio.sleep(0.05)
        finished += 1
        return b"image"

    async def main() -> tuple[bool, list[tuple[bytes, bool]]]:
        first = asyncio.ensure_future(flights.run("k", make))
        await asyncio.sleep(0.01)
        others = [asyncio.ensure_future(flights.run("k", make)) for _ in range(3)]
        await asyncio.sleep(0.01)
        first.cancel()
        results = await asyncio.gather(*others)
        return first.cancelled(), results

    cancelled, results = asyncio.run(main())
    assert cancelled
    assert results == [(b"image", False)] * 3
    assert finished == 1


def test_a_flight_nobody_waits_for_still_finishes() -> None:
    """Its result is what the cache receives: the next request finds it there."""
    flights: SingleFlight[bytes] = SingleFlight()
    landed: list[bytes] = []

    async def make() -> bytes:
        await asyncio.sleep(0.02)
        landed.append(b"image")
        return b"image"

    async def main() -> None:
        waiter = asyncio.ensure_future(flights.run("k", make))
        await asyncio.sleep(0.005)
        waiter.cancel()
        await asyncio.sleep(0.05)

    asyncio.run(main())
    assert landed == [b"image"] and len(flights) == 0
