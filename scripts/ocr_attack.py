"""An off-the-shelf OCR attack on placepix text images (issue 22): how many texts tesseract reads,
plain and at each `distort` level, per kind of text and per font.

    python scripts/ocr_attack.py                          # 200 texts, levels 0-3
    python scripts/ocr_attack.py --count 1000 --levels 0,1 --json rates.json

The corpus is seeded (`--seed`): e-mail addresses, phone numbers, prices in several currencies,
names and IBAN-like codes, spread round-robin over the bundled fonts, 200-600 pixels wide and
40-80 high, in dark-on-light and light-on-dark colour pairs that all pass WCAG AA. Each image
is rendered in-process as `placepix.render()` makes it (the bytes a server sends for the URL or
its token).

The attacker is what a scraper can run without training anything: tesseract 5 (Debian's
`tesseract-ocr`, English LSTM model) on the image raw, upscaled 2x and 3x, and binarised with
Otsu's threshold (dark text on white, at 2x), each in page-segmentation modes 7 (one line) and
8 (one word). A text counts as read when any attempt, after normalisation (NFKD, accents,
case, white space, punctuation and currency symbols dropped, O/0 and I/l/1/| folded), contains
the text's normalisation: an attacker pulls an address out of a noisy line with a regular
expression.
Attempts stop at the first that reads. Tesseract runs once per attempt round on a list of
files (its model loads once), in `--jobs` processes of one thread each.

Only `placepix.render` is imported, so the same script measures an older checkout:
`/work/baseline/.venv/bin/python scripts/ocr_attack.py --levels 0,1 --fonts lato`.
Exit status 1 when a rate breaks `--max-distorted` (any level >= 1) or `--min-plain`.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from PIL import Image, ImageOps

import placepix

KINDS = ("email", "phone", "price", "name", "iban")
# The fonts placepix bundles (docs/fonts.md): every corpus text is drawn in one of them.
FONTS = (
    "lato",
    "montserrat",
    "poppins",
    "roboto-slab",
    "source-sans-3",
    "raleway",
    "oswald",
    "lora",
    "playfair-display",
    "bebas-neue",
    "lobster",
    "yanone-kaffeesatz",
)
# Background and text colours; every pair has a WCAG contrast of at least 4.5:1.
COLOURS = (
    ("ffffff", "222222"),
    ("ffffff", "1d4ed8"),
    ("f8fafc", "334155"),
    ("fef3c7", "7c2d12"),
    ("ecfdf5", "065f46"),
    ("1e293b", "f8fafc"),
)
# (variant, page-segmentation mode), in the order the attacker tries them.
ATTEMPTS = tuple((variant, psm) for variant in ("raw", "x2", "x3", "otsu") for psm in (7, 8))

_FIRST = (
    "jane", "john", "maria", "ahmed", "li", "olga", "pierre", "sofia", "kenji", "amara",
    "lucas", "emma", "noah", "fatima", "ivan", "chloe", "diego", "hannah", "omar", "yuki",
)  # fmt: skip
_LAST = (
    "doe", "smith", "garcia", "novak", "chen", "okafor", "dubois", "rossi", "tanaka", "berg",
    "kowalski", "martin", "silva", "haddad", "jensen", "murphy", "fischer", "moreau", "ali",
)  # fmt: skip
_DOMAINS = (
    "example.com", "mail.co.uk", "acme-shop.de", "posteo.net", "example.org", "uni-bonn.de",
    "studio.io", "firma.ch",
)  # fmt: skip
_PHONES = (
    "+44 20 #### ####", "+1 (###) ###-####", "+49 30 ########", "+33 # ## ## ## ##",
    "(0##) #### ####", "+81 3-####-####", "+39 06 #### ####", "+31 ## ### ####",
)  # fmt: skip
_LOOK_ALIKES = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1", "!": "1", "]": "1"})
_IBAN_COUNTRIES = ("GB", "DE", "FR", "NL", "ES", "IT", "BE", "CH", "AT", "PL")


@dataclass(frozen=True)
class Sample:
    """One corpus text and how it is drawn."""

    kind: str
    text: str
    font: str
    width: int
    height: int
    colours: tuple[str, str]

    def url(self, level: int) -> str:
        background, foreground = self.colours
        query = f"text={quote(self.text, safe='')}&font={self.font}"
        query += f"&distort={level}" if level else ""
        return f"/{self.width}x{self.height}/{background}/{foreground}.png?{query}"


def corpus(count: int, seed: int, fonts: Sequence[str] = FONTS) -> list[Sample]:
    """`count` texts, as many of each kind (in turn), fonts round-robin, sizes and colours at
    random; the same for the same `seed`."""
    rng = random.Random(seed)
    samples = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
        text = _TEXTS[kind](rng)
        width = rng.randint(max(200, min(600, len(text) * 13)), 600)
        height = rng.randint(40, 80)
        font = fonts[index % len(fonts)]
        samples.append(Sample(kind, text, font, width, height, rng.choice(COLOURS)))
    return samples


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if c == "#" else c for c in pattern)


def _email(rng: random.Random) -> str:
    first, last, domain = rng.choice(_FIRST), rng.choice(_LAST), rng.choice(_DOMAINS)
    local = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}{rng.randrange(10, 99)}", f"{first}_{last}", first)
    )
    return f"{local}@{domain}"


def _phone(rng: random.Random) -> str:
    return _digits(rng, rng.choice(_PHONES))


def _price(rng: random.Random) -> str:
    whole = rng.choice((rng.randrange(1, 100), rng.randrange(100, 10_000)))
    cents = rng.randrange(100)
    english = f"{whole:,}.{cents:02d}"
    european = english.replace(",", " ").replace(".", ",").replace(" ", ".")
    return rng.choice(
        (
            f"€{english}",
            f"{european} €",
            f"${english}",
            f"£{english}",
            f"¥{whole * 100:,}",
            f"CHF {english}",
            f"₹{whole:,}",
            f"US$ {english}",
        )
    )


def _name(rng: random.Random) -> str:
    first, last = rng.choice(_FIRST).title(), rng.choice(_LAST).title()
    return rng.choice((f"{first} {last}", f"{first[0]}. {last}", f"Dr {first} {last}"))


def _iban(rng: random.Random) -> str:
    body = rng.choice(_IBAN_COUNTRIES) + _digits(rng, "##")
    body += "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(4))
    body += _digits(rng, "#" * rng.choice((10, 12, 14)))
    return " ".join(body[i : i + 4] for i in range(0, len(body), 4))


_TEXTS: dict[str, Callable[[random.Random], str]] = {
    "email": _email,
    "phone": _phone,
    "price": _price,
    "name": _name,
    "iban": _iban,
}


def normalise(text: str) -> str:
    """Letters and digits only, lower case, accents dropped, look-alikes folded: what is left
    for the attacker to compare once case, white space, punctuation and currency symbols are
    set aside, and O/0 and I/l/1/| are taken as one (as a scraper that knows it wants a phone
    number or an IBAN would)."""
    decomposed = unicodedata.normalize("NFKD", text).casefold().translate(_LOOK_ALIKES)
    return "".join(c for c in decomposed if c.isalnum() and c.isascii())


def is_read(expected: str, ocr: str) -> bool:
    """Whether OCR output gives the text away: its normalisation contains the expected one."""
    wanted = normalise(expected)
    return bool(wanted) and wanted in normalise(ocr)


def recovered(expected: str, ocr: str) -> float:
    """The share of the text's normalised characters that OCR output has, in order (difflib's
    matching blocks): 1.0 when read, and what a near miss still gives away."""
    wanted, got = normalise(expected), normalise(ocr)
    if not wanted:
        return 0.0
    blocks = difflib.SequenceMatcher(None, wanted, got, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) / len(wanted)


def variant(image: Image.Image, name: str) -> Image.Image:
    """The image as the attacker feeds it to tesseract: `raw`, upscaled (`x2`, `x3`), or
    binarised with Otsu's threshold at 2x, dark text on white."""
    grey = image.convert("L")
    if name == "raw":
        return grey
    factor = 3 if name == "x3" else 2
    upscaled = grey.resize((grey.width * factor, grey.height * factor), Image.Resampling.LANCZOS)
    if name != "otsu":
        return upscaled
    threshold = otsu_threshold(upscaled.histogram())
    binary = upscaled.point(lambda v: 255 if v > threshold else 0)
    light_pixels = sum(binary.histogram()[128:])
    return binary if light_pixels * 2 >= binary.width * binary.height else ImageOps.invert(binary)


