"""The text engine needs neither raqm nor libfribidi: Pillow loads raqm only where the system
has libfribidi, and the old engine then drew Arabic unjoined and left to right, silently. Here a
process runs with libfribidi hidden (a private mount namespace, `unshare -rm`, with /dev/null
bound over the library), and draws the same bytes as one that has it, Arabic joined and
Devanagari shaped."""

from __future__ import annotations

import glob
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "arabic": "/600x200/fff/000.png?text=مرحبا بالعالم (test) 123",
    "devanagari": "/600x200/fff/000.png?text=क्षत्रिय नमस्ते",
    "mixed": "/600x200/fff/000.png?text=Hello 日本語 שלום 😀",
}
PROBE = """
import json, sys
from PIL import features
import placepix
from placepix.render import Renderer

renderer = Renderer()
found = {"raqm": features.check("raqm"), "fribidi": features.check("fribidi")}
for name, url in json.loads(sys.argv[1]).items():
    found[name] = renderer.render(url).data.hex()


def glyphs(text):
    layout = renderer.lay_out(placepix.parse_url(f"600x200.png?text={text}&font_size=40"))
    runs = [run for line in layout.lines for run in line.runs]
    return [(list(run.glyphs), list(run.xs)) for run in runs]


word = glyphs("مرحبا")[0][0]
alone = [glyphs(letter)[0][0][0] for letter in "مرحبا"]
found["arabic_forms"] = [word[::-1], alone]  # the word's glyphs, in logical order
conjunct = glyphs("क्ष")[0][0]
found["conjunct_glyphs"] = len(conjunct)
(ids, xs), = glyphs("कि")
consonant = glyphs("क")[0][0][0]
found["matra_first"] = len(ids) == 2 and ids.index(consonant) == 1 and xs[0] < xs[1]
print(json.dumps(found))
"""


def fribidi_files() -> list[str]:
    """Every libfribidi on the library paths, symlinks resolved."""
    patterns = ("/lib/*/libfribidi.so*", "/usr/lib/*/libfribidi.so*", "/usr/lib/libfribidi.so*")
    found = {os.path.realpath(path) for pattern in patterns for path in glob.glob(pattern)}
    return sorted(found)


def probe(hidden: bool) -> dict[str, object]:
    command = [sys.executable, "-c", PROBE, json.dumps(CASES)]
    if hidden:
        mounts = " && ".join(f"mount --bind /dev/null {shlex.quote(p)}" for p in fribidi_files())
        quoted = shlex.join(command)
        command = ["unshare", "-rm", "sh", "-c", f"{mounts or 'true'} && exec {quoted}"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    if hidden and result.returncode and "unshare" in result.stderr:
        pytest.skip(f"no private mount namespace here: {result.stderr.strip()}")
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout)
    return found


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_text_is_drawn_the_same_without_libfribidi() -> None:
    hidden, normal = probe(hidden=True), probe(hidden=False)
    assert hidden["raqm"] is False and hidden["fribidi"] is False  # it really is hidden
    for name in CASES:
        assert hidden[name] == normal[name], name
    forms = hidden["arabic_forms"]
    assert isinstance(forms, list)
    word, alone = forms
    assert sum(a != b for a, b in zip(word, alone, strict=True)) >= 4  # joined forms
    assert hidden["conjunct_glyphs"] == 1  # क + ् + ष is one glyph: क्ष
    assert hidden["matra_first"] is True  # ि is drawn before the consonant it follows
