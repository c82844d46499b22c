"""HTTP throughput with wrk on loopback: placepix (unique URLs = cache misses; one URL = cache
hits) against a bare Starlette app returning fixed bytes, both under uvicorn with 2 workers."""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile

from tests.server import running_server

WORKERS = 2
PEERS = {"300x200": 3350.0, "1200x800": 400.0}  # dummyimage.com (PHP/GD), from the issue
QUIET = {"PLACEPIX_ACCESS_LOG": "false", "PLACEPIX_LOG_LEVEL": "warning"}
LOGGED = {"PLACEPIX_ACCESS_LOG": "true", "PLACEPIX_LOG_LEVEL": "warning"}  # one line a request
# Each wrk thread walks its own sequence of background colours, from BENCH_START on: every
# request is a new image. BENCH_PREFIX and BENCH_SUFFIX frame the colour in the server's URL
# form (`unique_urls_env`).
UNIQUE_URLS = """
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
function init(args) counter = tonumber(os.getenv("BENCH_START")) end
function request()
  counter = counter + 1
  local colour = string.format("%06x", (counter * 8 + id) % 16777216)
  return wrk.format(nil, os.getenv("BENCH_PREFIX") .. colour .. os.getenv("BENCH_SUFFIX"))
end
"""
PLACEPIX_FORM = "/{size}/{colour}/fff.png"  # background `colour`, text fff, PNG


def unique_urls_env(form: str, size: str, start: int = 0) -> dict[str, str]:
    """wrk's environment for UNIQUE_URLS: URLs of `form` ({size} and {colour} to fill in) at
    this size, colours counted from `start`."""
    prefix, suffix = form.format(size=size, colour="\0").split("\0")
    return os.environ | {"BENCH_PREFIX": prefix, "BENCH_SUFFIX": suffix, "BENCH_START": str(start)}


# What a browser sends with an <img> request: the access log writes the last two down.
BROWSER = {
    "Accept": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Referer": "https://www.example.com/blog/2026/11/a-post-with-placeholders",
}


def wrk(
    url: str,
    seconds: int,
    script: str | None = None,
    env: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    """Run wrk -t2 -c32 and return answers/s, successful (2xx/3xx) answers/s, the share of
    other answers (503s when placepix sheds load), p50 and p99 in ms. Ratios use `ok_rps`:
    a quick 503 is not an image."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make system-deps)")
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url]
    for name, value in (headers or {}).items():
        command[-1:-1] = ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command[1:1] = ["-s", lua.name]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, env=env, timeout=seconds + 30
        ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    failed_share = int(failed.group(1)) / total if failed and total else 0.0
    return {
        "rps": rps,
        "ok_rps": round(rps * (1 - failed_share), 1),
        "failed_pct": round(100 * failed_share, 1),
        "p50_ms": _latency(output, "50%"),
        "p99_ms": _latency(output, "99%"),
        "socket_errors": float(_socket_errors(output)),
    }


def _socket_errors(output: str) -> int:
    """wrk's "Socket errors: connect 0, read 0, write 0, timeout 0", summed (0 when absent)."""
    line = re.search(r"Socket errors:.*", output)
    return sum(int(n) for n in re.findall(r"\d+", line.group(0))) if line else 0


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"^\s+{percentile}\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run(quick: bool = False) -> list[dict[str, object]]:
    seconds, rounds = (3, 3) if quick else (5, 5)
    rows: list[dict[str, object]] = []
    with (
        running_server(QUIET, workers=WORKERS, app="bench.baseline_app:create_app") as base,
        running_server(QUIET, workers=WORKERS) as server,
        running_server(LOGGED, workers=WORKERS) as logged,
    ):
        # Rotate the three, several rounds, and compare medians: the machine is shared.
        hit = "/300x200.png"
        runs = [
            (
                wrk(base.url + hit, seconds, headers=BROWSER),
                wrk(server.url + hit, seconds, headers=BROWSER),
                wrk(logged.url + hit, seconds, headers=BROWSER),
            )
            for _ in range(rounds)
        ]
        baseline = _median_row([b for b, _, _ in runs])
        rows.append({"case": "bare Starlette, fixed bytes", **baseline, "ratio": 1.0})
        for index, case in ((1, "access log off"), (2, "access log on (text, batched)")):
            hits = _median_row([r[index] for r in runs])
            ratio = round(hits["ok_rps"] / baseline["ok_rps"], 2)
            rows.append({"case": f"placepix, one URL (cache hits), {case}", **hits, "ratio": ratio})
        for size, peer in PEERS.items():
            misses = wrk(server.url, seconds * 2, UNIQUE_URLS, unique_urls_env(PLACEPIX_FORM, size))
            rows.append(
                {
                    "case": f"placepix, unique {size} PNG (cache misses)",
                    **misses,
                    "ratio": round(misses["ok_rps"] / peer, 2),
                    "note": f"against dummyimage's {peer:.0f}/s (issue figures)",
                }
            )
    return rows


def _median_row(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}
