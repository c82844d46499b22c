"""A bounded soak: mixed load against a placepix server, with latency and worker memory.

    python scripts/soak.py --start --workers 2 --seconds 60
    python scripts/soak.py --url http://127.0.0.1:8000 --pid 1234 --seconds 600

The mix (see MIX): repeated URLs (cache hits), conditional requests for them (304), new small
images, new medium ones, some new large ones, and bad URLs (a 4xx is the right answer). Reports
requests, answers by category and status, p50/p99 overall and per category, and each worker's
RSS after warm-up and after each round of load (--rounds), read in a two-second pause once the
renders have finished and freed memory has been handed back: a leak climbs round after round,
a cache filling up levels off.

Exit status 1 on any answer other than the intended ones (200 or 503 for images, 304 for
conditional requests, 4xx for bad URLs), on any connection error, or if a worker's RSS grew by
more than its explicit caches (cache_bytes and the text caches: line masks, prepared text,
faces) + --margin-mb from warm-up to the end: the caches may fill, and the allocator keeps some
pools, but anything beyond that is a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from placepix.render import Renderer
from placepix.server.settings import Settings
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

CACHE_BYTES: int = Settings.model_fields["cache_bytes"].default  # the started server's
CACHED = ["/300x200", "/600x400.webp", "/og.jpg", "/64.svg", "/120x90/000/fff.gif", "/vga.png"]
BAD = ["/0x0", "/600x400/zzz", "/99999", "/600x400?font=nope", "/4001x10", "/10x10.xyz"]
BAD += ["/300x200?text=%ED%A0%80", "/300x200?text=a&text=b", "/10x10?text=" + "a" * 2100]
Pick = Callable[[random.Random, int], str]


@dataclass(frozen=True)
class Category:
    """One kind of request in the mix: its share, how to make a URL, the right answers."""

    name: str
    weight: float
    url: Pick
    expected: frozenset[int]
    conditional: bool = False


def _small(rng: random.Random, n: int) -> str:
    fmt = rng.choice(["png", "jpeg", "webp", "gif", "svg"])
    return f"/{rng.randrange(20, 400)}x{rng.randrange(20, 400)}.{fmt}?text=s{n}"


def _medium(rng: random.Random, n: int) -> str:
    fmt = rng.choice(["png", "jpeg", "webp", "gif"])
    return f"/1200x{rng.randrange(600, 900)}.{fmt}?text=m{n}"


def _large(rng: random.Random, n: int) -> str:
    return rng.choice(["/3000x3000.png", "/4000x4000.webp", "/1500x1500.avif"]) + f"?text=L{n}"


IMAGE = frozenset({200, 503})
MIX = [
    Category("cached", 0.45, lambda rng, n: rng.choice(CACHED), IMAGE),
    Category("conditional", 0.05, lambda rng, n: rng.choice(CACHED), frozenset({304}), True),
    Category("new small", 0.28, _small, IMAGE),
    Category("new medium", 0.15, _medium, IMAGE),
    Category("new large", 0.02, _large, IMAGE),
    Category("bad", 0.05, lambda rng, n: rng.choice(BAD), frozenset(range(400, 500))),
]


@dataclass
class SoakTally:
    """Answers by category and status, latencies, and the unexpected ones."""

    answers: Counter[tuple[str, int | str]] = field(default_factory=Counter)
    seconds: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    unexpected: Counter[str] = field(default_factory=Counter)

    def record(self, category: Category, url: str, answer: Answer) -> None:
        self.answers[category.name, answer.status] += 1
        self.seconds[category.name].append(answer.seconds)
        if answer.status not in category.expected:
            self.unexpected[f"{answer.status} for {url[:100]} ({category.name})"] += 1
        elif answer.status == 503 and "retry-after" not in answer.headers:
            self.unexpected[f"503 without Retry-After for {url[:100]}"] += 1

    def error(self, category: Category, url: str, error: BaseException) -> None:
        self.answers[category.name, "error"] += 1
        self.unexpected[f"{type(error).__name__} for {url[:100]}"] += 1


async def client(
    address: tuple[str, int],
    deadline: float,
    rng: random.Random,
    numbers: itertools.count[int],
    etags: dict[str, str],
    weights: list[float],
    tally: SoakTally,
) -> None:
    """One keep-alive connection sending the mix back to back until the deadline."""
    connection = Connection(*address, timeout=120)
    while time.monotonic() < deadline:
        category = rng.choices(MIX, weights)[0]
        url = category.url(rng, next(numbers))
        tag = etags.get(url)
        headers = [(b"If-None-Match", tag.encode())] if category.conditional and tag else []
        try:
            answer = await connection.request(url.encode(), headers=headers)
        except NETWORK_ERRORS as error:
            tally.error(category, url, error)
            connection.close()
            continue
        tally.record(category, url, answer)
    connection.close()


async def warm_up(address: tuple[str, int], workers: int) -> dict[str, str]:
    """Render the repeated URLs in every worker (new connections land on any worker), one
    large image per format, and return the ETags of the repeated URLs."""
    etags = {}
    for url in CACHED * workers * 4 + [_large(random.Random(n), n) for n in range(3)]:
        connection = Connection(*address, timeout=120)
        answer = await connection.request(url.encode())
        connection.close()
        if "etag" in answer.headers:
            etags[url] = answer.headers["etag"]
    return etags


def weights(large_share: float) -> list[float]:
    """The mix's weights, with the share of new large images as asked."""
    return [large_share if c.name == "new large" else c.weight for c in MIX]


