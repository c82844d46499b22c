"""Combining marks that cost memory far beyond the estimate (issue 18, row 4): `a` and 330 ×
U+0301 (combining acute) in DejaVu Sans at font_size=2000, whose marks stack upwards. The old
engine drew the run whole before clipping it to the canvas: a ~1,000 × 130,000 pixel mask,
+190 MiB per render against an estimate of 20-40 MiB (8 connections took a worker to 411 MB).
The engine now keeps 16 marks per character (the rest are dropped: docs/url-grammar.md),
clips every glyph to the canvas, and the estimate counts the ink box and the largest glyph.

    python scripts/attack_marks_memory.py --requests 20 [--max-cpu-ms 50]

Starts a server on 127.0.0.1 and sends the URL on canvases one pixel narrower each time (new
layouts, never a cached answer), one request at a time (scripts/_attack_text.py says what is
measured). Exit status 1 if an answer is not 200, the worker's CPU per request is above
--max-cpu-ms, or its peak memory above the renderer's estimate.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack_text import arguments, attack, report

MARKS = 330  # U+0301, six bytes each in the URL: the most the 2048-character limit allows


def url(number: int) -> str:
    """The attack URL on a canvas `number` pixels narrower than 4000."""
    text = "a" + "%CC%81" * MARKS
    return f"/{4000 - number}x4000.png?font_size=2000&font=dejavu-sans&text={text}"


def main(argv: list[str] | None = None) -> int:
    args = arguments((__doc__ or "").split("\n\n")[0], argv)
    outcome = attack(url, "/640x480.png?font=dejavu-sans&text=a%CC%81", args)
    return report("attack_marks_memory", url(0), outcome, args)


if __name__ == "__main__":
    sys.exit(main())
