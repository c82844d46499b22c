"""Bad font files in a font directory (issue 18, rows 6 and 7): start a placepix server on
127.0.0.1 whose PLACEPIX_FONT_DIRS holds a corrupt Noto "script" font (it would join the
fallback chain), an empty file, a FIFO and a dangling symlink, all named like fonts; send a
bounded number of requests that reach them (emoji, which walk the whole fallback chain; Latin;
CJK; Arabic; each bad file by the name discovery would give it), time each, then stop the server
with SIGTERM and time that too.

    python scripts/attack_bad_fonts.py --workers 2 --requests 200

Exit status 1 if any answer is a 5xx, any request gets no answer within --timeout (a hang),
a text request is not a 200 or a bad font's name not a 400, /healthz takes longer than
--max-healthz-ms, /fonts does not list each bad file under `skipped`, the server logs an error
or traceback, or it takes longer than --max-stop-seconds to stop after SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._attack import attack_parser, log_problems, parse_bounded, verdict
from scripts._load import (
    NETWORK_ERRORS,
    Connection,
    host_port,
    machine,
    percentile,
    server_errors,
    worker_pids,
)
from tests.server import running_server

# Each bad file, and the name discovery would give it (every file in a font dir gets one).
BAD_FILES = {
    "NotoSansZzzz-Regular.ttf": "noto-sans-zzzz",  # corrupt: a font header, then junk
    "Empty-Regular.ttf": "empty",
    "Fifo-Regular.ttf": "fifo",
    "Gone-Regular.ttf": "gone",  # a symlink to a file that does not exist
}
TEXTS = {
    "emoji": "Hi 😀",
    "latin": "Hello placeholder",
    "cjk": "日本語の文字",
    "arabic": "مرحبا بالعالم",
}
HEALTHZ = "healthz"


@dataclass
class Tally:
    """Answers by kind and status, latencies by kind, and what went wrong."""

    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    seconds: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)

    def fail(self, problem: str) -> None:
        self.failures[problem] += 1


def make_bad_font_dir(directory: Path) -> None:
    """The four bad files of BAD_FILES in `directory`."""
    junk = bytes((index * 7919) % 251 for index in range(4096))
    (directory / "NotoSansZzzz-Regular.ttf").write_bytes(b"\x00\x01\x00\x00\x00\x09" + junk)
    (directory / "Empty-Regular.ttf").write_bytes(b"")
    os.mkfifo(directory / "Fifo-Regular.ttf")
    (directory / "Gone-Regular.ttf").symlink_to(directory / "no-such-font.ttf")


def targets(count: int) -> list[tuple[str, str, int]]:
    """`count` requests as (kind, target, expected status), cycling through every kind; each
    text is new (a number in it), so no answer comes from the render cache."""
    kinds = [
        (f"text {name}", f"/400x120.png?text={quote(t)}+{{n}}", 200) for name, t in TEXTS.items()
    ]
    kinds += [
        (f"font={name}", f"/400x120.png?text={{n}}&font={name}", 400) for name in BAD_FILES.values()
    ]
    kinds += [(HEALTHZ, "/healthz", 200)]
    return [
        (kind, template.format(n=number), expected)
        for number, (kind, template, expected) in ((n, kinds[n % len(kinds)]) for n in range(count))
    ]


async def attack(
    address: tuple[str, int], work: list[tuple[str, str, int]], args: argparse.Namespace
) -> Tally:
    """Send `work` over --connections keep-alive connections, each request bounded by --timeout."""
    tally = Tally()
    queue = list(reversed(work))

    async def connection_loop() -> None:
        connection = Connection(*address, timeout=args.timeout)
        while queue:
            kind, target, expected = queue.pop()
            try:
                answer = await connection.request(target.encode())
            except NETWORK_ERRORS as error:
                tally.fail(f"{kind}: no answer ({type(error).__name__})")
                connection.close()
                continue
            tally.statuses[kind, answer.status] += 1
            tally.seconds[kind].append(answer.seconds)
            if answer.status >= 500:
                tally.fail(f"{kind}: {answer.status} {answer.body[:80]!r}")
            elif answer.status != expected:
                tally.fail(f"{kind}: {answer.status} instead of {expected}")
        connection.close()

    await asyncio.gather(*(connection_loop() for _ in range(args.connections)))
    return tally


def check_fonts_page(address: tuple[str, int], timeout: float) -> list[str]:
    """Problems with /fonts: each bad file must be listed under `skipped` with a reason."""

    async def fetch() -> bytes:
        connection = Connection(*address, timeout=timeout)
        try:
            return (await connection.request(b"/fonts")).body
        finally:
            connection.close()

    try:
        skipped = json.loads(asyncio.run(fetch())).get("skipped", [])
    except (*NETWORK_ERRORS, json.JSONDecodeError) as error:
        return [f"/fonts: {type(error).__name__}"]
    listed = {entry.get("file"): entry.get("reason") for entry in skipped}
    return [f"/fonts does not list {name} as skipped" for name in BAD_FILES if not listed.get(name)]


def stop(process: subprocess.Popen[bytes], workers: list[int], limit: float) -> float:
    """SIGTERM the server; the seconds it took to exit, or -1 (killed, with any worker left)."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=limit)
        return time.monotonic() - started
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
        for pid in workers:  # a worker stuck in open() outlives its master: ours to end
            with contextlib.suppress(OSError):  # gone already
                if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
        return -1.0


