"""The text gallery: the golden images of the text engine, and the before/after pictures of
what it draws differently from the engine it replaced, with docs/text-gallery.md showing both.

    python -m scripts.text_gallery                          # tests/golden/*.png, the page
    python -m scripts.text_gallery --baseline ../baseline   # and docs/gallery/*-before|after.png

Golden images are this checkout's renders of `GOLDEN`; tests/test_golden.py compares renders
with them within a stated tolerance (so a FreeType or HarfBuzz update that moves a few edge
pixels passes, and a wrong order, a missing join or a lost glyph fails). Before pictures are
drawn by another checkout's own `placepix render` (`--baseline DIR`, with its .venv); the
case that needs it runs that command with libfribidi hidden (`unshare -rm`, a private mount
namespace), as on a machine without it.
"""

from __future__ import annotations

import argparse
import glob
import os
import shlex
import subprocess
import unicodedata
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import placepix

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden"
GALLERY_DIR = ROOT / "docs" / "gallery"
LONG_TEXT = (
    "Placeholder text wraps between words and keeps its lines inside the padding; when the "
    "text would need a size below the minimum legible one, it ends with an ellipsis instead "
    "of shrinking further, as this sentence does once it runs on long enough to fill the box"
)


class Case(NamedTuple):
    name: str
    url: str
    what: str  # what to look for, for the gallery page


GOLDEN = [
    Case(
        "latin",
        "/640x160/fff/111.png?text=Sphinx of black quartz, judge “my” vow: ﬁ fl 0123",
        "kerning, ligatures, curly quotes",
    ),
    Case(
        "cjk",
        "/640x160/fff/111.png?text=日本語のテキスト 中文汉字 한국어",
        "Japanese, Chinese and Korean from Noto Sans CJK",
    ),
    Case(
        "arabic",
        "/640x160/fff/111.png?text=مرحبا بالعالم (test) 123 [٣٠٠]",
        "joined letters; right to left with numbers and brackets in UBA order",
    ),
    Case(
        "hebrew",
        "/640x160/fff/111.png?text=שלום world 123! (עברית)",
        "a right-to-left paragraph with a Latin word, numbers and mirrored brackets",
    ),
    Case(
        "devanagari",
        "/640x160/fff/111.png?text=नमस्ते दुनिया क्षत्रिय हिन्दी",
        "conjuncts and the i-matra before its consonant",
    ),
    Case("thai", "/640x160/fff/111.png?text=ภาษาไทย สวัสดีครับ ผู้ใหญ่", "stacked tone marks and vowels"),
    Case(
        "emoji",
        "/640x160/fff/111.png?text=👩‍💻 👨‍👩‍👧‍👦 🇫🇷 🇯🇵 👍🏽 1️⃣",
        "ZWJ sequences, flags, a skin tone and a keycap, each one colour glyph",
    ),
    Case(
        "long",
        f"/400x300/fff/111.png?text={LONG_TEXT}",
        "long text wrapped on words, ending in an ellipsis at the minimum size",
    ),
    Case("label", "/600x400.png", "the size label, centred on its ink"),
]


class Change(NamedTuple):
    name: str
    url: str
    before: str  # what the old engine drew
    after: str
    hide_fribidi: bool = False


CHANGES = [
    Change(
        "bidi",
        "/600x160/fff/111.png?text=مرحبا (test) 123",
        "runs in the wrong order: “(test) 123 مرحبا”",
        "the Unicode bidi algorithm's order: “123 (test) مرحبا” read right to left",
    ),
    Change(
        "emoji-space",
        "/600x160/fff/111.png?text=👍 👍&font_size=60",
        "a ~90 px gap (the emoji font's space, scaled)",
        "the text font's space",
    ),
    Change(
        "long-text",
        f"/200x100/fff/111.png?text={LONG_TEXT} {LONG_TEXT[:200]}",
        "shrunk to ~4 px",
        "9 px, wrapped, ending in …",
    ),
    Change(
        "long-word",
        "/300x100/fff/111.png?text=" + "Supercalifragilisticexpialidocious" * 3,
        "shrunk to ~4 px to fit one line",
        "9 px, broken between letters",
    ),
    Change(
        "label-600",
        "/600x400.png",
        "ink 5 px above the middle (centred on the font's box)",
        "centred on its ink",
    ),
    Change("label-1920", "/1920x1080.png", "ink 14 px above the middle", "centred on its ink"),
    Change(
        "no-fribidi",
        "/600x160/fff/111.png?text=مرحبا بالعالم नमस्ते",
        "without libfribidi: Arabic unjoined and left to right, Devanagari unshaped",
        "the same as with it",
        hide_fribidi=True,
    ),
    Change(
        "marks",
        "/300x400/fff/111.png?text=a" + "\u0301" * 40 + "&font=dejavu-sans&font_size=30",
        "every mark stacked (40 here, off the top; 330 cost 190 MiB)",
        "16 marks a character, the rest dropped",
    ),
    Change(
        "hinting",
        "/300x60/fff/111.png?text=Hamburgefonstiv 0123&font_size=13",
        "the fonts' own (bytecode) hinting",
        "light hinting: vertical snapping only, shapes at their unhinted widths",
    ),
]


