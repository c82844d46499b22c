"""Run every benchmark and print Markdown tables: `python -m bench [--quick] [--only NAME]`.

Figures are ratios against baselines measured in the same run; the JSON lands in
bench/results/ (not committed)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from bench import avatars, encoders, http, inprocess, memory, peers, text

SUITES: dict[str, Callable[[bool], list[dict[str, object]]]] = {
    "inprocess": inprocess.run,
    "text": text.run,
    "encoders": encoders.run,
    "http": http.run,
    "memory": memory.run_memory,
    "isolation": memory.run_isolation,
    "peers": peers.run,
    "peers_text": peers.run_text,
    "avatars": avatars.run,
}


def table(rows: list[dict[str, object]]) -> str:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, shorter runs")
    parser.add_argument("--only", choices=sorted(SUITES), action="append")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"# placepix benchmarks, {time.strftime('%Y-%m-%d %H:%M')}, {machine}\n")
    results = {}
    for name in args.only or list(SUITES):
        rows = SUITES[name](args.quick)
        results[name] = rows
        print(f"## {name}\n\n{table(rows)}\n", flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