def otsu_threshold(histogram: Sequence[int]) -> int:
    """Otsu's threshold of a 256-bin histogram: the grey level that best separates two classes
    (the largest between-class variance)."""
    total = sum(histogram)
    weighted_total = sum(i * n for i, n in enumerate(histogram))
    best, best_variance = 0, -1.0
    below = weighted_below = 0
    for level, count in enumerate(histogram):
        below += count
        weighted_below += level * count
        above = total - below
        if below == 0 or above == 0:
            continue
        mean_below = weighted_below / below
        mean_above = (weighted_total - weighted_below) / above
        variance = below * above * (mean_below - mean_above) ** 2
        if variance > best_variance:
            best, best_variance = level, variance
    return best


def tesseract(paths: Sequence[Path], psm: int, workdir: Path) -> list[str]:
    """The text tesseract reads in each image of `paths` (one process, one thread, the model
    loaded once for the lot: a file list), in order."""
    listing = workdir / f"list-{os.getpid()}-{id(paths)}.txt"
    listing.write_text("".join(f"{path}\n" for path in paths))
    command = ["tesseract", str(listing), "stdout", "--psm", str(psm), "-l", "eng", "tsv"]
    env = os.environ | {"OMP_THREAD_LIMIT": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    words: list[list[str]] = [[] for _ in paths]
    for line in result.stdout.splitlines()[1:]:
        columns = line.split("\t")
        if len(columns) == 12 and columns[0] == "5" and columns[11].strip():
            words[int(columns[1]) - 1].append(columns[11])
    return [" ".join(page) for page in words]


@dataclass
class Result:
    """What the attacker read, per sample and level."""

    samples: list[Sample]
    levels: list[int]
    read: dict[tuple[int, int], str] = field(default_factory=dict)  # (level, index) -> attempt
    # (level, index) -> the largest share of characters any attempt recovered
    recovered: dict[tuple[int, int], float] = field(default_factory=dict)
    seconds: float = 0.0

    def rate(
        self, level: int, key: Callable[[Sample], str] | None = None, value: str = ""
    ) -> float:
        """The share of samples read at `level` (those whose `key` is `value`, when given)."""
        chosen = [i for i, s in enumerate(self.samples) if key is None or key(s) == value]
        if not chosen:
            return 0.0
        return sum((level, i) in self.read for i in chosen) / len(chosen)

    def characters(self, level: int) -> float:
        """The mean share of characters recovered at `level` (best attempt per image)."""
        shares = [self.recovered.get((level, i), 0.0) for i in range(len(self.samples))]
        return sum(shares) / max(1, len(shares))

    def table(self) -> str:
        """Read rates in per cent: one row per level, a column per kind, then all, and the mean
        share of characters the best attempt recovered."""
        header = f"{'distort':>8}" + "".join(f"{k:>8}" for k in (*KINDS, "all", "chars"))
        rows = [header]
        for level in self.levels:
            cells = [self.rate(level, lambda s: s.kind, kind) for kind in KINDS]
            cells += [self.rate(level), self.characters(level)]
            rows.append(f"{level:>8}" + "".join(f"{100 * c:7.1f}%" for c in cells))
        return "\n".join(rows)

    def font_table(self) -> str:
        fonts = sorted({s.font for s in self.samples})
        rows = [f"{'font':>18}" + "".join(f"{'d=' + str(level):>8}" for level in self.levels)]
        for font in fonts:
            cells = [self.rate(level, lambda s: s.font, font) for level in self.levels]
            rows.append(f"{font:>18}" + "".join(f"{100 * c:7.1f}%" for c in cells))
        return "\n".join(rows)

    def attempts(self) -> str:
        counts = Counter(self.read.values())
        return ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))

    def as_json(self) -> dict[str, object]:
        return {
            "samples": len(self.samples),
            "seconds": round(self.seconds, 1),
            "rates": {
                str(level): {
                    "all": self.rate(level),
                    "characters": self.characters(level),
                    **{kind: self.rate(level, lambda s: s.kind, kind) for kind in KINDS},
                }
                for level in self.levels
            },
            "read_by_attempt": dict(Counter(self.read.values())),
        }


