from __future__ import annotations

import pytest

from placepix.url.grammar import parse_url
from placepix.url.keys import derive
from placepix.url.signing import SignatureError, sign_url, verify

KEYS = [derive("new", "signature"), derive("old", "signature")]


def query_of(url: str) -> str:
    return url.partition("?")[2]


def test_a_signed_url_verifies() -> None:
    signed = sign_url("/600x400.png?text=Hi", "new")
    verify(parse_url(signed), query_of(signed), KEYS)


def test_the_signature_follows_meaning_not_spelling() -> None:
    signature = query_of(sign_url("/600x400.png", "new"))
    verify(parse_url("/600x400/ddd/999/png"), signature, KEYS)
    with pytest.raises(SignatureError):
        verify(parse_url("/600x401.png"), signature, KEYS)


def test_old_keys_verify_and_unknown_keys_do_not() -> None:
    signed = sign_url("/10x10", "old")
    verify(parse_url(signed), query_of(signed), KEYS)
    forged = sign_url("/10x10", "attacker")
    with pytest.raises(SignatureError):
        verify(parse_url(forged), query_of(forged), KEYS)


@pytest.mark.parametrize("query", ["", "s=", "s=abc", "text=Hi", "s=%ff%fe"])
def test_missing_or_wrong_signatures_are_refused(query: str) -> None:
    with pytest.raises(SignatureError):
        verify(parse_url("/10x10"), query, KEYS)
