"""Reading raw (percent-encoded) query strings: strict UTF-8, known keys only, no repeats.
Shared by the placehold.co grammar and the ui-avatars one."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from urllib.parse import unquote_to_bytes

from placepix.errors import SpecError


def query_params(
    query: str,
    known: Collection[str],
    decoders: Mapping[str, Callable[[str], str]] | None = None,
) -> dict[str, str]:
    """The `known` parameters of `query`, decoded (`+` is a space; a key in `decoders` by its
    own function of the raw value); a known one given twice is a `SpecError`, unknown ones
    (cache busters like ?v=2) are ignored."""
    params: dict[str, str] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key = decode(raw_key.replace("+", " "), "query")
        if key not in known:
            continue
        if key in params:
            raise SpecError(f"parameter {key!r} given twice")
        value = raw_value.replace("+", " ")
        decoder = (decoders or {}).get(key)
        params[key] = decoder(value) if decoder else decode(value, key)
    return params


def merge(first: dict[str, str], second: dict[str, str]) -> dict[str, str]:
    """Parameters from two places (path and query); one given in both is a `SpecError`."""
    for key in first.keys() & second.keys():
        raise SpecError(f"parameter {key!r} given twice")
    return first | second


def decode(raw: str, what: str) -> str:
    """Percent-decode `raw` as strict UTF-8; `SpecError` naming `what` when it is not."""
    try:
        return unquote_to_bytes(raw).decode("utf-8")
    except UnicodeError:
        raise SpecError(f"{what} is not valid UTF-8") from None
