"""Send many random and mutated URLs to a placepix server and check every answer.

    python scripts/fuzz.py --start --workers 2 --count 100000     # its own server
    python scripts/fuzz.py --url http://127.0.0.1:8000 --count 5000 --seconds 60
    python scripts/fuzz.py --start --env 'PLACEPIX_SECRET_KEYS=["k"]' --seed-url /t/AQD...

Raw HTTP/1.1 over asyncio streams with keep-alive, so that it can send what an HTTP library
would refuse: NUL, invalid UTF-8, bad percent-encodings, overlong targets, odd methods. The URLs
come from generators (see `KINDS`): every format with every colour form and format placement,
the grammar with valid and absurd pieces, mutations of valid URLs (bit flips, bytes inserted and
deleted, segments duplicated or swapped, huge numbers, retina @99999x, empty segments, duplicate
parameters, every byte percent-encoded, invalid UTF-8 and encoded surrogates, NUL), very long
targets, odd or malformed headers (bodies declared on a GET, duplicate Host, upgrades) and pure
random bytes. Sizes are mostly small so that 100 000 URLs take minutes.

Exit status 1 if any answer is a 5xx other than 503, a 503 lacks Retry-After, an image's bytes
do not match its Content-Type, or a connection fails or times out; a server started here must
also have logged no error.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts._load import (
    NETWORK_ERRORS,
    Answer,
    Connection,
    machine,
    server_errors,
    server_or_url,
)

Header = tuple[bytes, bytes]

SMALL_SIZES = ["1", "10", "64", "40x30", "120x80", "300x200", "16:9x90", "120x4:3", "120X90"]
SMALL_SIZES += ["favicon", "avatar", "thumbnail", "microbar", "button2", "FAVICON"]
LARGE_SIZES = ["4000", "4000x4000", "1200x630", "og", "hd1080", "4k", "2000x2000", "1x4000"]
BAD_SIZES = ["0", "0x0", "4001", "4000x4001", "123456789", "1234567890", "9" * 20, "-1x5"]
BAD_SIZES += ["1.5x2", "x10", "10x", "10xx10", "0:0x10", "1:0x10", "10x1:0", "nan", "1e3", ""]
RETINAS = ["@2x", "@3x", "@1x", "@4x", "@0x", "@99999x", "@-1x", "@x", "@2.5x", "@2X", "@"]
COLOURS = ["000", "f0f8", "ff8800", "ff880080", "%23abc", "%23ff880080", "rebeccapurple", "Red"]
COLOURS += ["transparent", "ff0000,128", "000,255", "000,256", "000,-1", "zzz", "12345", "bad"]
COLOURS += ["fff,", ",1", "%20", "ffffffffff"]
FORMATS = ["png", "jpeg", "jpg", "webp", "gif", "avif", "svg", "bmp", "tiff", "tif", "ico"]
FORMATS += ["PNG", "Jpg", "xyz", ""]
PLACEMENTS = ["none", "on size", "on colour", "segment", "file name"]
TEXTS = ["Hi", "Hello+World", "a%0Ab", "a|b", "a\\nb", "%E6%97%A5%E6%9C%AC", "%F0%9F%98%80"]
TEXTS += ["%D7%A9%D7%9C%D7%95%D7%9D", "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7", "%01%02%1F", "%09tab"]
TEXTS += ["%C3%28", "%ED%A0%80", "%80", "%FF", "%C0%AF", "%F4%90%80%80", "%F0%9F%98", "%00"]
TEXTS += ["%", "%G1", "%%", "<script>alert(1)</script>", "%3Csvg%3E", "&", "=", "", "+"]
PARAMS: dict[str, list[str]] = {
    "font": ["lato", "roboto", "noto", "sans", "serif", "nope", "../../etc/passwd", "", "%00"],
    "font_size": ["1", "12", "2000", "2001", "0", "-1", "1e3", "99999999999", "4.5", ""],
    "align": ["left", "center", "right", "justify", "", "LEFT"],
    "padding": ["0", "10", "149", "150", "-1", "99999999999", ""],
    "retina": ["1", "0", "true", "false", "2", ""],
    "distort": ["1", "2", "3", "4", "yes", "on", "0", "off", "maybe"],
    "v": ["2", ""],
    "s": ["AAAA", "", "%00"],
}
NASTY = ["%00", "%C3%28", "%ED%A0%80", "%ED%B0%80", "%FF", "%", "%G1", "%0", "..", "/..", "//"]
NASTY += ["@99999x", "@0x", "x", "9" * 30, "-1", "0", "|", "&", "?", "#", ";", "%0A", "%0D%0A"]
NASTY += ["\\", "%2F", "%2E%2E", "é", "\x7f", "\x00", "\xff", " ", "&text=", "?text="]
ODD_METHODS = [b"POST", b"PUT", b"DELETE", b"OPTIONS", b"PATCH", b"TRACE", b"get", b"G\x00T"]
SEEDS = ["/600x400", "/600", "/600x400@2x", "/600x400.png", "/600x400/png", "/640x4:3"]
SEEDS += ["/600x400/000000/FFFFFF", "/600x400/000/fff/webp", "/600x400/ff0000/fff.png", "/vga"]
SEEDS += ["/600x400/000/fff.png&text=hi", "/16:9x1080", "/og.jpg", "/300x200/ff0000,128/000,255/"]
SEEDS += ["/300x200/?retina=1", "/300x200?font_size=40", "/300x200/img.webp", "/64x64.ico"]
SEEDS += ["/300x200?text=Hello&font=roboto&align=left&padding=10", "/300x200.svg?text=%3Cb%3E"]
SEEDS += ["/300x200/transparent/000.gif", "/300x200/f008/0f0c.avif", "/300x200/red/white.bmp"]
SEEDS += ["/300x200.tiff?distort=1&text=x", "/t/AAAA", "/fonts", "/healthz", "/info.json", "/"]
SEEDS += ["/static/", "/readyz", "/metrics", "/300x200.png.png", "/300x200/000/fff/000"]


@dataclass
class Probe:
    """One request to send: which generator made it, method, exact target bytes, headers."""

    kind: str
    target: bytes
    method: bytes = b"GET"
    headers: list[Header] = field(default_factory=list)


def text_of(url: str) -> bytes:
    """A URL written as text, as bytes: characters U+0000-U+00FF are sent as that one byte,
    so that NASTY can hold raw NUL, DEL and 0xFF; anything above as UTF-8."""
    return url.encode("latin-1") if max(url, default="\0") <= "\xff" else url.encode()


def grammar_url(rng: random.Random, size_pool: list[str] | None = None) -> str:
    """A URL built from the grammar's pieces: size, retina, colours, format, parameters."""
    size = rng.choice(size_pool or pick_size_pool(rng))
    if rng.random() < 0.15:
        size += rng.choice(RETINAS)
    colours = [rng.choice(COLOURS) for _ in range(rng.choice([0, 0, 1, 2, 2, 3]))]
    url = with_format(size, colours, rng.choice(FORMATS), rng.choice(PLACEMENTS))
    if rng.random() < 0.1:
        url += "&text=" + rng.choice(TEXTS)  # dummyimage.com's text in the path
    return url + query(rng)


