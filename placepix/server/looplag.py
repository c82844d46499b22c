"""How long a worker's event loop was kept from running: the event-loop-lag watchdog.

Everything a worker answers passes through its event loop, so anything long on it (a render
judged cheap that was not, a blocking call) delays every request and health check of that
worker at once. A task sleeps `interval` seconds again and again and records how late it wakes:
the histogram `placepix_event_loop_lag_seconds`, and the gauge
`placepix_event_loop_lag_max_seconds`, the largest lag of the last `window` to 2 × `window`
seconds (the largest of any live worker in /metrics). A healthy worker wakes within a few
milliseconds; tens or hundreds of milliseconds mean work on the loop that belongs in a thread.
"""

from __future__ import annotations

import asyncio
import time

from prometheus_client import Gauge, Histogram

LAG_SECONDS = Histogram(
    "placepix_event_loop_lag_seconds",
    "How late the event loop's watchdog woke, each time it slept.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
LAG_MAX = Gauge(
    "placepix_event_loop_lag_max_seconds",
    "The largest event-loop lag of the last 10-20 s (the largest of any live worker).",
    multiprocess_mode="livemax",
)


class LoopLagWatch:
    """Measures the lag of the running event loop until cancelled (`run`)."""

    def __init__(self, interval: float = 0.1, window: float = 10.0) -> None:
        self.interval = interval
        self.window = window
        self.current = 0.0  # the largest lag of the window under way
        self.previous = 0.0  # ...and of the window before it
        self.window_started = time.monotonic()

    def record(self, lag: float, now: float) -> None:
        """Count one wake-up `lag` seconds late, at `now` (monotonic seconds)."""
        LAG_SECONDS.observe(lag)
        if now - self.window_started >= self.window:
            self.previous, self.current, self.window_started = self.current, 0.0, now
        self.current = max(self.current, lag)
        LAG_MAX.set(max(self.current, self.previous))

    async def run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(self.interval)
            now = time.monotonic()
            self.record(max(0.0, now - started - self.interval), now)
