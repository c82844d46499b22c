"""The token formats' cryptography: plaintext bytes in, token bytes out, and back.

Every token starts with a two-byte header, its format version and its mode (deterministic or
random); the header is authenticated as associated data. docs/token-format.md is the spec.

- Version 1: AES-256-SIV (RFC 5297), associated data `[header]` or `[header, nonce]` with a
  16-byte random nonce; `header || nonce || SIV || ciphertext`. PHP's openssl extension can't
  use AES-SIV (OpenSSL 3 has it only through providers), so other back ends can't mint it:
  still opened while the server accepts version 1, no longer minted by default.
- Version 2: AES-256-GCM with a synthetic nonce, the generic SIV composition over primitives
  that PHP (openssl, hash), Node (crypto) and Python's `cryptography` all have built in. A
  deterministic token's nonce is `HMAC-SHA256(nonce key, header || plaintext)[:12]`, so equal
  plaintexts give equal tokens and unequal ones distinct nonces; a random token's is 12 random
  bytes. `header || nonce || ciphertext || tag`, associated data `header`.

Nothing here is hand-made cryptography: AES-SIV, AES-GCM and HMAC come from `cryptography`.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Container, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.hmac import HMAC

from placepix.url.keys import TokenKeys

VERSIONS = (1, 2)
NEWEST_VERSION = 2
DETERMINISTIC, RANDOM = 0, 1
V1_NONCE_BYTES = 16
V2_NONCE_BYTES = 12
_TAG_BYTES = 16


def seal(
    plaintext: bytes,
    keys: TokenKeys,
    *,
    version: int = NEWEST_VERSION,
    deterministic: bool = True,
    nonce: bytes | None = None,
) -> bytes:
    """The token bytes for `plaintext`. `nonce` is for test vectors only: random tokens draw
    theirs from the operating system when it is None."""
    header = bytes([version, DETERMINISTIC if deterministic else RANDOM])
    if version == 1:
        if not deterministic:
            nonce = nonce if nonce is not None else os.urandom(V1_NONCE_BYTES)
            return header + nonce + AESSIV(keys.v1).encrypt(plaintext, [header, nonce])
        return header + AESSIV(keys.v1).encrypt(plaintext, [header])
    if version == 2:
        if deterministic:
            nonce = synthetic_nonce(keys.v2, header, plaintext)
        elif nonce is None:
            nonce = os.urandom(V2_NONCE_BYTES)
        return header + nonce + AESGCM(keys.v2[32:]).encrypt(nonce, plaintext, header)
    raise ValueError(f"unknown token format version {version}")


def synthetic_nonce(key: bytes, header: bytes, plaintext: bytes) -> bytes:
    """Version 2's deterministic nonce: HMAC-SHA256 over the header and the plaintext, keyed
    with the first half of the version 2 key, cut to AES-GCM's 12 bytes."""
    mac = HMAC(key[:32], hashes.SHA256())
    mac.update(header + plaintext)
    return mac.finalize()[:V2_NONCE_BYTES]


def unseal(raw: bytes, keys: Sequence[TokenKeys], versions: Container[int]) -> bytes | None:
    """The plaintext inside `raw`, or None unless one of `keys` made it in a format version in
    `versions`. Every key is tried, whichever matches, so the time taken does not tell which."""
    if len(raw) < 2 or raw[0] not in VERSIONS or raw[0] not in versions:
        return None
    if raw[1] not in (DETERMINISTIC, RANDOM):
        return None
    found: bytes | None = None
    for key in keys:
        plaintext = _open_v1(raw, key.v1) if raw[0] == 1 else _open_v2(raw, key.v2)
        found = found if found is not None else plaintext
    return found


def _open_v1(raw: bytes, key: bytes) -> bytes | None:
    header = raw[:2]
    if raw[1] == RANDOM:
        nonce, sealed = raw[2 : 2 + V1_NONCE_BYTES], raw[2 + V1_NONCE_BYTES :]
        data = [header, nonce]
        if len(nonce) < V1_NONCE_BYTES:
            return None
    else:
        sealed, data = raw[2:], [header]
    try:
        return AESSIV(key).decrypt(sealed, data)
    except (InvalidTag, ValueError):
        return None


def _open_v2(raw: bytes, key: bytes) -> bytes | None:
    header, nonce, sealed = raw[:2], raw[2 : 2 + V2_NONCE_BYTES], raw[2 + V2_NONCE_BYTES :]
    if len(sealed) < _TAG_BYTES:
        return None
    try:
        plaintext = AESGCM(key[32:]).decrypt(nonce, sealed, header)
    except (InvalidTag, ValueError):
        return None
    if raw[1] == DETERMINISTIC and not hmac.compare_digest(
        nonce, synthetic_nonce(key, header, plaintext)
    ):
        return None  # one token per deterministic plaintext: the nonce must be the synthetic one
    return plaintext