async def load(
    address: tuple[str, int],
    seconds: float,
    args: argparse.Namespace,
    etags: dict[str, str],
    seed: int,
) -> SoakTally:
    """The mix from `args.connections` connections for `seconds`."""
    tally = SoakTally()
    rng = random.Random(seed)
    numbers = itertools.count(seed * 10**9)
    deadline = time.monotonic() + seconds
    mix = weights(args.large_share)
    await asyncio.gather(
        *(
            client(address, deadline, rng, numbers, etags, mix, tally)
            for _ in range(args.connections)
        )
    )
    return tally


def merge(tallies: list[SoakTally]) -> SoakTally:
    """All rounds of the run in one tally."""
    total = SoakTally()
    for tally in tallies:
        total.answers.update(tally.answers)
        total.unexpected.update(tally.unexpected)
        for name, values in tally.seconds.items():
            total.seconds[name].extend(values)
    return total


def report(
    tally: SoakTally,
    seconds: float,
    quiet: list[dict[int, int]],
    sampler: MemorySampler,
    allowed_growth: int,
) -> int:
    """Print the figures; 1 if anything failed."""
    everything = [value for values in tally.seconds.values() for value in values]
    total = sum(tally.answers.values())
    print(f"{total} requests in {seconds:.0f} s of load ({total / seconds:.0f}/s)")
    print(
        f"latency p50 {percentile(everything, 0.5) * 1000:.1f} ms,"
        f" p99 {percentile(everything, 0.99) * 1000:.1f} ms"
    )
    for category in MIX:
        row = {status: n for (name, status), n in tally.answers.items() if name == category.name}
        values = tally.seconds[category.name]
        print(
            f"  {category.name}: "
            + ", ".join(f"{status}: {n}" for status, n in sorted(row.items(), key=str))
            + f"; p50 {percentile(values, 0.5) * 1000:.1f} ms,"
            + f" p99 {percentile(values, 0.99) * 1000:.1f} ms"
        )
    grown = memory_lines(quiet, sampler, allowed_growth)
    for problem, number in tally.unexpected.most_common(20):
        print(f"FAILED {number} x {problem}")
    return 1 if tally.unexpected or grown else 0


def memory_lines(quiet: list[dict[int, int]], sampler: MemorySampler, allowed_growth: int) -> bool:
    """Print each worker's RSS after warm-up and after each round; True if one grew more
    than allowed from the first to the last."""
    mb = 1 << 20
    grown = False
    print(
        f"RSS per worker, after warm-up and 2 s after each round"
        f" (allowed growth {allowed_growth // mb} MB):"
    )
    for pid in sorted(quiet[0]):
        steps = " -> ".join(str(sample.get(pid, 0) // mb) for sample in quiet)
        growth = quiet[-1].get(pid, 0) - quiet[0][pid]
        print(
            f"  worker {pid}: {steps} MB (growth {growth // mb} MB), max sampled under load"
            f" {sampler.peak.get(pid, 0) // mb} MB, VmHWM {sampler.high_water.get(pid, 0) // mb} MB"
        )
        if growth > allowed_growth:
            print(f"FAILED worker {pid} grew {growth // mb} MB")
            grown = True
    return grown


async def soak(
    address: tuple[str, int], args: argparse.Namespace, sampler: MemorySampler
) -> tuple[SoakTally, list[dict[int, int]]]:
    """Warm up, then `args.rounds` rounds of load, each followed by a 2 s pause in which
    renders finish and each worker's RSS is read: the quiet RSS after each round."""
    etags = await warm_up(address, args.workers)
    await asyncio.sleep(2)
    sampler.sample()
    quiet = [dict(sampler.last)]
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    tallies = []
    for number in range(args.rounds):
        seconds = args.seconds / args.rounds
        tallies.append(await load(address, seconds, args, etags, number + 1))
        await asyncio.sleep(2)
        quiet.append(dict(sampler.last))
    stop.set()
    await sampling
    return merge(tallies), quiet


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server to soak")
    parser.add_argument("--pid", type=int, help="its main process, for memory figures")
    parser.add_argument("--start", action="store_true", help="start a placepix server here")
    parser.add_argument("--workers", type=int, default=2, help="workers (of the started server)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to soak")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=6, help="rounds, a pause after each")
    parser.add_argument(
        "--large-share", type=float, default=0.02, help="share of new large images (0: none)"
    )
    parser.add_argument("--cache-mb", type=int, default=CACHE_BYTES >> 20, help="cache_bytes")
    parser.add_argument(
        "--margin-mb", type=int, default=128, help="RSS growth allowed beyond the cache"
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    env = {"PLACEPIX_ACCESS_LOG": "false", "PLACEPIX_CACHE_BYTES": str(args.cache_mb << 20)}
    with server_or_url(args.start, args.url, args.pid, env, args.workers) as target:
        sampler = MemorySampler(target.pid, interval=0.5)
        tally, quiet = asyncio.run(soak(target.address, args, sampler))
        log_errors = server_errors(target.read_log()) if target.read_log else []
    caches = Renderer(cache_bytes=args.cache_mb << 20).caches.max_bytes  # what the worker keeps
    status = report(tally, args.seconds, quiet, sampler, caches + (args.margin_mb << 20))
    for line in log_errors[:20]:
        print(f"SERVER LOG {line}")
    return 1 if status or log_errors else 0


if __name__ == "__main__":
    sys.exit(main())
