"""The text engine's in-process speed, as ratios against the naive Pillow service of
bench/inprocess.py timed in the same run (its text drawn with `ImageDraw.text` in one font,
fitted to one line): a cold 300x200 size label (every text cache emptied first), and new text
of 10, 100 and 500 characters, Latin and CJK, on 600x400 PNG (a text not seen before each
time, fonts and the glyphs of earlier texts known, as in a running server).

Only `bench.subject.Subject` touches placepix, so bench/sidebyside.py can time an older
checkout with this code."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import placepix
from bench.inprocess import LATO, Naive
from bench.subject import Subject
from bench.timing import median_ms

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
LENGTHS = (10, 100, 500)
WORDS = [
    *("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed"),
    *("do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna"),
    *("aliqua", "placeholder", "image", "text", "wraps", "between", "words"),
]


def latin_texts(length: int) -> Iterator[str]:
    """Texts of about `length` characters, a new one each time (a number leads it)."""
    rng = random.Random(length)
    for number in itertools.count():
        words = [str(number)]
        while len(" ".join(words)) < length:
            words.append(rng.choice(WORDS))
        yield " ".join(words)[:length].strip()


def cjk_texts(length: int) -> Iterator[str]:
    """`length` common CJK ideographs, new each time."""
    rng = random.Random(length)
    while True:
        yield "".join(chr(rng.randrange(0x4E00, 0x6000)) for _ in range(length))


def in_new_texts(
    texts: Iterator[str], render: Callable[[placepix.ImageSpec], bytes]
) -> Callable[[], bytes]:
    spec = placepix.parse_url("600x400.png")
    return lambda: render(replace(spec, text=next(texts)))


def repetitions(length: int, quick: bool) -> int:
    return (5 if quick else 21) if length >= 500 else (9 if quick else 41)


def run(quick: bool = False) -> list[dict[str, object]]:
    subject, naive = Subject(), Naive()
    cjk_naive = Naive(CJK_FONT if CJK_FONT.exists() else LATO)
    label = placepix.parse_url("300x200.png")
    repeat = 15 if quick else 61
    rows = [
        _row("cold 300x200 label", median_ms(partial(naive.cold, label), repeat),
             median_ms(partial(subject.cold, label), repeat)),
    ]  # fmt: skip
    for script, texts, baseline in (("Latin", latin_texts, naive), ("CJK", cjk_texts, cjk_naive)):
        for length in LENGTHS:
            repeat = repetitions(length, quick)
            ours = median_ms(in_new_texts(texts(length), subject.warm), repeat)
            theirs = median_ms(in_new_texts(texts(length), baseline.render), repeat)
            rows.append(_row(f"new {script} text, {length} characters", theirs, ours))
    return rows


def _row(case: str, naive_ms: float, ms: float) -> dict[str, object]:
    return {
        "case": case,
        "naive_ms": round(naive_ms, 3),
        "ms": round(ms, 3),
        "ratio": round(naive_ms / ms, 2),
    }
