"""Multi-part tokens: text cut over several images that read as one line side by side."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import httpx
import pytest
from PIL import Image, ImageChops

from placepix import TokenPart, make_token, make_tokens, parts_html
from placepix.errors import SpecError
from placepix.parts import split_text
from placepix.render import render
from placepix.url.keys import token_keys
from placepix.url.tokens import open_token
from tests.conftest import darkest, decode
from tests.server import running_server

SECRET = "s3cret"
KEYS = [token_keys(SECRET)]
# Largest mean difference (0-255) of a part from the whole text's image at its best offset: a
# cut moves the rest of the line by up to a pixel and re-rasterises its edges (measured: at
# most 12.2 on these texts); another text or a 10 % larger font scores 29 and more.
TOLERANCE = 16


def image_of(token: str) -> Image.Image:
    return Image.open(io.BytesIO(render(open_token(token, KEYS).spec).data)).convert("L")


def worst_part_difference(parts: list[TokenPart], whole: Image.Image) -> float:
    """Each part against the same stretch of `whole`, at the best of a few pixel offsets."""
    worst, x = 0.0, 0
    for part in parts:
        image = image_of(part.token)
        assert image.size == (part.width, part.height)
        shifts = range(-len(parts), len(parts) + 1)
        worst = max(worst, min(_mean(image, whole, x + dx) for dx in shifts))
        x += image.width
    return worst


def _mean(image: Image.Image, whole: Image.Image, x: int) -> float:
    window = whole.crop((x, 0, x + image.width, image.height))  # outside the image: black
    histogram = ImageChops.difference(image, window).histogram()
    return sum(value * count for value, count in enumerate(histogram)) / (
        image.width * image.height
    )


TEXTS = [
    "jane.doe@example.com",
    "+44 20 7946 0000",
    "Price: 1 234,56 €",
    "Hello wonderful world",
    "IBAN DE89 3704 0044 0532 0130 00",
    "Zoë 👩‍👩‍👧 ok",
    "日本語のテキストです",
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("count", [2, 3, 5])
def test_the_parts_side_by_side_are_the_whole_line(text: str, count: int) -> None:
    parts = make_tokens(text, SECRET, count, foreground="222222")
    assert len(parts) == count
    specs = [open_token(part.token, KEYS).spec for part in parts]
    assert "".join(spec.display_text for spec in specs) == text
    assert all(text not in spec.display_text for spec in specs)  # no part carries it all
    assert len({part.height for part in parts}) == 1
    assert len({spec.font_size for spec in specs}) == 1
    whole = image_of(make_token(text, SECRET, foreground="222222"))
    assert parts[0].height == whole.height
    assert abs(sum(part.width for part in parts) - whole.width) <= count
    assert worst_part_difference(parts, whole) < TOLERANCE
    other = image_of(make_token(text[::-1], SECRET, foreground="222222"))
    larger = image_of(make_token(text, SECRET, foreground="222222", font_size=22))
    assert worst_part_difference(parts, other) > TOLERANCE  # the measure can fail
    assert worst_part_difference(parts, larger.crop((0, 0, larger.width, whole.height))) > (
        TOLERANCE
    )


def test_one_part_is_the_ordinary_token() -> None:
    (only,) = make_tokens("jane@example.com", SECRET, 1)
    assert (
        ImageChops.difference(
            image_of(only.token), image_of(make_token("jane@example.com", SECRET))
        ).getbbox()
        is None
    )


def test_cuts_fall_between_grapheme_clusters() -> None:
    family, flag, q_dot = "👩\u200d👩\u200d👧", "🇬🇧", "q\u0307"  # ZWJ sequence, flag, mark
    text = family + flag + q_dot + "x"
    pieces = split_text(text, 4)
    assert pieces == [family, flag, q_dot, "x"]
    assert split_text("abcdef", 3) == ["ab", "cd", "ef"]
    assert split_text("ab cd", 2) == ["ab", " cd"]  # the first part never ends with a space


@pytest.mark.parametrize(
    ("text", "parts", "message"),
    [
        ("ab", 3, "text too short for 3 parts"),
        ("line 1\nline 2", 2, "one line"),
        ("مرحبا بالعالم", 2, "right-to-left"),
        ("abc", 0, "parts must be 1 to 16"),
        ("abc", 17, "parts must be 1 to 16"),
        (" a", 2, "empty or blank"),
    ],
)
def test_text_that_cannot_be_split_is_refused(text: str, parts: int, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        make_tokens(text, SECRET, parts)


class _Snippet(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_the_html_snippet_places_the_images_with_no_gap() -> None:
    parts = make_tokens("jane@example.com", SECRET, 3)
    html = parts_html(parts, 'our "e-mail" address', base="https://img.example.com", fmt="webp")
    assert "jane" not in html
    assert "><img" in html and not re.search(r">\s+<", html)  # white space would be a gap
    parser = _Snippet()
    parser.feed(html)
    (span_tag, span), *images = parser.tags
    assert span_tag == "span" and span["style"] == "white-space:nowrap"
    assert span["role"] == "img" and span["aria-label"] == 'our "e-mail" address'
    assert [attrs["src"] for _, attrs in images] == [
        f"https://img.example.com/t/{part.token}.webp" for part in parts
    ]
    assert [(attrs["width"], attrs["height"]) for _, attrs in images] == [
        (str(part.width), str(part.height)) for part in parts
    ]
    assert all(attrs["alt"] == "" for _, attrs in images)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PLACEPIX_SECRET_KEYS": json.dumps([SECRET])}
    command = [sys.executable, "-m", "placepix", "token", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.e2e
def test_the_cli_prints_parts_and_the_snippet_a_real_server_renders() -> None:
    paths = cli("jane@example.com", "--parts", "3", "--fg", "222222").stdout.split()
    assert len(paths) == 3 and all(p.startswith("/t/") for p in paths)
    html = cli("jane@example.com", "--parts", "3", "--html", "--alt", "our e-mail address")
    assert html.returncode == 0, html.stderr
    assert html.stdout.startswith('<span style="white-space:nowrap" role="img"')
    assert 'aria-label="our e-mail address"' in html.stdout
    with running_server({"PLACEPIX_SECRET_KEYS": json.dumps([SECRET])}) as server:
        images = [decode(httpx.get(server.url + path, timeout=30).content) for path in paths]
        srcs = re.findall(r'src="([^"]+)"', html.stdout)
        assert [httpx.get(server.url + src, timeout=30).status_code for src in srcs] == [200] * 3
    assert len({image.height for image in images}) == 1
    assert all(darkest(image) < 100 for image in images)  # each has ink


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ab", "--parts", "3"], "text too short for 3 parts"),
        (["abc", "--parts", "2", "--size", "300x40"], "no --size"),
        (["abc", "--parts", "40"], "40 is not in the range 1<=x<=16"),
    ],
)
def test_the_cli_explains_what_it_cannot_split(args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.returncode != 0 and message in result.stderr
    assert "Traceback" not in result.stderr
