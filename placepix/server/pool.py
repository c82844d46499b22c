"""Renders off the event loop, one worker's share of the machine at a time.

A render that is not cheap by construction waits for admission (a bounded queue and a memory
budget: placepix.server.admission), then runs in a bounded pool of render threads at a lower
priority than the event loop. Before it allocates, the worker's caches give way to the renders
in flight (they share one memory bound); after large renders, freed memory goes back to the OS.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from functools import partial

from anyio import CapacityLimiter, to_thread

from placepix import budget
from placepix._native.gate import NativePath
from placepix._native.libc import Glibc
from placepix.render import Plan, Renderer
from placepix.server import metrics
from placepix.server.admission import Admission, OverloadedError
from placepix.server.settings import Settings

TRIM_AFTER_PIXELS = 2_000_000  # renders this large hand their freed buffers back to the OS
TRIM_AFTER_BYTES = 1024 * 1024  # ...and so do caches that dropped this much for a render


@dataclass
class _Refined:
    plan: Plan


class RenderPool:
    """Runs plans of one Renderer: inline when cheap, else admitted into the render threads."""

    def __init__(self, renderer: Renderer, settings: Settings, glibc: NativePath[Glibc]):
        self.renderer = renderer
        self.glibc = glibc
        self.niceness = settings.render_niceness
        self.limiter = CapacityLimiter(settings.render_threads)
        self.admission = Admission(
            settings.max_pending_renders,
            settings.render_memory_budget,
            max_unsent_bytes=settings.max_unsent_bytes,
        )

    async def render(self, plan: Plan) -> bytes:
        """The bytes of `plan`; `OverloadedError` (503) when the worker has no room for it,
        `LimitError` when its text turns out to need more memory than allowed."""
        started = time.perf_counter()
        data = self.renderer.execute_inline(plan)  # None unless cheap: nothing long on the loop
        if data is not None:  # a thread hop would cost about as much as the render
            self._count(plan, time.perf_counter() - started)
            return data
        smallest = budget.smallest_answer(plan.spec)
        if not self.renderer.images.keeps(smallest) and not self.admission.may_send(smallest):
            metrics.OVERLOADED.inc()  # its answer could not wait for its client: don't draw it
            raise OverloadedError(self.admission.retry_after_ms)
        refined = _Refined(plan)
        with metrics.RENDERS_IN_FLIGHT.track_inprogress():
            try:
                async with self.admission.admit(partial(self._estimate, refined)):
                    run = partial(self._in_render_thread, refined.plan)
                    return await to_thread.run_sync(run, limiter=self.limiter)
            except OverloadedError:
                metrics.OVERLOADED.inc()
                raise

    async def check(self, plan: Plan) -> None:
        """Raise what rendering `plan` would raise before drawing (`LimitError` once its text
        is laid out, `OverloadedError`), without drawing it: for HEAD."""
        if plan.exact:
            return  # plan() checked everything already
        async with self.admission.admit(partial(self._estimate, _Refined(plan))):
            pass

    async def _estimate(self, refined: _Refined) -> int:
        """The render's memory estimate, once it holds a place in the queue; large text takes
        a layout (~1 ms), made in a render thread."""
        if not refined.plan.exact:
            refine = partial(self.renderer.refine, refined.plan)
            refined.plan = await to_thread.run_sync(refine, limiter=self.limiter)
        return refined.plan.memory

    def _in_render_thread(self, plan: Plan) -> bytes:
        """Run at the render threads' lower priority, after shrinking the caches for the
        renders admitted (this one too). Dropped entries go back to the OS before the render
        allocates, or the worker would hold both."""
        lower_thread_priority(self.niceness)
        if self.renderer.caches.make_room(self.admission.in_use) >= TRIM_AFTER_BYTES:
            self._release_free_memory()
        data = self._timed(plan)
        if plan.spec.pixel_width * plan.spec.pixel_height >= TRIM_AFTER_PIXELS:
            self._release_free_memory()
        return data

    def _timed(self, plan: Plan) -> bytes:
        started = time.perf_counter()
        data = self.renderer.execute(plan)
        self._count(plan, time.perf_counter() - started)
        return data

    def _count(self, plan: Plan, seconds: float) -> None:
        fmt = plan.spec.format
        metrics.RENDER_SECONDS.labels(fmt).observe(seconds)
        metrics.RENDERS.labels(fmt).inc()

    def _release_free_memory(self) -> None:
        self.glibc.run(lambda glibc: glibc.release_free_memory(), lambda: None)


def lower_thread_priority(niceness: int) -> None:
    """Make the calling thread `niceness` nicer (Linux: a thread's own nice value), so that
    render threads take the CPU only when the event loop does not need it. Never raises it
    back: a thread already that nice is left alone."""
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    thread = threading.get_native_id()
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) < niceness:
            os.setpriority(os.PRIO_PROCESS, thread, niceness)
    except OSError:
        pass  # not allowed here (e.g. a seccomp profile): renders keep the default priority
