"""The app in-process: the unexpected-error handler, and proof that no URL reaches it."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from placepix.fonts import FontFile, FontLibrary
from placepix.settings import Settings
from placepix.web.app import create_app

app = create_app(Settings())
client = TestClient(app, raise_server_exceptions=False)


def test_an_unexpected_error_is_a_500_without_a_traceback() -> None:
    broken = FontLibrary({"lato": FontFile("lato", Path("/nonexistent.ttf"), "Lato", "bundled")})
    broken_client = TestClient(create_app(Settings(), broken), raise_server_exceptions=False)
    response = broken_client.get("/100x100.png")
    assert response.status_code == 500
    assert response.text == "internal error\n"
    assert response.headers["cache-control"] == "no-store"


path_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from("0123456789x/.@:,&|"),
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
    assert {k: v for k, v in second.headers.items() if k != "date"} == {
        k: v for k, v in first.headers.items() if k != "date"
    }
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
