"""Tokens and locked mode against a real server, with tokens made by the real CLI."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from PIL import ImageChops

from placepix.model.spec import ImageSpec
from placepix.url.tokens import image_url, seal_spec
from tests.conftest import decode
from tests.server import Server, running_server

pytestmark = pytest.mark.e2e

SECRET_TEXT = "jane.doe@example.com"


def cli(*args: str, secrets: list[str]) -> str:
    env = os.environ | {"PLACEPIX_SECRET_KEYS": json.dumps(secrets)}
    result = subprocess.run(
        [sys.executable, "-m", "placepix", *args], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def token_server() -> Iterator[Server]:
    env = {"PLACEPIX_SECRET_KEYS": json.dumps(["newest", "older"])}
    with running_server(env) as server:
        yield server


def test_a_cli_token_renders_the_text(token_server: Server) -> None:
    path = cli("token", SECRET_TEXT, "--size", "300x60", secrets=["newest"])
    other = cli("token", "someone.else@example.org", "--size", "300x60", secrets=["newest"])
    assert SECRET_TEXT not in path
    response = httpx.get(token_server.url + path)
    assert response.status_code == 200
    assert response.headers["x-robots-tag"] == "noindex"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    image = decode(response.content)
    assert image.size == (300, 60)
    assert image.convert("L").getextrema() == (0, 255)  # black text on white
    other_image = decode(httpx.get(token_server.url + other).content)
    assert ImageChops.difference(image.convert("RGB"), other_image.convert("RGB")).getbbox()
    assert b"jane" not in response.content  # no text chunk or other metadata


def test_a_format_extension_changes_only_the_format(token_server: Server) -> None:
    path = cli("token", SECRET_TEXT, secrets=["newest"])
    response = httpx.get(token_server.url + path + ".webp")
    assert response.headers["content-type"] == "image/webp"
    assert decode(response.content).format == "WEBP"


def test_every_flipped_character_is_refused(token_server: Server) -> None:
    token = cli("token", "x", secrets=["newest"]).removeprefix("/t/")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    with httpx.Client(base_url=token_server.url) as http:
        for index, char in enumerate(token):
            flipped = alphabet[(alphabet.index(char) + 1) % len(alphabet)]
            response = http.get(f"/t/{token[:index]}{flipped}{token[index + 1 :]}")
            assert response.status_code == 403, index
            assert response.text == "invalid token\n"


def test_expired_old_key_and_unknown_key(token_server: Server) -> None:
    # The CLI and make_token refuse to make a token that has expired: the format layer can.
    spec = ImageSpec(40, 20, text="x")
    expired = image_url(seal_spec(spec, "newest", ttl=-120))
    assert httpx.get(token_server.url + expired).status_code == 410
    refused = subprocess.run(
        [sys.executable, "-m", "placepix", "token", "x", "--ttl", "-120"],
        env=os.environ | {"PLACEPIX_SECRET_KEYS": "newest"},
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 1 and "ttl must be a positive" in refused.stderr
    fresh = cli("token", "x", "--ttl", "3600", secrets=["newest"])
    response = httpx.get(token_server.url + fresh)
    assert response.status_code == 200
    max_age = int(response.headers["cache-control"].rpartition("=")[2])
    assert 3500 < max_age <= 3660
    rotated = cli("token", "x", secrets=["older"])
    assert httpx.get(token_server.url + rotated).status_code == 200
    unknown = cli("token", "x", secrets=["not configured"])
    assert httpx.get(token_server.url + unknown).status_code == 403


def test_the_text_never_reaches_the_log() -> None:
    env = {"PLACEPIX_SECRET_KEYS": json.dumps(["k"])}
    path = cli("token", SECRET_TEXT, secrets=["k"])
    with running_server(env) as server:
        assert httpx.get(server.url + path).status_code == 200
        assert httpx.get(server.url + path[:-3] + "AAA").status_code == 403
        log = server.log()
    assert "/t/" in log
    assert "jane" not in log and base64.b64encode(b"jane").decode() not in log


def test_tokens_are_off_without_keys(client: httpx.Client) -> None:
    response = client.get("/t/AQAAAA")
    assert response.status_code == 404
    assert "not configured" in response.text
    assert client.get("/10x10").status_code == 200


def test_locked_mode_serves_only_signed_urls() -> None:
    env = {"PLACEPIX_SECRET_KEYS": json.dumps(["k"]), "PLACEPIX_REQUIRE_SIGNATURE": "true"}
    signed = cli("sign", "/600x400.png?text=Hi", secrets=["k"])
    forged = cli("sign", "/600x400.png?text=Hi", secrets=["other"])
    with running_server(env) as server, httpx.Client(base_url=server.url) as http:
        assert http.get(signed).status_code == 200
        assert http.get("/600x400.png?text=Hi").status_code == 403
        assert http.get(forged).status_code == 403
        assert http.get(signed.replace("Hi", "Ho")).status_code == 403
        assert http.get("/healthz").status_code == 200


def test_locked_mode_without_a_key_fails_fast() -> None:
    env = os.environ | {"PLACEPIX_REQUIRE_SIGNATURE": "true", "PLACEPIX_SECRET_KEYS": "[]"}
    result = subprocess.run(
        [sys.executable, "-m", "placepix", "serve"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PLACEPIX_REQUIRE_SIGNATURE=true needs a key in PLACEPIX_SECRET_KEYS" in result.stderr


def test_svg_is_refused_for_tokens(token_server: Server) -> None:
    path = cli("token", SECRET_TEXT, secrets=["newest"])
    response = httpx.get(f"{token_server.url}{path}.svg", timeout=10)
    assert response.status_code == 400 and SECRET_TEXT not in response.text


def test_distorted_tokens_render_differently_but_deterministically(token_server: Server) -> None:
    plain = cli("token", SECRET_TEXT, "--size", "300x60", secrets=["newest"])
    distorted = cli("token", SECRET_TEXT, "--size", "300x60", "--distort", secrets=["newest"])
    images = [httpx.get(f"{token_server.url}{p}", timeout=10).content for p in (plain, distorted)]
    assert decode(images[0]).size == decode(images[1]).size == (300, 60)
    assert images[0] != images[1]
    again = httpx.get(f"{token_server.url}{distorted}.png", timeout=10).content
    assert again == images[1]


def test_a_server_that_no_longer_accepts_version_1_refuses_its_tokens() -> None:
    """PLACEPIX_TOKEN_VERSIONS retires the AES-SIV format: its tokens answer 403 like any
    invalid token, while version 2 tokens (the CLI's) still render."""
    from placepix.model.spec import ImageSpec
    from placepix.url.tokens import image_url, seal_spec

    old = image_url(seal_spec(ImageSpec(120, 40, text="old"), "k", version=1))
    new = cli("token", "new", secrets=["k"])
    both = {"PLACEPIX_SECRET_KEYS": json.dumps(["k"])}
    with running_server(both) as server:
        assert httpx.get(server.url + old).status_code == 200
    with running_server(both | {"PLACEPIX_TOKEN_VERSIONS": "[2]"}) as server:
        assert httpx.get(server.url + old).status_code == 403
        assert httpx.get(server.url + new).status_code == 200


def test_an_unknown_token_version_setting_fails_fast() -> None:
    env = os.environ | {"PLACEPIX_TOKEN_VERSIONS": "[3]", "PLACEPIX_SECRET_KEYS": '["k"]'}
    result = subprocess.run(
        [sys.executable, "-m", "placepix", "config"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "PLACEPIX_TOKEN_VERSIONS" in result.stderr and "unknown version 3" in result.stderr
