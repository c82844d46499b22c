"""Flood a placepix server with concurrent large renders, each URL new, while a side probe times
small cached requests and a sampler records every worker's memory.

    python scripts/flood.py --start --workers 2 --seconds 30
    python scripts/flood.py --url http://127.0.0.1:8000 --pid 1234 --seconds 30

The flood cycles through 4000×4000 PNG and WebP, 1500×1500 AVIF (the largest AVIF allowed),
4000×4000 AVIF (over max_avif_pixels: must be a 400 at once), and the costliest images per pixel
that the render memory budget allows: 1500×1500 translucent WebP (libwebp compresses its alpha
with the lossless encoder) and 2800×2800 PNG with an emoji (a full-colour canvas); 4000×4000
translucent WebP is over render_memory_budget, a 400 at once. The text is unique so the
cache never helps, and resends as soon as an answer arrives (a hostile client ignores
Retry-After). The probe asks for /300x200.png over its own connections every 50 ms. Memory:
VmRSS of each worker every 100 ms, and VmHWM (pid from --start, or --pid for a server started
elsewhere).

Exit status 1 if any flood answer is not the expected one (200 or 503; 400 for the requests over
a limit), a 503 lacks Retry-After or Retry-After-Ms, a connection fails, no render succeeded,
a probe request failed, or a worker's peak RSS passed --max-rss-mb (150: the bound of the
performance issue).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._load import (
    NETWORK_ERRORS,
    Answer,
    Connection,
    MemorySampler,
    machine,
    percentile,
    server_errors,
    server_or_url,
)

# (name, URL template, acceptable statuses)
FLOOD = [
    ("4000x4000 png", "/4000x4000.png?text=flood{n}", {200, 503}),
    ("4000x4000 webp", "/4000x4000.webp?text=flood{n}", {200, 503}),
    ("1500x1500 avif", "/1500x1500.avif?text=flood{n}", {200, 503}),
    ("4000x4000 avif", "/4000x4000.avif?text=flood{n}", {400}),
    ("1500x1500 translucent webp", "/1500x1500/ff000080/00f.webp?text=flood{n}", {200, 503}),
    ("4000x4000 translucent webp", "/4000x4000/ff000080/00f.webp?text=flood{n}", {400}),
    ("2800x2800 png with emoji", "/2800x2800.png?text=flood{n}+%F0%9F%98%80", {200, 503}),
]
PROBE_URL = b"/300x200.png"


@dataclass
class FloodTally:
    """Flood answers by kind and status, render latencies, and what was wrong."""

    answers: Counter[tuple[str, int]] = field(default_factory=Counter)
    seconds: defaultdict[tuple[str, int], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    failures: Counter[str] = field(default_factory=Counter)
    samples: dict[str, str] = field(default_factory=dict)

    def fail(self, problem: str, url: str) -> None:
        self.failures[problem] += 1
        self.samples.setdefault(problem, url)

    def record(self, kind: str, expected: set[int], url: str, answer: Answer) -> None:
        self.answers[kind, answer.status] += 1
        if answer.status not in expected:
            self.fail(f"{kind}: unexpected {answer.status} {answer.body[:60]!r}", url)
        self.seconds[kind, answer.status].append(answer.seconds)
        if answer.status == 503:
            for header in ("retry-after", "retry-after-ms"):
                if header not in answer.headers:
                    self.fail(f"503 without {header}", url)
            if not answer.headers.get("content-type", "").startswith("text/plain"):
                self.fail("503 not text/plain", url)


@dataclass
class ProbeTally:
    """The side probe: latency of each answer, and whatever was not a 200."""

    seconds: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


async def flooder(
    address: tuple[str, int], numbers: itertools.count[int], deadline: float, tally: FloodTally
) -> None:
    """One connection sending new large renders back to back until the deadline."""
    connection = Connection(*address, timeout=120)
    while time.monotonic() < deadline:
        number = next(numbers)
        kind, template, expected = FLOOD[number % len(FLOOD)]
        url = template.format(n=number)
        try:
            answer = await connection.request(url.encode())
        except NETWORK_ERRORS as error:
            tally.fail(f"{kind}: {type(error).__name__}", url)
            connection.close()
            continue
        tally.record(kind, expected, url, answer)
    connection.close()


async def prober(address: tuple[str, int], stop: asyncio.Event, tally: ProbeTally) -> None:
    """Ask for a small cached image every 50 ms, timing each answer, until stopped."""
    connection = Connection(*address, timeout=60)
    while not stop.is_set():
        try:
            answer = await connection.request(PROBE_URL)
        except NETWORK_ERRORS as error:
            tally.failures[type(error).__name__] += 1
            connection.close()
        else:
            tally.seconds.append(answer.seconds)
            if answer.status != 200:
                tally.failures[str(answer.status)] += 1
        await asyncio.sleep(0.05)
    connection.close()


async def warm(address: tuple[str, int], workers: int) -> None:
    """Put the probe's image in every worker's cache: new connections land on any worker."""
    for _ in range(workers * 8):
        connection = Connection(*address, timeout=60)
        await connection.request(PROBE_URL)
        connection.close()


async def run(
    address: tuple[str, int], args: argparse.Namespace, sampler: MemorySampler
) -> tuple[FloodTally, ProbeTally, float]:
    """The flood, the probe and the sampler together for `args.seconds`."""
    await warm(address, args.workers)
    stop = asyncio.Event()
    flood, probe = FloodTally(), ProbeTally()
    background = [
        asyncio.create_task(sampler.run(stop)),
        *(asyncio.create_task(prober(address, stop, probe)) for _ in range(args.probes)),
    ]
    started = time.monotonic()
    numbers = itertools.count()
    deadline = started + args.seconds
    await asyncio.gather(
        *(flooder(address, numbers, deadline, flood) for _ in range(args.connections))
    )
    elapsed = time.monotonic() - started
    stop.set()
    await asyncio.gather(*background)
    return flood, probe, elapsed


def spread(values: list[float]) -> str:
    """p50, p99 and max of some latencies, in seconds."""
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    return f"p50 {p50:.3f} s, p99 {p99:.3f} s, max {max(values, default=float('nan')):.3f} s"


def report(
    flood: FloodTally, probe: ProbeTally, elapsed: float, sampler: MemorySampler, max_rss: int
) -> int:
    """Print the figures; 1 if anything failed."""
    print(f"flood: {sum(flood.answers.values())} answers in {elapsed:.1f} s")
    for kind, _, _ in FLOOD:
        row = {status: n for (k, status), n in flood.answers.items() if k == kind}
        print(f"  {kind}: " + ", ".join(f"{status}: {n}" for status, n in sorted(row.items())))
        for status in sorted(row):
            print(f"    {status} latency: {spread(flood.seconds[kind, status])}")
    renders = [value for (_, status), values in flood.seconds.items() if status == 200
               for value in values]  # fmt: skip
    print(f"  renders (200): {len(renders)} ({len(renders) / elapsed:.1f}/s)")
    refused = sum(n for (_, status), n in flood.answers.items() if status == 503)
    lacking = sum(n for problem, n in flood.failures.items() if problem.startswith("503 without"))
    print(f"  503s: {refused}, of which lacking Retry-After or Retry-After-Ms: {lacking}")
    seconds = probe.seconds
    ok = len(seconds) - sum(probe.failures.values())
    print(
        f"probe {PROBE_URL.decode()}: {ok}/{len(seconds) + sum(probe.failures.values())} OK,"
        f" p50 {percentile(seconds, 0.5) * 1000:.1f} ms, p99 {percentile(seconds, 0.99) * 1000:.1f}"
        f" ms, max {max(seconds, default=float('nan')) * 1000:.0f} ms"
    )
    every = f"every {sampler.interval * 1000:.0f} ms"
    print(f"memory ({sampler.samples} samples, {every}; last: 2 s after the flood):")
    print("\n".join(sampler.lines()))
    for problem, number in flood.failures.items():
        print(f"FAILED {number} x {problem}, e.g. {flood.samples[problem]}")
    for problem, number in probe.failures.items():
        print(f"FAILED probe {number} x {problem}")
    over = {pid: peak for pid, peak in sampler.high_water.items() if peak > max_rss}
    for pid, peak in over.items():
        print(f"FAILED worker {pid} peaked at {peak >> 20} MB (--max-rss-mb {max_rss >> 20})")
    bad = flood.failures or probe.failures or not renders or over
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server to flood")
    parser.add_argument("--pid", type=int, help="its main process, for memory figures")
    parser.add_argument("--start", action="store_true", help="start a placepix server here")
    parser.add_argument("--workers", type=int, default=2, help="workers (of the started server)")
    parser.add_argument("--seconds", type=float, default=30, help="how long to flood")
    parser.add_argument("--connections", type=int, default=32, help="flooding connections")
    parser.add_argument("--probes", type=int, default=2, help="probe connections")
    parser.add_argument(
        "--max-rss-mb", type=int, default=150, help="peak RSS (VmHWM) allowed per worker"
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    env = {"PLACEPIX_ACCESS_LOG": "false"}
    with server_or_url(args.start, args.url, args.pid, env, args.workers) as target:
        sampler = MemorySampler(target.pid)
        flood, probe, elapsed = asyncio.run(run(target.address, args, sampler))
        time.sleep(2)
        sampler.sample()  # two seconds after: is the memory given back?
        log_errors = server_errors(target.read_log()) if target.read_log else []
    status = report(flood, probe, elapsed, sampler, args.max_rss_mb << 20)
    for line in log_errors[:20]:
        print(f"SERVER LOG {line}")
    return 1 if status or log_errors else 0


if __name__ == "__main__":
    sys.exit(main())
