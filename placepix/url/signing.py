"""Signed URLs: with `require_signature` on, a server renders only URLs its owner minted.

The signature is HMAC-SHA256 over the image's canonical URL (ImageSpec.canonical()), so it
survives spellings that mean the same image (`/600x400` and `/600x400.png`, or an extra
`?v=2`) but not any change of meaning. It travels as `?s=` in url-safe base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import parse_qsl

from placepix.errors import PlacepixError
from placepix.model.formats import DEFAULT_FORMAT
from placepix.model.spec import ImageSpec
from placepix.url.grammar import parse
from placepix.url.keys import derive

SIGNATURE_PARAMETER = "s"


class SignatureError(PlacepixError):
    status = 403

    def __init__(self) -> None:
        super().__init__("this server only serves signed URLs: missing or invalid signature")


def signature(spec: ImageSpec, key: bytes) -> str:
    digest = hmac.new(key, spec.canonical().encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_url(url: str, secret: str, *, default_format: str = DEFAULT_FORMAT) -> str:
    """`url` with `s=` appended, signed with `secret` (the server's newest key).

    `default_format` must match the server's setting for URLs that name no format."""
    path, _, query = url.partition("?")
    spec = parse(path, query, default_format=default_format)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{SIGNATURE_PARAMETER}={signature(spec, derive(secret, 'signature'))}"


def verify(spec: ImageSpec, query: str, keys: Sequence[bytes]) -> None:
    """Raise `SignatureError` unless the query's `s=` signs `spec` with one of `keys`."""
    given = dict(parse_qsl(query, errors="replace")).get(SIGNATURE_PARAMETER, "")
    valid = False
    for key in keys:  # compare with every key, in constant time
        valid |= hmac.compare_digest(given.encode(), signature(spec, key).encode())
    if not valid:
        raise SignatureError()