def attack(samples: Sequence[Sample], levels: Iterable[int], jobs: int = 2) -> Result:
    """Render every sample at every level and try the attempts of ATTEMPTS on each image until
    one reads it."""
    if shutil.which("tesseract") is None:
        raise RuntimeError("tesseract is not installed (Debian: tesseract-ocr)")
    started = time.monotonic()
    result = Result(list(samples), list(levels))
    images = {
        (level, index): _decode(placepix.render(sample.url(level)).data)
        for level in result.levels
        for index, sample in enumerate(result.samples)
    }
    pending = list(images)
    with (
        tempfile.TemporaryDirectory(prefix="placepix-ocr-") as tmp,
        ThreadPoolExecutor(jobs) as pool,
    ):
        workdir = Path(tmp)
        for name, psm in ATTEMPTS:
            if not pending:
                break
            paths = []
            for level, index in pending:
                path = workdir / f"{name}-{level}-{index}.png"
                if not path.exists():
                    variant(images[level, index], name).save(path, compress_level=1)
                paths.append(path)
            chunks = [paths[j::jobs] for j in range(jobs)]
            keys = [pending[j::jobs] for j in range(jobs)]
            texts = pool.map(functools.partial(tesseract, psm=psm, workdir=workdir), chunks)
            for chunk_keys, chunk_texts in zip(keys, texts, strict=True):
                for key, text in zip(chunk_keys, chunk_texts, strict=True):
                    expected = result.samples[key[1]].text
                    share = recovered(expected, text)
                    result.recovered[key] = max(share, result.recovered.get(key, 0.0))
                    if is_read(expected, text):
                        result.read[key] = f"{name}/psm{psm}"
                        result.recovered[key] = 1.0
            pending = [key for key in pending if key not in result.read]
    result.seconds = time.monotonic() - started
    return result


