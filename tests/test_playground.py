"""The playground page (`/`) in a real headless Chromium against a real `placepix serve`.

What a unit test cannot see: that the page's JavaScript builds URLs the server accepts, that the
images it shows really load and have the pixel sizes asked for, that copying works, that locked
mode offers no unsigned URLs, and that the layout fits a phone. Screenshots go to test-artifacts/
for a human to look at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])"
)

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium); "
        "Playwright cannot download its own browsers here",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Page,
    ViewportSize,
    sync_playwright,
)

from tests.conftest import decode  # noqa: E402
from tests.server import Server, running_server  # noqa: E402

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 375, "height": 812}
DEFAULT_PATH = "/600x400/dddddd/999999.png"
LOCKED_ENV = {"PLACEPIX_SECRET_KEYS": '["k1"]', "PLACEPIX_REQUIRE_SIGNATURE": "true"}


@dataclass
class Playground:
    """An open playground tab and everything it reported as an error so far."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def site() -> Iterator[Server]:
    """A server on default settings, for this module only."""
    with running_server() as running:
        yield running


@pytest.fixture(scope="module")
def locked_site() -> Iterator[Server]:
    """A server in locked mode: only signed URLs are served."""
    with running_server(env=LOCKED_ENV) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright cannot download its own here)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


