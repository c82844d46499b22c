"""Text that cost the canvas, not its ink (issue 18, row 3): `/4000x4000.png?text=N|aͿaͿ…`, 20
pairs of a Latin letter and a Greek yot (Ϳ, which the default font lacks: each pair is two runs
in two fonts) a line, 11 lines, a 1.6 KB URL. The old engine merged every run that overlapped
another with `ImageChops.lighter` over the whole text layer (239 times on a 2899x2859 layer):
3.9 s of CPU a request, ~20,000 times a cached hit. The engine now composes each glyph over its
own box (placepix.text.compose).

    python scripts/attack_ink_cost.py --requests 20 [--max-cpu-ms 50]

Starts a server on 127.0.0.1 and sends the URL, with a new number each time, one request at a
time (scripts/_attack_text.py says what is measured). Exit status 1 if an answer is not 200,
the worker's CPU per request is above --max-cpu-ms, or its peak memory above the estimate.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack_text import arguments, attack, report

PAIRS = 20  # a Latin and a Greek letter: two runs, in two fonts
LINES = 11  # as many as the 2048-character URL limit allows


def url(number: int) -> str:
    """The attack URL, new for each `number` (its first line)."""
    lines = [str(number)] + ["aͿ" * PAIRS] * LINES
    return "/4000x4000.png?text=" + quote("|".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = arguments((__doc__ or "").split("\n\n")[0], argv)
    outcome = attack(url, "/640x480.png?text=a%CD%BF", args)
    return report("attack_ink_cost", url(0), outcome, args)


if __name__ == "__main__":
    sys.exit(main())
