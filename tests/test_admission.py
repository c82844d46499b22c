from __future__ import annotations

import asyncio

import pytest

from placepix.admission import Admission, OverloadedError


def test_beyond_the_queue_renders_are_refused_with_a_retry_hint() -> None:
    admission = Admission(max_pending=2, pixel_budget=100, retry_after_ms=1500)

    async def main() -> None:
        release = asyncio.Event()

        async def hold() -> None:
            async with admission.admit(10):
                await release.wait()

        holders = [asyncio.create_task(hold()) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(OverloadedError) as refused:
            async with admission.admit(10):
                pass
        assert refused.value.status == 503
        assert refused.value.headers == {"Retry-After": "2", "Retry-After-Ms": "1500"}
        release.set()
        await asyncio.gather(*holders)
        async with admission.admit(10):  # room again
            assert admission.pending == 1

    asyncio.run(main())


def test_the_pixel_budget_runs_big_renders_one_at_a_time() -> None:
    admission = Admission(max_pending=10, pixel_budget=100)
    running = 0
    most = 0

    async def render(pixels: int) -> None:
        nonlocal running, most
        async with admission.admit(pixels):
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1

    async def main() -> None:
        await asyncio.gather(*(render(80) for _ in range(4)))
        assert most == 1
        await asyncio.gather(*(render(30) for _ in range(3)))
        assert most == 3  # small ones share the budget
        await render(500)  # larger than the whole budget: still runs, alone

    asyncio.run(main())
    assert admission.pixels_in_use == 0 and admission.pending == 0