def open_playground(
    browser: Browser, base: str, viewport: ViewportSize = DESKTOP, path: str = "/"
) -> Playground:
    """A fresh context (clipboard allowed) on `base` + `path`, recording console errors and
    page errors."""
    context = browser.new_context(
        viewport=viewport,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    playground = Playground(page, base)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            playground.errors.append(f"console: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: playground.errors.append(f"pageerror: {error}"))
    page.goto(f"{base}{path}")
    return playground


@pytest.fixture
def playground(browser: Browser, site: Server) -> Iterator[Playground]:
    """The playground at desktop size, with its first preview loaded."""
    opened = open_playground(browser, site.url)
    wait_for_preview(opened.page, DEFAULT_PATH)
    yield opened
    opened.page.context.close()


def wait_for_preview(page: Page, path: str) -> tuple[int, int]:
    """Wait until the preview shows `path`, fully loaded; return its natural pixel size."""
    page.wait_for_function(
        """(path) => {
            const img = document.getElementById("preview");
            return img.getAttribute("src") === path && img.dataset.state === "loaded"
                && img.complete && img.naturalWidth > 0;
        }""",
        arg=path,
    )
    size = page.eval_on_selector("#preview", "img => [img.naturalWidth, img.naturalHeight]")
    return int(size[0]), int(size[1])


def wait_for_gallery(page: Page) -> list[dict[str, Any]]:
    """Wait until every gallery image has finished (loaded or failed); describe each one."""
    page.wait_for_function(
        """() => {
            const images = [...document.querySelectorAll("#gallery img")];
            return images.length > 0 && images.every((img) => img.complete);
        }"""
    )
    images: list[dict[str, Any]] = page.eval_on_selector_all(
        "#gallery img",
        """images => images.map((img) => ({
            src: img.getAttribute("src"),
            width: img.naturalWidth,
            caption: img.closest("figure").querySelector("figcaption a").getAttribute("href"),
        }))""",
    )
    return images


def corner_pixel(page: Page) -> list[int]:
    """RGBA of the preview's top-left pixel, read through a canvas (same origin, so allowed)."""
    pixel: list[int] = page.eval_on_selector(
        "#preview",
        """img => {
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const context = canvas.getContext("2d");
            context.drawImage(img, 0, 0);
            return [...context.getImageData(0, 0, 1, 1).data];
        }""",
    )
    return pixel


def no_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def info_of(page: Page, base: str) -> dict[str, Any]:
    """This instance's /info.json, fetched by the page itself."""
    text = page.evaluate("async (url) => (await fetch(url)).text()", f"{base}/info.json")
    info: dict[str, Any] = json.loads(text)
    return info


def test_size_colour_and_text_give_the_preview_and_url(playground: Playground) -> None:
    """Typing a size, a hex colour and two lines of text changes the URL and the image."""
    page = playground.page
    page.locator("#width").fill("")
    page.locator("#width").press_sequentially("320")
    page.locator("#height").fill("180")
    page.locator("#bg-hex").fill("ff8800")
    page.locator("#text").fill("Hi\nthere")
    path = "/320x180/ff8800/999999.png?text=Hi\\nthere"

    assert wait_for_preview(page, path) == (320, 180)
    assert page.locator("#url").text_content() == playground.base + path
    assert page.locator("#bg-picker").input_value() == "#ff8800"
    assert corner_pixel(page) == [255, 136, 0, 255]
    assert "320 × 180 logical, 320 × 180 pixels" in (
        page.locator("#preview-info").text_content() or ""
    )


def test_colour_picker_updates_hex_field_and_url(playground: Playground) -> None:
    """The colour picker and the hex field are one value: picking a colour rewrites the hex."""
    page = playground.page
    page.locator("#fg-picker").fill("#112233")
    assert page.locator("#fg-hex").input_value() == "112233"
    wait_for_preview(page, "/600x400/dddddd/112233.png")
    page.locator("#bg-hex").fill("f00")
    assert page.locator("#bg-picker").input_value() == "#ff0000"
    wait_for_preview(page, "/600x400/f00/112233.png")


def test_retina_doubles_natural_width(playground: Playground) -> None:
    """@2x keeps the logical size in the snippet but doubles the pixels the server sends."""
    page = playground.page
    page.locator("#width").fill("300")
    page.locator("#height").fill("200")
    assert wait_for_preview(page, "/300x200/dddddd/999999.png") == (300, 200)
    page.locator("#scale").select_option("2")
    assert wait_for_preview(page, "/300x200@2x/dddddd/999999.png") == (600, 400)
    assert page.locator("#url").text_content() == f"{playground.base}/300x200@2x/dddddd/999999.png"
    page.locator("#scale").select_option("3")
    assert wait_for_preview(page, "/300x200@3x/dddddd/999999.png") == (900, 600)


def test_format_and_font_come_from_info_json(playground: Playground) -> None:
    """Both menus list what /info.json says, and a chosen one lands in the URL."""
    page = playground.page
    info = info_of(page, playground.base)
    formats = page.eval_on_selector_all("#format option", "options => options.map(o => o.value)")
    fonts = page.eval_on_selector_all("#font option", "options => options.map(o => o.value)")
    assert formats == info["formats"] and fonts == info["fonts"]
    assert page.locator("#font").input_value() == info["default_font"]
    other_font = next(name for name in info["fonts"] if name != info["default_font"])
    page.locator("#format").select_option("webp")
    page.locator("#font").select_option(other_font)
    page.locator("#text").fill("Hello World")
    path = f"/600x400/dddddd/999999.webp?text=Hello+World&font={other_font}"
    assert wait_for_preview(page, path) == (600, 400)


def test_the_font_menu_shows_each_family_and_its_aliases(playground: Playground) -> None:
    """Each option of the font menu names its font's family from /fonts, and the names other
    services use for it (museo marked as a stand-in); choosing one draws with it."""
    page = playground.page
    text = page.evaluate("async (url) => (await fetch(url)).text()", f"{playground.base}/fonts")
    fonts = {font["name"]: font for font in json.loads(text)["fonts"]}
    options = page.eval_on_selector_all(
        "#font option", "options => options.map(o => [o.value, o.textContent])"
    )
    assert [value for value, _ in options] == sorted(fonts)
    for value, label in options:
        assert label.startswith(f"{value} — {fonts[value]['family']}")
    labels = dict(options)
    assert labels["bebas-neue"] == "bebas-neue — Bebas Neue (also bebas)"
    assert labels["roboto-slab"] == "roboto-slab — Roboto Slab (also museo, a stand-in)"
    assert labels["source-sans-3"].endswith("(also source-sans, source-sans-pro)")
    page.locator("#font").select_option("lobster")
    assert wait_for_preview(page, "/600x400/dddddd/999999.png?font=lobster") == (600, 400)


def test_copy_puts_the_url_on_the_clipboard(playground: Playground) -> None:
    """The Copy button writes exactly the shown absolute URL to the clipboard."""
    page = playground.page
    page.locator("#text").fill("copy me")
    path = "/600x400/dddddd/999999.png?text=copy+me"
    wait_for_preview(page, path)
    page.locator("#copy").click()
    page.wait_for_function("() => document.getElementById('copy').textContent === 'Copied'")
    assert page.evaluate("() => navigator.clipboard.readText()") == playground.base + path


def test_snippets_use_the_url(playground: Playground) -> None:
    """The <img>, srcset, Markdown and CSS snippets all carry the URL (srcset at 1x, 2x, 3x)."""
    page = playground.page
    page.locator("#width").fill("200")
    page.locator("#height").fill("100")
    wait_for_preview(page, "/200x100/dddddd/999999.png")
    snippets = page.locator("#snippets pre").all_text_contents()
    url = f"{playground.base}/200x100"
    assert len(snippets) == 5
    img, srcset, _, markdown, css = snippets
    assert f'<img src="{url}/dddddd/999999.png" width="200" height="100"' in img
    assert all(
        f"{url}{scale}/dddddd/999999.png {n}x" in srcset
        for scale, n in (("", 1), ("@2x", 2), ("@3x", 3))
    )
    assert markdown == f"![placeholder]({url}/dddddd/999999.png)"
    assert f'background-image: url("{url}/dddddd/999999.png");' in css


def test_limits_are_shown_and_enforced(playground: Playground) -> None:
    """The instance's limits appear on the page, and a size over max_side is explained, not
    requested."""
    page = playground.page
    limits = page.locator("#limits").text_content() or ""
    assert "4,000" in limits and "16,000,000" in limits and "2,048" in limits
    assert "Locked mode (signed URLs only)off" in limits
    page.locator("#width").fill("5000")
    problem = page.locator("#problem")
    problem.wait_for(state="visible")
    assert "max_side is 4000" in (problem.text_content() or "")


def test_every_gallery_image_loads(playground: Playground) -> None:
    """Every example of every URL form is served by this instance and decodes in Chromium."""
    page = playground.page
    images = wait_for_gallery(page)
    broken = [image["src"] for image in images if image["width"] == 0]
    assert broken == []
    assert len(images) >= 40
    assert all(image["caption"] == image["src"] for image in images)
    headings = page.locator("#gallery h3").all_text_contents()
    for group in ("placehold.co", "dummyimage.com", "fakeimg.pl", "Named", "Ratio", "Formats"):
        assert any(group in heading for heading in headings), group
    paths = [
        path.split("?")[0] for path in page.locator("#gallery figcaption a").all_text_contents()
    ]
    for fmt in info_of(page, playground.base)["formats"]:
        assert any(re.search(rf"[./]{fmt}(/|$)", path) for path in paths), fmt


def test_no_console_errors(browser: Browser, site: Server) -> None:
    """Loading the page, its gallery and a few edits logs no console error and no exception."""
    opened = open_playground(browser, site.url)
    try:
        page = opened.page
        wait_for_preview(page, DEFAULT_PATH)
        wait_for_gallery(page)
        page.locator("#text").fill("ok 🎉")
        page.locator("#format").select_option("svg")
        wait_for_preview(page, "/600x400/dddddd/999999.svg?text=ok+%F0%9F%8E%89")
        assert opened.errors == []
    finally:
        opened.page.context.close()


def test_accessible_basics(playground: Playground) -> None:
    """A language, a label for every control, and keyboard-only editing that works."""
    page = playground.page
    assert page.get_attribute("html", "lang") == "en"
    unlabelled = page.eval_on_selector_all(
        "input, select, textarea",
        "fields => fields.filter((f) => f.labels.length === 0).map((f) => f.id || f.name)",
    )
    assert unlabelled == []
    page.locator("#width").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("128")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "height"
    page.keyboard.press("Control+A")
    page.keyboard.type("64")
    assert wait_for_preview(page, "/128x64/dddddd/999999.png") == (128, 64)


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_and_no_horizontal_scroll(
    browser: Browser, site: Server, name: str, viewport: ViewportSize
) -> None:
    """Full-page screenshots for review; the page never scrolls sideways, even at 375 px."""
    opened = open_playground(browser, site.url, viewport)
    try:
        page = opened.page
        wait_for_preview(page, DEFAULT_PATH)
        wait_for_gallery(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"playground-{name}.png"), full_page=True)
        assert no_horizontal_scroll(page)
    finally:
        opened.page.context.close()


def test_locked_mode_offers_no_unsigned_urls(browser: Browser, locked_site: Server) -> None:
    """With require_signature on, the page says to use `placepix sign` and shows no form, no
    gallery and no image request that would be refused."""
    opened = open_playground(browser, locked_site.url)
    try:
        page = opened.page
        locked = page.locator("#locked")
        locked.wait_for(state="visible")
        assert "only serves signed URLs" in (locked.text_content() or "")
        assert "placepix sign" in (locked.text_content() or "")
        assert page.locator("#playground").is_hidden()
        assert page.locator("#gallery-section").is_hidden()
        assert page.locator("img[src]").count() == 0
        links = page.eval_on_selector_all(
            "a[href^='/']", "a => a.map((x) => x.getAttribute('href'))"
        )
        assert set(links) <= {"/info.json", "/fonts", "/healthz"}  # no unsigned image URL
        assert "on: use placepix sign" in (page.locator("#limits").text_content() or "")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "playground-locked.png"), full_page=True)
        assert opened.errors == []
    finally:
        opened.page.context.close()


