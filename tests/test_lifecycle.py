"""Workers come and go cleanly (issue 18, row 9): a dead worker's live gauges are removed, a
dead master's metrics directory too, and a supervised worker stops when its master dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from placepix.server.lifecycle import alive, forget_dead_workers, remove_stale_metrics_dirs


def dead_pid() -> int:
    """The pid of a process that has exited (and was waited for)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_the_command_line_does_not_import_the_metrics_client() -> None:
    """prometheus-client reads PROMETHEUS_MULTIPROC_DIR when first imported: `placepix serve`
    sets it after its imports, so none of them may bring the client in (a single-worker server
    would keep its metrics in its own memory, not in the shared directory)."""
    code = "import sys, placepix.cli; sys.exit('prometheus_client' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_a_dead_workers_live_gauges_are_removed_and_its_counters_kept(tmp_path: Path) -> None:
    gone, here = dead_pid(), os.getpid()
    names = [f"gauge_livesum_{gone}.db", f"gauge_livemax_{gone}.db", f"counter_{gone}.db"]
    names += [f"gauge_livesum_{here}.db", f"histogram_{here}.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    assert forget_dead_workers(str(tmp_path)) == [gone]
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == sorted(
        [f"counter_{gone}.db", f"gauge_livesum_{here}.db", f"histogram_{here}.db"]
    )
    assert forget_dead_workers(None) == []


def test_a_dead_masters_metrics_directory_is_removed(tmp_path: Path) -> None:
    gone = dead_pid()
    stale = tmp_path / f"placepix-metrics-{gone}-abc"
    live = tmp_path / f"placepix-metrics-{os.getpid()}-def"
    unknown = tmp_path / "placepix-metrics-oldname"  # no pid in it: whose, we can't tell
    for directory in (stale, live, unknown):
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"")
    assert remove_stale_metrics_dirs(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and unknown.exists()


@pytest.mark.e2e
def test_a_supervised_worker_stops_when_its_master_dies(tmp_path: Path) -> None:
    """A master (multiprocessing, spawn, as uvicorn's supervisor) and its worker, which
    watches it; the master is killed outright; the worker must be gone within seconds."""
    script = tmp_path / "master.py"
    script.write_text(
        textwrap.dedent(
            """
            import multiprocessing, sys, time

            def worker():
                from placepix.server.lifecycle import watch_parent
                assert watch_parent(grace_seconds=5) is not None
                time.sleep(60)

            if __name__ == "__main__":
                child = multiprocessing.get_context("spawn").Process(target=worker)
                child.start()
                print(child.pid, flush=True)
                time.sleep(60)
            """
        )
    )
    master = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = 0
    try:
        assert master.stdout is not None
        worker = int(master.stdout.readline())
        time.sleep(1.5)  # the worker is up and watching
        assert alive(worker)
        master.send_signal(signal.SIGKILL)
        master.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(worker) or _zombie(worker), "the worker outlived its master"
    finally:
        master.kill()
        if worker and alive(worker) and not _zombie(worker):
            os.kill(worker, signal.SIGKILL)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def test_a_process_without_a_supervisor_watches_nothing() -> None:
    from placepix.server.lifecycle import watch_parent

    assert watch_parent(grace_seconds=1) is None  # pytest is no uvicorn worker
