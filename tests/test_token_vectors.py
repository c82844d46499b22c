"""docs/token-vectors.json: made by scripts/token_vectors.py from the Python implementation,
and opened by the server's own code, so a change of the format can't slip past the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from placepix.url.grammar import parse_url
from placepix.url.keys import token_keys
from placepix.url.tokens import open_token
from scripts.token_vectors import vectors

FILE = Path(__file__).parent.parent / "docs" / "token-vectors.json"
STORED: dict[str, Any] = json.loads(FILE.read_text())


def test_the_file_is_what_the_script_makes() -> None:
    """Regenerate with `python -m scripts.token_vectors > docs/token-vectors.json`."""
    assert vectors() == STORED


@pytest.mark.parametrize("vector", STORED["mint"] + STORED["open_only"], ids=lambda v: v["name"])
def test_every_vector_opens_to_its_plaintext(vector: dict[str, Any]) -> None:
    expires, _, url = vector["plaintext"].partition("\n")
    opened = open_token(vector["token"], [token_keys("another"), token_keys(vector["secret"])])
    assert opened.spec == parse_url(url)
    assert opened.spec.canonical() == url
    assert opened.expires == (int(expires) if expires else None)


def test_the_vectors_cover_both_modes_of_both_versions() -> None:
    headers = {v["header"] for v in STORED["mint"]}
    assert headers == {"0200", "0201"}
    random = next(v for v in STORED["mint"] if not v["deterministic"])
    assert random["token_nonce"] == random["nonce"]
    assert {v["token"][:2] for v in STORED["open_only"]} == {"AQ"}  # 0x01 0x00 / 0x01 0x01
