"""Text in every language, end to end: a real server, images decoded and compared."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from tests.conftest import decode

pytestmark = pytest.mark.e2e

BACKGROUND = (255, 255, 255)
SCRIPTS = {
    "cjk": "日本語の文字",
    "chinese": "中文汉字测试",
    "arabic": "مرحبا بالعالم",
    "hebrew": "שלום עולם",
    "cyrillic": "Привет мир",
    "devanagari": "नमस्ते दुनिया",
}
TOFU = "\ue000\ue001\ue002\ue003\ue004\ue005"  # private use: no font has them, a box each


def fetch(client: httpx.Client, size: str, text: str, extra: str = "") -> Image.Image:
    response = client.get(f"/{size}/fff/000.png?text={quote(text)}{extra}")
    assert response.status_code == 200, response.text
    return decode(response.content).convert("RGB")


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.difference(image, Image.new("RGB", image.size, BACKGROUND)).getbbox()
    assert box is not None, "nothing drawn"
    return box


def test_every_script_draws_its_own_glyphs(client: httpx.Client) -> None:
    images = {name: fetch(client, "400x120", text).tobytes() for name, text in SCRIPTS.items()}
    tofu = fetch(client, "400x120", TOFU).tobytes()
    assert len(set(images.values())) == len(images)
    assert tofu not in images.values()


def test_mixed_scripts_in_one_line_all_draw(client: httpx.Client) -> None:
    mixed = fetch(client, "800x200", "Hello 日本語 مرحبا 😀")
    without_cjk = fetch(client, "800x200", "Hello \ue000\ue001\ue002 مرحبا 😀")
    assert mixed.tobytes() != without_cjk.tobytes()


def test_emoji_render_in_colour(client: httpx.Client) -> None:
    image = fetch(client, "200x200", "😀")
    colours = {image.getpixel((x, y)) for x in range(200) for y in range(200)}
    colours = {c for c in colours if isinstance(c, tuple) and len(set(c)) > 1}  # not grey
    assert len(colours) > 50


@pytest.mark.parametrize(
    "size", ["10x10", "20x20", "300x200", "120x600", "4000x4000", "4000x20", "20x4000"]
)
def test_text_stays_inside_the_image(client: httpx.Client, size: str) -> None:
    image = fetch(client, size, f"{size} placeholder")
    left, top, right, bottom = ink_box(image)
    assert left > 0 and top > 0 and right < image.width and bottom < image.height


def test_long_text_never_touches_the_border(client: httpx.Client) -> None:
    words = " ".join(["placeholder", "text", "wraps", "nicely"] * 30)  # ~800 characters max 500
    image = fetch(client, "300x200", words[:500])
    left, top, right, bottom = ink_box(image)
    assert left > 0 and top > 0 and right < 300 and bottom < 200
    assert bottom - top > 40  # wrapped onto several lines, not one tiny line


def test_every_named_font_changes_the_output(client: httpx.Client) -> None:
    names = [font["name"] for font in client.get("/fonts").json()["fonts"]]
    assert len(names) >= 5
    images = {
        name: fetch(client, "300x100", "Quick Fox", f"&font={name}").tobytes() for name in names
    }
    assert len(set(images.values())) == len(names)


def test_unknown_font_is_a_4xx_listing_the_choices(client: httpx.Client) -> None:
    response = client.get("/300x100?font=comic-sans")
    assert response.status_code == 400
    assert "lato" in response.text and "roboto" in response.text


def test_options_font_size_align_padding(client: httpx.Client) -> None:
    small = ink_box(fetch(client, "600x200", "Hi", "&font_size=20"))
    large = ink_box(fetch(client, "600x200", "Hi", "&font_size=80"))
    assert large[3] - large[1] > 3 * (small[3] - small[1])
    left = ink_box(fetch(client, "600x200", "Hi", "&align=left&padding=30"))
    right = ink_box(fetch(client, "600x200", "Hi", "&align=right&padding=30"))
    assert 30 <= left[0] < 40 and 560 < right[2] <= 570


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_no_text_crashes_the_server(client: httpx.Client, text: str) -> None:
    response = client.get(f"/160x90.png?text={quote(text)}")
    assert response.status_code in (200, 400), response.text
