"""The render pool: render threads run at a lower priority than the event loop (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from placepix.server.pool import lower_thread_priority


def niceness_after(*steps: int) -> int:
    """The nice value of a new thread after calling lower_thread_priority with each step."""
    seen: list[int] = []

    def run() -> None:
        for niceness in steps:
            lower_thread_priority(niceness)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_render_threads_become_nicer_and_only_they_do() -> None:
    before = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness_after(10) == max(before, 10)
    assert niceness_after(10, 5) == max(before, 10)  # never raised back
    assert niceness_after(0) == before
    assert os.getpriority(os.PRIO_PROCESS, 0) == before  # the calling thread is untouched
