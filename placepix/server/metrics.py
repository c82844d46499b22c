"""Prometheus metrics (prometheus-client), correct across worker processes.

`placepix serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory in /dev/shm (memory, not
disk) before the workers start; each worker then keeps its numbers in shared memory files and
GET /metrics, answered by any worker, sums them all. In a single process (tests, the library)
the client's default registry is used instead. The metric objects are process-wide by nature,
like the logging module's loggers: the one global state besides the render cache.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus-client when imported

REQUESTS = Counter(
    "placepix_requests", "HTTP requests answered, by status and image format.", ["status", "format"]
)
RENDERS = Counter("placepix_renders", "Images rendered (cache misses), by format.", ["format"])
RENDER_SECONDS = Histogram(
    "placepix_render_seconds",
    "Time to render and encode one image, by format.",
    ["format"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
CACHE_HITS = Counter("placepix_cache_hits", "Image requests served from the render cache.")
CACHE_MISSES = Counter("placepix_cache_misses", "Image requests that had to render.")
CACHE_BYTES = Gauge(
    "placepix_cache_bytes", "Bytes held by the render caches.", multiprocess_mode="livesum"
)
RENDERS_IN_FLIGHT = Gauge(
    "placepix_renders_in_flight", "Renders running or waiting.", multiprocess_mode="livesum"
)
OVERLOADED = Counter("placepix_overloaded", "Renders refused with 503 (admission control).")


class Tally:
    """Counts the per-request events (requests, cache hits and misses) in plain values and
    adds them to their Prometheus counters on `flush()`, about once a second, with the image
    cache's size as `cache_bytes` reads it: in multiprocess mode each update takes a lock and
    writes shared memory, a fifth of a cache hit's cost. Event-loop only (render threads count
    their renders themselves)."""

    FLUSH_SECONDS = 1.0

    def __init__(self, cache_bytes: Callable[[], int] = lambda: 0) -> None:
        self.pending: dict[tuple[int, str], int] = {}
        self.cache_hits = 0
        self.cache_misses = 0
        self.cache_bytes = cache_bytes

    def request(self, status: int, image_format: str) -> None:
        key = (status, image_format)
        self.pending[key] = self.pending.get(key, 0) + 1

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        for (status, image_format), count in pending.items():
            REQUESTS.labels(status=str(status), format=image_format).inc(count)
        hits, self.cache_hits = self.cache_hits, 0
        if hits:
            CACHE_HITS.inc(hits)
        misses, self.cache_misses = self.cache_misses, 0
        if misses:
            CACHE_MISSES.inc(misses)
        CACHE_BYTES.set(self.cache_bytes())

    async def flush_every_second(self) -> None:
        """Runs for the worker's lifetime (started by the app's lifespan)."""
        try:
            while True:
                await asyncio.sleep(self.FLUSH_SECONDS)
                self.flush()
        finally:
            self.flush()


def exposition(tally: Tally | None = None) -> tuple[bytes, str]:
    """The metrics of every worker, in Prometheus' text format, and its media type (this
    worker's `tally` flushed first)."""
    if tally is not None:
        tally.flush()
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
