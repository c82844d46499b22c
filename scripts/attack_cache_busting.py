"""Memory under a cache-busting flood (issue 18, row 8): start a placepix server on 127.0.0.1;
--connections keep-alive connections send, as fast as answers come, URLs of ~500 characters
that are all new (a new text of words in two scripts each time, Latin, CJK, Arabic,
Devanagari, Cyrillic, Hebrew, Thai or emoji, in one of seven fonts, sizes from 200x150 to
1200x900, or to --largest, in PNG, JPEG, WebP and GIF), so every cache fills with entries that
are never asked for again; every worker's RSS is sampled every 100 ms, and VmHWM read at the
end.

    python scripts/attack_cache_busting.py --workers 2 --seconds 60

Exit status 1 if a worker's peak (VmHWM) passes --max-rss-mb (150, what docs/security.md
promises), an answer is neither 200 nor 503 (nor 400 for an estimate over the budget), a
connection fails, or the server logs an error.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

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
URL_LENGTH = 500
FORMATS = ("png", "jpeg", "webp", "gif")
FONTS = ("lato", "roboto", "open-sans", "lobster", "oswald", "noto-serif", "playfair-display")
# Words in several scripts: each draws on its own fallback fonts, shapers and glyphs.
SCRIPTS = (
    "placeholder image lorem ipsum dolor sit amet consectetur adipiscing elit sed do",
    "日本語 の 文字 画像 見本 東京 大阪 漢字 仮名 片仮名 平仮名",
    "مرحبا بالعالم صورة نص عربي كتابة",
    "नमस्ते दुनिया चित्र पाठ हिंदी",
    "Привет мир изображение текст пример",
    "שלום עולם תמונה טקסט",
    "สวัสดี ชาวโลก รูปภาพ ข้อความ",
    "😀 🎉 🚀 ❤️ 👍 🌍 🔥",
)


def busting_url(rng: random.Random, number: int, largest: int = 1200) -> bytes:
    """A new URL of about URL_LENGTH characters: size (sides up to `largest`), colours,
    format, a font, then words of two scripts."""
    width, height = rng.randrange(200, largest + 1), rng.randrange(150, largest * 3 // 4 + 1)
    colours = f"{rng.randrange(1 << 24):06x}/{rng.randrange(1 << 24):06x}"
    head = f"/{width}x{height}/{colours}.{rng.choice(FORMATS)}"
    head += f"?font={rng.choice(FONTS)}&text={number}+"
    vocabulary = " ".join(rng.sample(SCRIPTS, 2)).split()
    words: list[str] = []
    while len(head) + len(_encoded(words)) < URL_LENGTH - 30:
        words.append(rng.choice(vocabulary))
    return (head + _encoded(words)).encode()


def _encoded(words: list[str]) -> str:
    return "+".join(quote(word) for word in words)


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)


async def flooder(
    address: tuple[str, int], seed: int, counter: list[int], deadline: float, tally: Tally,
    largest: int,
) -> None:  # fmt: skip
    rng = random.Random(seed)
    connection = Connection(*address, timeout=60)
    while time.monotonic() < deadline:
        counter[0] += 1
        target = busting_url(rng, counter[0], largest)
        tally.lengths.append(len(target))
        try:
            answer = await connection.request(target)
        except NETWORK_ERRORS as error:
            tally.failures[type(error).__name__] += 1
            connection.close()
            continue
        tally.statuses[answer.status] += 1
        tally.seconds.append(answer.seconds)
        if answer.status not in (200, 400, 503):
            tally.failures[f"{answer.status} {answer.body[:60]!r}"] += 1
    connection.close()


async def run(
    address: tuple[str, int], server_pid: int, args: argparse.Namespace
) -> tuple[Tally, MemorySampler, float]:
    tally, sampler = Tally(), MemorySampler(server_pid)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    counter = [0]
    started = time.monotonic()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            flooder(address, seed, counter, deadline, tally, args.largest)
            for seed in range(args.connections)
        )
    )
    elapsed = time.monotonic() - started
    stop.set()
    await sampling
    return tally, sampler, elapsed


def report(
    tally: Tally,
    sampler: MemorySampler,
    elapsed: float,
    log_errors: list[str],
    args: argparse.Namespace,
) -> int:
    print(
        f"# attack_cache_busting: {args.connections} connections, sides up to {args.largest}, "
        f"{args.workers} workers; "
        f"{machine()}"
    )
    answers = sum(tally.statuses.values())
    ms = [1000 * s for s in tally.seconds]
    print(
        f"{answers} answers in {elapsed:.1f} s ({answers / max(elapsed, 1e-9):.0f}/s), "
        f"URLs of {min(tally.lengths, default=0)}-{max(tally.lengths, default=0)} characters; "
        f"{dict(sorted(tally.statuses.items()))}; p50 {percentile(ms, 0.5):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms"
    )
    print(f"memory ({sampler.samples} samples):")
    print("\n".join(sampler.lines()))
    problems = [f"{problem} (×{n})" for problem, n in tally.failures.items()]
    limit = args.max_rss_mb * MB
    problems += [
        f"worker {pid} peaked at {peak // MB} MB > {args.max_rss_mb:g} MB"
        for pid, peak in sampler.high_water.items()
        if peak > limit
    ]
    if not tally.statuses.get(200):
        problems.append("nothing was rendered: the attack did not take place")
    problems += log_problems(log_errors)
    return verdict(problems)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to flood")
    parser.add_argument("--connections", type=int, default=32, help="flooding connections")
    parser.add_argument("--largest", type=int, default=1200, help="largest width of an image")
    parser.add_argument("--max-rss-mb", type=float, default=150.0)
    return parse_bounded(parser, argv, seconds=300.0, connections=128)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with attacked_server(args) as server:
        address = host_port(server.url)
        tally, sampler, elapsed = asyncio.run(run(address, server.process.pid, args))
        time.sleep(2)
        sampler.sample()  # two seconds after: what the worker keeps
        log_errors = server_errors(server.log())
    return report(tally, sampler, elapsed, log_errors, args)


if __name__ == "__main__":
    sys.exit(main())
