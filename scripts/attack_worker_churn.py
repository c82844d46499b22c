"""Workers killed outright (issue 18, row 9), against a placepix server started on 127.0.0.1
with --workers 2, under keep-alive load (connections asking for a cached image, each ~100 times
a second):

1. large renders on several connections, then kill -9 a worker with renders in flight: once
   they are over, /metrics must show `placepix_renders_in_flight` 0 (a dead worker's gauge
   used to stay for ever);
2. kill -9 a worker: how long until its replacement holds its share of the load's connections
   (established sockets per worker, from /proc; it used to idle while the survivor kept every
   keep-alive connection);
3. kill -9 the master: how long until its workers have exited (they used to serve on, orphaned),
   and whether a server started next removes the master's metrics directory.

    python scripts/attack_worker_churn.py

Exit status 1 if the gauge does not return to 0 within --settle seconds, the replacement does
not hold --share of the connections within --max-spread-seconds, the workers outlive their master by
more than --max-orphan-seconds, the killed master's metrics directory survives the next start,
or a request of the load fails other than on the connections of a killed worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, multiprocess

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack import attack_parser, attacked_server, parse_bounded, verdict
from scripts._load import NETWORK_ERRORS, Connection, host_port, machine, worker_pids
from tests.server import Server, metric_total

CACHED = b"/300x200.png"


@dataclass
class Findings:
    in_flight_at_kill: float = 0.0
    in_flight_after: float = float("nan")
    settle_seconds: float = float("nan")
    spread_seconds: float = float("nan")
    shares: list[str] = field(default_factory=list)
    orphan_seconds: float = float("nan")
    stale_dir_removed: bool | None = None
    load: Counter[str] = field(default_factory=Counter)


def metrics_dir(pid: int) -> Path | None:
    """The shared metrics directory a worker has its files mapped from."""
    try:
        maps = Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None
    for line in maps.splitlines():
        if "placepix-metrics-" in line:
            return Path(line.split()[-1]).parent
    return None


def in_flight_of(pid: int, directory: Path) -> float:
    """`placepix_renders_in_flight` of one worker, read from its own gauge file."""
    source = directory / f"gauge_livesum_{pid}.db"
    if not source.exists():
        return 0.0
    with tempfile.TemporaryDirectory() as alone:
        (Path(alone) / source.name).write_bytes(source.read_bytes())
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=alone)  # type: ignore[no-untyped-call]
        return registry.get_sample_value("placepix_renders_in_flight") or 0.0


async def keep_alive_load(
    address: tuple[str, int], stop: asyncio.Event, load: Counter[str], pause: float
) -> None:
    """One keep-alive connection asking for the cached image until stopped."""
    connection = Connection(*address, timeout=10)
    while not stop.is_set():
        try:
            answer = await connection.request(CACHED)
            load[str(answer.status)] += 1
        except NETWORK_ERRORS as error:
            load[type(error).__name__] += 1  # the connections of a killed worker
            connection.close()
        await asyncio.sleep(pause)
    connection.close()


async def big_renders(address: tuple[str, int], count: int) -> None:
    """`count` new large renders at once, each on its own connection (answers not awaited
    beyond 60 s; those of a killed worker fail)."""

    async def one(index: int) -> None:
        connection = Connection(*address, timeout=60)
        try:
            await connection.request(b"/4000x4000.webp?text=churn%d-%d" % (index, time.time_ns()))
        except NETWORK_ERRORS:
            pass
        finally:
            connection.close()

    await asyncio.gather(*(one(index) for index in range(count)))


async def kill_with_renders_in_flight(
    server: Server, address: tuple[str, int], findings: Findings, args: argparse.Namespace
) -> None:
    """Phase 1: a worker killed with renders in flight; does its gauge leave /metrics?"""
    renders = asyncio.create_task(big_renders(address, args.renders))
    victim, directory = None, None
    deadline = time.monotonic() + 10
    while victim is None and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        for pid in worker_pids(server.process.pid):
            directory = directory or metrics_dir(pid)
            if directory is not None and in_flight_of(pid, directory) >= 1:
                victim = pid
                findings.in_flight_at_kill = in_flight_of(pid, directory)
                break
    if victim is not None:
        os.kill(victim, signal.SIGKILL)
    await renders
    started = time.monotonic()
    while time.monotonic() - started < args.settle:
        findings.in_flight_after = await asyncio.to_thread(
            metric_total, server.url, "placepix_renders_in_flight"
        )
        if findings.in_flight_after == 0:
            findings.settle_seconds = time.monotonic() - started
            break
        await asyncio.sleep(0.5)


async def kill_and_watch_spread(
    server: Server, port: int, findings: Findings, args: argparse.Namespace
) -> None:
    """Phase 2: kill a worker under the load; seconds until its replacement holds its share
    of the load's connections."""
    before = worker_pids(server.process.pid)
    os.kill(before[0], signal.SIGKILL)
    killed = time.monotonic()
    while time.monotonic() - killed < args.max_spread_seconds:
        await asyncio.sleep(0.5)
        held = {pid: connections_of(pid, port) for pid in worker_pids(server.process.pid)}
        new = [pid for pid in held if pid not in before]
        total = sum(held.values())
        if not new or not total:
            continue
        share = held[new[0]] / total
        findings.shares.append(f"{time.monotonic() - killed:.1f} s: {held[new[0]]}/{total}")
        if share >= args.share:
            findings.spread_seconds = time.monotonic() - killed
            return


