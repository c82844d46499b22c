"""Secret keys: the configured secrets, turned into one key per purpose with HKDF.

Tokens and URL signatures never share a key, and a short or human-chosen secret still yields
full-length keys. Order matters: the first secret is the newest, used to make new tokens and
signatures; the others are still accepted, so keys rotate without breaking old URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

Purpose = Literal["token", "signature"]
_KEY_BYTES = MappingProxyType(
    {"token": 64, "signature": 32}
)  # AES-256-SIV takes 64 bytes; HMAC-SHA256 32
_SALT = b"placepix keys v1"


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
