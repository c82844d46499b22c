"""Encrypted text tokens: an image whose text and style never appear in its URL.

A token is the image's canonical URL (and an optional expiry), encrypted and authenticated
(placepix.url.sealing: AES-256-GCM with a synthetic nonce since format version 2, AES-SIV in
version 1), in URL-safe base64 without padding. Deterministic tokens (the default) are equal
for equal images and expiries, which lets a CDN cache them; random ones (`deterministic=False`)
differ every time, so nobody can tell that two pages show the same address. The trade-off is
in docs/tokens.md; the byte format, for other back ends, in docs/token-format.md.
"""

from __future__ import annotations

import base64
import binascii
import math
import time
from collections.abc import Collection, Sequence
from typing import NamedTuple

from placepix.errors import PlacepixError, SpecError
from placepix.model.spec import ImageSpec
from placepix.url.grammar import parse_url
from placepix.url.keys import TokenKeys, token_keys
from placepix.url.sealing import NEWEST_VERSION, VERSIONS, seal, unseal


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
    spec: ImageSpec,
    secret: str,
    *,
    ttl: int | None = None,
    deterministic: bool = True,
    version: int = NEWEST_VERSION,
) -> str:
    """The token for `spec`, encrypted with `secret` (the newest configured key). `ttl`
    (seconds) makes it expire; expiry times are rounded up to the minute so deterministic
    tokens made within a minute of each other stay equal. `version` 1 is for servers that
    do not accept version 2 yet."""
    plaintext = token_plaintext(spec, expiry_after(ttl))
    return seal_plaintext(
        plaintext, token_keys(secret), version=version, deterministic=deterministic
    )


def expiry_after(ttl: int | None, now: float | None = None) -> int | None:
    """The expiry of a token made `now` (default: the time) to live `ttl` seconds, in Unix
    seconds rounded up to the minute; None for None (never expires)."""
    if ttl is None:
        return None
    return math.ceil(((now if now is not None else time.time()) + ttl) / 60) * 60


def token_plaintext(spec: ImageSpec, expires: int | None) -> bytes:
    """What a token encrypts: the expiry (Unix seconds, or nothing), a line feed, and the
    image's canonical URL, in UTF-8. SVG is refused."""
    refuse_svg(spec.format)
    return f"{'' if expires is None else expires}\n{spec.canonical()}".encode()


def seal_plaintext(
    plaintext: bytes,
    keys: TokenKeys,
    *,
    version: int = NEWEST_VERSION,
    deterministic: bool = True,
    nonce: bytes | None = None,
) -> str:
    """The token, as it stands in a URL, for a plaintext already in the format's form
    (`expiry\ncanonical URL`): for test vectors and tests that need an exact expiry."""
    raw = seal(plaintext, keys, version=version, deterministic=deterministic, nonce=nonce)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def refuse_svg(fmt: str) -> None:
    if fmt == "svg":
        raise SpecError("tokens render raster formats only: SVG would carry the text as text")


def image_url(token: str, fmt: str | None = None) -> str:
    """The path that serves `token`, e.g. `/t/AQA....png`."""
    return f"/t/{token}" + (f".{fmt}" if fmt else "")


class OpenedToken(NamedTuple):
    spec: ImageSpec
    expires: int | None  # Unix seconds; None: never


def open_token(
    token: str,
    keys: Sequence[TokenKeys],
    now: float | None = None,
    versions: Collection[int] = VERSIONS,
) -> OpenedToken:
    """The image inside `token`; `TokenError` unless one of `keys` (newest first) made it in
    one of the format `versions`, `TokenExpiredError` after its expiry."""
    plaintext = _unseal(token, keys, versions)
    expires, _, url = plaintext.partition(b"\n")
    try:
        spec = parse_url(url.decode())
        expiry = int(expires) if expires else None
    except (PlacepixError, ValueError):
        raise TokenError() from None
    if expiry is not None and (now if now is not None else time.time()) >= expiry:
        raise TokenExpiredError()
    return OpenedToken(spec, expiry)


def _unseal(token: str, keys: Sequence[TokenKeys], versions: Collection[int]) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise TokenError() from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != token:
        raise TokenError()  # one spelling per token: no unused bits, no padding, no other chars
    plaintext = unseal(raw, keys, versions)
    if plaintext is None:
        raise TokenError()
    return plaintext
