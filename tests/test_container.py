"""The image deploy/Dockerfile builds, built and run for real (tests/container.py says how), then
checked end to end from outside: every format, text in CJK, Arabic, Devanagari and colour emoji
drawn as this machine's own renderer draws them, tokens, probes and metrics.

Slow the first time (a Debian root file system and the image's layers, about a minute here);
later runs reuse both. Prints the image's size and the build's time."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from PIL import Image, ImageChops, features

import placepix
from placepix.minting import make_token
from placepix.model.formats import MEDIA_TYPES
from placepix.url.tokens import image_url
from tests import container
from tests.conftest import decode

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(
        bool(container.missing_tools()),
        reason=f"needs {', '.join(container.missing_tools())} (make system-deps)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="buildah --isolation chroot needs root"),
]

SECRET = "container-test-secret"
TEXTS = {
    "cjk": "日本語の文字 中文",
    "arabic": "مرحبا بالعالم",
    "devanagari": "नमस्ते दुनिया",
    "emoji": "😀🎉❤️",
}
# Share of pixels that may differ (by more than a rounding step) between the container's image
# and this machine's: the same fonts and Pillow give the same pixels; a missing font, or text
# laid out without shaping, changes thousands of them.
MAX_DIFFERENT_PIXELS = 0.002


@pytest.fixture(scope="module")
def image(request: pytest.FixtureRequest) -> str:
    """The image, built (or brought up to date) once for the module; its size and build time
    are printed."""
    base = container.base_image()
    seconds = container.build_image(base)
    size = container.image_bytes()
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    assert capture is not None
    with capture.global_and_fixture_disabled():  # shown even without -s
        print(f"\n{container.IMAGE}: {size / 2**20:.0f} MiB, built in {seconds:.1f}s")
    return container.IMAGE


@pytest.fixture(scope="module")
def url(image: str) -> Iterator[str]:
    env = {"PLACEPIX_SECRET_KEYS": json.dumps([SECRET]), "PLACEPIX_LOG_LEVEL": "warning"}
    with container.running_container(env, workers=2) as running:
        yield running


def get(url: str) -> httpx.Response:
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:200]}"
    return response


def different_pixels(one: Image.Image, other: Image.Image) -> float:
    """Share of pixels whose colour differs by more than 24 in any channel."""
    assert one.size == other.size
    difference = ImageChops.difference(one.convert("RGB"), other.convert("RGB"))
    channels = [band.point(lambda value: 255 if value > 24 else 0) for band in difference.split()]
    changed = ImageChops.lighter(ImageChops.lighter(channels[0], channels[1]), channels[2])
    return changed.histogram()[255] / (one.width * one.height)


@pytest.mark.parametrize("fmt", sorted(MEDIA_TYPES))
def test_every_format(url: str, fmt: str) -> None:
    response = get(f"{url}/120x80/0f766e/ccfbf1.{fmt}?text=Hi")
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    if fmt == "svg":
        assert response.content.startswith(b"<svg")
    else:
        assert decode(response.content).size == (120, 80)


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_text_is_drawn_as_here(url: str, script: str) -> None:
    """CJK, Arabic (joined, right to left), Devanagari (shaped) and colour emoji: the container's
    pixels are this machine's, whose text stack shapes (raqm)."""
    assert features.check("raqm"), "this machine's reference would not be shaped"
    path = f"/480x120/ffffff/1e293b.png?text={quote(TEXTS[script])}"
    served = decode(get(url + path).content)
    expected = decode(placepix.render(path.lstrip("/")).data)
    share = different_pixels(served, expected)
    assert share <= MAX_DIFFERENT_PIXELS, f"{script}: {share:.2%} of the pixels differ"


def test_emoji_are_in_colour(url: str) -> None:
    """On white with grey text, only a colour emoji font brings saturated pixels."""
    served = decode(get(f"{url}/200x100/ffffff/777777.png?text={quote('😀🎉')}").content)
    saturation = served.convert("RGB").convert("HSV").getchannel("S")
    saturated = sum(saturation.histogram()[96:])
    assert saturated > 200, saturated


def test_tokens(url: str) -> None:
    token = make_token("jane@example.com", SECRET, width=300, height=60)
    served = decode(get(url + image_url(token)).content)
    assert served.size == (300, 60)
    expected = decode(placepix.render("300x60/ffffff/000000.png?text=jane@example.com").data)
    assert different_pixels(served, expected) <= MAX_DIFFERENT_PIXELS
    assert httpx.get(f"{url}/t/not-a-token", timeout=10).status_code == 403


def test_probes_and_metrics(url: str) -> None:
    assert get(f"{url}/healthz").text == "ok\n"
    assert get(f"{url}/readyz").text == "ready\n"
    get(f"{url}/64x64.webp?text=counted")
    metrics = get(f"{url}/metrics").text
    assert "placepix_renders_total" in metrics and 'format="webp"' in metrics
