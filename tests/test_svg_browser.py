"""A browser draws placepix's SVG text in the raster's order: Chromium renders the SVG of
mixed-direction lines, and its ink lies where the PNG's does (a line in the wrong order, or
anchored at its wrong end, would put most of it elsewhere)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

from PIL import Image, ImageChops  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

import placepix  # noqa: E402

pytestmark = pytest.mark.browser

SIZE = (600, 300)
MOST_INK_APART = 0.25  # measured: 0.10 when the order matches, 0.95 when it does not
TEXT = "مرحبا (test) 123|abc (שלום) def|שלום world 123!"


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
        browser.close()


def ink(image: Image.Image) -> Image.Image:
    return image.convert("L").point(lambda value: 255 if value < 128 else 0).convert("1")


def share_apart(raster: Image.Image, drawn: Image.Image) -> float:
    """The share of the raster's ink pixels that the browser's ink does not match."""
    apart = ImageChops.logical_xor(ink(raster), ink(drawn)).histogram()[255]
    return apart / max(1, ink(raster).histogram()[255])


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_chromium_draws_the_svg_in_the_rasters_order(page: Page, align: str) -> None:
    url = f"{SIZE[0]}x{SIZE[1]}/fff/000.{{}}?text={TEXT}&align={align}&font_size=36"
    svg = placepix.render(url.format("svg")).data.decode()
    raster = Image.open(io.BytesIO(placepix.render(url.format("png")).data))
    page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
    clip = {"x": 0, "y": 0, "width": SIZE[0], "height": SIZE[1]}
    drawn = Image.open(io.BytesIO(page.screenshot(clip=clip)))  # type: ignore[arg-type]
    assert share_apart(raster, drawn) < MOST_INK_APART
    unordered = svg.replace(' direction="rtl" unicode-bidi="isolate"', "")
    page.set_content(f"<html><body style='margin:0'>{unordered}</body></html>")
    wrong = Image.open(io.BytesIO(page.screenshot(clip=clip)))  # type: ignore[arg-type]
    assert share_apart(raster, wrong) > MOST_INK_APART  # the check can fail