def pick_size_pool(rng: random.Random) -> list[str]:
    """Mostly small images; some absurd sizes; large ones rarely (they take real time)."""
    roll = rng.random()
    return SMALL_SIZES if roll < 0.88 else BAD_SIZES if roll < 0.99 else LARGE_SIZES


def with_format(size: str, colours: list[str], fmt: str, placement: str) -> str:
    """The path for size, colours and format, the format placed as the grammar allows."""
    if not fmt or placement == "none":
        return "/" + "/".join([size, *colours])
    if placement == "on size":
        return "/" + "/".join([f"{size}.{fmt}", *colours])
    if placement == "on colour" and colours:
        return "/" + "/".join([size, *colours]) + f".{fmt}"
    if placement == "file name":
        return "/" + "/".join([size, *colours, f"img.{fmt}"])
    return "/" + "/".join([size, *colours, fmt])


def query(rng: random.Random) -> str:
    """A query string: some known parameters (sometimes twice), sometimes unknown ones."""
    if rng.random() < 0.4:
        return ""
    pairs = []
    if rng.random() < 0.6:
        pairs.append(("text", rng.choice(TEXTS) if rng.random() < 0.8 else "A" * rng_len(rng)))
    for name in rng.sample(list(PARAMS), rng.randrange(3)):
        pairs.append((name, rng.choice(PARAMS[name])))
    if pairs and rng.random() < 0.05:
        pairs.append(rng.choice(pairs))  # a parameter given twice
    if rng.random() < 0.05:
        pairs.append(rng.choice([("", "x"), ("text", ""), ("&", "")]))
    return "?" + "&".join(f"{name}={value}" if name != "&" else "" for name, value in pairs)


