"""The shipped nginx configuration (deploy/nginx/placepix.conf) over two real placepix
instances: balancing, a shared cache with one render per URL, images kept for long and pages
briefly, probes and metrics only on the internal listen, failover, token images kept only while
they live, request ids and client addresses as the instances log them, and graceful shutdown of
an instance. Renders are counted per instance from each instance's own /metrics, never through
nginx."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest

from placepix.model.spec import ImageSpec
from placepix.url.keys import token_keys
from placepix.url.tokens import image_url, open_token, seal_plaintext
from tests.nginx import nginx_binary, running_nginx
from tests.server import Server, metric_total, running_server

pytestmark = [
    pytest.mark.nginx,
    pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed"),
]

SECRET = "nginx-test-secret"
PAGE_MAX_AGE = 2  # seconds; the default is 300
OPS = ("/healthz", "/readyz", "/metrics")


class Cluster(NamedTuple):
    url: str  # nginx's public server
    internal_url: str  # nginx's probes-and-metrics server
    servers: list[Server]  # the placepix instances behind it
    nginx_log: Path  # "URI STATUS REQUEST-ID" a line


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Two placepix instances (token keys configured, nginx trusted for client addresses, pages
    kept PAGE_MAX_AGE seconds) and nginx in front of them; all three stopped afterwards,
    whatever the test did to them."""
    env = {
        "PLACEPIX_SECRET_KEYS": json.dumps([SECRET]),
        "PLACEPIX_FORWARDED_ALLOW_IPS": "127.0.0.1",  # as the shipped file says to
        "PLACEPIX_PAGE_MAX_AGE": str(PAGE_MAX_AGE),
    }
    with ExitStack() as stack:
        servers = [stack.enter_context(running_server(env)) for _ in range(2)]
        upstreams = [s.url.removeprefix("http://") for s in servers]
        nginx = stack.enter_context(running_nginx(upstreams, tmp_path))
        yield Cluster(nginx.url, nginx.internal_url, servers, nginx.log)


def get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(url, headers=headers, timeout=30)


def renders(server: Server) -> float:
    """Images this instance has rendered (its own /metrics, not through nginx)."""
    return metric_total(server.url, "placepix_renders_total")


def total_renders(servers: list[Server]) -> float:
    return sum(renders(s) for s in servers)


