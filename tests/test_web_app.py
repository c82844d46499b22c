"""The app in-process: the unexpected-error handler, and proof that no URL reaches it."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from placepix.render import Plan, Renderer
from placepix.server.app import create_app
from placepix.server.settings import Settings
from placepix.text.fonts import FontLibrary

app = create_app(Settings())
client = TestClient(app, raise_server_exceptions=False)


class BrokenRenderer(Renderer):
    """A renderer with a bug: every render raises. (A broken font no longer does: the text
    engine serves the request without it, tests/test_engine.py.)"""

    def execute(self, plan: Plan) -> bytes:
        raise RuntimeError("a bug")


def test_an_unexpected_error_is_a_500_without_a_traceback() -> None:
    broken_app = create_app(Settings(), BrokenRenderer(fonts=FontLibrary.discover([])))
    broken_client = TestClient(broken_app, raise_server_exceptions=False)
    response = broken_client.get("/100x100.png")
    assert response.status_code == 500
    assert response.text == "internal error\n"
    assert response.headers["cache-control"] == "no-store"


path_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"]) | st.sampled_from("0123456789x/.@:,&|"),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(path_text, st.text(max_size=40))
def test_no_url_reaches_the_500_handler(path: str, text: str) -> None:
    encoded = quote(path, safe="/:@,&|")
    if encoded.startswith("/"):  # "//x" would be read by the client as a host name
        encoded = "%2F" + encoded[1:]
    url = "/" + encoded + "?text=" + quote(text)
    response = client.get(url)
    assert response.status_code < 500, (url, response.text)


SIZES = st.sampled_from(
    [
        "0",
        "1",
        "64",
        "600x400",
        "640x4:3",
        "16:9x1080",
        "vga",
        "og",
        "99999999999999999999",
        "4001",
        "-5",
        "1e3",
        "0x0",
        "3x",
        "x3",
        "",
    ]
)
RETINA = st.sampled_from(["", "@2x", "@3x", "@99999x", "@0x", "@-1x"])
COLOURS = st.sampled_from(
    [
        "000",
        "fff0",
        "ff0000",
        "ff000080",
        "red",
        "transparent",
        "zzz",
        "ff0000,128",
        "000,999",
        "",
        "%00",
        "%FF",
        "%ED%A0%80",
    ]
)
FORMATS = st.sampled_from(
    [
        "",
        ".png",
        ".jpg",
        ".webp",
        ".gif",
        ".avif",
        ".svg",
        ".bmp",
        ".tiff",
        ".ico",
        ".xyz",
        "/png",
        "/webp",
    ]
)
PARAMS = st.lists(
    st.sampled_from(
        [
            "text=a",
            "text=%C3%28",
            "text=%ED%A0%80",
            "text=%00",
            "font=roboto",
            "font=..%2F..",
            "font_size=0",
            "font_size=99999999",
            "retina=1",
            "align=justify",
            "padding=-1",
            "padding=100000",
            "distort=1",
            "s=abc",
            "text=" + "%41" * 600,
        ]
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(SIZES, RETINA, st.lists(COLOURS, max_size=3), FORMATS, PARAMS, st.booleans())
def test_grammar_shaped_urls_render_or_get_a_4xx(
    size: str, retina: str, colours: list[str], fmt: str, params: list[str], encode: bool
) -> None:
    """Every URL form with bad pieces mixed in: huge numbers, overflowing retina, empty
    segments, duplicate parameters, invalid UTF-8, NUL; optionally every byte percent-encoded."""
    path = "/".join([size + retina, *colours]) + fmt
    if encode:
        path = "".join(f"%{b:02X}" for b in path.encode())
    url = "/" + path + ("?" + "&".join(params) if params else "")
    # Absolute: an empty size makes the path start with "//", which the test client would
    # otherwise read as a URL with a host and refuse.
    response = client.get("http://testserver" + url)
    assert response.status_code < 500, (url, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("text/plain")
        assert len(response.text) < 300


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_no_raw_bytes_reach_the_500_handler(raw: bytes) -> None:
    url = "/64x64?text=" + "".join(f"%{b:02x}" for b in raw)
    assert client.get(url).status_code in (200, 400)


def test_a_repeated_url_from_the_cache_shortcut_is_the_same_response() -> None:
    client = TestClient(create_app(Settings()))
    url = "/123x45/0f0/00f.svg?text=shortcut"
    first, second = client.get(url), client.get(url)  # rendered, then from the shortcut
    assert second.content == first.content
    per_request = ("date", "x-request-id")
    assert {k: v for k, v in second.headers.items() if k not in per_request} == {
        k: v for k, v in first.headers.items() if k not in per_request
    }
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_the_render_cache_gives_way_to_a_large_render() -> None:
    """Caches and renders share one bound: a render admitted with more memory than the caches
    leave free empties them first (docs/performance.md)."""
    small = create_app(Settings(cache_bytes=1024 * 1024))
    images = small.state.images.renderer.images
    with TestClient(small) as local:
        for index in range(24):  # ~0.9 MB of cached BMPs
            assert local.get(f"/200x190/{index:06x}.bmp").status_code == 200
        before = images.current_bytes
        # ~34 MB budgeted: more than the caches' combined bound (~29 MiB)
        assert local.get("/1700x1700/ff000080/00f.bmp").status_code == 200
        after = images.current_bytes
    assert before > 500_000
    assert after < 100_000
