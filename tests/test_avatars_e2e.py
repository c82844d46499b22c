"""ui-avatars-compatible avatars end to end, against a real server over loopback (issue 20):
each parameter with pixel checks (size, colours, clear corners, initials that differ by name
and by length), the path form, the limits, and caching as for any image."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from PIL import Image, ImageChops

from placepix.url.avatars import PALETTE
from tests.conftest import decode
from tests.server import running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with running_server() as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def avatar(client: httpx.Client, query: str, path: str = "/api/") -> Image.Image:
    response = client.get(f"{path}?{query}" if query else path)
    assert response.status_code == 200, response.text
    return decode(response.content)


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, int, int]:
    pixel = image.convert("RGBA").getpixel(xy)
    assert isinstance(pixel, tuple)
    return (int(pixel[0]), int(pixel[1]), int(pixel[2]))


def alpha(image: Image.Image, xy: tuple[int, int]) -> int:
    pixel = image.convert("RGBA").getpixel(xy)
    assert isinstance(pixel, tuple)
    return int(pixel[3])


def ink(image: Image.Image, background: tuple[int, int, int]) -> int:
    """Pixels that differ clearly from the background: how much the initials cover."""
    flat = Image.new("RGB", image.size, background)
    difference = ImageChops.difference(image.convert("RGB"), flat).convert("L")
    return sum(difference.point(lambda v: 255 if v > 64 else 0).tobytes()) // 255


def differ(one: Image.Image, other: Image.Image) -> bool:
    return (
        one.size != other.size or one.convert("RGBA").tobytes() != other.convert("RGBA").tobytes()
    )


GREY, INK = (0xDD, 0xDD, 0xDD), (0x22, 0x22, 0x22)


def test_the_default_avatar(client: httpx.Client) -> None:
    response = client.get("/api/?name=John+Doe")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = decode(response.content)
    assert image.size == (64, 64)
    assert rgb(image, (0, 0)) == GREY and rgb(image, (63, 63)) == GREY
    assert 30 < ink(image, GREY) < 64 * 64 // 2
    assert min(image.convert("L").tobytes()) < 0x40  # dark initials
    assert not differ(image, avatar(client, "", "/api"))  # John Doe is the default name


def test_name_decides_the_initials(client: httpx.Client) -> None:
    jd, ab = avatar(client, "name=John+Doe"), avatar(client, "name=Ann+Bell")
    assert differ(jd, ab)
    assert not differ(jd, avatar(client, "name=Jane+Doe"))  # the same initials, JD


def test_length(client: httpx.Client) -> None:
    one, two = avatar(client, "name=John+Doe&length=1"), avatar(client, "name=John+Doe")
    three = avatar(client, "name=John+Doe&length=3")
    assert differ(one, two) and differ(two, three)
    assert ink(one, GREY) < ink(two, GREY) < ink(three, GREY)
    assert not differ(avatar(client, "name=John+Doe&length=0"), one)  # ui-avatars: 0 is 1


@pytest.mark.parametrize("size", [16, 64, 128, 512, 600])
def test_size(client: httpx.Client, size: int) -> None:
    image = avatar(client, f"name=Ann+Bell&size={size}")
    assert image.size == (size, size)
    assert rgb(image, (0, 0)) == GREY


def test_background_and_color(client: httpx.Client) -> None:
    image = avatar(client, "name=Ann+Bell&background=0d47a1&color=ffeb3b&size=128")
    assert rgb(image, (0, 0)) == (0x0D, 0x47, 0xA1)
    pixels = {rgb(image, (x, y)) for x in range(128) for y in range(128)}
    assert (0xFF, 0xEB, 0x3B) in pixels  # the initials, fully covered pixels
    hashed = avatar(client, f"background={quote('#f00')}&color={quote('#fff')}")
    assert rgb(hashed, (0, 0)) == (255, 0, 0)


def test_random_background_is_the_same_for_the_same_name(client: httpx.Client) -> None:
    first = avatar(client, "name=Grace+Hopper&background=random")
    assert not differ(first, avatar(client, "name=Grace+Hopper&background=random"))
    palette = {tuple(background.rgb) for background, _ in PALETTE}
    colours = {rgb(avatar(client, f"name=User+{n}&background=random"), (0, 0)) for n in range(8)}
    assert colours <= palette and len(colours) >= 3
    _, text = next(pair for pair in PALETTE if pair[0].rgb == rgb(first, (0, 0)))
    pixels = {rgb(first, (x, y)) for x in range(64) for y in range(64)}
    assert text.rgb in pixels  # the palette's text colour


def test_font_size(client: httpx.Client) -> None:
    small = avatar(client, "name=Ann+Bell&font-size=0.25&size=128")
    large = avatar(client, "name=Ann+Bell&font-size=0.7&size=128")
    assert ink(small, GREY) * 3 < ink(large, GREY)
    assert not differ(
        avatar(client, "name=Ann+Bell&font-size=5&size=128"),
        avatar(client, "name=Ann+Bell&font-size=1&size=128"),
    )  # ui-avatars: above 1 is 1


@pytest.mark.parametrize("fmt", ["png", "webp", "avif", "gif", "tiff"])
def test_rounded_has_clear_corners(client: httpx.Client, fmt: str) -> None:
    image = avatar(client, f"name=Ann+Bell&size=128&rounded=true&format={fmt}&background=f00")
    for corner in ((0, 0), (127, 0), (0, 127), (127, 127), (10, 10)):
        assert alpha(image, corner) == 0, corner
    assert alpha(image, (64, 3)) > 245 and rgb(image, (64, 3))[0] > 240
    if fmt != "gif":  # GIF has no partial alpha
        edge = set(image.convert("RGBA").getchannel("A").tobytes())
        assert len(edge - {0, 255}) > 8  # anti-aliased


def test_rounded_without_alpha_is_the_background(client: httpx.Client) -> None:
    image = avatar(client, "name=Ann+Bell&rounded=true&format=jpg&background=f00")
    r, g, b = rgb(image, (0, 0))
    assert r > 240 and g < 15 and b < 15


def test_uppercase(client: httpx.Client) -> None:
    upper, lower = avatar(client, "name=ann+bell"), avatar(client, "name=ann+bell&uppercase=false")
    assert differ(upper, lower)
    assert not differ(upper, avatar(client, "name=ANN+BELL&uppercase=false"))


def test_bold(client: httpx.Client) -> None:
    regular = avatar(client, "name=Ann+Bell&size=256")
    bold = avatar(client, "name=Ann+Bell&size=256&bold=true")
    assert ink(bold, GREY) > ink(regular, GREY) * 1.1


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("png", "image/png"), ("svg", "image/svg+xml"), ("webp", "image/webp"), ("jpg", "image/jpeg")],
)
def test_format(client: httpx.Client, fmt: str, media_type: str) -> None:
    response = client.get(f"/api/?name=Ann+Bell&format={fmt}&rounded=1&bold=1")
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    if fmt == "svg":
        assert b">AB</tspan>" in response.content and b"<ellipse" in response.content
        assert b'font-weight="bold"' in response.content


def test_no_format_is_png_whatever_the_accept_header(client: httpx.Client) -> None:
    """ui-avatars answers SVG to an Accept that lists image/svg+xml; placepix keeps one URL
    one image (docs/avatars.md)."""
    response = client.get("/api/?name=Ann", headers={"Accept": "image/svg+xml,image/*"})
    assert response.headers["content-type"] == "image/png" and "vary" not in response.headers


def test_the_path_form(client: httpx.Client) -> None:
    path = avatar(client, "", "/api/Ann+Bell/128/0d47a1/fff/1/0.5/true/false/true/png")
    query = avatar(
        client,
        "name=Ann+Bell&size=128&background=0d47a1&color=fff&length=1&font-size=0.5"
        "&rounded=true&uppercase=false&bold=true&format=png",
    )
    assert path.size == (128, 128) and not differ(path, query)
    assert alpha(path, (0, 0)) == 0
    assert avatar(client, "", "/api/Ann%20Bell/100").size == (100, 100)


NAMES = {
    "cyrillic": "Иван Петров",
    "greek": "Γιώργος Παπαδόπουλος",
    "chinese": "张伟",
    "japanese": "山田 太郎",
    "korean": "김민준",
    "arabic": "محمد علي",
    "hebrew": "דוד כהן",
    "latin": "Zoë Ünal",
}


def test_names_in_every_script(client: httpx.Client) -> None:
    images = {
        script: avatar(client, f"name={quote(name)}&size=128") for script, name in NAMES.items()
    }
    for script, image in images.items():
        assert ink(image, GREY) > 150, script  # glyphs drawn, not empty boxes or nothing
    drawn = list(images.values())
    assert all(differ(a, b) for i, a in enumerate(drawn) for b in drawn[i + 1 :])


def test_right_to_left_initials_are_the_text_engines(client: httpx.Client) -> None:
    """Hebrew initials are the two first letters in logical order, drawn as placepix draws
    right-to-left text (same canonical URL, same ETag); Arabic ones are kept apart (a zero-width
    non-joiner), not joined into a word."""
    hebrew = client.get(f"/api/?name={quote('דוד כהן')}&size=128")
    text = client.get(f"/128x128/ddd/222.png?text={quote('דכ')}&font_size=56&padding=0")
    assert hebrew.headers["etag"] == text.headers["etag"]
    assert hebrew.content == text.content
    swapped = client.get(f"/api/?name={quote('כהן דוד')}&size=128")
    assert swapped.content != hebrew.content
    arabic = avatar(client, f"name={quote('محمد علي')}&size=128")
    joined = decode(
        client.get(f"/128x128/ddd/222.png?text={quote('مع')}&font_size=56&padding=0").content
    )
    assert differ(arabic, joined)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("size=5000", "max_side is 4000"),
        ("size=300&format=ico", "ico images can be at most 256"),
        ("size=abc", "size must be a whole number"),
        ("font-size=0", "font-size must be"),
        ("rounded=maybe", "rounded must be true or false"),
        ("background=nocolour", "not a colour"),
        ("format=exe", "unknown format"),
        ("name=a&name=b", "given twice"),
    ],
)
def test_bad_parameters_are_a_clear_400(client: httpx.Client, query: str, message: str) -> None:
    response = client.get(f"/api/?{query}")
    assert response.status_code == 400
    assert message in response.text
    assert response.headers["cache-control"] == "no-store"


def test_caching_as_for_images(client: httpx.Client) -> None:
    first = client.get("/api/?name=Cache+Me&size=96&rounded=1")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["access-control-allow-origin"] == "*"
    again = client.get("/api/Cache+Me/96?rounded=1")  # another spelling, one image
    assert again.headers["etag"] == etag and again.content == first.content
    conditional = client.get(
        "/api/?name=Cache+Me&size=96&rounded=1", headers={"If-None-Match": etag}
    )
    assert conditional.status_code == 304 and conditional.content == b""
    head = client.head("/api/?name=Cache+Me&size=96&rounded=1")
    assert head.status_code == 200 and head.headers["content-length"] == str(len(first.content))
