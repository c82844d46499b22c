"""The small holes of issue 18, row 10, in one process: one spelling per token, token limit
errors that say nothing of the text, nosniff and a CSP on every answer, HEAD without encoding."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from placepix.minting import make_token
from placepix.server.app import create_app
from placepix.server.settings import Settings
from placepix.url.tokens import image_url

SECRET = "hardening-test-secret"
PAGE_POLICY = "default-src 'self'"
NOTHING = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture(scope="module")
def client() -> TestClient:
    settings = Settings(secret_keys=[SecretStr(SECRET)], render_memory_budget=20 << 20)
    return TestClient(create_app(settings))


def token(text: str = "jane@example.com", **style: object) -> str:
    return make_token(text, SECRET, **style)  # type: ignore[arg-type]


def test_a_token_has_one_spelling(client: TestClient) -> None:
    minted = token()
    assert client.get(image_url(minted)).status_code == 200
    assert client.get(image_url(minted, "webp")).status_code == 200
    other_spellings = [
        f"/t/{minted}.",  # an empty format
        f"/t/%{ord(minted[0]):02X}{minted[1:]}",  # a percent-encoded letter
        f"/t/{minted}.jpg",  # an alias: the format's own name is jpeg
        f"/t/{minted}.PNG",
        f"/t/{minted}=",  # base64 padding
    ]
    for path in other_spellings:
        response = client.get(path)
        assert response.status_code in (400, 403, 404), path
        assert "jane" not in response.text


def test_a_token_over_the_limits_says_nothing_of_its_text(client: TestClient) -> None:
    """The same image as a URL is refused naming the emoji; as a token, in words that don't."""
    emoji = "😀" * 40
    as_url = client.get(f"/2000x2000/000/fff.png?text={emoji}")
    assert as_url.status_code == 400 and "emoji" in as_url.text  # the limit's own message
    minted = token(emoji, width=2000, height=2000, background="000", foreground="fff")
    response = client.get(image_url(minted))
    assert response.status_code == 400
    assert response.text == "this token's image is over this server's limits\n"


@pytest.mark.parametrize(
    "path",
    ["/", "/static/playground.js", "/healthz", "/readyz", "/metrics", "/fonts", "/info.json",
     "/300x200.png", "/300x200.svg", "/nope", "/300x200/zzz", "/t/x.", "/%ff"],
)  # fmt: skip
def test_every_answer_has_nosniff_and_a_content_security_policy(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    if path == "/":
        assert policy.startswith(PAGE_POLICY) and "'unsafe-inline'" not in policy
    elif path.endswith(".svg"):
        assert policy.startswith("default-src 'none'")
    else:
        assert policy == NOTHING, path
    assert client.post(path).headers["content-security-policy"]  # 405 too


def test_head_of_a_new_image_does_not_encode_it(client: TestClient) -> None:
    images = client.app.state.images.renderer  # type: ignore[attr-defined]
    url = "/1234x567/345/fff.webp?text=head+only"
    before = images.images.current_bytes, images.prepared.current_bytes
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert "content-length" not in head.headers
    assert (images.images.current_bytes, images.prepared.current_bytes) == before  # not drawn
    get = client.get(url)
    assert get.headers["etag"] == head.headers["etag"]
    assert get.headers["content-type"] == head.headers["content-type"] == "image/webp"
    again = client.head(url)  # now its length is known: from the cache
    assert again.headers["content-length"] == str(len(get.content))


def test_head_is_refused_as_get_would_be(client: TestClient) -> None:
    emoji = "😀" * 40
    assert client.head(f"/2000x2000/010/fff.png?text={emoji}").status_code == 400  # laid out
    assert client.head("/5000x10").status_code == 400
