"""What the attack scripts of issue 18 (scripts/attack_*.py) share: their command line's common
options and bounds, the placepix server they attack, and the tail of their report.

Each script keeps its own options, defaults, bounds and thresholds; only what is the same in
all of them lives here, so that a script's command line and its verdict read alike (the test
suite looks for `passed` as the report's last line, and for exit status 0).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tests.server import Server, running_server

PYTHON_HELP = "the Python that runs placepix"


def attack_parser(doc: str | None, *, workers: bool = True) -> argparse.ArgumentParser:
    """A script's argument parser: the first paragraph of its docstring `doc` describes it,
    and, first of its options, --workers of the server it starts (2 unless asked), unless
    `workers` is False (the script chooses them itself)."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    if workers:
        parser.add_argument("--workers", type=int, default=2, help="workers of the started server")
    return parser


def parse_bounded(
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    *,
    python: str | None = PYTHON_HELP,
    **most: float,
) -> argparse.Namespace:
    """Add --python (the interpreter that runs the server, this one unless asked; `python` is
    its help, None for a script without it) as the last option, parse `argv`, and cap each
    option named in `most` at its value: an attack stays bounded, whatever is asked."""
    if python is not None:
        parser.add_argument("--python", default=sys.executable, help=python)
    args = parser.parse_args(argv)
    for name, bound in most.items():
        setattr(args, name, min(getattr(args, name), bound))
    return args


@contextmanager
def attacked_server(
    args: argparse.Namespace,
    env: dict[str, str] | None = None,
    *,
    workers: int | None = None,
    cwd: str | None = None,
) -> Iterator[Server]:
    """A placepix server on 127.0.0.1 (running_server binds nothing else), run by --python,
    with --workers workers unless `workers` says, from `cwd`, its access log off (an attack's
    requests would fill it) and `env` added to its environment; stopped on exit. Another
    checkout's --python starts from the temporary directory unless `cwd` says: `-m` looks in
    the working directory first, and would find this checkout's placepix."""
    if cwd is None and args.python != sys.executable:
        cwd = tempfile.gettempdir()
    with running_server(
        {"PLACEPIX_ACCESS_LOG": "false", **(env or {})},
        workers=args.workers if workers is None else workers,
        python=args.python,
        cwd=cwd,
    ) as server:
        yield server


def log_problems(log_errors: Sequence[str]) -> list[str]:
    """The first five error lines of the server's log (scripts._load.server_errors), as
    problems of the report, each cut to 120 characters."""
    return [f"server log: {line[:120]}" for line in log_errors[:5]]


def verdict(problems: Sequence[str]) -> int:
    """Print each problem as `FAILED: …`, then `FAILED` or `passed` as the report's last line;
    the script's exit status: 1 if anything failed, else 0."""
    for problem in problems:
        print(f"FAILED: {problem}")
    print("FAILED" if problems else "passed")
    return 1 if problems else 0