def connections_of(pid: int, port: int) -> int:
    """How many established TCP connections to `port` the process `pid` holds."""
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        table = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 0
    local = f":{port:04X}"
    return sum(
        1
        for row in (line.split() for line in table)
        if row[1].endswith(local) and row[3] == "01" and row[9] in inodes
    )


def kill_master(server: Server, findings: Findings, args: argparse.Namespace) -> Path | None:
    """Phase 3: SIGKILL the master; seconds until every worker has exited."""
    workers = worker_pids(server.process.pid)
    directory = next((d for d in map(metrics_dir, workers) if d is not None), None)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=10)
    killed = time.monotonic()
    while time.monotonic() - killed < args.max_orphan_seconds + 10:
        if not any(Path(f"/proc/{pid}").exists() for pid in workers):
            findings.orphan_seconds = time.monotonic() - killed
            return directory
        time.sleep(0.1)
    for pid in workers:  # outlived the bound: ours to end
        if Path(f"/proc/{pid}").exists() and b"multiprocessing" in _cmdline(pid):
            os.kill(pid, signal.SIGKILL)
    return directory


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def under_load(server: Server, findings: Findings, args: argparse.Namespace) -> None:
    address = host_port(server.url)
    for _ in range(8):  # the cached image in both workers' caches
        warm = Connection(*address, timeout=30)
        await warm.request(CACHED)
        warm.close()
    stop = asyncio.Event()
    pause = 1 / args.rate
    load = [
        asyncio.create_task(keep_alive_load(address, stop, findings.load, pause))
        for _ in range(args.connections)
    ]
    await asyncio.sleep(2)
    await kill_with_renders_in_flight(server, address, findings, args)
    await asyncio.sleep(3)  # the replacement up, the load settled on the workers
    await kill_and_watch_spread(server, address[1], findings, args)
    stop.set()
    await asyncio.gather(*load)


def report(findings: Findings, args: argparse.Namespace) -> int:
    print(
        f"# attack_worker_churn: 2 workers, {args.connections} keep-alive connections; {machine()}"
    )
    print(
        f"1. killed a worker with {findings.in_flight_at_kill:.0f} renders in flight: "
        f"placepix_renders_in_flight {findings.in_flight_after:g} "
        + (
            f"after {findings.settle_seconds:.1f} s"
            if findings.in_flight_after == 0
            else f"{args.settle:g} s after the renders ended"
        )
    )
    print(
        f"2. killed a worker: connections its replacement held, of all: "
        f"{', '.join(findings.shares) or 'none'}"
    )
    print(f"   replacement at {args.share:.0%} of the load after {findings.spread_seconds:.0f} s")
    print(f"3. SIGKILL of the master: workers gone after {findings.orphan_seconds:.1f} s")
    print(f"   its metrics directory removed by the next start: {findings.stale_dir_removed}")
    print(f"load answers: {dict(findings.load)}")
    problems = []
    if findings.in_flight_at_kill < 1:
        problems.append("no worker had renders in flight to kill: phase 1 did not take place")
    if findings.in_flight_after != 0:
        problems.append(f"placepix_renders_in_flight stayed at {findings.in_flight_after:g}")
    if not findings.spread_seconds <= args.max_spread_seconds:
        problems.append(f"the replacement had no {args.share:.0%} share within "
                        f"{args.max_spread_seconds:g} s")  # fmt: skip
    if not findings.orphan_seconds <= args.max_orphan_seconds:
        problems.append(f"workers outlived the master by more than {args.max_orphan_seconds:g} s")
    if findings.stale_dir_removed is not True:
        problems.append("the dead master's metrics directory was not removed")
    statuses = {key for key in findings.load if key.isdigit()}
    if statuses - {"200"}:
        problems.append(f"load answers other than 200: {sorted(statuses)}")
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__, workers=False)  # its own: two, then a server of one
    parser.add_argument("--connections", type=int, default=8, help="keep-alive load connections")
    parser.add_argument("--rate", type=float, default=100.0, help="requests/s per connection")
    parser.add_argument("--renders", type=int, default=6, help="large renders in phase 1")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds for the gauge")
    parser.add_argument("--share", type=float, default=0.25, help="replacement's connections")
    parser.add_argument("--max-spread-seconds", type=float, default=20.0)
    parser.add_argument("--max-orphan-seconds", type=float, default=5.0)
    return parse_bounded(parser, argv, connections=64, max_spread_seconds=120.0)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    findings = Findings()
    with attacked_server(args, workers=2) as server:
        asyncio.run(under_load(server, findings, args))
        directory = kill_master(server, findings, args)
    with attacked_server(args, workers=1) as second:
        findings.stale_dir_removed = directory is not None and not directory.exists()
        assert httpx.get(f"{second.url}/healthz", timeout=10).status_code == 200
    return report(findings, args)


if __name__ == "__main__":
    sys.exit(main())
