"""Send many random and mutated URLs to a placepix server and count the answers by status class.

    python scripts/fuzz.py --start --count 100000          # starts its own 2-worker server
    python scripts/fuzz.py --url http://127.0.0.1:8000 --count 5000 --seconds 60

Raw HTTP/1.1 over asyncio streams (keep-alive), so that it can send what an HTTP library would
refuse: invalid UTF-8, NUL, bad percent-encodings, overlong paths. Exits 1 if any answer is a 5xx
other than 503, or a connection fails or times out.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

SEEDS = [
    "/600x400",
    "/600",
    "/600x400@2x",
    "/600x400.png",
    "/600x400/png",
    "/600x400/000000/FFFFFF",
    "/600x400/000/fff/webp",
    "/600x400/ff0000/fff.png",
    "/600x400/000/fff.png&text=hi",
    "/640x4:3",
    "/16:9x1080",
    "/vga",
    "/hd720",
    "/og.jpg",
    "/300x200/ff0000,128/000,255/",
    "/300x200/?retina=1",
    "/300x200?font_size=40",
    "/300x200/img.webp",
    "/300x200?text=Hello",
    "/300x200?text=%E6%97%A5%E6%9C%AC&font=roboto",
    "/300x200.svg?text=%3Cscript%3E",
    "/300x200/transparent/000.gif",
    "/300x200/f008/0f0c.avif",
    "/300x200/red/white.bmp",
    "/64x64.ico",
    "/300x200.tiff?align=left&padding=10",
    "/t/AAAA",
    "/fonts",
    "/healthz",
]
FORMATS = ["png", "jpg", "jpeg", "webp", "gif", "avif", "svg", "bmp", "tiff", "ico", "xyz", ""]
COLOURS = ["000", "fff", "f0f8", "ff000080", "red", "transparent", "zzz", "ff0000,128", "12345"]
NASTY = [
    "%00",
    "%C3%28",
    "%ED%A0%80",
    "%FF",
    "%",
    "%G1",
    "..",
    "/..",
    "//",
    "@99999x",
    "@0x",
    "x",
    "99999999999999999999",
    "-1",
    "0",
    "|",
    "&",
    "?",
    "#",
    ";",
    "%0A",
    "%0D%0A",
    "\x7f",
    "é",
]


def mutate(url: str, rng: random.Random) -> str:
    """One random change to a URL: a byte flipped, inserted, deleted, or a segment swapped."""
    choice = rng.randrange(7)
    position = rng.randrange(len(url) + 1)
    if choice == 0 and url:
        index = rng.randrange(len(url))
        return url[:index] + chr(rng.randrange(32, 127)) + url[index + 1 :]
    if choice == 1:
        return url[:position] + rng.choice(NASTY) + url[position:]
    if choice == 2 and len(url) > 1:
        return url[:position] + url[position + 1 :]
    if choice == 3:
        return url + rng.choice(["&text=a", "?text=a&text=b", "?retina=1", "&font=../../x", "/"])
    if choice == 4:
        return "".join(f"%{b:02X}" if rng.random() < 0.5 else chr(b) for b in url.encode())
    if choice == 5:
        return url + "?text=" + "A" * rng.choice([10, 499, 500, 501, 3000])
    return url.replace("/", "//", 1)


def generated(rng: random.Random) -> str:
    """A URL from the grammar's pieces, mostly small, sometimes large or absurd."""
    width = rng.choice([1, 10, 64, 300, 1200, 4000, 4001, 0, 123456789])
    height = rng.choice([None, 1, 50, 200, 4000, 99999])
    size = f"{width}" if height is None else f"{width}x{height}"
    if rng.random() < 0.2:
        size += rng.choice(["@2x", "@3x", "@4x"])
    parts = [size] + [rng.choice(COLOURS) for _ in range(rng.randrange(3))]
    fmt = rng.choice(FORMATS)
    url = "/" + "/".join(parts) + (f".{fmt}" if fmt else "")
    if rng.random() < 0.5:
        url += "?text=" + "".join(rng.choice("ab 日😀|%\\n") for _ in range(rng.randrange(20)))
    return url


