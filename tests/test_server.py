"""End-to-end: a real `placepix serve` on a loopback port, images decoded with Pillow."""

from __future__ import annotations

import httpx
import pytest

from placepix.model.formats import MEDIA_TYPES
from tests.conftest import decode
from tests.server import running_server

pytestmark = pytest.mark.e2e

URL_FORMS = [
    ("/600x400", (600, 400)),
    ("/600", (600, 600)),
    ("/600x400@2x", (1200, 800)),
    ("/600x400.png", (600, 400)),
    ("/600x400/png", (600, 400)),
    ("/600x400/000000/FFFFFF", (600, 400)),
    ("/600x400/000/fff/webp", (600, 400)),
    ("/600x400/ff0000/fff.png", (600, 400)),
    ("/600x400/000/fff.png&text=hi", (600, 400)),
    ("/640x4:3", (640, 480)),
    ("/16:9x1080", (1920, 1080)),
    ("/hd720", (1280, 720)),
    ("/leaderboard.gif", (728, 90)),
    ("/og.jpg", (1200, 630)),
    ("/300x200/ff0000,128/000,255/", (300, 200)),
    ("/300x200?retina=1&font_size=20", (600, 400)),
    ("/300x200/img.webp", (300, 200)),
    ("/300x200?text=Line+one\\nLine+two|three", (300, 200)),
    ("/favicon.ico", (32, 32)),
]


@pytest.mark.parametrize(("url", "size"), URL_FORMS)
def test_every_url_form_answers_with_an_image_of_the_right_size(
    client: httpx.Client, url: str, size: tuple[int, int]
) -> None:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert decode(response.content).size == size


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
def test_every_format_has_its_media_type_and_decodes(client: httpx.Client, fmt: str) -> None:
    response = client.get(f"/200x100/000/fff.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    if fmt == "svg":
        assert response.content.startswith(b"<svg")
        assert "default-src 'none'" in response.headers["content-security-policy"]
    else:
        image = decode(response.content)
        assert image.size == (200, 100)
        assert image.convert("RGB").getpixel((0, 0)) == (0, 0, 0)


def test_image_headers(client: httpx.Client) -> None:
    response = client.get("/300x200.webp")
    headers = response.headers
    assert int(headers["content-length"]) == len(response.content)
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["etag"].startswith('"') and not headers["etag"].startswith("W/")
    assert "content-security-policy" not in headers


def test_urls_meaning_one_image_share_the_etag(client: httpx.Client) -> None:
    tags = {client.get(url).headers["etag"] for url in ["/640x480", "/vga.png", "/640x4:3/ddd"]}
    assert len(tags) == 1
    assert client.get("/640x481").headers["etag"] not in tags


@pytest.mark.parametrize("form", ["{tag}", "W/{tag}", '"other", {tag}', "*"])
def test_if_none_match_gives_304_without_a_body(client: httpx.Client, form: str) -> None:
    tag = client.get("/120x80.png").headers["etag"]
    response = client.get("/120x80.png", headers={"If-None-Match": form.format(tag=tag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == tag


def test_a_stale_etag_gets_the_image(client: httpx.Client) -> None:
    response = client.get("/120x80.png", headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200 and response.content


def test_head_has_the_headers_and_no_body(client: httpx.Client) -> None:
    get = client.get("/250x100.avif")
    head = client.head("/250x100.avif")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == get.headers["content-length"]


BAD_INPUT = [
    ("/abc", 400, "not a size"),
    ("/0x0", 400, "width must be at least 1"),
    ("/-600x400", 400, "not a size"),
    ("/99999999999999x1", 400, "number too large"),
    ("/4001x10", 400, "max_side"),
    ("/3000x3000@2x", 400, "max_side"),
    ("/600x400/zz", 400, "not a colour"),
    ("/600x400.exe", 400, "unknown format"),
    ("/600x400?font=comic-sans", 400, "unknown font"),
    ("/600x400?font=..%2F..%2Fetc%2Fpasswd", 400, "font names"),
    ("/600x400?font=/etc/passwd", 400, "font names"),
    ("/600x400?text=%ff%fe", 400, "not valid UTF-8"),
    ("/600x400?text=%ed%a0%80", 400, "not valid UTF-8"),
    ("/600x400?text=" + "x" * 501, 400, "max_text_length"),
    ("/600x400?text=" + "x" * 2100, 414, "max_url_length"),
    ("/600x400?font_size=0", 400, "font_size"),
    ("/600@7x", 400, "retina"),
    ("/4000x4000/ff000080/00f.webp", 400, "render_memory_budget"),
    ("/", 200, ""),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD_INPUT)
def test_bad_input_gets_a_short_plain_4xx(
    client: httpx.Client, url: str, status: int, message: str
) -> None:
    response = client.get(url)
    assert response.status_code == status
    if status >= 400:
        assert response.headers["content-type"].startswith("text/plain")
        assert response.headers["cache-control"] == "no-store"
        assert message in response.text
        assert len(response.text) < 300 and "Traceback" not in response.text


def test_other_methods_are_refused(client: httpx.Client) -> None:
    response = client.post("/600x400")
    assert response.status_code == 405
    assert response.headers["cache-control"] == "no-store"


def test_index_health_and_fonts(client: httpx.Client) -> None:
    index = client.get("/")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    assert "/600x400" in index.text or "/300x200" in index.text
    assert client.get("/healthz").status_code == 200
    fonts = client.get("/fonts").json()
    assert fonts["default"] in [font["name"] for font in fonts["fonts"]]


def test_settings_come_from_the_environment() -> None:
    env = {"PLACEPIX_DEFAULT_FORMAT": "webp", "PLACEPIX_MAX_SIDE": "100"}
    with running_server(env) as server, httpx.Client(base_url=server.url) as http:
        response = http.get("/50x50")
        assert response.headers["content-type"] == "image/webp"
        assert http.get("/101x10").status_code == 400


@pytest.mark.parametrize("path", ["/", "/static/playground.js", "/fonts", "/info.json"])
def test_pages_are_cached_briefly_and_images_for_a_year(client: httpx.Client, path: str) -> None:
    """The playground, its files and the instance's JSON change with upgrades and settings:
    `page_max_age` (300 s); images are immutable; a missing static file is an error."""
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert (
        client.get("/10x10.png").headers["cache-control"] == "public, max-age=31536000, immutable"
    )
    assert client.get("/static/missing.js").headers["cache-control"] == "no-store"


def test_page_max_age_is_a_setting() -> None:
    with running_server({"PLACEPIX_PAGE_MAX_AGE": "7"}) as server:
        response = httpx.get(f"{server.url}/info.json", timeout=10)
    assert response.headers["cache-control"] == "public, max-age=7"
