"""The access log line: what it says, and what it never says (token queries)."""

from __future__ import annotations

from typing import Any

from placepix.server.access import request_entry


def scope(path: str, query: str = "") -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "client": ("10.0.0.7", 5555),
    }


def test_entry_names_client_target_status_size_and_time() -> None:
    entry = request_entry(scope("/600x400.png", "text=Hi"), 200, 1234, 0.0125)
    assert entry == {
        "client": "10.0.0.7",
        "method": "GET",
        "target": "/600x400.png?text=Hi",
        "status": 200,
        "bytes": 1234,
        "ms": 12.5,
    }


def test_token_routes_lose_their_query_string() -> None:
    entry = request_entry(scope("/t/abcdef.png", "text=jane@example.com"), 200, 10, 0.001)
    assert entry["target"] == "/t/abcdef.png"


def test_raw_path_is_logged_as_received() -> None:
    entry = request_entry(scope("/600x400%2Fx"), 400, 10, 0.001)
    assert entry["target"] == "/600x400%2Fx"
