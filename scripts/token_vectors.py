"""Test vectors for docs/token-format.md, made by the Python implementation.

    python -m scripts.token_vectors > docs/token-vectors.json

`mint` vectors are what every minting helper (clients/php, clients/node) must reproduce byte
for byte from `secret`, `text`, `options`, `expires`, `deterministic` and `nonce`; their other
fields (keys, header, nonce, plaintext) are the intermediate values, for whoever writes the
next helper. `open_only` vectors are version 1 (AES-SIV) tokens, which servers still open but
helpers no longer mint. tests/test_token_vectors.py checks that the file is this script's
output and that the server's code opens every token in it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from placepix.minting import token_spec
from placepix.url.keys import token_keys
from placepix.url.sealing import seal
from placepix.url.tokens import seal_plaintext, token_plaintext

SECRET = "a long random secret"
# (name, secret, text, options, expires, deterministic, nonce)
MINT_CASES: list[tuple[str, str, str, dict[str, Any], int | None, bool, str | None]] = [
    ("e-mail address", SECRET, "jane@example.com", {"width": 300, "height": 40}, None, True, None),
    (
        "every option",
        SECRET,
        "+44 20 7946 0000",
        {
            "width": 240,
            "height": 32,
            "background": "#FDE68A",
            "foreground": "92400e",
            "font": "Open Sans",
            "font_size": 18,
            "format": "webp",
            "padding": 6,
            "align": "left",
            "scale": 2,
            "distort": True,
        },
        None,
        True,
        None,
    ),
    (
        "short colours, alpha and an alias",
        SECRET,
        "€ 1.234,56",
        {"width": 120, "height": 30, "background": "fff0", "foreground": "112233ff"},
        None,
        True,
        None,
    ),
    (
        "expiry rounded up to the minute",
        SECRET,
        "Call before noon",
        {"width": 200, "height": 30, "format": "jpg"},
        1_800_000_001,
        True,
        None,
    ),
    (
        "reserved characters and every script",
        SECRET,
        "Zoë & Łukasz: 日本語 😀 100% ?=+#/~",
        {"width": 400, "height": 48, "font_size": 20},
        None,
        True,
        None,
    ),
    (
        "line breaks",
        SECRET,
        "Line 1|Line 2\\nLine 3",
        {"width": 160, "height": 80},
        None,
        True,
        None,
    ),
    (
        "random token (nonce given for the vector)",
        SECRET,
        "jane@example.com",
        {"width": 300, "height": 40},
        1_800_000_000,
        False,
        "000102030405060708090a0b",
    ),
    ("non-ASCII secret", "clé secrète ✓", "x", {"width": 20, "height": 20}, None, True, None),
    (
        "a distortion level",
        SECRET,
        "jane@example.com",
        {"width": 300, "height": 60, "foreground": "222", "distort": 3},
        None,
        True,
        None,
    ),
]


def vectors() -> dict[str, Any]:
    """The whole vector file, as a JSON-ready dict."""
    return {
        "spec": "docs/token-format.md",
        "made_by": "python -m scripts.token_vectors > docs/token-vectors.json",
        "mint": [_mint_vector(*case) for case in MINT_CASES],
        "open_only": _version_1_vectors(),
    }


def _mint_vector(
    name: str,
    secret: str,
    text: str,
    options: dict[str, Any],
    expires: int | None,
    deterministic: bool,
    nonce: str | None,
) -> dict[str, Any]:
    keys = token_keys(secret)
    rounded = None if expires is None else math.ceil(expires / 60) * 60
    plaintext = token_plaintext(token_spec(text, **options), rounded)
    given_nonce = bytes.fromhex(nonce) if nonce else None
    raw = seal(plaintext, keys, deterministic=deterministic, nonce=given_nonce)
    token = seal_plaintext(plaintext, keys, deterministic=deterministic, nonce=given_nonce)
    return {
        "name": name,
        "secret": secret,
        "text": text,
        "options": options,
        "expires": expires,
        "deterministic": deterministic,
        "nonce": nonce,
        "nonce_key": keys.v2[:32].hex(),
        "aead_key": keys.v2[32:].hex(),
        "header": raw[:2].hex(),
        "token_nonce": raw[2:14].hex(),
        "plaintext": plaintext.decode(),
        "token": token,
    }


def _version_1_vectors() -> list[dict[str, Any]]:
    plaintext = token_plaintext(token_spec("jane@example.com", width=300, height=40), None)
    keys = token_keys(SECRET)
    made = [
        ("version 1, deterministic", True, None),
        ("version 1, random (nonce given)", False, bytes(range(16))),
    ]
    return [
        {
            "name": name,
            "secret": SECRET,
            "plaintext": plaintext.decode(),
            "token": seal_plaintext(
                plaintext, keys, version=1, deterministic=deterministic, nonce=nonce
            ),
        }
        for name, deterministic, nonce in made
    ]


def main() -> None:
    print(json.dumps(vectors(), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
