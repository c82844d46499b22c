"""Renders on the event loop (issue 18, row 2): start a placepix server on 127.0.0.1; four
connections ask, back to back, for `/1825x1825/{new colour}/000.png` with one emoji and a line
of `aչ` pairs (its raster is kept after the first render, and 1825² PNG was judged cheap by its
pixel count, so each new colour was drawn on the event loop: ~0.6 s a render), while a probe
times a cached `/300x200.png` every 20 ms and `/healthz` every 100 ms, each on a new connection
(as a load balancer's probe), so both workers are measured.

With `--short`, each request is instead a new text of sixteen CJK ideographs, none seen before
(new glyphs, new layout), on `/500x500/{new colour}/000.png`: the costliest text placepix still
draws on the event loop (budget.is_short_text).

    python scripts/attack_event_loop.py --workers 2 --seconds 15 [--short]

Exit status 1 if the cached request's p99 passes --max-cached-p99-ms (50), any /healthz takes
longer than --max-healthz-ms (100), a probe fails, an attack answer is neither 200 nor 503, or
the server logs an error.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack import attack_parser, attacked_server, log_problems, parse_bounded, verdict
from scripts._load import (
    NETWORK_ERRORS,
    Connection,
    host_port,
    machine,
    percentile,
    server_errors,
)

CACHED = b"/300x200.png"
HEALTHZ = b"/healthz"


def attack_text(lines: int) -> str:
    """One emoji, then `lines` lines of sixteen `aչ` pairs."""
    return "😀" + "|".join(["aչ" * 16] * lines)


def attack_target(number: int, args: argparse.Namespace) -> str:
    """The `number`th attack request: a new colour of the long text, or with --short a new
    text of sixteen ideographs (of 20 000, chosen by the number)."""
    colour = f"{number * 2654435761 % 0xFFFFFF:06x}"
    if not args.short:
        return f"/1825x1825/{colour}/000.png?text={quote(attack_text(args.lines))}"
    ideographs = "".join(chr(0x4E00 + (number * 16 + i) * 7919 % 20000) for i in range(16))
    return f"/500x500/{colour}/000.png?text={quote(ideographs)}"


@dataclass
class Tally:
    attack: Counter[int] = field(default_factory=Counter)
    attack_seconds: list[float] = field(default_factory=list)
    cached: list[float] = field(default_factory=list)
    healthz: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


async def attacker(
    address: tuple[str, int],
    args: argparse.Namespace,
    numbers: itertools.count[int],
    deadline: float,
    tally: Tally,
) -> None:
    """Attack requests (`attack_target`), back to back, on one keep-alive connection."""
    connection = Connection(*address, timeout=60)
    while time.monotonic() < deadline:
        target = attack_target(next(numbers), args)
        try:
            answer = await connection.request(target.encode())
        except NETWORK_ERRORS as error:
            tally.failures[f"attack: {type(error).__name__}"] += 1
            connection.close()
            continue
        tally.attack[answer.status] += 1
        tally.attack_seconds.append(answer.seconds)
        if answer.status not in (200, 503):
            tally.failures[f"attack: {answer.status} {answer.body[:60]!r}"] += 1
    connection.close()


async def probe(
    address: tuple[str, int], target: bytes, every: float, times: list[float], stop: asyncio.Event,
    tally: Tally,
) -> None:  # fmt: skip
    """`target` on a new connection every `every` seconds, timed, until stopped."""
    while not stop.is_set():
        connection = Connection(*address, timeout=10)
        started = time.perf_counter()
        try:
            answer = await connection.request(target)
        except NETWORK_ERRORS as error:
            tally.failures[f"{target.decode()}: {type(error).__name__}"] += 1
        else:
            times.append(time.perf_counter() - started)  # connecting included
            if answer.status != 200:
                tally.failures[f"{target.decode()}: {answer.status}"] += 1
        finally:
            connection.close()
        await asyncio.sleep(every)


async def run(address: tuple[str, int], args: argparse.Namespace) -> Tally:
    tally = Tally()
    for _ in range(16):  # the cached image in both workers' caches (new connections spread)
        connection = Connection(*address, timeout=30)
        await connection.request(CACHED)
        connection.close()
    stop = asyncio.Event()
    probes = [
        asyncio.create_task(probe(address, CACHED, 0.02, tally.cached, stop, tally)),
        asyncio.create_task(probe(address, HEALTHZ, 0.1, tally.healthz, stop, tally)),
    ]
    deadline = time.monotonic() + args.seconds
    numbers = itertools.count(1)
    await asyncio.gather(
        *(attacker(address, args, numbers, deadline, tally) for _ in range(args.connections))
    )
    stop.set()
    await asyncio.gather(*probes)
    return tally


def report(tally: Tally, lag: Lag | None, log_errors: list[str], args: argparse.Namespace) -> int:
    print(
        f"# attack_event_loop: {args.connections} connections, {args.seconds:g} s, "
        f"{args.workers} workers; {machine()}"
    )
    statuses = ", ".join(f"{n}×{status}" for status, n in sorted(tally.attack.items()))
    renders = [1000 * s for s in tally.attack_seconds]
    what = (
        "500x500 png, 16 new ideographs"
        if args.short
        else (f"1825x1825 png, emoji + {args.lines} line(s) of aչ")
    )
    print(
        f"attack {what}: {statuses or 'none'}; "
        f"p50 {percentile(renders, 0.5):.0f} ms, max {max(renders, default=0):.0f} ms"
    )
    problems = [f"{problem} (×{n})" for problem, n in tally.failures.items()]
    for name, times, limit in (
        ("cached /300x200.png", tally.cached, None),
        ("/healthz", tally.healthz, args.max_healthz_ms),
    ):
        ms = [1000 * s for s in times]
        print(
            f"{name}: {len(ms)} answers, p50 {percentile(ms, 0.5):.1f} ms, "
            f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms, default=float('nan')):.1f} ms"
        )
        if limit is not None and max(ms, default=0) > limit:
            problems.append(f"{name} took {max(ms):.0f} ms > {limit:g} ms")
    cached_p99 = 1000 * percentile(tally.cached, 0.99)
    if not tally.cached or cached_p99 > args.max_cached_p99_ms:
        problems.append(f"cached p99 {cached_p99:.1f} ms > {args.max_cached_p99_ms:g} ms")
    if lag is not None:
        print(
            f"event-loop lag: largest recent {lag.largest * 1000:.1f} ms (any worker); "
            f"{lag.over_25ms:.0f} of {lag.wakes:.0f} wake-ups more than 25 ms late"
        )
    if not tally.attack.get(200):
        problems.append("no attack request was rendered: the attack did not take place")
    problems += log_problems(log_errors)
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to attack")
    parser.add_argument("--connections", type=int, default=4, help="attacking connections")
    parser.add_argument("--lines", type=int, default=2, help="lines of aչ pairs in the text")
    parser.add_argument("--short", action="store_true", help="new short texts instead")
    parser.add_argument("--max-cached-p99-ms", type=float, default=50.0)
    parser.add_argument("--max-healthz-ms", type=float, default=100.0)
    return parse_bounded(parser, argv, seconds=120.0, connections=64)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with attacked_server(args) as server:
        address = host_port(server.url)
        tally = asyncio.run(run(address, args))
        lag = loop_lag(server.url)
        log_errors = server_errors(server.log())
    return report(tally, lag, log_errors, args)


def loop_lag(base_url: str) -> Lag | None:
    """The servers' event-loop-lag metrics, or None when it has none (an older placepix)."""
    try:
        text = httpx.get(f"{base_url}/metrics", timeout=10).text
    except httpx.HTTPError:
        return None
    found = dict(
        re.findall(r'^placepix_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$', text, re.M)
    )
    largest = re.search(r"^placepix_event_loop_lag_max_seconds (\S+)$", text, re.M)
    if not found or largest is None:
        return None
    wakes = float(found["+Inf"])
    return Lag(float(largest.group(1)), wakes, wakes - float(found["0.025"]))


@dataclass
class Lag:
    """What the event-loop-lag watchdog saw: the largest recent lag, its wake-ups, and how many
    of them were more than 25 ms late."""

    largest: float
    wakes: float
    over_25ms: float


if __name__ == "__main__":
    sys.exit(main())
