"""What attack_ink_cost.py and attack_marks_memory.py share (issue 18, rows 3 and 4): a text
URL that once cost far more than its ink, sent to a real server on 127.0.0.1 (one worker, so
the worker's counters are the request's), one request at a time, each URL new (no answer from
a cache), a bounded number of times.

Measured in the worker, from /proc: CPU time per request (utime + stime over all requests,
divided by their number: the clock ticks every 10 ms, one request alone would read 0 or 10),
and the peak of its resident memory above what it held before the first attack request
(VmHWM, reset through clear_refs after a warm-up request has loaded the fonts), against the
renderer's own memory estimate for the URL (`Renderer.refine(plan).memory`, what admission
budgets). Exit status 1 if an answer is not 200, the CPU per request is above --max-cpu-ms, or
the peak is above the estimate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from placepix.model.limits import Limits
from placepix.render import Renderer
from scripts._attack import attack_parser, attacked_server, parse_bounded, verdict
from scripts._load import NETWORK_ERRORS, Connection, host_port, machine, memory, worker_pids

TICKS = os.sysconf("SC_CLK_TCK")
MAX_REQUESTS = 200  # bounded, whatever is asked
Urls = Callable[[int], str]  # request number -> a new URL (path and query)


@dataclass
class Outcome:
    """What the attack measured."""

    requests: int
    statuses: dict[int, int]
    cpu_ms: float  # per request
    wall_ms: float  # per request
    peak_growth: int  # bytes above the worker's RSS before the attack
    estimate: int  # the renderer's memory estimate of the costliest URL


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def estimate(urls: Urls, count: int) -> int:
    """The largest memory estimate of the attack's URLs, as the server's renderer makes it."""
    renderer = Renderer(limits=Limits(render_memory_budget=1 << 40), cache_bytes=0)
    return max(renderer.refine(renderer.plan(urls(n).lstrip("/"))).memory for n in range(count))


async def send(address: tuple[str, int], targets: list[str], timeout: float) -> dict[int, int]:
    """Each target over one keep-alive connection, in turn; statuses counted (0: no answer)."""
    statuses: dict[int, int] = {}
    connection = Connection(*address, timeout=timeout)
    try:
        for target in targets:
            try:
                status = (await connection.request(target.encode())).status
            except NETWORK_ERRORS:
                status = 0
                connection.close()
                connection = Connection(*address, timeout=timeout)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        connection.close()
    return statuses


def attack(urls: Urls, warm_up: str, args: argparse.Namespace) -> Outcome:
    """Start a server, warm it up, and send --requests URLs from `urls`, measuring its worker."""
    count = min(args.requests, MAX_REQUESTS)
    env = {"PLACEPIX_RENDER_THREADS": "1"}
    with attacked_server(args, env, workers=1) as server:
        address = host_port(server.url)
        (worker,) = worker_pids(server.process.pid)[:1]
        asyncio.run(send(address, [warm_up], args.timeout))  # fonts, encoders, caches loaded
        Path(f"/proc/{worker}/clear_refs").write_text("5")  # VmHWM starts again from VmRSS
        before = memory(worker)
        cpu, started = cpu_seconds(worker), time.monotonic()
        statuses = asyncio.run(send(address, [urls(n) for n in range(count)], args.timeout))
        cpu_ms = 1000 * (cpu_seconds(worker) - cpu) / count
        wall_ms = 1000 * (time.monotonic() - started) / count
        after = memory(worker)
    growth = (after[1] - before[0]) if before and after else -1
    return Outcome(count, statuses, cpu_ms, wall_ms, growth, estimate(urls, count))


def report(name: str, url: str, outcome: Outcome, args: argparse.Namespace) -> int:
    """Print the figures and what failed; the exit status."""
    print(f"# {name}: {outcome.requests} requests, one at a time, one worker; {machine()}")
    print(f"URL ({len(url)} characters): {url[:100]}{'…' if len(url) > 100 else ''}")
    print(f"statuses: {', '.join(f'{n}×{s}' for s, n in sorted(outcome.statuses.items()))}")
    print(f"CPU per request: {outcome.cpu_ms:.1f} ms (wall {outcome.wall_ms:.1f} ms)")
    print(
        f"worker peak above its RSS before: {outcome.peak_growth / 2**20:.1f} MiB; "
        f"the renderer's estimate: {outcome.estimate / 2**20:.1f} MiB"
    )
    problems = [f"{n} answers {s}" for s, n in outcome.statuses.items() if s != 200]
    if outcome.cpu_ms > args.max_cpu_ms:
        problems.append(f"CPU per request {outcome.cpu_ms:.1f} ms > {args.max_cpu_ms:g} ms")
    if outcome.peak_growth < 0 or outcome.peak_growth > outcome.estimate:
        problems.append("the worker's peak memory is above the estimate")
    return verdict(problems)


def arguments(description: str, argv: list[str] | None) -> argparse.Namespace:
    parser = attack_parser(description, workers=False)  # one worker, always
    parser.add_argument("--requests", type=int, default=20, help=f"at most {MAX_REQUESTS}")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--max-cpu-ms", type=float, default=50.0, help="CPU per request")
    python = (
        "the server's interpreter: another checkout's .venv/bin/python times that checkout "
        "(the estimate stays this checkout's)"
    )
    return parse_bounded(parser, argv, python=python)
