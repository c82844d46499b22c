"""Fonts end to end, against real servers over loopback: every font name the anchors offer
renders (issue 20), /fonts says where each comes from, and bad files in a font directory cost
nothing but a line in /fonts (issue 18, rows 6 and 7)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from PIL import Image, ImageChops

from scripts.attack_bad_fonts import BAD_FILES, Tally, arguments, make_bad_font_dir, report
from tests.conftest import decode
from tests.server import running_server

pytestmark = pytest.mark.e2e  # a real server in every test but the script's own checks

ROOT = Path(__file__).parent.parent
ANCHOR_NAMES = {  # name -> family: placehold.co's, then fakeimg.pl's
    "montserrat": "Montserrat",
    "poppins": "Poppins",
    "raleway": "Raleway",
    "oswald": "Oswald",
    "lora": "Lora",
    "playfair-display": "Playfair Display",
    "source-sans-pro": "Source Sans 3",
    "bebas": "Bebas Neue",
    "lobster": "Lobster",
    "yanone": "Yanone Kaffeesatz",
    "museo": "Roboto Slab",
}
TEXT = "Hamburgefonstiv 350x200"


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    """A server of this module's own, on default settings. Not conftest's session server:
    started this early in the run it would still be a child of pytest when
    test_fuzz_script.py's worker discovery expects the test process to have none."""
    with running_server() as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


def draw(client: httpx.Client, extra: str = "", text: str = TEXT) -> Image.Image:
    response = client.get(f"/480x120/fff/000.png?text={quote(text)}{extra}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return decode(response.content).convert("L")


def differing_pixels(one: Image.Image, other: Image.Image) -> int:
    return sum(
        ImageChops.difference(one, other).point(lambda v: 255 if v > 64 else 0).histogram()[255:]
    )


@pytest.mark.parametrize("name", sorted(ANCHOR_NAMES))
def test_each_anchor_font_name_renders_in_its_own_design(client: httpx.Client, name: str) -> None:
    default = draw(client)
    image = draw(client, f"&font={name}")
    assert ImageChops.difference(image, Image.new("L", image.size, 255)).getbbox()  # ink drawn
    assert differing_pixels(image, default) > 500  # of 57,600: not Lato with a few pixels moved


def test_the_anchor_fonts_all_differ_from_each_other(client: httpx.Client) -> None:
    images = {name: draw(client, f"&font={name}").tobytes() for name in ANCHOR_NAMES}
    assert len(set(images.values())) == len(ANCHOR_NAMES)


def test_an_alias_draws_exactly_what_its_font_draws(client: httpx.Client) -> None:
    for alias, name in (
        ("bebas", "bebas-neue"),
        ("museo", "roboto-slab"),
        ("yanone", "yanone-kaffeesatz"),
    ):
        assert draw(client, f"&font={alias}").tobytes() == draw(client, f"&font={name}").tobytes()


def test_fonts_lists_every_anchor_name_with_family_licence_and_source(client: httpx.Client) -> None:
    described = client.get("/fonts").json()
    fonts = {font["name"]: font for font in described["fonts"]}
    for name, family in ANCHOR_NAMES.items():
        font = fonts[described["aliases"].get(name, name)]
        assert font["family"] == family and font["source"] == "bundled"
        assert font["licence"] in ("OFL-1.1", "Apache-2.0")
        assert font["upstream"].startswith("https://github.com/")
    assert "Museo Slab" in described["stand_ins"]["museo"]["note"]
    assert described["stand_ins"]["museo"]["font"] == "roboto-slab"
    assert described["skipped"] == []


def test_info_json_lists_the_bundled_names(client: httpx.Client) -> None:
    names = client.get("/info.json").json()["fonts"]
    assert {"montserrat", "bebas-neue", "source-sans-3", "yanone-kaffeesatz", "roboto-slab"} <= set(
        names
    )


@pytest.fixture(scope="module")
def bad_font_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Two workers whose font directory holds a corrupt Noto font, an empty file, a FIFO and a
    dangling symlink."""
    directory = tmp_path_factory.mktemp("bad-fonts")
    make_bad_font_dir(directory)
    with running_server({"PLACEPIX_FONT_DIRS": json.dumps([str(directory)])}, workers=2) as server:
        yield server.url


def test_bad_font_files_are_listed_as_skipped_with_their_reasons(bad_font_server: str) -> None:
    skipped = httpx.get(f"{bad_font_server}/fonts", timeout=10).json()["skipped"]
    reasons = {entry["file"]: entry["reason"] for entry in skipped}
    assert set(reasons) == set(BAD_FILES)
    assert reasons["Empty-Regular.ttf"] == "empty file"
    assert reasons["Fifo-Regular.ttf"] == "not a regular file (a FIFO)"
    assert reasons["Gone-Regular.ttf"] == "dangling symlink"
    assert reasons["NotoSansZzzz-Regular.ttf"].startswith("truncated")


@pytest.mark.parametrize(
    "text", ["Hello 😀", "Hello placeholder", "日本語の文字", "😀😀 漢字 mixed"]
)
def test_text_renders_beside_bad_font_files(bad_font_server: str, text: str) -> None:
    with httpx.Client(base_url=bad_font_server, timeout=10) as client:
        for number in range(4):  # new text each time: rendered, not cached; both workers
            draw(client, text=f"{text} {number}")


def test_bad_font_names_are_4xx_and_healthz_stays_fast(bad_font_server: str) -> None:
    with httpx.Client(base_url=bad_font_server, timeout=10) as client:
        for name in BAD_FILES.values():
            response = client.get(f"/300x100.png?text=x&font={name}")
            assert response.status_code == 400 and "unknown font" in response.text
        seconds = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            seconds.append(time.perf_counter() - started)
    assert max(seconds) < 0.1


def test_the_bad_fonts_attack_script_passes() -> None:
    """scripts/attack_bad_fonts.py with its thresholds: 0 × 5xx, no request unanswered within
    5 s, /healthz under 500 ms, the server stops within 10 s of SIGTERM."""
    command = [sys.executable, str(ROOT / "scripts" / "attack_bad_fonts.py"), "--workers", "2"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5xx: 0; no answer within 5 s: 0" in result.stdout
    assert result.stdout.rstrip().endswith("passed")


@pytest.mark.parametrize(
    ("statuses", "failures", "stop_seconds", "healthz", "status"),
    [
        ({("text latin", 200): 3}, {}, 0.5, 0.002, 0),  # all well: the checks can pass
        ({("text emoji", 500): 1}, {"text emoji: 500 b'internal error'": 1}, 0.5, 0.002, 1),
        ({}, {"font=fifo: no answer (TimeoutError)": 2}, 0.5, 0.002, 1),
        ({("text latin", 200): 3}, {}, -1.0, 0.002, 1),  # never stopped after SIGTERM
        ({("text latin", 200): 3}, {}, 0.5, 0.9, 1),  # /healthz slow
    ],
)
def test_the_attack_script_fails_on_what_it_guards(
    statuses: dict[tuple[str, int], int],
    failures: dict[str, int],
    stop_seconds: float,
    healthz: float,
    status: int,
) -> None:
    tally = Tally()
    tally.statuses.update(statuses)
    tally.failures.update(failures)
    for kind, _ in statuses:
        tally.seconds[kind].append(0.01)
    tally.seconds["healthz"].append(healthz)
    assert report(tally, [], stop_seconds, arguments(["--requests", "3"])) == status
