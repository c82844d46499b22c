"""Secret keys: the configured secrets, turned into one key per purpose with HKDF.

Tokens and URL signatures never share a key, nor do the two token format versions, and a short
or human-chosen secret still yields full-length keys. Order matters: the first secret is the
newest, used to make new tokens and signatures; the others are still accepted, so keys rotate
without breaking old URLs. The derivation is part of the token format: docs/token-format.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Literal, NamedTuple

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Purpose = Literal["token", "token-v2", "signature"]
# AES-256-SIV takes 64 bytes; token v2 takes HMAC-SHA256's 32 then AES-256-GCM's 32; HMAC 32
_KEY_BYTES = MappingProxyType({"token": 64, "token-v2": 64, "signature": 32})
_SALT = b"placepix keys v1"


class TokenKeys(NamedTuple):
    """The keys one secret gives the token formats: `v1` for version 1 (AES-256-SIV), `v2` for
    version 2 (the nonce's HMAC key, then the AES-256-GCM key)."""

    v1: bytes
    v2: bytes


def derive(secret: str, purpose: Purpose) -> bytes:
    """The key for `purpose` from one configured secret."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=_KEY_BYTES[purpose],
        salt=_SALT,
        info=f"placepix {purpose}".encode(),
    )
    return hkdf.derive(secret.encode("utf-8"))


def derive_all(secrets: Sequence[str], purpose: Purpose) -> list[bytes]:
    """Keys for every configured secret, newest first."""
    return [derive(secret, purpose) for secret in secrets]


def token_keys(secret: str) -> TokenKeys:
    """Both token format versions' keys for one secret."""
    return TokenKeys(derive(secret, "token"), derive(secret, "token-v2"))


def token_keys_all(secrets: Sequence[str]) -> list[TokenKeys]:
    """Token keys for every configured secret, newest first."""
    return [token_keys(secret) for secret in secrets]