def rng_len(rng: random.Random) -> int:
    """Text lengths around the 500-character limit, and beyond."""
    return rng.choice([1, 50, 499, 500, 501, 1000, 2100])


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One random change to a target's bytes."""
    return rng.choice(MUTATIONS)(data, rng)


def _flip_bit(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    index = rng.randrange(len(data))
    return data[:index] + bytes([data[index] ^ (1 << rng.randrange(8))]) + data[index + 1 :]


def _insert_byte(data: bytes, rng: random.Random) -> bytes:
    index = rng.randrange(len(data) + 1)
    return data[:index] + bytes([rng.randrange(256)]) + data[index:]


def _insert_nasty(data: bytes, rng: random.Random) -> bytes:
    index = rng.randrange(len(data) + 1)
    return data[:index] + text_of(rng.choice(NASTY)) + data[index:]


def _delete_byte(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    index = rng.randrange(1, len(data))
    return data[:index] + data[index + 1 :]


def _duplicate_segment(data: bytes, rng: random.Random) -> bytes:
    path, mark, rest = data.partition(b"?")
    segments = path.split(b"/")
    index = rng.randrange(len(segments))
    segments.insert(index, segments[index])
    return b"/".join(segments) + mark + rest


def _swap_segments(data: bytes, rng: random.Random) -> bytes:
    path, mark, rest = data.partition(b"?")
    segments = path.split(b"/")
    if len(segments) > 2:
        first, second = rng.sample(range(1, len(segments)), 2)
        segments[first], segments[second] = segments[second], segments[first]
    return b"/".join(segments) + mark + rest


def _huge_number(data: bytes, rng: random.Random) -> bytes:
    digits = [index for index, byte in enumerate(data) if 48 <= byte <= 57]
    if not digits:
        return data + b"/" + b"9" * rng.choice([10, 19, 40])
    index = rng.choice(digits)
    return data[:index] + rng.choice([b"9" * 10, b"9" * 19, b"9" * 400, b"00000001"]) + data[index:]


def _retina_overflow(data: bytes, rng: random.Random) -> bytes:
    path, mark, rest = data.partition(b"?")
    head, slash, tail = path[1:].partition(b"/")
    scale = rng.choice([b"@99999x", b"@3x", b"@4x", b"@2x@2x", b"@1e9x"])
    return b"/" + head + scale + slash + tail + mark + rest


def _empty_segment(data: bytes, rng: random.Random) -> bytes:
    slashes = [index for index, byte in enumerate(data) if byte == 47]
    index = rng.choice(slashes) if slashes else 0
    return data[:index] + b"/" + data[index:]


def _duplicate_parameter(data: bytes, rng: random.Random) -> bytes:
    joiner = b"&" if b"?" in data else b"?"
    extra = rng.choice([b"text=a&text=b", b"retina=1", b"font=x&font=y", b"text=a", b"s=1&s=2"])
    if rng.random() < 0.3:
        return data.replace(b"?", b"&text=dup?", 1) if b"?" in data else data + b"&text=a?text=b"
    return data + joiner + extra


def _encode_every_byte(data: bytes, rng: random.Random) -> bytes:
    share = rng.choice([1.0, 0.5, 0.1])
    return b"".join(
        b"%%%02X" % byte if byte != 47 and rng.random() < share else bytes([byte]) for byte in data
    )


def _invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    bad = rng.choice([b"%C3%28", b"%ED%A0%80", b"%ED%BF%BF", b"%80", b"%FF", b"%C0%AF", b"\xc3("])
    if b"text=" in data:
        return data.replace(b"text=", b"text=" + bad, 1)
    return data + (b"&" if b"?" in data else b"?") + b"text=" + bad


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data) + 1)]


def _swap_case(data: bytes, rng: random.Random) -> bytes:
    return data.swapcase() if rng.random() < 0.5 else data.upper()


