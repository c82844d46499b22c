"""A bounded soak: mixed load against a placepix server, with latency and memory at start and end.

    python scripts/soak.py --seconds 60 --workers 2

Starts its own server (default settings, access log off), sends a mix of cached, new small,
new medium, some large and some bad URLs from 32 connections, and reports requests, answers by
status, p50/p99 latency and each worker's RSS at start and end. Exits 1 on any error other than
the intended 4xx and 503s, or if a worker's RSS still grows in the second half of the run by
more than a margin: the first half fills the render cache and the allocator's pools, after that
memory must stay flat (a leak would not).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).parent.parent))
from scripts.fuzz import exchange
from tests.server import running_server

CACHE_BYTES = 64 * 1024 * 1024
MARGIN = 48 * 1024 * 1024  # allowed second-half growth: allocator slack, a render in flight


def mixed_url(rng: random.Random, count: int) -> tuple[str, bool]:
    """(URL, whether a 4xx is the right answer)."""
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(["/300x200", "/600x400.webp", "/og.jpg", "/64.svg"]), False
    if roll < 0.8:
        return f"/{rng.randrange(20, 400)}x{rng.randrange(20, 400)}.png?text=n{count}", False
    if roll < 0.95:
        fmt = rng.choice(["png", "jpeg", "webp", "gif"])
        return f"/1200x{rng.randrange(600, 900)}.{fmt}?text=m{count}", False
    if roll < 0.98:
        return f"/3000x3000.{rng.choice(['png', 'webp'])}?text=big{count}", False
    return rng.choice(["/0x0", "/600x400/zzz", "/99999", "/600x400?font=nope"]), True


def rss_by_worker(server_pid: int) -> dict[int, int]:
    rss = {}
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            status = Path(f"/proc/{child}/status").read_text()
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"resource_tracker" not in cmdline:
                rss[int(child)] = int(status.split("VmRSS:")[1].split()[0]) * 1024
    return rss


async def load(base: str, seconds: float, connections: int) -> tuple[Counter[str], list[float]]:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    answers: Counter[str] = Counter()
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    rng = random.Random(7)
    counter = iter(range(10**9))

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while time.monotonic() < deadline:
            url, bad = mixed_url(rng, next(counter))
            started = time.perf_counter()
            try:
                status, reader, writer = await exchange(host, port, reader, writer, url)
            except Exception as error:
                answers[f"error {type(error).__name__}"] += 1
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - started)
            expected = (400 <= status < 500) if bad else status in (200, 503)
            answers[f"{status}" if expected else f"unexpected {status} for {url}"] += 1
        writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return answers, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    env = {"PLACEPIX_ACCESS_LOG": "false", "PLACEPIX_CACHE_BYTES": str(CACHE_BYTES)}
    with running_server(env, workers=args.workers) as server:
        asyncio.run(load(server.url, 2, 4))  # warm up: fonts, faces, first renders
        start = rss_by_worker(server.process.pid)
        half = args.seconds / 2
        answers, latencies = asyncio.run(load(server.url, half, args.connections))
        middle = rss_by_worker(server.process.pid)
        more_answers, more_latencies = asyncio.run(load(server.url, half, args.connections))
        end = rss_by_worker(server.process.pid)
    answers.update(more_answers)
    return report(answers, latencies + more_latencies, (start, middle, end), args.seconds)


def report(
    answers: Counter[str],
    latencies: list[float],
    rss: tuple[dict[int, int], dict[int, int], dict[int, int]],
    seconds: float,
) -> int:
    total = sum(answers.values())
    cuts = statistics.quantiles(latencies, n=100)
    print(f"{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s)")
    print(f"latency p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")
    for name, number in sorted(answers.items()):
        print(f"  {name}: {number}")
    grown = False
    start, middle, end = rss
    for pid in sorted(start):
        mb = [sample.get(pid, 0) >> 20 for sample in rss]
        print(f"  worker {pid}: RSS start {mb[0]} MB, half-way {mb[1]} MB, end {mb[2]} MB")
        grown |= end.get(pid, 0) - middle.get(pid, 0) > MARGIN
    failures = [name for name in answers if not name[0].isdigit()]
    return 1 if failures or grown else 0


if __name__ == "__main__":
    sys.exit(main())
