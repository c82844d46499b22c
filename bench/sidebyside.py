"""Two versions of placepix measured side by side in one run: this checkout and another
(`--baseline DIR`, a checkout with its own .venv, e.g. a `git worktree` of an older commit).

Rounds alternate between the two, so that a noisy, shared machine weighs on both alike, and
the report gives medians over rounds. In-process, each version renders in its own process
against the same naive Pillow service (bench/inprocess.py and bench/text.py, from this
checkout), so their ratios compare; over HTTP, each version's server answers cache hits,
misses and new texts with wrk, next to the same bare Starlette app.

    python -m bench.sidebyside --baseline ../baseline [--rounds 3] [--quick] [--only http]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.http import PLACEPIX_FORM, QUIET, UNIQUE_URLS, WORKERS, unique_urls_env, wrk
from bench.peers import PLACEPIX_TEXT_FORM
from tests.server import running_server

HERE = Path(__file__).resolve().parent.parent
# placepix is imported first, from the interpreter's own install; only then does this
# checkout's bench code join sys.path, so that the version under test is the interpreter's.
INPROCESS = f"""
import json, sys
import placepix
sys.path.append({str(HERE)!r})
import importlib
suite = importlib.import_module("bench." + sys.argv[2])
print(json.dumps(suite.run(quick=sys.argv[1] == "quick")))
print(placepix.__file__, file=sys.stderr)
"""


def inprocess_rows(python: str, quick: bool, suite: str = "inprocess") -> list[dict[str, object]]:
    """One version's rows of `suite` (bench/inprocess.py or bench/text.py). Run from a
    neutral directory: `python -c` puts the working directory first on sys.path, and this
    checkout's placepix must not shadow theirs."""
    command = [python, "-c", INPROCESS, "quick" if quick else "full", suite]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tempfile.gettempdir())
    if done.returncode:
        raise SystemExit(f"{python} failed:\n{done.stderr}")
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows


def compare_inprocess(pythons: dict[str, str], rounds: int, quick: bool) -> list[dict[str, object]]:
    runs: dict[str, list[list[dict[str, object]]]] = {name: [] for name in pythons}
    for _ in range(rounds):
        for name, python in pythons.items():
            runs[name].append(inprocess_rows(python, quick))
    table = []
    for index, row in enumerate(runs["after"][0]):
        entry: dict[str, object] = {"size": row["size"], "format": row["format"]}
        for case in ("cold_ratio", "warm_ratio"):
            for name in pythons:
                values = [float(str(run[index][case])) for run in runs[name]]
                entry[f"{case} {name}"] = round(statistics.median(values), 1)
        table.append(entry)
    return table


def compare_text(pythons: dict[str, str], rounds: int, quick: bool) -> list[dict[str, object]]:
    """bench/text.py's rows (ratios against the naive Pillow service), before and after."""
    runs: dict[str, list[list[dict[str, object]]]] = {name: [] for name in pythons}
    for _ in range(rounds):
        for name, python in pythons.items():
            runs[name].append(inprocess_rows(python, quick, "text"))
    table = []
    for index, row in enumerate(runs["after"][0]):
        entry: dict[str, object] = {"case": row["case"]}
        for case in ("ratio", "ms"):
            for name in pythons:
                values = [float(str(run[index][case])) for run in runs[name]]
                entry[f"{case} {name}"] = round(
                    statistics.median(values), 2 if case == "ratio" else 3
                )
        table.append(entry)
    return table


def compare_http(pythons: dict[str, str], rounds: int, seconds: int) -> list[dict[str, object]]:
    hits: dict[str, list[float]] = {"bare": [], **{name: [] for name in pythons}}
    misses: dict[str, list[float]] = {name: [] for name in pythons}
    texts: dict[str, list[float]] = {name: [] for name in pythons}
    neutral = tempfile.gettempdir()  # see inprocess_rows
    with (
        running_server(QUIET, WORKERS, "bench.baseline_app:create_app") as bare,
        running_server(QUIET, WORKERS, python=pythons["before"], cwd=neutral) as before,
        running_server(QUIET, WORKERS, python=pythons["after"], cwd=neutral) as after,
    ):
        servers = {"before": before, "after": after}
        for round_ in range(rounds):
            hits["bare"].append(wrk(bare.url + "/300x200.png", seconds)["ok_rps"])
            for name, server in servers.items():
                hits[name].append(wrk(server.url + "/300x200.png", seconds)["ok_rps"])
                env = unique_urls_env(PLACEPIX_FORM, "300x200", start=round_ * 1_000_000)
                misses[name].append(wrk(server.url, seconds, UNIQUE_URLS, env)["ok_rps"])
                env = unique_urls_env(PLACEPIX_TEXT_FORM, "300x200", start=round_ * 1_000_000)
                texts[name].append(wrk(server.url, seconds, UNIQUE_URLS, env)["ok_rps"])
    bare_rps = statistics.median(hits["bare"])
    rows: list[dict[str, object]] = [{"case": "bare Starlette, fixed bytes", "rps": bare_rps}]
    for name in pythons:
        hit_rps, miss_rps = statistics.median(hits[name]), statistics.median(misses[name])
        rows.append(
            {"case": f"{name}: one URL (hits)", "rps": hit_rps, "vs bare": hit_rps / bare_rps}
        )
        rows.append({"case": f"{name}: unique 300x200 PNG (misses)", "rps": miss_rps})
        text_rps = statistics.median(texts[name])
        rows.append({"case": f"{name}: unique text, 300x200 PNG (new text)", "rps": text_rps})
    for row in rows:
        row.update({k: round(v, 2) for k, v in row.items() if isinstance(v, float)})
    return rows


SUITES = ("inprocess", "text", "http")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sidebyside", description=__doc__)
    parser.add_argument("--baseline", required=True, type=Path, help="checkout with a .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument(
        "--only", action="append", choices=SUITES, help="run this suite only (repeatable)"
    )
    args = parser.parse_args()
    pythons = {"before": str(args.baseline / ".venv" / "bin" / "python"), "after": sys.executable}
    from bench.__main__ import table  # the Markdown table every suite prints

    suites = [s for s in args.only or SUITES if not (s == "http" and args.skip_http)]
    for suite in suites:
        if suite == "inprocess":
            rows = compare_inprocess(pythons, args.rounds, args.quick)
        elif suite == "text":
            rows = compare_text(pythons, args.rounds, args.quick)
        else:
            rows = compare_http(pythons, args.rounds, 3 if args.quick else 5)
        print(table(rows), end="\n\n")


if __name__ == "__main__":
    main()