def _lengthen(data: bytes, rng: random.Random) -> bytes:
    """Targets around max_url_length (2048) and far beyond it (up to the header limit)."""
    length = rng.choice([2047, 2048, 2049, 4096, 30_000])
    filler = rng.choice([b"a", b"%41", b"/", b"9"])
    joiner = b"&" if b"?" in data else b"?"
    padded = data + joiner + b"text=" + filler * length
    return padded[: max(length, len(data))]


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [
    _flip_bit,
    _insert_byte,
    _insert_nasty,
    _insert_nasty,
    _delete_byte,
    _duplicate_segment,
    _swap_segments,
    _huge_number,
    _retina_overflow,
    _empty_segment,
    _duplicate_parameter,
    _encode_every_byte,
    _invalid_utf8,
    _invalid_utf8,
    _truncate,
    _swap_case,
    _lengthen,
]


def mutated(rng: random.Random, seeds: list[str]) -> bytes:
    """A valid URL (a seed or from the grammar), changed one to three times."""
    base = rng.choice(seeds) if rng.random() < 0.5 else grammar_url(rng, SMALL_SIZES)
    data = text_of(base)
    for _ in range(rng.choice([1, 1, 2, 3])):
        data = mutate(data, rng)
    return data


def random_target(rng: random.Random) -> bytes:
    """Pure noise after a slash: printable, any byte but the request line's separators, or
    any byte at all (which the HTTP parser must refuse cleanly)."""
    length = rng.choice([1, 5, 20, 60, 200])
    roll = rng.random()
    if roll < 0.5:
        return b"/" + bytes(rng.randrange(33, 127) for _ in range(length))
    allowed = [b for b in range(256) if b not in (10, 13, 32)] if roll < 0.85 else range(256)
    return b"/" + bytes(rng.choice(allowed) for _ in range(length))


ODD_HEADERS: list[list[Header]] = [
    [(b"Content-Length", b"-1")],
    [(b"Content-Length", b"5")],  # and no body
    [(b"Content-Length", b"1"), (b"Content-Length", b"2")],
    [(b"Content-Length", b"99999999999999999999")],
    [(b"Transfer-Encoding", b"chunked")],
    [(b"Transfer-Encoding", b"chunked"), (b"Content-Length", b"3")],
    [(b"Transfer-Encoding", b"gzip, chunked")],
    [(b"Expect", b"100-continue")],
    [(b"Host", b"")],
    [(b"Host", b"a"), (b"Host", b"b")],
    [(b"X-Folded", b"a\r\n b")],
    [(b"Bad Name", b"x")],
    [(b"X-Many-%d" % n, b"x") for n in range(500)],
    [(b"Connection", b"Upgrade"), (b"Upgrade", b"websocket"), (b"Sec-WebSocket-Version", b"13"),
     (b"Sec-WebSocket-Key", b"dGhlIHNhbXBsZSBub25jZQ==")],
    [(b"Connection", b"Upgrade, HTTP2-Settings"), (b"Upgrade", b"h2c"),
     (b"HTTP2-Settings", b"AAMAAABkAARAAAAAAAIAAAAA")],
    [(b"If-None-Match", b"*")],
    [(b"Accept-Encoding", b"gzip, br, zstd, *;q=0")],
    [(b"Range", b"bytes=0-10")],
]  # fmt: skip


def odd_headers(rng: random.Random) -> Probe:
    """A valid small URL with headers that are odd, contradictory or malformed; the connection
    closes after it, since a server may take a declared body from the next request's bytes."""
    headers = [*rng.choice(ODD_HEADERS), (b"Connection", b"close")]
    return Probe("headers", text_of(grammar_url(rng, SMALL_SIZES)), headers=headers)


def systematic_urls() -> list[str]:
    """Every format, in every placement, with every colour form as background and as
    foreground, on a tiny image: the grammar's whole cross product, sent once per run."""
    urls = []
    for fmt in FORMATS:
        for placement in PLACEMENTS:
            for colour in COLOURS:
                urls.append(with_format("40x30", [colour], fmt, placement))
                urls.append(with_format("40x30", ["000", colour], fmt, placement))
    return urls