def page_query(page: Page) -> dict[str, str]:
    query: dict[str, str] = page.evaluate(
        "() => Object.fromEntries(new URLSearchParams(location.search))"
    )
    return query


def test_settings_live_in_the_page_url(browser: Browser, playground: Playground) -> None:
    """Every setting is in the page's URL: a reload, or the link opened elsewhere, shows the
    same form and the same image."""
    page = playground.page
    page.locator("#width").fill("320")
    page.locator("#height").fill("180")
    page.locator("#bg-hex").fill("000")
    page.locator("#text").fill("Hi there")
    page.locator("#format").select_option("webp")
    page.locator("#scale").select_option("2")
    path = "/320x180@2x/000/999999.webp?text=Hi+there"
    wait_for_preview(page, path)
    assert page_query(page) == {
        "width": "320",
        "height": "180",
        "scale": "2",
        "bg": "000",
        "text": "Hi there",
        "format": "webp",
    }
    page.reload()
    assert wait_for_preview(page, path) == (640, 360)
    assert page.locator("#text").input_value() == "Hi there"
    assert page.locator("#bg-picker").input_value() == "#000000"
    link = page.url.removeprefix(playground.base)
    shared = open_playground(browser, playground.base, path=link)  # elsewhere: a new context
    try:
        wait_for_preview(shared.page, path)
        assert shared.page.locator("#format").input_value() == "webp"
    finally:
        shared.page.context.close()