def _decode(data: bytes) -> Image.Image:
    import io

    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="texts in the corpus")
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--levels", default="0,1,2,3", help="distort levels, comma-separated")
    parser.add_argument("--fonts", default=",".join(FONTS), help="fonts, comma-separated")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--min-plain", type=float, default=0.95, help="level 0 must read this")
    parser.add_argument("--max-distorted", type=float, default=0.10, help="levels >= 1: at most")
    parser.add_argument("--json", type=Path, help="also write the rates here")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    samples = corpus(args.count, args.seed, args.fonts.split(","))
    result = attack(samples, levels, max(1, args.jobs))
    print(f"{len(samples)} texts, tesseract read rates ({result.seconds:.0f} s):")
    print(result.table())
    print(result.font_table())
    print(f"read by: {result.attempts() or 'nothing'}")
    if args.json:
        args.json.write_text(json.dumps(result.as_json(), indent=2) + "\n")
    failed = [f"plain {result.rate(0):.1%} < {args.min_plain:.0%}"] if 0 in levels else []
    failed = failed if 0 in levels and result.rate(0) < args.min_plain else []
    failed += [
        f"distort={level} {result.rate(level):.1%} > {args.max_distorted:.0%}"
        for level in levels
        if level and result.rate(level) > args.max_distorted
    ]
    for problem in failed:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
