"""`X-Placepix-Ignored`: the query parameters an image URL had that placepix does not know.

Unknown parameters are ignored, so that cache busters (`?v=2`) work; but a typo (`?txt=Hi`,
`font-size=40`) then silently does nothing. The header names each ignored parameter, with the
known one it is close to: `X-Placepix-Ignored: txt (did you mean text?), font-size (did you
mean font_size?)`. Bounded: at most `MAX_NAMED` names of at most `NAME_CHARACTERS` each.
"""

from __future__ import annotations

import difflib
from urllib.parse import quote, unquote_plus

from placepix.url.grammar import QUERY_PARAMETERS

HEADER = "X-Placepix-Ignored"
KNOWN = frozenset((*QUERY_PARAMETERS, "s"))  # s: the signature of signed URLs
MAX_NAMED = 8
NAME_CHARACTERS = 40


def ignored_parameters(path: str, query: str) -> str | None:
    """The header's value for a raw path (dummyimage.com's `&text=` may follow it) and query,
    or None when every parameter is known."""
    if not query and "&" not in path:
        return None  # most image URLs: nothing to look at (this runs on every cache hit)
    _, _, path_query = path.partition("&")
    named: list[str] = []
    for pair in f"{path_query}&{query}".split("&"):
        raw = pair.partition("=")[0]
        if raw in KNOWN:
            continue
        name = unquote_plus(raw, errors="replace") if "%" in raw or "+" in raw else raw
        if not name or name in KNOWN:
            continue
        shown = quote(name[:NAME_CHARACTERS], safe="-_.~!$'()*+:@/?")
        close = difflib.get_close_matches(name.lower(), QUERY_PARAMETERS, n=1, cutoff=0.6)
        hint = f"{shown} (did you mean {close[0]}?)" if close else shown
        if hint not in named:
            named.append(hint)
        if len(named) == MAX_NAMED:
            named.append("...")
            break
    return ", ".join(named) or None
