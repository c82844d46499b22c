"""Text costs follow its ink (issue 18, rows 3 and 4): the attack scripts against a real server
with their thresholds (CPU per request, peak memory within the estimate), and the peak of each
attack URL measured in a fresh process against the renderer's estimate."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from placepix.render import Renderer
from scripts import attack_ink_cost, attack_marks_memory
from scripts._attack_text import Outcome, arguments, report
from tests.rendering import NATIVE, peak_growth
from tests.test_budget import UNLIMITED

pytestmark = pytest.mark.stress

ROOT = Path(__file__).resolve().parent.parent
MAX_CPU_MS = 50  # per request, in the worker: ~20,000x a cached hit was 3.9 s
SCRIPTS = ["attack_ink_cost.py", "attack_marks_memory.py"]
URLS = [attack_ink_cost.url(7), attack_marks_memory.url(7)]
PATHS = [pytest.param(True, id="native", marks=NATIVE), pytest.param(False, id="pillow")]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_attack_costs_its_ink_not_more(script: str) -> None:
    """The script's own thresholds: every answer 200, at most 50 ms of CPU per request, the
    worker's peak within the estimate."""
    command = [sys.executable, str(ROOT / "scripts" / script), "--requests", "12"]
    command += ["--max-cpu-ms", str(MAX_CPU_MS)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(r"CPU per request: ([\d.]+) ms", result.stdout)
    assert found is not None and float(found[1]) <= MAX_CPU_MS
    assert "statuses: 12×200" in result.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("native", PATHS)
@pytest.mark.parametrize("url", URLS, ids=["ink_cost", "marks_memory"])
def test_the_peak_of_each_attack_url_is_within_its_estimate(url: str, native: bool) -> None:
    grown = peak_growth(url.lstrip("/"), native=native)
    renderer = Renderer(native=native, limits=UNLIMITED)
    estimate = renderer.refine(renderer.plan(url.lstrip("/"))).memory
    assert grown <= estimate, f"{grown >> 20} MiB measured, {estimate >> 20} MiB estimated"


def test_the_marks_are_capped_and_the_runs_bounded() -> None:
    renderer = Renderer(limits=UNLIMITED)
    layout = renderer.lay_out(renderer.plan(attack_marks_memory.url(0).lstrip("/")).spec)
    (line,) = layout.lines
    assert len(line.text) == 1 + 16  # á and 16 of its 329 acute accents
    ink = renderer.lay_out(renderer.plan(attack_ink_cost.url(0).lstrip("/")).spec)
    assert sum(len(line.runs) for line in ink.lines) <= 1 + 256 + len(ink.lines)


@pytest.mark.parametrize(
    ("statuses", "cpu_ms", "growth", "status"),
    [
        ({200: 3}, 20.0, 1 << 20, 0),  # all well: the checks can pass
        ({200: 2, 500: 1}, 20.0, 1 << 20, 1),
        ({200: 3}, 80.0, 1 << 20, 1),  # too much CPU
        ({200: 3}, 20.0, 64 << 20, 1),  # a peak above the estimate
        ({200: 2, 0: 1}, 20.0, 1 << 20, 1),  # no answer
    ],
)
def test_the_report_fails_on_what_it_guards(
    statuses: dict[int, int], cpu_ms: float, growth: int, status: int
) -> None:
    outcome = Outcome(3, statuses, cpu_ms, cpu_ms, growth, 32 << 20)
    args = arguments("test", ["--requests", "3"])
    assert report("attack", attack_ink_cost.url(0), outcome, args) == status