def render_here(url: str, target: Path) -> None:
    target.write_bytes(placepix.render(url.lstrip("/")).data)


def render_with(baseline: Path, url: str, target: Path, hide_fribidi: bool) -> None:
    """`url` drawn by the checkout at `baseline` (its own .venv and CLI)."""
    command = [str(baseline / ".venv" / "bin" / "placepix"), "render", url.lstrip("/")]
    command += ["-o", str(target)]
    if hide_fribidi:
        files = {os.path.realpath(p) for p in glob.glob("/usr/lib/*/libfribidi.so*")}
        files |= {os.path.realpath(p) for p in glob.glob("/lib/*/libfribidi.so*")}
        mounts = "".join(f"mount --bind /dev/null {shlex.quote(p)} && " for p in sorted(files))
        command = ["unshare", "-rm", "sh", "-c", mounts + shlex.join(command)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=baseline)
    if done.returncode:
        raise SystemExit(f"{shlex.join(command)} failed: {done.stderr.strip()}")


PAGE_HEAD = """# Text gallery

What the text engine (`placepix/text/`: HarfBuzz through uharfbuzz, FreeType through
freetype-py, the Unicode bidi algorithm through python-bidi; [fonts.md](fonts.md#how-text-is-drawn))
draws, script by script. Generated by `python -m scripts.text_gallery --baseline DIR` from the
cases in `scripts/text_gallery.py`; do not edit by hand.

## Golden images

Each is this checkout's render of its URL, kept in `tests/golden/`; `tests/test_golden.py`
renders the URL again and compares pixels with a stated tolerance: a mean difference of at most
1.0 per channel, and at most 0.2 % of the pixels more than 64 levels off (a one-pixel shift of a
line is 3.6 and 2.3 %; a FreeType or HarfBuzz update that moves anti-aliased edges stays well
inside). Bidi order is checked on the visual string too (`tests/test_bidi.py`).

| case | what to look for | image |
|---|---|---|
"""
PAGE_CHANGES = """
## What the engine draws differently from before

Before: the engine this one replaced (a ctypes binding to the FreeType and HarfBuzz inside
Pillow's wheel for plain text, Pillow's own raqm layout for the rest), rendered by that
checkout's own `placepix render`; after: this one. Each pair is the same URL.

| change | URL | before | after |
|---|---|---|---|
"""


def page() -> str:
    """docs/text-gallery.md, from GOLDEN and CHANGES."""
    rows = [
        f"| {case.name} | {case.what} | ![{case.name}](../tests/golden/{case.name}.png) |"
        for case in GOLDEN
    ]
    changes = [
        f"| **{change.name}**: {change.before} → {change.after} | `{_short(change.url)}` | "
        f"![before](gallery/{change.name}-before.png) | ![after](gallery/{change.name}-after.png) |"
        for change in CHANGES
    ]
    return PAGE_HEAD + "\n".join(rows) + "\n" + PAGE_CHANGES + "\n".join(changes) + "\n"


def _short(url: str) -> str:
    """`url` as the page shows it: combining marks percent-encoded (else they stack on the
    character before them), long ones cut."""
    url = "".join(quote(c) if unicodedata.category(c)[0] == "M" else c for c in url)
    return url if len(url) <= 70 else url[:60] + "…"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.text_gallery", description=__doc__)
    parser.add_argument("--baseline", type=Path, help="a checkout of the old engine, with .venv")
    args = parser.parse_args()
    GOLDEN_DIR.mkdir(exist_ok=True)
    for case in GOLDEN:
        render_here(case.url, GOLDEN_DIR / f"{case.name}.png")
        print(f"tests/golden/{case.name}.png")
    (ROOT / "docs" / "text-gallery.md").write_text(page())
    print("docs/text-gallery.md")
    if args.baseline is None:
        return
    GALLERY_DIR.mkdir(exist_ok=True)
    for change in CHANGES:
        before = GALLERY_DIR / f"{change.name}-before.png"
        render_with(args.baseline.resolve(), change.url, before, change.hide_fribidi)
        render_here(change.url, GALLERY_DIR / f"{change.name}-after.png")
        print(f"docs/gallery/{change.name}-before.png, -after.png")


if __name__ == "__main__":
    main()
