"""The small holes (issue 18, row 10), against a placepix server started on 127.0.0.1 with a
token secret: Unicode digits as sizes, extra spellings of a token, a token's limit error that
told what its text holds, answers without nosniff or a Content-Security-Policy, and HEAD that
encoded the whole image. Each probe is one request; the report lists what each got.

    python scripts/attack_small_ones.py --workers 2

Exit status 1 if any probe gets an answer other than the one expected (the status, and for a
token over the limits a message that says nothing of its text), any answer lacks nosniff or a
CSP, HEAD of a new image carries a Content-Length or takes longer than --max-head-ms, or the
server logs an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from placepix.minting import make_token
from scripts._attack import attack_parser, attacked_server, log_problems, parse_bounded, verdict
from scripts._load import NETWORK_ERRORS, Answer, Connection, host_port, machine, server_errors

SECRET = "attack-small-ones"
EMOJI = "😀" * 40


@dataclass(frozen=True)
class Probe:
    """One request and what a safe answer is: one of `statuses`, and a body without `secret`."""

    name: str
    target: str
    statuses: frozenset[int]
    method: str = "GET"
    secret: str = ""  # a word the body must not hold


def probes() -> list[Probe]:
    minted = make_token("jane@example.com", SECRET)
    big = make_token(EMOJI, SECRET, width=4000, height=4000)  # "png with emoji needs..." before
    bad = frozenset({400, 404})
    return [
        Probe("mathematical bold digits", "/" + quote("𝟒𝟎𝟎𝟎x𝟒𝟎𝟎𝟎"), bad),
        Probe("Arabic-Indic digits", "/" + quote("٦٠٠x٤٠٠"), bad),
        Probe("Arabic-Indic font_size", "/300x200?font_size=" + quote("٤٠"), bad),
        Probe("the Kelvin sign in 4k", "/4" + quote("\u212a"), bad),
        Probe("a token", f"/t/{minted}", frozenset({200})),
        Probe("a token, empty format", f"/t/{minted}.", bad),
        Probe("a token, %-encoded", f"/t/%{ord(minted[0]):02X}{minted[1:]}", bad),
        Probe("a token, format alias", f"/t/{minted}.jpg", bad),
        Probe("a token over the limits", f"/t/{big}", frozenset({400}), secret="emoji"),
        Probe("the playground", "/", frozenset({200})),
        Probe("a static file", "/static/playground.js", frozenset({200})),
        Probe("an error", "/300x200/zzz", frozenset({400})),
        Probe("a 404", "/t/", frozenset({400, 404})),
        Probe("a 405", "/300x200.png", frozenset({405}), method="POST"),
        Probe("HEAD of a new image", "/4000x4000/123/fff.webp?text=head", frozenset({200}), "HEAD"),
    ]


async def send_all(address: tuple[str, int], timeout: float) -> list[tuple[Probe, Answer | str]]:
    results: list[tuple[Probe, Answer | str]] = []
    for probe in probes():
        connection = Connection(*address, timeout=timeout)
        try:
            answer = await connection.request(probe.target.encode(), probe.method.encode())
        except NETWORK_ERRORS as error:
            results.append((probe, type(error).__name__))
        else:
            results.append((probe, answer))
        finally:
            connection.close()
    return results


def problems_of(probe: Probe, answer: Answer, max_head_ms: float) -> list[str]:
    found = []
    if answer.status not in probe.statuses:
        found.append(f"{answer.status}, expected {'/'.join(map(str, sorted(probe.statuses)))}")
    if probe.secret and probe.secret in answer.body.decode(errors="replace"):
        found.append(f"the answer says {probe.secret!r}: {answer.body[:80]!r}")
    if answer.headers.get("x-content-type-options") != "nosniff":
        found.append("no X-Content-Type-Options: nosniff")
    if not answer.headers.get("content-security-policy"):
        found.append("no Content-Security-Policy")
    if probe.method == "HEAD" and answer.status == 200:
        if "content-length" in answer.headers:
            found.append("HEAD of a new image has a Content-Length: it was encoded")
        if answer.seconds * 1000 > max_head_ms:
            found.append(f"HEAD took {answer.seconds * 1000:.0f} ms > {max_head_ms:g} ms")
    return found


def report(
    results: list[tuple[Probe, Answer | str]], log_errors: list[str], args: argparse.Namespace
) -> int:
    print(f"# attack_small_ones: {args.workers} workers; {machine()}")
    failures = []
    for probe, answer in results:
        if isinstance(answer, str):
            found = [f"no answer ({answer})"]
            shown = answer
        else:
            found = problems_of(probe, answer, args.max_head_ms)
            body = answer.body[:60].decode(errors="replace").strip()
            shown = f"{answer.status} in {answer.seconds * 1000:.1f} ms {body!r}"
        print(f"{probe.name:<28} {probe.method:<4} {shown}")
        failures += [f"{probe.name}: {problem}" for problem in found]
    failures += log_problems(log_errors)
    return verdict(failures)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = attack_parser(__doc__)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--max-head-ms", type=float, default=100.0)
    return parse_bounded(parser, argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    with attacked_server(args, {"PLACEPIX_SECRET_KEYS": json.dumps([SECRET])}) as server:
        address = host_port(server.url)
        started = time.monotonic()
        results = asyncio.run(send_all(address, args.timeout))
        print(f"{len(results)} probes in {time.monotonic() - started:.1f} s")
        log_errors = server_errors(server.log())
    return report(results, log_errors, args)


if __name__ == "__main__":
    sys.exit(main())
