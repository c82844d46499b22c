"""The shipped nginx configuration over two real placepix instances: balancing, a shared
cache with one render per URL, failover, and graceful shutdown of an instance."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.nginx import nginx_binary, running_nginx
from tests.server import Server, metric_total, running_server

pytestmark = pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")


def renders(server: Server) -> float:
    """Images this instance has rendered (its own /metrics, not through nginx)."""
    return metric_total(server.url, "placepix_renders_total")


def total_renders(servers: list[Server]) -> float:
    return sum(renders(s) for s in servers)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[str, list[Server]]]:
    """Two placepix instances and nginx in front of them."""
    with ExitStack() as stack:
        servers = [stack.enter_context(running_server()) for _ in range(2)]
        upstreams = [s.url.removeprefix("http://") for s in servers]
        yield stack.enter_context(running_nginx(upstreams, tmp_path)), servers


def test_new_urls_are_balanced_over_both_instances(cluster: tuple[str, list[Server]]) -> None:
    url, servers = cluster
    for index in range(20):
        response = httpx.get(f"{url}/64x48.png?text=balance{index}", timeout=10)
        assert response.status_code == 200 and response.headers["x-cache-status"] == "MISS"
    counts = [renders(s) for s in servers]
    assert sum(counts) == 20 and min(counts) > 0


def test_a_repeated_url_comes_from_the_cache(cluster: tuple[str, list[Server]]) -> None:
    url, servers = cluster
    first = httpx.get(f"{url}/300x200.webp?text=cached", timeout=10)
    second = httpx.get(f"{url}/300x200.webp?text=cached", timeout=10)
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert total_renders(servers) == 1


def test_errors_are_not_cached(cluster: tuple[str, list[Server]]) -> None:
    url, _ = cluster
    for _ in range(2):
        response = httpx.get(f"{url}/0x0", timeout=10)
        assert response.status_code == 400 and response.headers["x-cache-status"] == "MISS"


def test_fifty_concurrent_requests_for_a_new_url_render_once(
    cluster: tuple[str, list[Server]],
) -> None:
    url, servers = cluster
    target = f"{url}/2000x2000.png?text=stampede"
    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(lambda _: httpx.get(target, timeout=30), range(50)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert total_renders(servers) == 1


def test_killing_an_instance_keeps_every_request_answered(
    cluster: tuple[str, list[Server]],
) -> None:
    url, servers = cluster
    servers[0].process.kill()
    servers[0].process.wait(timeout=10)
    statuses = [
        httpx.get(f"{url}/80x60.png?text=failover{index}", timeout=10).status_code
        for index in range(20)
    ]
    assert statuses == [200] * 20
    assert renders(servers[1]) == 20


def test_sigterm_lets_the_request_in_flight_finish() -> None:
    with running_server() as server:
        result: dict[str, httpx.Response] = {}

        def slow_request() -> None:
            result["response"] = httpx.get(
                f"{server.url}/4000x4000.webp?text=in+flight", timeout=60
            )

        worker = threading.Thread(target=slow_request)
        worker.start()
        _wait_for_render_in_flight(server)
        os.kill(server.process.pid, signal.SIGTERM)
        worker.join(timeout=60)
        # uvicorn finishes in-flight requests, then re-raises the signal: a clean SIGTERM exit.
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
    response = result["response"]
    assert response.status_code == 200
    assert len(response.content) == int(response.headers["content-length"]) > 1000


def _wait_for_render_in_flight(server: Server) -> None:
    for _ in range(300):
        if metric_total(server.url, "placepix_renders_in_flight") >= 1:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the slow render never started")
