"""Token minting checks what the server will check, before it makes a token: a token made is a
token the server answers with an image."""

from __future__ import annotations

import pytest

from placepix.errors import LimitError, PlacepixError, SpecError
from placepix.minting import make_token
from placepix.model.limits import Limits
from placepix.parts import make_tokens
from placepix.render import Renderer
from placepix.url.keys import token_keys
from placepix.url.tokens import open_token
from tests.commands import run_placepix, stderr_lines

SECRET = "a secret"


@pytest.mark.parametrize(
    ("text", "secret", "ttl", "message"),
    [
        ("x", "", None, "secret is empty"),
        ("x", "   ", None, "secret is empty"),
        ("x", SECRET, -5, "ttl must be a positive whole number of seconds, got -5"),
        ("x", SECRET, 0, "ttl must be a positive"),
        ("", SECRET, None, "text is empty"),
        (" \n ", SECRET, None, "text is empty"),
    ],
)
def test_useless_tokens_are_refused(text: str, secret: str, ttl: int | None, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        make_token(text, secret, ttl=ttl)
    with pytest.raises(SpecError, match=message):
        make_tokens(text, secret, 2, ttl=ttl)


def test_a_text_too_long_for_one_image_is_refused_before_a_token_is_made() -> None:
    """600 characters at the default 20 px make a ~6000 px wide image: over max_side."""
    with pytest.raises(LimitError, match=r"image too large: \d+x\d+ pixels; max_side is 4000"):
        make_token("a" * 600, SECRET)
    parts = make_tokens("a" * 600, SECRET, 3)  # in parts, each image fits
    assert all(part.width <= 4000 for part in parts)


def test_the_limits_are_the_renderers() -> None:
    small = Renderer(limits=Limits(max_side=100))
    with pytest.raises(LimitError, match="max_side is 100"):
        make_token("hi", SECRET, width=200, height=20, renderer=small)
    with pytest.raises(LimitError, match="max_side is 100"):
        make_token("a fairly long line of text", SECRET, renderer=small)
    token = make_token("hi", SECRET, width=90, height=20, renderer=small)
    assert open_token(token, [token_keys(SECRET)])[0].width == 90


def test_other_problems_of_the_image_are_refused_too() -> None:
    with pytest.raises(PlacepixError, match="unknown font"):
        make_token("hi", SECRET, font="no-such-font")
    with pytest.raises(SpecError, match="not a colour"):
        make_token("hi", SECRET, background="zzz")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["token", ""], "Error: text is empty: a token shows a text"),
        (["token", "hi", "--ttl", "-5"], "Error: ttl must be a positive whole number"),
        (["token", "a" * 600], "Error: image too large: "),
        (["token", "hi", "--size", "5000x10"], "Error: image too large: 5000x10 pixels"),
    ],
)
def test_the_token_command_says_why_it_makes_no_token(arguments: list[str], message: str) -> None:
    result = run_placepix(*arguments, env={"PLACEPIX_SECRET_KEYS": SECRET})
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = stderr_lines(result)
    assert line.startswith(message)
