"""Golden images: every script and sequence the engine must draw right, compared by pixels with
a stated tolerance, never by bytes (a FreeType or HarfBuzz update may move a few anti-aliased
edge pixels; a wrong order, a missing join, a lost glyph or a shifted line moves thousands).
They are made by `python -m scripts.text_gallery` and shown in docs/text-gallery.md."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

import placepix
from scripts.text_gallery import GOLDEN, GOLDEN_DIR, Case
from tests.conftest import decode

MEAN_DIFFERENCE = 1.0  # at most this mean difference per channel (of 255)...
FAR_OFF = 64  # ...and at most FAR_OFF_SHARE of the pixels differ by more than this
FAR_OFF_SHARE = 0.002


def compare(rendered: Image.Image, golden: Image.Image) -> tuple[float, float]:
    """The mean difference per channel, and the share of pixels far off."""
    assert rendered.size == golden.size
    difference = ImageChops.difference(rendered.convert("RGB"), golden.convert("RGB"))
    mean = sum(ImageStat.Stat(difference).mean) / 3
    far = difference.convert("L").point(lambda value: 255 if value > FAR_OFF else 0)
    return mean, far.histogram()[255] / (golden.width * golden.height)


def within_tolerance(rendered: Image.Image, golden: Image.Image) -> bool:
    mean, far = compare(rendered, golden)
    return mean <= MEAN_DIFFERENCE and far <= FAR_OFF_SHARE


@pytest.mark.parametrize("case", GOLDEN, ids=[case.name for case in GOLDEN])
def test_the_engine_draws_the_golden_image(case: Case) -> None:
    """Regenerate with `python -m scripts.text_gallery` after a deliberate change, and look
    at docs/text-gallery.md before committing."""
    golden = Image.open(GOLDEN_DIR / f"{case.name}.png")
    rendered = decode(placepix.render(case.url.lstrip("/")).data)
    assert within_tolerance(rendered, golden), compare(rendered, golden)


def test_the_tolerance_catches_what_matters() -> None:
    """A line in another order, or moved by two pixels, is far outside it."""
    golden = Image.open(GOLDEN_DIR / "arabic.png").convert("RGB")
    swapped = decode(
        placepix.render("640x160/fff/111.png?text=(test) 123 مرحبا بالعالم [٣٠٠]").data
    )
    assert not within_tolerance(swapped, golden)
    moved = Image.new(golden.mode, golden.size, golden.getpixel((0, 0)))
    moved.paste(golden, (2, 0))
    assert not within_tolerance(moved, golden)
