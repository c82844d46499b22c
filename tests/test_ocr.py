"""The OCR attack of issue 22, measured: tesseract (deploy/apt-packages-test.txt) tries
every image of a seeded corpus of 200 texts raw, upscaled and binarised, in two page
segmentation modes (scripts/ocr_attack.py, which this test runs and whose table it prints).
Plain images must read (else the corpus or the attacker is broken), distorted ones must not.

The attack takes about two minutes on two cores. The script's own parts (corpus, normalisation,
Otsu, the tesseract driver) are checked first, quickly and without the marker."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scripts import ocr_attack
from scripts.ocr_attack import FONTS, KINDS, corpus, is_read, normalise, otsu_threshold

ROOT = Path(__file__).parent.parent
MIN_PLAIN = 0.95  # of plain images read: the corpus is readable and the attacker works
MAX_DISTORTED = 0.10  # of distorted images read, at every level (1 is the default)


def test_the_corpus_is_seeded_and_covers_every_kind_font_and_size() -> None:
    samples = corpus(200, seed=22)
    assert samples == corpus(200, seed=22) and samples != corpus(200, seed=23)
    assert {s.kind for s in samples} == set(KINDS)
    assert {s.font for s in samples} == set(FONTS)
    assert all(200 <= s.width <= 600 and 40 <= s.height <= 80 for s in samples)
    assert len({s.text for s in samples}) > 190
    prices = "".join(s.text for s in samples if s.kind == "price")
    assert all(symbol in prices for symbol in "€$£¥₹")


def test_normalisation_drops_case_spaces_punctuation_and_currency() -> None:
    assert normalise("€1,299.00") == normalise("1 299 00") == "129900"
    assert normalise("Jane.Doe@Example.com") == "janed0eexamp1ec0m"  # O/0, l/1 folded
    assert is_read("+44 20 7946 0958", "call 44 (20) 7946-0958 now")
    assert is_read("Zoë Berg", "ZOE BERG")
    assert not is_read("+44 20 7946 0958", "44 20 7946 0956")
    assert not is_read("¥700", "")


def test_otsu_splits_two_grey_levels() -> None:
    histogram = [0] * 256
    histogram[40], histogram[200] = 300, 700
    assert 40 <= otsu_threshold(histogram) < 200


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")
def test_the_tesseract_driver_reads_a_list_of_images_in_order(tmp_path: Path) -> None:
    paths = []
    for index, text in enumerate(["HELLO 42", "", "WORLD 7"]):
        image = Image.new("L", (400, 80), 255)
        ImageDraw.Draw(image).text((20, 20), text, fill=0, font_size=36)
        paths.append(tmp_path / f"{index}.png")
        image.save(paths[-1])
    read = ocr_attack.tesseract(paths, psm=7, workdir=tmp_path)
    assert len(read) == 3
    assert is_read("HELLO 42", read[0]) and is_read("WORLD 7", read[2])
    assert not is_read("WORLD 7", read[1])


@pytest.mark.ocr
def test_off_the_shelf_ocr_reads_plain_text_and_not_distorted_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rates = tmp_path / "rates.json"
    command = [sys.executable, str(ROOT / "scripts" / "ocr_attack.py"), "--json", str(rates)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=ROOT)
    with capsys.disabled():
        print(f"\n{result.stdout}{result.stderr}")
    measured = json.loads(rates.read_text())
    assert measured["samples"] >= 200
    levels = measured["rates"]
    assert levels["0"]["all"] >= MIN_PLAIN, levels["0"]
    for level in ("1", "2", "3"):
        assert levels[level]["all"] <= MAX_DISTORTED, (level, levels[level])
    assert result.returncode == 0, result.stderr
