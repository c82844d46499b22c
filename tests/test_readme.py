"""The README's quick tour: each example image is what its URL renders today."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

import placepix

ROOT = Path(__file__).parent.parent
# | `/600x400/000/fff` | ![black](docs/examples/600x400-000-fff.png) |
EXAMPLE = re.compile(
    r"^\| `(?P<url>/[^`]+)`[^|]*\| !\[[^\]]*\]\((?P<image>docs/examples/[^)]+)\) \|$"
)
EXAMPLES = [
    (match["url"], match["image"])
    for line in (ROOT / "README.md").read_text().splitlines()
    if (match := EXAMPLE.match(line))
]


def test_the_quick_tour_has_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize(("url", "image"), EXAMPLES, ids=[image for _, image in EXAMPLES])
def test_each_example_image_is_what_its_url_renders(url: str, image: str) -> None:
    """Regenerate a stale one with `placepix render URL -o docs/examples/NAME.png`."""
    rendered = Image.open(io.BytesIO(placepix.render(url.lstrip("/")).data)).convert("RGBA")
    kept = Image.open(ROOT / image).convert("RGBA")
    assert rendered.size == kept.size
    assert ImageChops.difference(rendered, kept).getbbox(alpha_only=False) is None
