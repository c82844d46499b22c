from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from tests.server import Server, running_server


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One real server on default settings, shared by the end-to-end tests."""
    with running_server() as running:
        yield running


@pytest.fixture(scope="session")
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def decode(data: bytes) -> Image.Image:
    """Decode image bytes with Pillow, fully (so a truncated file fails here)."""
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def darkest(image: Image.Image) -> int:
    """The darkest grey level of `image`: below ~100, dark text was drawn on a light ground."""
    low, _ = image.convert("L").getextrema()
    assert isinstance(low, int)
    return low
