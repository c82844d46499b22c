"""/robots.txt, /favicon.ico, `Allow` on 405s and `X-Placepix-Ignored`, against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from placepix.server.hints import ignored_parameters
from tests.conftest import decode
from tests.server import Server, running_server

PRIVATE = {
    "PLACEPIX_ROBOTS": "disallow",
    "PLACEPIX_SECRET_KEYS": "k1",
    "PLACEPIX_REQUIRE_SIGNATURE": "true",
}


@pytest.fixture(scope="module")
def private() -> Iterator[Server]:
    """A private instance: signed URLs only, and crawlers told to stay away."""
    with running_server(env=PRIVATE) as running:
        yield running


@pytest.mark.e2e
def test_robots_txt_allows_all_by_default(client: httpx.Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "User-agent: *\nAllow: /\n"


@pytest.mark.e2e
def test_a_private_instance_disallows_and_still_has_its_icon(private: Server) -> None:
    assert httpx.get(f"{private.url}/robots.txt").text == "User-agent: *\nDisallow: /\n"
    icon = httpx.get(f"{private.url}/favicon.ico")
    assert icon.status_code == 200  # not an unsigned image URL, refused
    assert decode(icon.content).size == (32, 32)
    assert httpx.get(f"{private.url}/32x32.ico").status_code == 403  # the rest is locked


@pytest.mark.e2e
def test_the_favicon_is_a_real_icon_with_caching(client: httpx.Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    icon = decode(response.content)
    assert (icon.format, icon.size) == ("ICO", (32, 32))
    assert len(icon.convert("RGB").getcolors(1024) or []) > 2  # drawn, not a flat square
    again = client.get("/favicon.ico", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/600x400"),
        ("PUT", "/"),
        ("DELETE", "/healthz"),
        ("POST", "/static/playground.css"),
        ("POST", "/t/abc"),
        ("POST", "/robots.txt"),
    ],
)
def test_every_405_says_what_is_allowed(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.e2e
def test_ignored_parameters_are_named_with_the_near_miss(client: httpx.Client) -> None:
    url = "/600x400?txt=Hello&font-size=40&v=2"
    for _ in range(2):  # the second comes from the cache, by another path through the server
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["x-placepix-ignored"] == (
            "txt (did you mean text?), font-size (did you mean font_size?), v"
        )
    assert "x-placepix-ignored" not in client.get("/600x400?text=Hello").headers
    dummy = client.get("/600x400/000/fff.png&txet=hi")
    assert dummy.headers["x-placepix-ignored"] == "txet (did you mean text?)"


def test_ignored_parameters_are_bounded_and_safe_in_a_header() -> None:
    many = "&".join(f"p{index}=1" for index in range(50))
    assert ignored_parameters("/1x1", many) == "p0, p1, p2, p3, p4, p5, p6, p7, ..."
    assert ignored_parameters("/1x1", "a%0D%0Ab,c=1&" + "x" * 100) == "a%0D%0Ab%2Cc, " + "x" * 40
    assert ignored_parameters("/1x1", "text=a&s=sig&retina=1") is None
