"""Headers piled up behind a request in flight (issue 18, row 1): start a placepix server on
127.0.0.1, ask on one connection for a big image (a 48 MB BMP) and never read the answer, then
send on the same connection a second, pipelined request whose headers never end: ~150 MB of
small header lines. Every worker's RSS is sampled all along.

    python scripts/attack_pipelined_headers.py --workers 2

Before the fix the bytes of a request's headers were neither counted nor timed while the
previous answer was in flight: the worker parsed every line into its header list (RSS 136 ->
1 104 MB). Now they count from the first byte after the previous request's headers, and reading
pauses while a request is in flight, so the server stops taking bytes after a few hundred KB.

Exit status 1 if any worker's RSS rises more than --max-growth-mb (20) above what it was with
the big answer waiting (before the headers were sent), or the server stops answering /healthz.
"""

from __future__ import annotations

import argparse
import select
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack import attack_parser, attacked_server, parse_bounded, verdict
from scripts._load import host_port, machine, memory, worker_pids

MB = 1 << 20
BIG_IMAGE = b"/4000x4000/ff0000/00ff00.bmp?text=never+read+%d"
BLOCK_LINES = 64 * 1024  # header lines per block sent: "x-a: b\r\n" is 8 bytes


@dataclass
class Sampler:
    """Every worker's RSS every `interval` seconds, in a thread, until stopped."""

    server_pid: int
    interval: float = 0.05
    peak: dict[int, int] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event)

    def current(self) -> dict[int, int]:
        sizes = {}
        for pid in worker_pids(self.server_pid):
            measured = memory(pid)
            if measured is not None:
                sizes[pid] = measured[0]
        return sizes

    def run(self) -> None:
        while not self.stop.is_set():
            for pid, rss in self.current().items():
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            self.stop.wait(self.interval)


@dataclass
class Outcome:
    """What the attack achieved: bytes the server took, how it ended, memory per worker."""

    answer_started: bool = False
    sent: int = 0
    seconds: float = 0.0
    ending: str = ""
    before: dict[int, int] = field(default_factory=dict)
    peak: dict[int, int] = field(default_factory=dict)
    healthz: bool = False


def attack(port: int, server_pid: int, args: argparse.Namespace) -> Outcome:
    """The big request, then the endless headers on the same connection, with sampling."""
    outcome = Outcome()
    sampler = Sampler(server_pid)
    connection = socket.create_connection(("127.0.0.1", port), timeout=args.stall)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # read nothing, hold little
    try:
        connection.sendall(b"GET " + BIG_IMAGE % time.time_ns() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        readable, _, _ = select.select([connection], [], [], args.render_wait)
        outcome.answer_started = bool(readable)  # the answer began (left unread from here on)
        time.sleep(1.0)  # the answer settles into the worker's and the kernel's buffers
        outcome.before = sampler.current()
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        outcome.sent, outcome.seconds, outcome.ending = flood_headers(connection, args)
        time.sleep(0.5)  # the last bytes parsed
        sampler.stop.set()
        thread.join()
        outcome.peak = sampler.peak
    finally:
        connection.close()
    outcome.healthz = healthz(port)
    return outcome


def flood_headers(connection: socket.socket, args: argparse.Namespace) -> tuple[int, float, str]:
    """Send a request line, then header lines until --megabytes are out, --seconds pass, the
    server stops reading for --stall seconds, or it closes; (bytes sent, seconds, why it ended)."""
    block = b"x-a: b\r\n" * BLOCK_LINES
    total = args.megabytes * MB
    sent = 0
    started = time.monotonic()
    try:
        connection.sendall(b"GET /10x10.png HTTP/1.1\r\nHost: x\r\n")
        while sent < total:
            if time.monotonic() - started > args.seconds:
                return sent, time.monotonic() - started, f"time limit ({args.seconds:g} s)"
            connection.sendall(block)
            sent += len(block)
    except TimeoutError:
        ending = f"the server stopped reading (nothing taken for {args.stall:g} s)"
        return sent, time.monotonic() - started, ending
    except OSError as error:
        return sent, time.monotonic() - started, f"the server closed it ({type(error).__name__})"
    return sent, time.monotonic() - started, "all sent: the server took every byte"


def healthz(port: int) -> bool:
    """Whether the server still answers /healthz on a new connection, within 5 s."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:
            probe.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return probe.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def report(outcome: Outcome, args: argparse.Namespace) -> int:
    print(f"# attack_pipelined_headers: {args.workers} workers; {machine()}")
    print(f"big answer started: {outcome.answer_started}")
    rate = outcome.sent / MB / max(outcome.seconds, 1e-9)
    print(
        f"headers sent: {outcome.sent / MB:.1f} MB in {outcome.seconds:.1f} s "
        f"({rate:.0f} MB/s); {outcome.ending}"
    )
    problems = []
    growth = {pid: outcome.peak.get(pid, rss) - rss for pid, rss in outcome.before.items()}
    for pid, rss in sorted(outcome.before.items()):
        peak = outcome.peak.get(pid, rss)
        print(
            f"worker {pid}: RSS {rss / MB:.0f} MB with the big answer waiting, peak "
            f"{peak / MB:.0f} MB during the headers (+{growth[pid] / MB:.1f} MB)"
        )
    worst = max(growth.values(), default=0)
    print(f"largest growth: {worst / MB:.1f} MB (threshold {args.max_growth_mb:g} MB)")
    print(f"/healthz afterwards: {'200' if outcome.healthz else 'no answer'}")
    if not outcome.answer_started:
        problems.append("the big image never began to answer: the attack did not take place")
    if worst > args.max_growth_mb * MB:
        problems.append(f"a worker grew {worst / MB:.0f} MB > {args.max_growth_mb:g} MB")
    if not outcome.healthz:
        problems.append("/healthz did not answer afterwards")
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--megabytes", type=int, default=150, help="header bytes to send (MB)")
    parser.add_argument("--seconds", type=float, default=20.0, help="longest time sending")
    parser.add_argument("--stall", type=float, default=3.0, help="seconds: server not reading")
    parser.add_argument("--render-wait", type=float, default=30.0, help="seconds for the answer")
    parser.add_argument("--max-growth-mb", type=float, default=20.0)
    return parse_bounded(parser, argv, megabytes=1024, seconds=60.0)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with attacked_server(args) as server:
        _, port = host_port(server.url)
        outcome = attack(port, server.process.pid, args)
    return report(outcome, args)


if __name__ == "__main__":
    sys.exit(main())