def report(tally: Tally, problems: list[str], stop_seconds: float, args: argparse.Namespace) -> int:
    print(
        f"# attack_bad_fonts: {args.requests} requests over {args.connections} connections, "
        f"{args.workers} workers; {machine()}"
    )
    print(f"{'kind':<22} {'statuses':<18} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in sorted(tally.seconds):
        statuses = ", ".join(
            f"{n}×{s}" for (k, s), n in sorted(tally.statuses.items()) if k == kind
        )
        times = [1000 * s for s in tally.seconds[kind]]
        print(
            f"{kind:<22} {statuses:<18} {percentile(times, 0.5):8.1f} "
            f"{percentile(times, 0.99):8.1f} {max(times):8.1f}"
        )
    fives = sum(n for (_, status), n in tally.statuses.items() if status >= 500)
    hung = sum(n for problem, n in tally.failures.items() if "no answer" in problem)
    print(f"5xx: {fives}; no answer within {args.timeout:g} s: {hung}")
    print(f"stop after SIGTERM: {'did not stop' if stop_seconds < 0 else f'{stop_seconds:.2f} s'}")
    healthz = [1000 * s for s in tally.seconds.get(HEALTHZ, [])]
    if healthz and max(healthz) > args.max_healthz_ms:
        problems.append(f"/healthz took {max(healthz):.0f} ms > {args.max_healthz_ms:g} ms")
    if stop_seconds < 0 or stop_seconds > args.max_stop_seconds:
        problems.append(f"the server did not stop within {args.max_stop_seconds:g} s of SIGTERM")
    problems += [f"{problem} (×{n})" for problem, n in tally.failures.items()]
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests in all (bounded)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds: longer is a hang")
    parser.add_argument("--max-healthz-ms", type=float, default=500.0)
    parser.add_argument("--max-stop-seconds", type=float, default=10.0)
    return parse_bounded(parser, argv, python=None, requests=10_000)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with tempfile.TemporaryDirectory(prefix="placepix-bad-fonts-") as directory:
        make_bad_font_dir(Path(directory))
        env = {"PLACEPIX_FONT_DIRS": json.dumps([directory])}
        with running_server(env, workers=args.workers) as server:  # binds 127.0.0.1 only
            address = host_port(server.url)
            workers = worker_pids(server.process.pid)
            problems = check_fonts_page(address, args.timeout)
            tally = asyncio.run(attack(address, targets(args.requests), args))
            stop_seconds = stop(server.process, workers, args.max_stop_seconds)
            server.output.seek(0)
            log = server.output.read().decode(errors="replace")
    problems += log_problems(server_errors(log))
    return report(tally, problems, stop_seconds, args)


if __name__ == "__main__":
    sys.exit(main())
