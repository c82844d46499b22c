"""The event-loop-lag watchdog (issue 18, row 2): it sees a loop kept busy, and its gauge keeps
the largest lag of the recent windows only."""

from __future__ import annotations

import asyncio
import time

from prometheus_client import REGISTRY

from placepix.server.looplag import LoopLagWatch


def lag_count_over(seconds: str) -> float:
    """Wake-ups more than `seconds` late so far (the histogram, in this process)."""
    total = REGISTRY.get_sample_value("placepix_event_loop_lag_seconds_count") or 0.0
    within = REGISTRY.get_sample_value("placepix_event_loop_lag_seconds_bucket", {"le": seconds})
    return total - (within or 0.0)


def test_a_blocked_loop_is_seen_late() -> None:
    async def scenario() -> None:
        watch = asyncio.create_task(LoopLagWatch(interval=0.02).run())
        await asyncio.sleep(0.1)  # a few wake-ups on time
        time.sleep(0.3)  # something long on the loop
        await asyncio.sleep(0.1)
        watch.cancel()

    before = lag_count_over("0.25")
    asyncio.run(scenario())
    assert lag_count_over("0.25") - before == 1
    largest = REGISTRY.get_sample_value("placepix_event_loop_lag_max_seconds")
    assert largest is not None and 0.25 <= largest < 1.0


def test_the_gauge_forgets_lags_older_than_two_windows() -> None:
    watch = LoopLagWatch(window=10.0)
    start = watch.window_started

    def gauge() -> float | None:
        return REGISTRY.get_sample_value("placepix_event_loop_lag_max_seconds")

    watch.record(0.5, start + 1)
    assert gauge() == 0.5
    watch.record(0.01, start + 11)  # a new window: the last one's 0.5 still counts
    assert gauge() == 0.5
    watch.record(0.02, start + 22)  # two windows on: forgotten
    assert gauge() == 0.02
