"""List settings from one environment variable: `a,b,c` as people write it, or a JSON list
(`["a", "b"]`) for entries that hold commas. Used by Settings' list fields, which pydantic-settings
hands over undecoded (`NoDecode`)."""

from __future__ import annotations

import json


def split_list(value: object) -> object:
    """`"a, b,c"` -> `["a", "b", "c"]`; `'["a,1", "b"]'` -> `["a,1", "b"]`; `""` -> `[]`.

    Entries are stripped of surrounding spaces and empty ones dropped (a trailing comma is no
    entry). Anything that is not a string (a list given in Python) is returned as it is. A
    value that starts with `[` must be a JSON list: `ValueError` saying why it is not."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not a JSON list ({error.msg} at character {error.pos})") from None
        if not isinstance(parsed, list):
            raise ValueError("not a JSON list")
        return parsed
    return [entry.strip() for entry in text.split(",") if entry.strip()]
