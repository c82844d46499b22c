"""Clients that never read (issue 18, row 5): start a placepix server on 127.0.0.1; waves of
twelve connections each ask for a new 4000×4000 BMP (16 MB, too large for the cache) and read
nothing (a new wave every --every seconds, the old ones left open), while other clients ask for
new, uncached images of a usual size, each on a new connection, and read their answers.

    python scripts/attack_slow_readers.py --workers 2 --seconds 30

Before the fix the unread answers filled the worker's `max_unsent_bytes` and every uncached
render of every client got 503 until the send timeout dropped them (and again with the next
wave). Now only an answer too large for the cache waits for that room; other renders go on.

Exit status 1 if fewer than --min-ok (95 %) of the other clients' renders answer 200, any of
their answers is neither 200 nor 503, a worker's RSS passes --max-rss-mb, or the server logs an
error.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack import attack_parser, attacked_server, log_problems, parse_bounded, verdict
from scripts._load import (
    NETWORK_ERRORS,
    Connection,
    MemorySampler,
    host_port,
    machine,
    percentile,
    server_errors,
)

MB = 1 << 20


@dataclass
class Tally:
    others: Counter[str] = field(default_factory=Counter)
    other_seconds: list[float] = field(default_factory=list)
    waves: int = 0
    readers_opened: int = 0


def open_wave(port: int, wave: int, size: int) -> list[socket.socket]:
    """`size` connections that each ask for a new 4000x4000 BMP and never read."""
    opened = []
    for index in range(size):
        connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        colour = (wave * 977 + index * 7919 + time.time_ns()) % 0xFFFFFF
        target = b"/4000x4000/%06x/fff.bmp" % colour
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        opened.append(connection)
    return opened


async def other_client(
    address: tuple[str, int], numbers: itertools.count[int], deadline: float, tally: Tally
) -> None:
    """New usual-sized images, each on a new connection (so both workers are asked)."""
    while time.monotonic() < deadline:
        connection = Connection(*address, timeout=30)
        target = b"/640x480.png?text=other+client+%d" % next(numbers)
        try:
            answer = await connection.request(target)
        except NETWORK_ERRORS as error:
            tally.others[type(error).__name__] += 1
        else:
            tally.others[str(answer.status)] += 1
            tally.other_seconds.append(answer.seconds)
        finally:
            connection.close()
        await asyncio.sleep(0.05)


async def run(port: int, server_pid: int, args: argparse.Namespace) -> tuple[Tally, MemorySampler]:
    tally = Tally()
    sampler = MemorySampler(server_pid)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    address = ("127.0.0.1", port)
    deadline = time.monotonic() + args.seconds
    numbers = itertools.count()
    clients = [
        asyncio.create_task(other_client(address, numbers, deadline, tally))
        for _ in range(args.clients)
    ]
    readers: list[socket.socket] = []
    try:
        while time.monotonic() < deadline:
            readers += await asyncio.to_thread(open_wave, port, tally.waves, args.wave)
            tally.waves += 1
            tally.readers_opened = len(readers)
            await asyncio.sleep(min(args.every, max(0.0, deadline - time.monotonic())))
        await asyncio.gather(*clients)
    finally:
        for connection in readers:
            connection.close()
        stop.set()
        await sampling
    return tally, sampler


def report(
    tally: Tally, sampler: MemorySampler, log_errors: list[str], args: argparse.Namespace
) -> int:
    print(
        f"# attack_slow_readers: {tally.waves} waves of {args.wave} non-reading connections "
        f"({tally.readers_opened} in all), {args.clients} other clients, {args.seconds:g} s, "
        f"{args.workers} workers; {machine()}"
    )
    asked = sum(tally.others.values())
    ok = tally.others.get("200", 0)
    share = ok / asked if asked else 0.0
    ms = [1000 * s for s in tally.other_seconds]
    print(
        f"other clients' new renders: {asked}, {dict(sorted(tally.others.items()))}; "
        f"200: {share:.1%}; p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms"
    )
    print("memory:")
    print("\n".join(sampler.lines()))
    problems = []
    if share < args.min_ok:
        problems.append(
            f"{share:.1%} of the other clients' renders answered 200 < {args.min_ok:.0%}"
        )
    odd = {status for status in tally.others if status not in ("200", "503")}
    if odd:
        problems.append(f"other clients got {sorted(odd)}")
    over = {pid: peak for pid, peak in sampler.peak.items() if peak > args.max_rss_mb * MB}
    problems += [f"worker {pid} reached {peak // MB} MB" for pid, peak in over.items()]
    problems += log_problems(log_errors)
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the attack lasts")
    parser.add_argument("--wave", type=int, default=12, help="non-reading connections a wave")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between waves")
    parser.add_argument("--clients", type=int, default=2, help="other clients, concurrently")
    parser.add_argument("--min-ok", type=float, default=0.95, help="their share of 200s")
    parser.add_argument("--max-rss-mb", type=float, default=400.0)
    return parse_bounded(parser, argv, seconds=120.0, wave=64)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with attacked_server(args) as server:
        _, port = host_port(server.url)
        tally, sampler = asyncio.run(run(port, server.process.pid, args))
        log_errors = server_errors(server.log())
    return report(tally, sampler, log_errors, args)


if __name__ == "__main__":
    sys.exit(main())