def about(pixel: list[int], expected: list[int]) -> bool:
    """Equal within 1 per channel: a canvas keeps translucent pixels premultiplied, which
    rounds a channel by one."""
    return all(abs(a - b) <= 1 for a, b in zip(pixel, expected, strict=True))


def test_colour_fields_take_css_names_and_alpha(playground: Playground) -> None:
    """A CSS name is a colour; the opacity slider and the field's alpha are one value."""
    page = playground.page
    page.locator("#bg-hex").fill("RebeccaPurple")
    wait_for_preview(page, "/600x400/rebeccapurple/999999.png")
    assert page.locator("#bg-hex").get_attribute("aria-invalid") is None
    assert page.locator("#bg-picker").input_value() == "#663399"
    assert corner_pixel(page) == [102, 51, 153, 255]
    page.locator("#bg-alpha").fill("128")
    assert page.locator("#bg-hex").input_value() == "rebeccapurple,128"
    wait_for_preview(page, "/600x400/rebeccapurple,128/999999.png")
    assert about(corner_pixel(page), [102, 51, 153, 128])
    page.locator("#bg-hex").fill("ff000040")
    assert page.locator("#bg-alpha").input_value() == "64"
    page.locator("#bg-picker").fill("#00ff00")  # a new colour keeps the alpha
    assert page.locator("#bg-hex").input_value() == "00ff0040"
    wait_for_preview(page, "/600x400/00ff0040/999999.png")
    assert about(corner_pixel(page), [0, 255, 0, 64])
    page.locator("#bg-hex").fill("notacolour")
    assert page.locator("#bg-hex").get_attribute("aria-invalid") == "true"
    assert "a CSS name (rebeccapurple)" in (page.locator("#problem").text_content() or "")