def kill(server: Server) -> None:
    server.process.kill()
    server.process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    """Polls `condition` until it holds; fails the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(0.02)


def test_new_urls_are_balanced_over_both_instances(cluster: Cluster) -> None:
    for index in range(20):
        response = get(f"{cluster.url}/64x48.png?text=balance{index}")
        assert response.status_code == 200 and response.headers["x-cache-status"] == "MISS"
    counts = [renders(s) for s in cluster.servers]
    assert sum(counts) == 20 and min(counts) > 0, counts


def test_a_repeated_url_comes_from_the_cache(cluster: Cluster) -> None:
    """Second request: a HIT with the same bytes; a revalidation: 304 from nginx itself."""
    target = f"{cluster.url}/300x200.webp?text=cached"
    first, second = get(target), get(target)
    assert first.headers["x-cache-status"] == "MISS"
    assert second.headers["x-cache-status"] == "HIT"
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert second.headers["cache-control"] == "public, max-age=31536000, immutable"
    revalidated = get(target, {"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and revalidated.headers["x-cache-status"] == "HIT"
    assert total_renders(cluster.servers) == 1


def test_errors_are_not_cached(cluster: Cluster) -> None:
    for _ in range(2):
        response = get(f"{cluster.url}/0x0")
        assert response.status_code == 400 and response.headers["x-cache-status"] == "MISS"
        assert response.headers["cache-control"] == "no-store"


def test_probes_and_metrics_are_not_public(cluster: Cluster) -> None:
    """Through the public server they are 404, however the path is spelled; through the
    internal listen they answer, never from the cache; it serves nothing else."""
    spellings = [*OPS, "/metrics?x=1", "/%6Detrics", "//metrics", "/healthz?", "/./readyz"]
    for path in spellings:
        response = get(cluster.url + path)
        assert response.status_code == 404 and "placepix_" not in response.text, path
    assert httpx.head(f"{cluster.url}/metrics", timeout=10).status_code == 404
    for path in OPS:
        response = get(cluster.internal_url + path)
        assert response.status_code == 200 and "x-cache-status" not in response.headers, path
    assert "placepix_requests_total" in get(f"{cluster.internal_url}/metrics").text
    assert get(f"{cluster.internal_url}/300x200.png").status_code == 404


def test_pages_are_kept_briefly_and_images_for_long(cluster: Cluster) -> None:
    """The playground, a static file, /fonts and /info.json: from the cache only for
    page_max_age; an image fetched before is still a HIT after that."""
    pages = ["/", "/static/playground.js", "/fonts", "/info.json"]
    image = f"{cluster.url}/200x100.png?text=long"
    assert get(image).headers["x-cache-status"] == "MISS"
    for page in pages:
        first, second = get(cluster.url + page), get(cluster.url + page)
        assert first.headers["cache-control"] == f"public, max-age={PAGE_MAX_AGE}", page
        assert (first.headers["x-cache-status"], second.headers["x-cache-status"]) == (
            "MISS",
            "HIT",
        ), page
    time.sleep(PAGE_MAX_AGE + 1.1)
    asked_again = ("EXPIRED", "REVALIDATED", "MISS")  # each means the instance was asked
    for page in pages:
        assert get(cluster.url + page).headers["x-cache-status"] in asked_again, page
    cached = get(image)
    assert cached.headers["x-cache-status"] == "HIT"
    assert cached.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_each_answer_carries_its_own_request_id_as_the_instance_logged_it(
    cluster: Cluster,
) -> None:
    """The client's X-Request-ID, or nginx's own, reaches the instance (its access log) and
    comes back, also on a cache HIT (whose stored answer holds the first request's id)."""
    target = f"{cluster.url}/90x30.png?text=ids"
    first = get(target, {"X-Request-ID": "client-id-1"})
    second = get(target, {"X-Request-ID": "client-id-2"})
    third = get(target)
    assert second.headers["x-cache-status"] == third.headers["x-cache-status"] == "HIT"
    assert first.headers["x-request-id"] == "client-id-1"
    assert second.headers["x-request-id"] == "client-id-2"
    made = third.headers["x-request-id"]
    assert len(made) == 32 and made not in ("client-id-1", "client-id-2")
    assert f"/90x30.png?text=ids 200 {made}" in cluster.nginx_log.read_text()
    logs = "".join(server.log() for server in cluster.servers)
    assert re.search(r'"GET /90x30\.png\?text=ids" 200 .* client-id-1$', logs, re.M), logs


def test_a_client_cannot_choose_the_address_the_instances_log(cluster: Cluster) -> None:
    """nginx replaces X-Forwarded-For with the connecting address; the instances trust nginx,
    so they log that one, never what the client claimed."""
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    assert get(f"{cluster.url}/70x30.png?text=who", spoofed).status_code == 200
    logs = "".join(server.log() for server in cluster.servers)
    line = next(line for line in logs.splitlines() if "text=who" in line)
    assert line.split()[1] == "127.0.0.1" and "203.0.113.9" not in logs


def test_fifty_concurrent_requests_for_a_new_url_render_once(cluster: Cluster) -> None:
    """proxy_cache_lock: without it each instance would render the image (its own in-process
    single flight cannot see the other's); the render takes tens of milliseconds, long enough
    for all fifty requests to arrive while it runs."""
    target = f"{cluster.url}/1500x1500.webp?text=stampede"
    start = threading.Barrier(50)

    def request(_: int) -> httpx.Response:
        start.wait(timeout=10)
        return get(target)

    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(request, range(50)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert total_renders(cluster.servers) == 1


def test_killing_an_instance_keeps_every_request_answered(cluster: Cluster) -> None:
    """SIGKILL one instance in the middle of a concurrent batch of new URLs: every request
    still gets its whole image (nginx retries on the other instance)."""
    doomed, survivor = cluster.servers
    paths = [f"/80x60.png?text=failover{index}" for index in range(40)]
    responses = []
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(get, cluster.url + path) for path in paths]
        for done, future in enumerate(as_completed(futures), start=1):
            responses.append(future.result())
            if done == 10:
                kill(doomed)
    assert doomed.process.returncode == -signal.SIGKILL
    assert [r.status_code for r in responses] == [200] * len(paths)
    assert all(r.content.startswith(b"\x89PNG") for r in responses)
    # At most 10 finished before the kill and 4 more were in flight: the rest is the survivor's.
    assert renders(survivor) >= len(paths) - 10 - 4


def token_expiring_in(seconds: int) -> str:
    """A token that expires `seconds` from now. `make_token` rounds expiry times up to the
    minute (good for deterministic tokens, too slow for a test), so this seals the same
    plaintext with an exact expiry; opening it here catches a change of the format."""
    spec = ImageSpec(120, 60, text="expires soon")
    plaintext = f"{int(time.time()) + seconds}\n{spec.canonical()}".encode()
    token = seal_plaintext(plaintext, token_keys(SECRET))
    assert open_token(token, [token_keys(SECRET)]).spec == spec
    return token


def test_tokens_are_cached_until_they_expire_and_never_served_stale(cluster: Cluster) -> None:
    """With every instance down, immutable images still come from the cache, while a token
    image past its expiry is refused (502) rather than served stale."""
    token_url = cluster.url + image_url(token_expiring_in(3))
    immutable_url = f"{cluster.url}/120x60.png?text=forever"
    first = get(token_url)
    assert first.status_code == 200 and first.headers["x-cache-status"] == "MISS"
    assert 0 < int(first.headers["cache-control"].removeprefix("public, max-age=")) <= 3
    assert get(token_url).headers["x-cache-status"] == "HIT"
    assert get(immutable_url).status_code == 200
    for server in cluster.servers:
        kill(server)
    wait_for(lambda: get(token_url).status_code != 200, "the token image left the cache")
    assert get(token_url).status_code == 502
    cached = get(immutable_url)
    assert cached.status_code == 200 and cached.headers["x-cache-status"] == "HIT"


def test_sigterm_lets_the_request_in_flight_finish() -> None:
    """SIGTERM while a slow render runs: the client still gets the whole image, then the
    process ends after uvicorn's graceful shutdown (not cut short by the signal)."""
    # The slowest render there is (~0.4 s): a faster one can end before uvicorn's shutdown
    # looks for open connections, and then there is nothing in flight to wait for.
    slowest = {"PLACEPIX_MAX_AVIF_PIXELS": "16000000", "PLACEPIX_RENDER_MEMORY_BUDGET": str(10**9)}
    with running_server(slowest) as server:
        result: dict[str, httpx.Response] = {}
        slow = f"{server.url}/4000x4000.avif?text=in+flight"
        worker = threading.Thread(target=lambda: result.update(response=get(slow)))
        worker.start()
        wait_for(
            lambda: metric_total(server.url, "placepix_renders_in_flight") >= 1,
            "the slow render started",
        )
        os.kill(server.process.pid, signal.SIGTERM)
        worker.join(timeout=60)
        # uvicorn finishes in-flight requests, then (one worker, no supervisor) re-raises the
        # signal it caught, so a clean stop shows as "ended by SIGTERM"; with a supervisor, 0.
        assert server.process.wait(timeout=30) in (0, -signal.SIGTERM)
        log = server.log()
    response = result["response"]
    assert response.status_code == 200
    assert len(response.content) == int(response.headers["content-length"]) > 1000
    assert response.content[4:12] == b"ftypavif"  # a whole AVIF file
    # uvicorn's graceful path, waiting for the open connection, ran to its end.
    assert "Waiting for connections to close" in log and "Finished server process" in log, log


CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
CHROME_OLDER = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"
WEBP_ONLY = "image/webp,*/*"


@pytest.mark.parametrize("url", ["/320x200.auto?text=a", "/320x200?format=auto&text=a"])
def test_auto_urls_are_cached_per_format_not_per_accept_string(cluster: Cluster, url: str) -> None:
    """deploy/nginx's auto block: browsers of one class share an entry whatever their exact
    Accept string, each class gets its own format, and Vary: Accept reaches the client."""
    first = get(cluster.url + url, {"Accept": CHROME})
    assert first.headers["content-type"] == "image/avif"
    assert first.headers["x-cache-status"] == "MISS" and first.headers["vary"] == "Accept"
    other_chrome = get(cluster.url + url, {"Accept": CHROME_OLDER})
    assert other_chrome.headers["x-cache-status"] == "HIT"
    assert other_chrome.content == first.content
    webp = get(cluster.url + url, {"Accept": WEBP_ONLY})
    assert webp.headers["content-type"] == "image/webp" and webp.headers["x-cache-status"] == "MISS"
    plain = get(cluster.url + url)
    assert plain.headers["content-type"] == "image/png"
    again = get(cluster.url + url, {"Accept": CHROME})
    assert again.headers["x-cache-status"] == "HIT" and again.content == first.content
    assert total_renders(cluster.servers) == 3
