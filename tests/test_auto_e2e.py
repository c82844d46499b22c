"""Format auto end to end, against real servers over loopback (issue 20): each branch of the
choice (AVIF, WebP, PNG) in each spelling, Vary and an ETag per variant, 304s, and the step
down when a limit refuses the best format."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import decode
from tests.server import running_server

pytestmark = pytest.mark.e2e

CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
WEBP_ONLY = "image/webp,*/*"
PLAIN = "image/png,image/*;q=0.8"
SPELLINGS = ["/600x400.auto", "/600x400/auto", "/600x400?format=auto", "/600x400?auto=format"]
LIMITED = {  # AVIF up to 100x100; a render budget that 3000x3000 WebP (2.1 B/px) overruns
    "PLACEPIX_MAX_AVIF_PIXELS": "10000",
    "PLACEPIX_RENDER_MEMORY_BUDGET": str(16 << 20),
}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with running_server() as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def limited() -> Iterator[httpx.Client]:
    with running_server(LIMITED) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


@pytest.mark.parametrize("url", SPELLINGS)
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(CHROME, "image/avif"), (WEBP_ONLY, "image/webp"), (PLAIN, "image/png"), (None, "image/png")],
)
def test_each_branch(client: httpx.Client, url: str, accept: str | None, media_type: str) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert response.headers["vary"] == "Accept"
    assert decode(response.content).size == (600, 400)
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_each_variant_has_its_etag_and_its_304(client: httpx.Client) -> None:
    url = "/320x200/0f766e/fff.auto?text=Hi"
    variants = {
        accept: client.get(url, headers={"Accept": accept}) for accept in (CHROME, WEBP_ONLY, PLAIN)
    }
    etags = {response.headers["etag"] for response in variants.values()}
    assert len(etags) == 3
    avif_etag = variants[CHROME].headers["etag"]
    again = client.get(url, headers={"Accept": CHROME, "If-None-Match": avif_etag})
    assert again.status_code == 304 and again.headers["vary"] == "Accept"
    # The browser's cached AVIF is no good to a client that takes WebP only: a 200 of WebP.
    other = client.get(url, headers={"Accept": WEBP_ONLY, "If-None-Match": avif_etag})
    assert other.status_code == 200 and other.headers["content-type"] == "image/webp"
    # The same bytes as the explicit URL, and so its ETag.
    explicit = client.get("/320x200/0f766e/fff.webp?text=Hi")
    assert explicit.headers["etag"] == variants[WEBP_ONLY].headers["etag"]
    assert explicit.content == variants[WEBP_ONLY].content
    assert "vary" not in explicit.headers


def test_a_repeated_auto_url_follows_each_requests_accept(client: httpx.Client) -> None:
    """A server that kept the first answer by URL alone would give AVIF to everyone."""
    url = "/123x45.auto"
    kinds = [
        client.get(url, headers={"Accept": a}).headers["content-type"]
        for a in (CHROME, PLAIN, CHROME, WEBP_ONLY)
    ]
    assert kinds == ["image/avif", "image/png", "image/avif", "image/webp"]


def test_avatars_take_auto_too(client: httpx.Client) -> None:
    response = client.get("/api/?name=Ann+Bell&format=auto&rounded=1", headers={"Accept": CHROME})
    assert response.headers["content-type"] == "image/avif"
    assert response.headers["vary"] == "Accept"


def test_step_down_when_avif_is_over_its_pixels(limited: httpx.Client) -> None:
    small = limited.get("/100x100.auto", headers={"Accept": CHROME})
    assert small.headers["content-type"] == "image/avif"
    larger = limited.get("/200x200.auto", headers={"Accept": CHROME})
    assert larger.status_code == 200
    assert larger.headers["content-type"] == "image/webp"
    assert decode(larger.content).size == (200, 200)
    explicit = limited.get("/200x200.avif")
    assert explicit.status_code == 400 and "max_avif_pixels" in explicit.text


def test_step_down_to_png_when_webp_is_over_the_memory_budget(limited: httpx.Client) -> None:
    response = limited.get("/3000x3000.auto", headers={"Accept": CHROME})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert limited.get("/3000x3000.webp").status_code == 400  # what auto stepped past


def test_when_png_is_refused_too_the_limit_is_named(limited: httpx.Client) -> None:
    response = limited.get("/5000x10.auto", headers={"Accept": CHROME})
    assert response.status_code == 400 and response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "image/png"  # a browser's <img> sees it drawn
    assert "max_side" in response.headers["x-placepix-error"]
    plain = limited.get("/5000x10.auto", headers={"Accept": "text/plain"})
    assert plain.status_code == 400 and "max_side" in plain.text
