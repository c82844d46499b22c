"""Readiness: whether this worker should get traffic. It must draw what requests will ask for
(the render-stack probes of placepix.health, run once when the worker starts, off the event
loop; a failure is logged and keeps /readyz at 503 with the reason) and must not be saturated
(its render queue full)."""

from __future__ import annotations

import logging

from anyio import to_thread

from placepix.health import Probe, report, run_probes
from placepix.server.pool import RenderPool

log = logging.getLogger("placepix")


class Readiness:
    """The probes' outcome for one worker, and its answer to /readyz."""

    def __init__(self, pool: RenderPool) -> None:
        self.pool = pool
        self.probes: list[Probe] | None = None  # None until the check has run

    async def check(self) -> None:
        """Run the probes in a worker thread and log any that fail (once, at start-up)."""
        probes = await to_thread.run_sync(run_probes, self.pool.renderer)
        for probe in probes:
            if not probe.ok:
                log.error("render stack check failed: %s: %s", probe.name, probe.detail)
        self.probes = probes

    def state(self) -> tuple[bool, str]:
        """(ready, why): the first line of /readyz's answer."""
        if self.probes is None:
            return False, "starting: checking the render stack"
        failed = [probe for probe in self.probes if not probe.ok]
        if failed:
            reasons = "; ".join(f"{probe.name}: {probe.detail}" for probe in failed)
            return False, f"render stack broken: {reasons}"
        admission = self.pool.admission
        if admission.pending >= admission.max_pending:
            return False, "busy: the render queue is full"
        return True, "ready"

    def report(self) -> dict[str, object] | None:
        """placepix.health's report of this worker, once its probes have run."""
        if self.probes is None:
            return None
        return report(self.pool.renderer, self.probes)