def test_named_sizes_and_ratios(playground: Playground) -> None:
    """A named size sets both sides; a ratio keeps the height in step with the width."""
    page = playground.page
    page.locator("#preset").select_option("size:og")
    assert wait_for_preview(page, "/1200x630/dddddd/999999.png") == (1200, 630)
    page.locator("#preset").select_option("ratio:16:9")
    page.locator("#width").fill("640")
    assert page.locator("#height").input_value() == "360"
    assert wait_for_preview(page, "/640x360/dddddd/999999.png") == (640, 360)
    assert page_query(page)["ratio"] == "16:9"
    page.locator("#preset").select_option("ratio:3:2")
    assert wait_for_preview(page, "/640x427/dddddd/999999.png") == (640, 427)  # half up
    page.locator("#height").fill("100")
    assert page.locator("#preset").input_value() == ""  # custom again
    page.locator("#width").fill("728")
    page.locator("#height").fill("90")
    assert page.locator("#preset").input_value() == "size:leaderboard"


def test_distort_toggle(playground: Playground) -> None:
    page = playground.page
    page.locator("#text").fill("jane@example.com")
    page.locator("#distort").check()
    assert wait_for_preview(page, "/600x400/dddddd/999999.png?text=jane%40example.com&distort=1")
    page.locator("#format").select_option("svg")
    problem = page.locator("#problem")
    problem.wait_for(state="visible")
    assert "raster formats" in (problem.text_content() or "")
    page.locator("#distort").uncheck()
    wait_for_preview(page, "/600x400/dddddd/999999.svg?text=jane%40example.com")


def test_download_button_saves_the_image(playground: Playground, tmp_path: Path) -> None:
    page = playground.page
    page.locator("#width").fill("320")
    page.locator("#height").fill("180")
    page.locator("#format").select_option("jpeg")
    wait_for_preview(page, "/320x180/dddddd/999999.jpeg")
    with page.expect_download() as started:
        page.locator("#download").click()
    download = started.value
    assert download.suggested_filename == "placeholder-320x180.jpg"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert decode(saved.read_bytes()).size == (320, 180)
    assert decode(saved.read_bytes()).format == "JPEG"


def test_picture_snippet_offers_avif_and_webp(playground: Playground) -> None:
    """The <picture> snippet's sources are served with their types; AVIF only within its
    limit."""
    page = playground.page
    page.locator("#text").fill("Hi")
    wait_for_preview(page, "/600x400/dddddd/999999.png?text=Hi")
    picture = page.locator("#snippets pre").nth(2).text_content() or ""
    base = f"{playground.base}/600x400/dddddd/999999"
    assert picture == (
        "<picture>\n"
        f'  <source type="image/avif" srcset="{base}.avif?text=Hi">\n'
        f'  <source type="image/webp" srcset="{base}.webp?text=Hi">\n'
        f'  <img src="{base}.png?text=Hi" width="600" height="400" alt="Hi">\n'
        "</picture>"
    )
    for url in re.findall(r'(?:srcset|src)="([^"]+)"', picture):
        answer = page.evaluate(
            "async (url) => { const r = await fetch(url); "
            "return [r.status, r.headers.get('content-type')]; }",
            url,
        )
        assert answer[0] == 200 and answer[1] == f"image/{url.split('.')[-1].split('?')[0]}"
    page.locator("#width").fill("2000")
    page.locator("#height").fill("1500")  # 3 M pixels: over max_avif_pixels
    wait_for_preview(page, "/2000x1500/dddddd/999999.png?text=Hi")
    assert "image/avif" not in (page.locator("#snippets pre").nth(2).text_content() or "")


def test_on_a_phone_the_preview_comes_before_the_controls(browser: Browser, site: Server) -> None:
    for viewport in (PHONE, DESKTOP):
        opened = open_playground(browser, site.url, viewport)
        try:
            page = opened.page
            wait_for_preview(page, DEFAULT_PATH)
            preview = page.locator("#playground .preview-box").bounding_box()
            form = page.locator("#form").bounding_box()
            assert preview is not None and form is not None
            if viewport is PHONE:
                assert preview["y"] + preview["height"] <= form["y"]  # above, in one column
            else:
                assert preview["x"] >= form["x"] + form["width"]  # beside it
            assert no_horizontal_scroll(page)
        finally:
            opened.page.context.close()
