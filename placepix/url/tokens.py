"""Encrypted text tokens: an image whose text and style never appear in its URL.

A token is the image's canonical URL (and an optional expiry), encrypted and authenticated with
AES-SIV from the `cryptography` package, in URL-safe base64. AES-SIV is deterministic by
design: without a nonce, the same image and expiry always give the same token, which lets a CDN
cache it; with a random nonce (`deterministic=False`) two tokens for the same text differ, so
nobody can tell that two pages show the same address. The trade-off is in docs/tokens.md.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import time
from collections.abc import Sequence
from typing import NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from placepix.errors import PlacepixError, SpecError
from placepix.model.spec import ImageSpec
from placepix.url.grammar import parse_url
from placepix.url.keys import derive

_VERSION = 1
_DETERMINISTIC, _RANDOM = 0, 1
_NONCE_BYTES = 16


class TokenError(PlacepixError):
    """Any token that does not decrypt: tampered, truncated, or made with an unknown key.
    One message for all, so an attacker learns nothing from the answer."""

    status = 403

    def __init__(self) -> None:
        super().__init__("invalid token")


class TokenExpiredError(PlacepixError):
    status = 410

    def __init__(self) -> None:
        super().__init__("token expired")


class TokensDisabledError(PlacepixError):
    status = 404

    def __init__(self) -> None:
        super().__init__("tokens are not configured on this server (PLACEPIX_SECRET_KEYS)")


def seal_spec(
    spec: ImageSpec, secret: str, *, ttl: int | None = None, deterministic: bool = True
) -> str:
    """The token for `spec`, encrypted with `secret` (the newest configured key). `ttl`
    (seconds) makes it expire; expiry times are rounded up to the minute so deterministic
    tokens made within a minute of each other stay equal."""
    refuse_svg(spec.format)
    expires = "" if ttl is None else str(math.ceil((time.time() + ttl) / 60) * 60)
    plaintext = f"{expires}\n{spec.canonical()}".encode()
    return _seal(plaintext, derive(secret, "token"), deterministic)


def refuse_svg(fmt: str) -> None:
    if fmt == "svg":
        raise SpecError("tokens render raster formats only: SVG would carry the text as text")


def image_url(token: str, fmt: str | None = None) -> str:
    """The path that serves `token`, e.g. `/t/AQA....png`."""
    return f"/t/{token}" + (f".{fmt}" if fmt else "")


class OpenedToken(NamedTuple):
    spec: ImageSpec
    expires: int | None  # Unix seconds; None: never


def open_token(token: str, keys: Sequence[bytes], now: float | None = None) -> OpenedToken:
    """The image inside `token`; `TokenError` unless one of `keys` (newest first) made it,
    `TokenExpiredError` after its expiry."""
    plaintext = _unseal(token, keys)
    expires, _, url = plaintext.partition(b"\n")
    try:
        spec = parse_url(url.decode())
        expiry = int(expires) if expires else None
    except (PlacepixError, ValueError):
        raise TokenError() from None
    if expiry is not None and (now if now is not None else time.time()) >= expiry:
        raise TokenExpiredError()
    return OpenedToken(spec, expiry)


def _seal(plaintext: bytes, key: bytes, deterministic: bool) -> str:
    if deterministic:
        header, nonce = bytes([_VERSION, _DETERMINISTIC]), b""
    else:
        header, nonce = bytes([_VERSION, _RANDOM]), os.urandom(_NONCE_BYTES)
    sealed = AESSIV(key).encrypt(plaintext, [header, nonce] if nonce else [header])
    return base64.urlsafe_b64encode(header + nonce + sealed).rstrip(b"=").decode()


def _unseal(token: str, keys: Sequence[bytes]) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise TokenError() from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
        raise TokenError()  # one spelling per token: no unused bits, no padding, no other chars
    if len(raw) < 2 or raw[0] != _VERSION or raw[1] not in (_DETERMINISTIC, _RANDOM):
        raise TokenError()
    header = raw[:2]
    nonce_bytes = _NONCE_BYTES if raw[1] == _RANDOM else 0
    nonce, sealed = raw[2 : 2 + nonce_bytes], raw[2 + nonce_bytes :]
    data = [header, nonce] if nonce_bytes else [header]
    found: bytes | None = None
    for key in keys:  # every key is tried, whichever matches: the time says nothing of which
        try:
            plaintext = AESSIV(key).decrypt(sealed, data)
        except (InvalidTag, ValueError):
            continue
        found = found if found is not None else plaintext
    if found is None:
        raise TokenError()
    return found
