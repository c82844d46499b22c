from __future__ import annotations

from placepix.url.keys import derive, derive_all, token_keys


def test_keys_are_full_length_and_differ_by_purpose_and_secret() -> None:
    token, signature = derive("k", "token"), derive("k", "signature")
    assert (len(token), len(signature)) == (64, 32)
    assert signature not in token
    assert derive("k2", "token") != token
    assert derive("k", "token") == token


def test_derive_all_keeps_the_order() -> None:
    assert derive_all(["a", "b"], "token") == [derive("a", "token"), derive("b", "token")]


def test_each_token_version_has_its_own_key() -> None:
    keys = token_keys("k")
    assert keys.v1 == derive("k", "token") and len(keys.v2) == 64
    assert keys.v2 != keys.v1 and keys.v2[:32] != keys.v2[32:]
