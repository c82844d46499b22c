"""Typed errors: each carries the HTTP status and a short public message.

The web layer turns them into plain-text responses and the CLI into a message and a
non-zero exit; neither ever shows a traceback for them.
"""

from __future__ import annotations


class PlacepixError(Exception):
    """Base class: a request placepix refuses, with a message safe to show the client."""

    status: int = 400
    headers: dict[str, str] = {}  # noqa: RUF012 - replaced, never mutated

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SpecError(PlacepixError):
    """The URL (or library call) does not follow the grammar."""

    status = 400


class LimitError(PlacepixError):
    """The request is well-formed but asks for more than this instance allows."""

    status = 400


class UrlTooLongError(LimitError):
    """The URL is longer than the configured maximum."""

    status = 414
