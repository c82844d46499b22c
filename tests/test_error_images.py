"""Errors for `<img>` requests are images with the message drawn in them, against a real
server; plain clients keep text. Browsers' own Accept headers decide which."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from PIL import Image, ImageChops

from placepix.model.spec import ImageSpec
from placepix.render import Renderer
from placepix.server.error_images import BACKGROUND, FOREGROUND, wants_image
from tests.conftest import decode
from tests.server import running_server

IMG = {"Sec-Fetch-Dest": "image"}


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A server of this module's own, stopped when the module is done (the session's server
    would outlive it, and some tests count this process's children)."""
    with running_server() as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


# What browsers send for an <img> and for a page (a tab, a link).
CHROME_IMG = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
FIREFOX_IMG = "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
SAFARI_IMG = "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
SAFARI_IMG += "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"
CHROME_PAGE = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
FIREFOX_PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize(
    ("headers", "image"),
    [
        ({"sec-fetch-dest": "image"}, True),
        ({"sec-fetch-dest": "document", "accept": CHROME_PAGE}, False),
        ({"accept": CHROME_IMG}, True),
        ({"accept": FIREFOX_IMG}, True),
        ({"accept": SAFARI_IMG}, True),
        ({"accept": CHROME_PAGE}, False),
        ({"accept": FIREFOX_PAGE}, False),
        ({"accept": "*/*"}, False),  # curl, fetch()
        ({"accept": "image/png"}, True),
        ({"accept": "image/*;q=0.5, text/html;q=0.4"}, True),
        ({"accept": "text/html;q=0.5, image/*;q=0.5"}, False),
        ({"accept": "image/png;q=0, */*"}, False),
        ({"accept": "image/png;q=nonsense"}, False),
        ({}, False),
    ],
)
def test_which_requests_want_an_image(headers: dict[str, str], image: bool) -> None:
    assert wants_image(headers) is image


def error_image(response: httpx.Response) -> Image.Image:
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert "Accept" in response.headers["vary"]
    return decode(response.content).convert("RGB")


def drawn(size: tuple[int, int], scale: int, status: int, message: str) -> Image.Image:
    """The error image a Renderer of this machine draws for this message (the server's own
    fonts are the same), to compare pixels with."""
    spec = ImageSpec(
        size[0],
        size[1],
        scale=scale,
        background=BACKGROUND,
        foreground=FOREGROUND,
        text=f"Error {status}\n{message}",
        padding=min(size) // 10,
    )
    return decode(Renderer().render(spec).data).convert("RGB")


@pytest.mark.e2e
def test_an_img_gets_its_error_as_an_image_of_the_size_it_asked_for(
    client: httpx.Client,
) -> None:
    response = client.get("/600x400/zz/fff", headers=IMG)
    assert response.status_code == 400
    image = error_image(response)
    assert image.size == (600, 400)
    assert image.getpixel((0, 0)) == BACKGROUND.rgb  # the error look
    message = client.get("/600x400/zz/fff").text.strip()  # what a plain client reads
    assert message.startswith("not a colour: 'zz'")
    assert response.headers["x-placepix-error"] == message  # for the network panel too
    expected = drawn((600, 400), 1, 400, message)
    assert ImageChops.difference(image, expected).getbbox() is None  # that message, drawn
    other = drawn((600, 400), 1, 400, "not a colour: 'yy'")
    assert ImageChops.difference(image, other).getbbox() is not None  # the check can fail


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/300x200@2x/000/zz", (600, 400)),  # retina: the pixels asked for
        ("/640x4:3/zz", (640, 480)),
        ("/og/zz", (1200, 630)),
        ("/9999x9999", (300, 150)),  # over max_side: the small default
        ("/2000x2000/zz", (300, 150)),  # within the limits, over error_image_max_pixels
        ("/not-a-size", (300, 150)),
        ("/t/not-a-token", (300, 150)),
        ("/600x400@2.5x", (300, 150)),
    ],
)
def test_the_error_image_has_the_requested_size_or_a_small_default(
    client: httpx.Client, path: str, size: tuple[int, int]
) -> None:
    response = client.get(path, headers={"Accept": CHROME_IMG})
    assert 400 <= response.status_code < 500
    assert error_image(response).size == size


@pytest.mark.e2e
@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": CHROME_PAGE}])
def test_plain_clients_keep_the_text(client: httpx.Client, headers: dict[str, str]) -> None:
    response = client.get("/600x400/zz", headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith("not a colour: 'zz'")
    assert response.headers["cache-control"] == "no-store"
    assert "Accept" in response.headers["vary"]


@pytest.mark.e2e
def test_other_statuses_keep_theirs(client: httpx.Client) -> None:
    long_url = "/600x400?text=" + "a" * 3000
    for path, status in [("/t/abc", 404), (long_url, 414)]:
        response = client.get(path, headers=IMG)
        assert response.status_code == status
        error_image(response)


@pytest.mark.e2e
def test_a_fractional_scale_says_what_to_ask_for(client: httpx.Client) -> None:
    response = client.get("/600x400@2.5x.png")
    assert response.status_code == 400
    assert response.text == (
        "retina scale must be a whole number, @1x to @3x, got @2.5x; "
        "for 2.5x pixels ask for 1500x1000\n"
    )
