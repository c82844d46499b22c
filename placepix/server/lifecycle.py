"""Workers come and go cleanly: a dead worker's gauges leave /metrics, a worker whose master
died stops too, and a master's metrics directory does not outlive it for long.

uvicorn's supervisor replaces a worker that dies, but a worker killed outright (OOM killer,
kill -9) leaves its live gauges in the shared metrics directory (`placepix_renders_in_flight`
summed a dead worker's 3 for ever), and a master killed outright leaves its workers serving on,
orphaned, and its directory in /dev/shm. So:

- every worker, when it starts and then every `SWEEP_SECONDS`, removes the live gauges of
  worker processes that no longer exist (prometheus-client's `mark_process_dead`);
- a worker started by a supervisor watches its parent from a daemon thread (pure Python: the
  parent's pid changes when it dies) and stops itself as SIGTERM would, or at once if that
  does not finish within the graceful timeout;
- `placepix serve` names its metrics directory after its own pid and, when it starts, removes
  those of masters that no longer run.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

log = logging.getLogger("placepix")
SWEEP_SECONDS = 5.0
PARENT_POLL_SECONDS = 0.5
METRICS_PREFIX = "placepix-metrics-"
_PID_FILE = re.compile(r"^[a-z]+(?:_[a-z]+)?_([0-9]+)\.db$")  # counter_12.db, gauge_livesum_12.db
_MASTER_DIR = re.compile(rf"^{METRICS_PREFIX}([0-9]+)-")


def alive(pid: int) -> bool:
    """Whether a process `pid` exists (as far as this user can tell)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's: exists
    return True


def forget_dead_workers(directory: str | None) -> list[int]:
    """Remove the live gauges of every process with files in `directory` that is gone; the
    pids forgotten (none without a directory: a single process)."""
    if not directory:
        return []
    pids = set()
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        match = _PID_FILE.match(name)
        if match:
            pids.add(int(match.group(1)))
    dead = sorted(pid for pid in pids if not alive(pid))
    # Imported here: `placepix serve` imports this module before it sets the metrics directory,
    # which prometheus-client reads once, when it is first imported.
    from prometheus_client import multiprocess

    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    return dead


async def sweep_dead_workers(directory: str | None) -> None:
    """`forget_dead_workers` now and every `SWEEP_SECONDS`, for the worker's lifetime."""
    while True:
        for pid in forget_dead_workers(directory):
            log.info("metrics: removed the live gauges of worker %d, which is gone", pid)
        await asyncio.sleep(SWEEP_SECONDS)


def watch_parent(grace_seconds: float) -> threading.Thread | None:
    """In a worker a supervisor started: a daemon thread that stops this process once its
    parent is gone (SIGTERM to itself, then `os._exit` after `grace_seconds`). None, and no
    thread, in a process that is not such a worker (a single-process server, tests)."""
    if multiprocessing.parent_process() is None:
        return None
    parent = os.getppid()
    thread = threading.Thread(
        target=_watch, args=(parent, grace_seconds), name="parent-watch", daemon=True
    )
    thread.start()
    return thread


def _watch(parent: int, grace_seconds: float) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    log.warning("the master process %d is gone: this worker stops", parent)
    os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful shutdown
    time.sleep(grace_seconds)
    os._exit(1)  # the shutdown did not finish in time


def remove_stale_metrics_dirs(parent: Path) -> list[Path]:
    """Remove the metrics directories in `parent` of `placepix serve` masters that no longer
    run (killed outright, they could not remove their own); the directories removed."""
    removed = []
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = _MASTER_DIR.match(entry.name)
        if match and entry.is_dir() and not alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
