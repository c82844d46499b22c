"""Operating a real `placepix serve`: metrics summed over workers, a killed worker replaced,
readiness, and a structured access log that never holds a token's text."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict

from placepix.minting import make_token
from placepix.url.tokens import image_url
from tests.server import metric_total, running_server, wait_until_checked

pytestmark = pytest.mark.e2e


def workers_of(pid: int) -> set[int]:
    """The worker processes uvicorn's supervisor started (not multiprocessing's helpers)."""
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(c) for c in (task / "children").read_text().split()}
    return {c for c in children if b"resource_tracker" not in _cmdline(c)}


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def renders(base_url: str) -> float:
    return metric_total(base_url, "placepix_renders_total")


def renders_by_worker(master: int) -> dict[int, float]:
    """Renders counted by each worker, read from its own multiprocess file: what /metrics sums.
    The directory is in the workers' environment (the master sets it after it starts)."""
    worker = min(workers_of(master))
    environ = Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
    directory = next(
        v for k, _, v in (e.partition(b"=") for e in environ) if k == b"PROMETHEUS_MULTIPROC_DIR"
    )
    counts: dict[int, float] = {}
    for path in Path(directory.decode()).glob("counter_*.db"):
        pid = int(path.stem.rpartition("_")[2])
        values = MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
        for key, value, *_ in values:
            if json.loads(key)[1] == "placepix_renders_total":
                counts[pid] = counts.get(pid, 0.0) + value
    return counts


def test_metrics_sum_every_worker() -> None:
    with running_server(workers=2) as server:
        for index in range(40):  # a new connection each time: both workers get some
            url = f"{server.url}/50x40.png?text=sum{index}"
            assert httpx.get(url, timeout=10).status_code == 200
        by_worker = renders_by_worker(server.process.pid)
        assert set(by_worker) == workers_of(server.process.pid)  # both workers rendered...
        assert all(count > 0 for count in by_worker.values())
        assert renders(server.url) == sum(by_worker.values()) == 40  # ...and /metrics sums them


def test_a_killed_worker_is_replaced_and_requests_keep_being_answered() -> None:
    with running_server(workers=2) as server:
        before = workers_of(server.process.pid)
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 30
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(httpx.get(f"{server.url}/20x20.png", timeout=10).status_code)
            now = workers_of(server.process.pid)
            if victim not in now and len(now) == 2:
                break
            time.sleep(0.2)
        assert victim not in now and len(now) == 2, "the supervisor did not replace the worker"
        assert set(statuses) == {200}
        wait_until_checked(server.url, 30)  # the new worker checks its render stack first
        assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200


def test_json_access_log_has_one_object_per_request_and_no_token_text() -> None:
    secret = "operations-test-secret"
    env = {"PLACEPIX_LOG_FORMAT": "json", "PLACEPIX_SECRET_KEYS": json.dumps([secret])}
    path = image_url(make_token("jane@example.com", secret, format="png"))
    with running_server(env) as server:
        assert httpx.get(f"{server.url}{path}?text=leaked", timeout=10).status_code == 200
        assert httpx.get(f"{server.url}/30x30.png?text=visible", timeout=10).status_code == 200
        log = server.log()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    entries = [line for line in lines if line["logger"] == "placepix.access"]
    assert [e["status"] for e in entries] == [200, 200]
    assert entries[0]["target"] == path
    assert entries[1]["target"] == "/30x30.png?text=visible"
    assert "jane@example.com" not in log and "leaked" not in log


def test_sigterm_removes_the_shared_metrics_directory() -> None:
    with running_server() as server:
        assert httpx.get(f"{server.url}/20x20.png", timeout=10).status_code == 200
        maps = Path(f"/proc/{server.process.pid}/maps").read_text()
        directories = {
            Path(line.split()[-1]).parent
            for line in maps.splitlines()
            if "placepix-metrics-" in line
        }
        assert len(directories) == 1  # the worker's metric files, mapped in memory
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
    assert not directories.pop().exists()
