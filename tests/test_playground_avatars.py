"""The playground's Avatars tab (placepix/server/static/avatars.js) in a real headless Chromium
against a real server: the tab switches, the form builds URLs the server draws at the size
asked, the path form draws the same avatar, and every name in the script gallery loads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from tests.server import Server
from tests.test_playground import (  # noqa: F401 (fixtures)
    ARTIFACTS,
    Playground,
    browser,
    locked_site,
    open_playground,
    site,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def avatars(browser, site: Server) -> Iterator[Playground]:  # type: ignore[no-untyped-def]  # noqa: F811
    opened = open_playground(browser, site.url)
    opened.page.wait_for_selector("#tab-avatars")
    opened.page.click("#tab-avatars")
    yield opened
    opened.page.context.close()


def wait_for_avatar(playground: Playground, path: str) -> tuple[int, int]:
    page = playground.page
    page.wait_for_function(
        """(path) => {
            const img = document.getElementById("avatar-preview");
            return img.getAttribute("src") === path && img.dataset.state === "loaded"
                && img.complete && img.naturalWidth > 0;
        }""",
        arg=path,
    )
    size = page.eval_on_selector("#avatar-preview", "img => [img.naturalWidth, img.naturalHeight]")
    return int(size[0]), int(size[1])


def test_the_tab_shows_the_avatar_form_and_hides_the_placeholders(avatars: Playground) -> None:
    page = avatars.page
    assert page.is_visible("#avatars") and not page.is_visible("#playground")
    assert page.get_attribute("#tab-avatars", "aria-selected") == "true"
    assert wait_for_avatar(avatars, "/api/?name=John+Doe&size=128&background=random&rounded=true")
    page.click("#tab-playground")
    assert page.is_visible("#playground") and not page.is_visible("#avatars")
    assert not avatars.errors, avatars.errors


def test_the_form_builds_urls_the_server_draws(avatars: Playground) -> None:
    page = avatars.page
    page.fill("#avatar-name", "Ada Lovelace")
    page.fill("#avatar-size", "200")
    page.uncheck("#avatar-rounded")
    page.check("#avatar-bold")
    page.select_option("#avatar-format", "webp")
    path = "/api/?name=Ada+Lovelace&size=200&background=random&bold=true&format=webp"
    assert wait_for_avatar(avatars, path) == (200, 200)
    assert page.text_content("#avatar-url") == avatars.base + path
    path_form = page.get_attribute("#avatar-path-url", "href")
    assert path_form == "/api/Ada+Lovelace/200/random/222222/2/0.4375/false/true/true/webp"
    same = page.evaluate(
        """async ([a, b]) => {
            const get = (u) => fetch(u, {headers: {Accept: "image/*"}});
            const [x, y] = await Promise.all([a, b].map(get));
            return [x.headers.get("etag"), y.headers.get("etag")];
        }""",
        [path, path_form],
    )
    assert same[0] == same[1]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-avatars.png"), full_page=True)
    assert not avatars.errors, avatars.errors


def test_a_bad_value_is_explained_not_requested(avatars: Playground) -> None:
    page = avatars.page
    page.fill("#avatar-font-size", "0")
    page.wait_for_selector("#avatar-problem:not([hidden])")
    assert "Font size" in (page.text_content("#avatar-problem") or "")


def test_every_name_in_the_gallery_loads(avatars: Playground) -> None:
    page = avatars.page
    page.wait_for_function(
        """() => {
            const images = [...document.querySelectorAll("#avatar-gallery img")];
            const done = (img) => img.complete && img.naturalWidth > 0;
            return images.length >= 8 && images.every(done);
        }"""
    )
    assert not avatars.errors, avatars.errors


def test_the_hash_opens_the_tab_and_the_query_keeps_the_image_settings(
    browser: Browser,  # noqa: F811
    site: Server,  # noqa: F811
) -> None:
    """The tab lives in the hash, the image playground's settings in the query: each keeps
    the other when it changes (a shared link opens both)."""
    opened = open_playground(browser, site.url, path="/?text=Kept#avatars")
    page = opened.page
    page.wait_for_selector("#avatars:not([hidden])")
    assert not page.is_visible("#playground")
    page.click("#tab-playground")
    page.wait_for_selector("#playground:not([hidden])")
    assert page.evaluate("location.search").startswith("?") and "Kept" in page.url
    page.click("#tab-avatars")
    assert page.evaluate("location.hash") == "#avatars" and "Kept" in page.url
    opened.page.context.close()


def test_locked_mode_has_no_avatar_tab(browser, locked_site: Server) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    opened = open_playground(browser, locked_site.url)
    opened.page.wait_for_selector("#locked:not([hidden])")
    opened.page.wait_for_timeout(300)
    assert opened.page.query_selector("#tab-avatars") is None
    assert not opened.page.is_visible("#avatars")
    opened.page.context.close()
