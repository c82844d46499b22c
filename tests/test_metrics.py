"""GET /metrics in one process (the multi-worker sum is tested in test_operations.py)."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from placepix.server.app import create_app
from placepix.server.settings import Settings


def sample(text: str, name: str) -> float:
    """The value of one sample line, e.g. 'placepix_renders_total{format="gif"}'; 0 if absent."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_renders_hits_and_requests_are_counted() -> None:
    client = TestClient(create_app(Settings()))
    before = client.get("/metrics").text
    client.get("/37x23.gif?text=metrics")
    client.get("/37x23.gif?text=metrics")
    client.get("/37x23/zzz")
    after = client.get("/metrics").text
    renders = 'placepix_renders_total{format="gif"}'
    assert sample(after, renders) - sample(before, renders) == 1
    for counter in ("placepix_cache_hits_total", "placepix_cache_misses_total"):
        assert sample(after, counter) - sample(before, counter) == 1, counter
    assert sample(after, "placepix_cache_bytes") > 0  # the image kept
    ok = 'placepix_requests_total{format="gif",status="200"}'
    assert sample(after, ok) - sample(before, ok) == 2
    bad = 'placepix_requests_total{format="-",status="400"}'
    assert sample(after, bad) - sample(before, bad) == 1
    assert "placepix_render_seconds_bucket" in after


def test_metrics_can_be_switched_off() -> None:
    client = TestClient(create_app(Settings(metrics=False)))
    response = client.get("/metrics")
    assert response.status_code == 400  # just another (bad) image URL now
    assert "placepix_" not in response.text