class Generator:
    """The stream of probes: the systematic list interleaved with random kinds, seeded."""

    KINDS = ("systematic", "grammar", "mutated", "long", "headers", "random")

    def __init__(self, seed: int, extra_seeds: list[str] | None = None) -> None:
        self.rng = random.Random(seed)
        self.seeds = SEEDS + (extra_seeds or []) * 10  # given seeds: a good share of mutations
        self.systematic = systematic_urls()
        self.rng.shuffle(self.systematic)
        self.etags: list[str] = []  # seen in answers, sent back in If-None-Match

    def __next__(self) -> Probe:
        rng = self.rng
        if self.systematic and rng.random() < 0.25:
            probe = Probe("systematic", text_of(self.systematic.pop()))
        else:
            roll = rng.random()
            if roll < 0.40:
                probe = Probe("grammar", text_of(grammar_url(rng)))
            elif roll < 0.88:
                probe = Probe("mutated", mutated(rng, self.seeds))
            elif roll < 0.90:
                probe = Probe("long", _lengthen(text_of(grammar_url(rng, SMALL_SIZES)), rng))
            elif roll < 0.92:
                return odd_headers(rng)
            else:
                probe = Probe("random", random_target(rng))
        self.decorate(probe)
        return probe

    def decorate(self, probe: Probe) -> None:
        """Sometimes HEAD or an odd method; sometimes If-None-Match (a seen ETag or junk)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            probe.method = b"HEAD"
        elif roll < 0.08:
            probe.method = rng.choice(ODD_METHODS)
        if rng.random() < 0.05:
            junk = ["*", '"x"', 'W/"x", "y"', "", "\x00", '"' * 50]
            tag = rng.choice(self.etags) if self.etags and rng.random() < 0.6 else rng.choice(junk)
            probe.headers.append((b"If-None-Match", text_of(tag)))


MAGIC = {
    "image/png": [b"\x89PNG"],
    "image/jpeg": [b"\xff\xd8"],
    "image/gif": [b"GIF8"],
    "image/bmp": [b"BM"],
    "image/tiff": [b"II*\x00", b"MM\x00*"],
    "image/x-icon": [b"\x00\x00\x01\x00"],
    "image/svg+xml": [b"<svg", b"<?xml"],
}


def body_matches_type(answer: Answer) -> bool:
    """An image's first bytes are those of the format its Content-Type names."""
    media_type = answer.headers.get("content-type", "").split(";")[0].strip()
    if media_type == "image/avif":
        return answer.body[4:12] in (b"ftypavif", b"ftypavis")
    if media_type == "image/webp":
        return answer.body[:4] == b"RIFF" and answer.body[8:12] == b"WEBP"
    prefixes = MAGIC.get(media_type)
    if prefixes is None:
        return not media_type.startswith("image/")  # an image type this check does not know
    return answer.body.startswith(tuple(prefixes))


@dataclass
class Tally:
    """What the answers were: by status class, by status, by kind; failures and notes."""

    classes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    note_samples: dict[str, str] = field(default_factory=dict)
    slowest: list[tuple[float, bytes]] = field(default_factory=list)

    def record(self, probe: Probe, answer: Answer) -> None:
        status_class = f"{answer.status // 100}xx"
        self.classes[status_class] += 1
        self.statuses[answer.status] += 1
        self.kinds[probe.kind, status_class] += 1
        self.slowest = sorted([*self.slowest, (answer.seconds, probe.target)], reverse=True)[:5]
        for problem in problems(probe, answer):
            self.failures.append(f"{problem}: {describe(probe)}")
        note = remark(probe, answer)
        if note:
            self.notes[note] += 1
            self.note_samples.setdefault(note, describe(probe))

    def error(self, probe: Probe, error: BaseException) -> None:
        self.classes["connection error/timeout"] += 1
        self.kinds[probe.kind, "error"] += 1
        self.failures.append(f"{type(error).__name__} {error}: {describe(probe)}")


def problems(probe: Probe, answer: Answer) -> list[str]:
    """What is wrong with an answer (nothing, for most)."""
    found = []
    if answer.status >= 500 and answer.status != 503:
        found.append(f"{answer.status} {answer.body[:80]!r}")
    if answer.status == 503 and "retry-after" not in answer.headers:
        found.append("503 without Retry-After")
    if answer.status == 200 and probe.method == b"GET" and not body_matches_type(answer):
        found.append(f"body is not {answer.headers.get('content-type')}")
    return found


def remark(probe: Probe, answer: Answer) -> str | None:
    """Something worth a line in the report, not a failure: a 4xx without no-store (uvicorn's
    own answer to a request line it cannot parse has none; a HEAD shows no body to tell)."""
    if 400 <= answer.status < 500 and "no-store" not in answer.headers.get("cache-control", ""):
        seen = answer.body[:40] if probe.method != b"HEAD" else "HEAD, no body"
        return f"{answer.status} without Cache-Control: no-store ({seen!r})"
    return None