def next_url(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        url = mutate(rng.choice(SEEDS), rng)
        return mutate(url, rng) if rng.random() < 0.5 else url
    if roll < 0.9:
        return generated(rng)
    return "/" + "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randrange(1, 60)))


def is_big(url: str) -> bool:
    """Skip the slow legitimate renders (4000-pixel sides) most of the time: the point is the
    grammar, and 100 000 URLs must fit in minutes."""
    return "4000" in url or "1080" in url or "hd720" in url or "@3x" in url


class Tally:
    def __init__(self) -> None:
        self.classes: Counter[str] = Counter()
        self.server_errors: list[tuple[int, str]] = []
        self.slowest = (0.0, "")


async def worker(host: str, port: int, urls: asyncio.Queue[str | None], tally: Tally) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while (url := await urls.get()) is not None:
        started = time.perf_counter()
        try:
            status, reader, writer = await exchange(host, port, reader, writer, url)
        except Exception as error:  # count whatever went wrong (and say what), then go on
            tally.classes["connection error"] += 1
            tally.server_errors.append((0, f"{url!r}: {error!r}"))
            reader, writer = await asyncio.open_connection(host, port)
            continue
        elapsed = time.perf_counter() - started
        tally.slowest = max(tally.slowest, (elapsed, url))
        tally.classes[f"{status // 100}xx"] += 1
        if status >= 500 and status != 503:
            tally.server_errors.append((status, url))
    writer.close()


async def exchange(
    host: str, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, url: str
) -> tuple[int, asyncio.StreamReader, asyncio.StreamWriter]:
    """One request on the connection; a new connection when the server closed it."""
    target = url.encode("utf-8", "surrogateescape").replace(b" ", b"%20").replace(b"\r", b"")
    target = target.replace(b"\n", b"")
    writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: fuzz\r\n\r\n")
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15)
    status = int(head.split(b" ", 2)[1])
    headers = head.lower()
    length = 0
    if b"content-length:" in headers:
        length = int(headers.split(b"content-length:")[1].split(b"\r\n")[0])
    await asyncio.wait_for(reader.readexactly(length), 15)
    if b"connection: close" in headers:
        writer.close()
        reader, writer = await asyncio.open_connection(host, port)
    return status, reader, writer


async def run(base: str, count: int, seconds: float, concurrency: int, seed: int) -> Tally:
    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    rng = random.Random(seed)
    tally = Tally()
    urls: asyncio.Queue[str | None] = asyncio.Queue(maxsize=concurrency * 4)
    workers = [asyncio.create_task(worker(host, port, urls, tally)) for _ in range(concurrency)]
    deadline = time.monotonic() + seconds
    sent = 0
    while sent < count and time.monotonic() < deadline:
        url = next_url(rng)
        if is_big(url) and rng.random() < 0.97:
            continue
        await urls.put(url)
        sent += 1
    for _ in workers:
        await urls.put(None)
    await asyncio.gather(*workers)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--start", action="store_true", help="start a placepix server")
    parser.add_argument("--workers", type=int, default=2, help="workers of the started server")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    if args.start:
        sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent))
        from tests.server import running_server

        with running_server({"PLACEPIX_ACCESS_LOG": "false"}, workers=args.workers) as server:
            tally = asyncio.run(
                run(server.url, args.count, args.seconds, args.concurrency, args.seed)
            )
    else:
        tally = asyncio.run(run(args.url, args.count, args.seconds, args.concurrency, args.seed))
    return report(tally, time.perf_counter() - started)


def report(tally: Tally, elapsed: float) -> int:
    total = sum(tally.classes.values())
    print(f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    for name, number in sorted(tally.classes.items()):
        print(f"  {name}: {number}")
    print(f"slowest: {tally.slowest[0] * 1000:.0f} ms for {tally.slowest[1][:120]!r}")
    for status, url in tally.server_errors[:20]:
        print(f"  FAILED {status}: {url[:200]!r}")
    return 1 if tally.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
