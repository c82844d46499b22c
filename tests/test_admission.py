from __future__ import annotations

import asyncio

import pytest

from placepix.server.admission import Admission, OverloadedError


def test_beyond_the_queue_renders_are_refused_with_a_retry_hint() -> None:
    admission = Admission(max_pending=2, budget=100, retry_after_ms=1500)

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


def test_the_budget_runs_big_renders_one_at_a_time() -> None:
    admission = Admission(max_pending=10, budget=100)
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
    assert admission.in_use == 0 and admission.pending == 0


def test_renders_start_in_the_order_they_arrived() -> None:
    """A large render waiting for the whole budget is not overtaken by small ones that would
    fit beside the one in flight: otherwise a stream of them starves it."""
    admission = Admission(max_pending=10, budget=100)
    started: list[str] = []

    async def render(name: str, pixels: int, hold: asyncio.Event) -> None:
        async with admission.admit(pixels):
            started.append(name)
            await hold.wait()

    async def main() -> None:
        first, rest = asyncio.Event(), asyncio.Event()
        tasks = [asyncio.create_task(render("small 1", 30, first))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(render("large", 100, rest)))
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(render("small 2", 30, rest)))
        await asyncio.sleep(0)
        assert started == ["small 1"]  # small 2 would fit, but large came first
        first.set()
        await asyncio.sleep(0.01)
        assert started == ["small 1", "large"]
        rest.set()
        await asyncio.gather(*tasks)
        assert started == ["small 1", "large", "small 2"]

    asyncio.run(main())
    assert admission.in_use == 0 and admission.pending == 0


def test_a_waiting_render_that_is_cancelled_gives_its_turn_away() -> None:
    admission = Admission(max_pending=10, budget=100)

    async def main() -> None:
        hold = asyncio.Event()

        async def render(pixels: int) -> None:
            async with admission.admit(pixels):
                await hold.wait()

        running = asyncio.create_task(render(60))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(render(100))
        await asyncio.sleep(0)
        behind = asyncio.create_task(render(30))
        await asyncio.sleep(0)
        assert admission.in_use == 60  # 30 would fit, but waits its turn
        waiting.cancel()
        await asyncio.sleep(0)
        assert admission.in_use == 90  # the one behind went ahead
        hold.set()
        await asyncio.gather(running, behind)
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(main())
    assert admission.in_use == 0 and admission.pending == 0


def test_a_render_cancelled_after_its_turn_came_returns_its_pixels() -> None:
    admission = Admission(max_pending=10, budget=100)

    async def main() -> None:
        hold = asyncio.Event()

        async def waiter() -> None:
            async with admission.admit(100):
                pytest.fail("cancelled before it woke up: must not run")

        async def first() -> None:
            async with admission.admit(100):
                await hold.wait()
            waiting.cancel()  # its turn has come, but it has not woken up yet

        running = asyncio.create_task(first())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        hold.set()
        await running
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(main())
    assert admission.in_use == 0 and admission.pending == 0


def test_an_answer_that_does_not_fit_beside_those_waiting_is_refused() -> None:
    admission = Admission(max_pending=10, budget=100, max_unsent_bytes=1000)
    with admission.sending(600):
        assert admission.may_send(400) and not admission.may_send(401)
        with pytest.raises(OverloadedError), admission.sending(600):
            pytest.fail("1200 bytes would wait: more than 1000")
        with admission.sending(400):
            assert admission.unsent_bytes == 1000
    assert admission.unsent_bytes == 0
    with admission.sending(5000):  # alone, any answer may wait
        assert admission.unsent_bytes == 5000
    assert admission.unsent_bytes == 0


def test_renders_go_on_while_answers_wait_for_clients() -> None:
    """Clients that never read hold up answers too large for the cache, not renders."""
    admission = Admission(max_pending=10, budget=100, max_unsent_bytes=1000)

    async def main() -> None:
        with admission.sending(2000):
            async with admission.admit(10):
                assert admission.in_use == 10

    asyncio.run(main())
    assert admission.in_use == 0 and admission.pending == 0