def describe(probe: Probe) -> str:
    method = "" if probe.method == b"GET" else probe.method.decode("latin-1") + " "
    headers = "".join(f" [{n.decode()}: {v[:30]!r}]" for n, v in probe.headers)
    target = probe.target if len(probe.target) <= 200 else probe.target[:200] + b"..."
    return f"{method}{target!r}{headers} ({probe.kind}, {len(probe.target)} bytes)"


async def client(
    address: tuple[str, int],
    probes: asyncio.Queue[Probe | None],
    tally: Tally,
    etags: list[str],
    timeout: float,
) -> None:
    """Take probes off the queue and send them over one keep-alive connection."""
    connection = Connection(*address, timeout=timeout)
    while (probe := await probes.get()) is not None:
        try:
            answer = await connection.request(probe.target, probe.method, probe.headers)
        except NETWORK_ERRORS as error:
            tally.error(probe, error)
            connection.close()
            continue
        tally.record(probe, answer)
        if "etag" in answer.headers and len(etags) < 200:
            etags.append(answer.headers["etag"])
    connection.close()


async def run(
    address: tuple[str, int], args: argparse.Namespace, generator: Generator
) -> tuple[Tally, int]:
    """Send up to `args.count` probes within `args.seconds` from `args.concurrency`
    connections."""
    tally = Tally()
    probes: asyncio.Queue[Probe | None] = asyncio.Queue(maxsize=args.concurrency * 4)
    clients = [
        asyncio.create_task(client(address, probes, tally, generator.etags, 60))
        for _ in range(args.concurrency)
    ]
    deadline = time.monotonic() + args.seconds
    sent = 0
    while sent < args.count and time.monotonic() < deadline:
        await probes.put(next(generator))
        sent += 1
    for _ in clients:
        await probes.put(None)
    await asyncio.gather(*clients)
    return tally, len(generator.systematic)


def report(tally: Tally, elapsed: float, systematic_left: int, log_errors: list[str]) -> int:
    """Print the figures; 1 if anything failed."""
    total = sum(tally.classes.values())
    print(f"{total} requests in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    for name in ("2xx", "3xx", "4xx", "5xx", "connection error/timeout"):
        print(f"  {name}: {tally.classes.get(name, 0)}")
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(tally.statuses.items()))
    print(f"by status: {statuses}")
    for kind in Generator.KINDS:
        row = {name: n for (k, name), n in tally.kinds.items() if k == kind}
        shares = ", ".join(f"{name} {n}" for name, n in sorted(row.items()))
        print(f"  {kind}: {sum(row.values())} ({shares})")
    print(f"systematic URLs not reached: {systematic_left}")
    for seconds, target in tally.slowest:
        print(f"slow: {seconds * 1000:.0f} ms for {target[:120]!r}")
    for note, number in tally.notes.most_common():
        print(f"note: {number} x {note}, e.g. {tally.note_samples[note]}")
    for failure in tally.failures[:20]:
        print(f"FAILED {failure}")
    for line in log_errors[:20]:
        print(f"SERVER LOG {line}")
    print(f"failures: {len(tally.failures)}, server log errors: {len(log_errors)}")
    return 1 if tally.failures or log_errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="server to fuzz")
    parser.add_argument("--start", action="store_true", help="start a placepix server here")
    parser.add_argument("--workers", type=int, default=2, help="workers of the started server")
    parser.add_argument("--count", type=int, default=100_000, help="requests at most")
    parser.add_argument("--seconds", type=float, default=300, help="time at most")
    parser.add_argument("--concurrency", type=int, default=32, help="connections")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--seed-url", action="append", default=[], help="another valid URL to mutate (repeat)"
    )
    parser.add_argument(
        "--env", action="append", default=[], help="NAME=VALUE for the started server (repeat)"
    )
    args = parser.parse_args(argv)
    print(f"machine: {machine()}; seed {args.seed}")
    env = {"PLACEPIX_ACCESS_LOG": "false"} | dict(pair.split("=", 1) for pair in args.env)
    generator = Generator(args.seed, args.seed_url)
    with server_or_url(args.start, args.url, None, env, args.workers) as target:
        started = time.perf_counter()
        tally, left = asyncio.run(run(target.address, args, generator))
        elapsed = time.perf_counter() - started
        log_errors = server_errors(target.read_log()) if target.read_log else []
    return report(tally, elapsed, left, log_errors)


if __name__ == "__main__":
    sys.exit(main())
