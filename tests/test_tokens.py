from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from placepix.minting import make_token
from placepix.model.spec import ImageSpec
from placepix.url.keys import token_keys
from placepix.url.sealing import seal
from placepix.url.tokens import (
    TokenError,
    TokenExpiredError,
    image_url,
    open_token,
    seal_plaintext,
    seal_spec,
)

NEW, OLD = "new secret", "old secret"
KEYS = [token_keys(NEW), token_keys(OLD)]


def test_a_token_carries_the_text_and_style() -> None:
    token = make_token("jane@example.com", NEW, width=300, height=50, foreground="ff0000")
    spec, expires = open_token(token, KEYS)
    assert spec.text == "jane@example.com"
    assert (spec.width, spec.height, spec.foreground.rgb) == (300, 50, (255, 0, 0))
    assert expires is None
    assert "jane" not in token and "example" not in token


def test_without_a_size_the_image_fits_the_text() -> None:
    short, _ = open_token(make_token("ab", NEW), KEYS)
    long, _ = open_token(make_token("a much longer line of text", NEW), KEYS)
    assert long.width > short.width > 0
    assert long.height == short.height


def test_deterministic_tokens_repeat_and_random_ones_do_not() -> None:
    assert make_token("x", NEW) == make_token("x", NEW)
    assert make_token("x", NEW, deterministic=False) != make_token("x", NEW, deterministic=False)
    assert open_token(make_token("x", NEW, deterministic=False), KEYS).spec.text == "x"


def test_a_token_from_an_old_key_still_opens_and_an_unknown_key_fails() -> None:
    assert open_token(make_token("x", OLD), KEYS).spec.text == "x"
    with pytest.raises(TokenError):
        open_token(make_token("x", "someone else"), KEYS)


def test_every_flipped_byte_is_refused() -> None:
    token = make_token("secret text", NEW)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for index in range(len(raw)):
        tampered = raw.copy()
        tampered[index] ^= 0x01
        text = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
        with pytest.raises(TokenError):
            open_token(text, KEYS)


@pytest.mark.parametrize("bad", ["", "A", "!!!!", "AQA", "AQB" + "A" * 40, "%00"])
def test_garbage_is_refused_with_one_message(bad: str) -> None:
    with pytest.raises(TokenError, match=r"^invalid token$"):
        open_token(bad, KEYS)


def test_truncated_tokens_are_refused() -> None:
    token = make_token("secret text", NEW)
    for cut in range(1, len(token)):
        with pytest.raises(TokenError):
            open_token(token[:cut], KEYS)


def test_expiry() -> None:
    made = time.time()
    token = make_token("x", NEW, ttl=3600)
    expires = open_token(token, KEYS).expires
    assert expires is not None and made + 3600 <= expires < made + 3600 + 61
    assert expires % 60 == 0
    with pytest.raises(TokenExpiredError):
        open_token(token, KEYS, now=expires)


def test_image_url() -> None:
    assert image_url("abc") == "/t/abc"
    assert image_url("abc", "webp") == "/t/abc.webp"


def test_token_path_is_what_a_template_filter_needs() -> None:
    from placepix.minting import token_path

    path = token_path("jane@example.com", "s3cret", foreground="222222", distort=True)
    opened = open_token(path.removeprefix("/t/"), [token_keys("s3cret")])
    assert opened.spec.text == "jane@example.com" and opened.spec.distort


def test_distorted_tokens_carry_their_level_and_room_for_it() -> None:
    from placepix.errors import SpecError
    from placepix.minting import TOKEN_PADDING, token_spec

    for level in (1, 2, 3):
        opened = open_token(make_token("jane@example.com", NEW, distort=level), KEYS)
        assert opened.spec.distort == level
    plain, distorted = token_spec("jane@example.com"), token_spec("jane@example.com", distort=2)
    assert plain.padding == TOKEN_PADDING and distorted.padding == 6  # 0.3 em of 20 pixels
    assert distorted.height - plain.height == 2 * (6 - TOKEN_PADDING)
    with pytest.raises(SpecError, match=r"contrast of at least 4.5:1"):
        make_token("jane@example.com", NEW, foreground="aaaaaa", distort=True)


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_new_tokens_are_version_2_and_version_1_tokens_still_open() -> None:
    assert _raw(make_token("x", NEW))[:2] == bytes([2, 0])
    assert _raw(make_token("x", NEW, deterministic=False))[:2] == bytes([2, 1])
    spec = ImageSpec(120, 40, text="old token")
    for deterministic in (True, False):
        old = seal_spec(spec, OLD, version=1, deterministic=deterministic)
        assert _raw(old)[0] == 1
        assert open_token(old, KEYS).spec == spec
        with pytest.raises(TokenError):
            open_token(old, KEYS, versions={2})  # a server that no longer accepts version 1


def test_a_deterministic_version_2_token_must_carry_its_synthetic_nonce() -> None:
    """The same plaintext sealed with another nonce authenticates under AES-GCM, but is not the
    one token its plaintext has: refused, so deterministic tokens have one spelling."""
    plaintext = b"\n/120x40/ffffff/000000.png?text=x"
    keys = token_keys(NEW)
    good = seal_plaintext(plaintext, keys)
    forged = bytearray(seal(plaintext, keys, deterministic=False, nonce=bytes(12)))
    forged[1] = 0  # claims to be deterministic; its AES-GCM tag no longer matches either...
    assert open_token(good, KEYS).spec.text == "x"
    with pytest.raises(TokenError):
        open_token(_text(bytes(forged)), KEYS)
    header = bytes([2, 0])  # ...so seal it properly, header included, with a wrong nonce
    nonce = bytes(12)
    sealed = AESGCM(keys.v2[32:]).encrypt(nonce, plaintext, header)
    with pytest.raises(TokenError):
        open_token(_text(header + nonce + sealed), KEYS)


def test_unknown_versions_and_modes_are_refused() -> None:
    raw = bytearray(_raw(make_token("x", NEW)))
    for first, second in ((0, 0), (3, 0), (2, 2), (255, 1)):
        raw[0], raw[1] = first, second
        with pytest.raises(TokenError):
            open_token(_text(bytes(raw)), KEYS)
