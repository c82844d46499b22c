"""The token minting helpers for other back ends (clients/php, clients/node) against the Python
implementation: byte-identical tokens for every vector of docs/token-vectors.json, clear
messages for bad options, and tokens that a real `placepix serve` renders as the very image
of the Python-minted token. php-cli and Node come from deploy/apt-packages-test.txt."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageChops

from placepix.minting import make_token
from placepix.url.tokens import image_url
from tests.conftest import darkest, decode
from tests.server import Server, running_server

pytestmark = pytest.mark.clients

ROOT = Path(__file__).parent.parent
CLIENTS = ROOT / "clients"
VECTORS: dict[str, Any] = json.loads((ROOT / "docs" / "token-vectors.json").read_text())
SECRETS = ["newest secret", "older secret"]
HELPERS = ["php", "node"]


@pytest.fixture(scope="module")
def node_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """clients/node copied out and installed with `npm ci` from its lock file, as on a fresh
    machine; node_modules never enters the repository."""
    copy = tmp_path_factory.mktemp("clients") / "node"
    shutil.copytree(CLIENTS / "node", copy, ignore=shutil.ignore_patterns("node_modules"))
    npm = ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"]
    result = subprocess.run(npm, cwd=copy, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return copy


def mint(helper: str, cases: list[dict[str, Any]], node_copy: Path) -> list[Any]:
    """Tokens (or {"error": message}) from one helper for `cases`, spelled as vectors are."""
    if helper == "php":
        command = ["php", str(CLIENTS / "php" / "tests" / "mint-cases.php")]
    else:
        command = ["node", str(node_copy / "test" / "mint-cases.js")]
    result = subprocess.run(
        command, input=json.dumps(cases), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    made: list[Any] = json.loads(result.stdout)
    assert len(made) == len(cases)
    return made


@pytest.mark.parametrize("helper", HELPERS)
def test_every_vector_is_minted_byte_identically(helper: str, node_copy: Path) -> None:
    made = mint(helper, VECTORS["mint"], node_copy)
    for vector, token in zip(VECTORS["mint"], made, strict=True):
        assert token == vector["token"], vector["name"]


def test_the_node_helpers_own_tests_pass(node_copy: Path) -> None:
    env = {"PLACEPIX_VECTORS": str(ROOT / "docs" / "token-vectors.json"), "PATH": _path()}
    result = subprocess.run(
        ["npm", "test"], cwd=node_copy, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^# pass (\d+)$", result.stdout, re.M)
    assert "# fail 0" in result.stdout


BAD = [
    ({"height": 40}, "width and height are required"),
    ({"width": 0, "height": 40}, "width must be a whole number from 1"),
    ({"width": 300, "height": 40, "format": "svg"}, "SVG would carry the text"),
    ({"width": 300, "height": 40, "format": "heic"}, "unknown format heic"),
    ({"width": 300, "height": 40, "foreground": "tomato-ish"}, "foreground must be a hex colour"),
    ({"width": 300, "height": 40, "font": "../etc"}, "font names are letters"),
    ({"width": 300, "height": 40, "align": "justify"}, "align must be one of"),
    ({"width": 300, "height": 40, "scale": 4}, "scale must be a whole number from 1 to 3"),
    ({"width": 300, "height": 40, "colour": "fff"}, "unknown option colour"),
]


@pytest.mark.parametrize("helper", HELPERS)
def test_bad_options_get_a_message_naming_them(helper: str, node_copy: Path) -> None:
    cases = [{"secret": "s", "text": "x", "options": options} for options, _ in BAD]
    for (_, message), answer in zip(BAD, mint(helper, cases, node_copy), strict=True):
        assert isinstance(answer, dict) and message in answer["error"], (message, answer)


@pytest.fixture(scope="module")
def token_server() -> Iterator[Server]:
    with running_server({"PLACEPIX_SECRET_KEYS": json.dumps(SECRETS)}) as server:
        yield server


STYLE: dict[str, Any] = {
    "width": 300,
    "height": 60,
    "foreground": "1e3a8a",
    "font_size": 24,
    "font": "lato",
}


def fetch(server: Server, path: str) -> Image.Image:
    response = httpx.get(server.url + path, timeout=30)
    assert response.status_code == 200, response.text
    return decode(response.content)


def same_pixels(first: Image.Image, second: Image.Image) -> bool:
    if first.size != second.size:
        return False
    difference = ImageChops.difference(first.convert("RGBA"), second.convert("RGBA"))
    return difference.getbbox(alpha_only=False) is None  # by default RGBA looks at alpha only


@pytest.mark.parametrize("helper", HELPERS)
def test_a_real_server_renders_helper_tokens_as_pythons(
    helper: str, node_copy: Path, token_server: Server
) -> None:
    text = "jane.doe@example.com"
    python = fetch(token_server, image_url(make_token(text, SECRETS[0], **STYLE)))
    assert python.size == (300, 60) and darkest(python) < 100  # dark text
    other = fetch(token_server, image_url(make_token("someone@else.org", SECRETS[0], **STYLE)))
    assert not same_pixels(python, other)  # the comparison below can fail
    cases: list[dict[str, Any]] = [
        {"secret": SECRETS[0], "text": text, "options": STYLE},
        {"secret": SECRETS[0], "text": text, "options": STYLE, "deterministic": False},
        {"secret": SECRETS[1], "text": text, "options": STYLE | {"ttl": 3600}},
        {"secret": "not configured", "text": text, "options": STYLE},
    ]
    deterministic, random, older, unknown = mint(helper, cases, node_copy)
    assert deterministic == make_token(text, SECRETS[0], **STYLE)
    assert random != deterministic
    for token in (deterministic, random, older):
        assert same_pixels(fetch(token_server, image_url(token)), python)
    expiring = httpx.get(token_server.url + image_url(older), timeout=30)
    assert 3500 < int(expiring.headers["cache-control"].rpartition("=")[2]) <= 3660
    webp = httpx.get(token_server.url + image_url(deterministic, "webp"), timeout=30)
    assert webp.headers["content-type"] == "image/webp"
    assert httpx.get(token_server.url + image_url(unknown), timeout=30).status_code == 403


WORDPRESS_STUBS = """<?php
function add_shortcode($tag, $callback) { $GLOBALS['shortcodes'][$tag] = $callback; }
function shortcode_atts($defaults, $atts, $tag) {
    return array_merge($defaults, array_intersect_key($atts, $defaults));
}
function esc_url($url) { return htmlspecialchars($url, ENT_QUOTES); }
function esc_attr($text) { return htmlspecialchars($text, ENT_QUOTES); }
function esc_html($text) { return htmlspecialchars($text, ENT_QUOTES); }
define('PLACEPIX_URL', getenv('PLACEPIX_URL'));
define('PLACEPIX_SECRET', getenv('PLACEPIX_SECRET'));
require __DIR__ . '/wordpress-shortcode.php';
$atts = json_decode(stream_get_contents(STDIN), true);
echo $GLOBALS['shortcodes']['placepix']($atts);
"""


def shortcode(plugin_dir: Path, server: Server, atts: dict[str, str]) -> str:
    env = {"PLACEPIX_URL": server.url, "PLACEPIX_SECRET": SECRETS[0], "PATH": _path()}
    result = subprocess.run(
        ["php", str(plugin_dir / "run.php")],
        input=json.dumps(atts),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_wordpress_shortcode_makes_an_img_the_server_renders(
    tmp_path: Path, token_server: Server
) -> None:
    """The example installed as its comment says (both files in mu-plugins/), with WordPress's
    four functions stubbed."""
    for name in ("placepix.php", "examples/wordpress-shortcode.php"):
        shutil.copy(CLIENTS / "php" / name, tmp_path)
    (tmp_path / "run.php").write_text(WORDPRESS_STUBS)
    atts = {"text": "jane@example.com", "size": "300x40", "alt": "our e-mail address"}
    html = shortcode(tmp_path, token_server, atts)
    assert "jane" not in html and 'alt="our e-mail address"' in html
    assert 'width="300" height="40"' in html
    match = re.search(r'src="([^"]+)"', html)
    assert match is not None, html
    image = fetch(token_server, unescape(match.group(1)).removeprefix(token_server.url))
    assert image.size == (300, 40)
    assert "size=" in shortcode(tmp_path, token_server, {"text": "x"})  # a comment, no <img>


def _path() -> str:
    return os.environ["PATH"]
