"""What a real `placepix serve` writes: access lines an operator can use (request ids taken or
made, and echoed), every line JSON under log_format=json, no line lost on SIGTERM, and client
addresses from X-Forwarded-For only from the proxies it was told to trust."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server import running_server

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def access_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if re.match(rf"{ISO} \S+ \"", line)]


@pytest.mark.e2e
def test_text_lines_carry_time_request_referer_agent_and_the_request_id() -> None:
    with running_server() as server:
        given = httpx.get(
            f"{server.url}/40x30.png?text=a",
            headers={
                "X-Request-ID": "req-7f3a",
                "Referer": "https://site.example/p",
                "User-Agent": "probe/1",
            },
            timeout=10,
        )
        made = httpx.get(f"{server.url}/0x0", headers={"X-Request-ID": "bad id; x"}, timeout=10)
        log = server.log()
    assert given.headers["x-request-id"] == "req-7f3a"
    assert made.status_code == 400 and re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]+", made.headers["x-request-id"]
    )
    first, second = access_lines(log)
    size = len(given.content)
    assert re.fullmatch(
        rf'{ISO} 127\.0\.0\.1 "GET /40x30\.png\?text=a" 200 {size} [\d.]+ms '
        r'"https://site\.example/p" "probe/1" req-7f3a',
        first,
    ), first
    assert second.endswith(
        f' "-" "python-httpx/{httpx.__version__}" {made.headers["x-request-id"]}'
    )
    assert "bad id" not in log


@pytest.mark.e2e
def test_under_json_every_line_is_an_object() -> None:
    """Both processes' uvicorn lines (supervisor and workers), access lines and errors."""
    env = {"PLACEPIX_LOG_FORMAT": "json"}
    with running_server(env, workers=2) as server:
        for path in ("/20x20.png", "/0x0", "/static/missing.css"):
            httpx.get(server.url + path, headers={"Referer": 'x" y'}, timeout=10)
        log = server.log()
    lines = [line for line in log.splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    loggers = {e["logger"] for e in entries}
    assert {"uvicorn.error", "placepix.access"} <= loggers, loggers
    access = [e for e in entries if e["logger"] == "placepix.access"]
    assert sorted(e["status"] for e in access) == [200, 400, 404]  # two workers: any order
    assert all(e["referer"] == 'x" y' and e["request_id"] for e in access)
    assert any("Started parent process" in e.get("message", "") for e in entries)


@pytest.mark.e2e
def test_no_line_is_lost_on_sigterm() -> None:
    """Lines wait in the workers (flush interval far away) until SIGTERM writes them."""
    env = {"PLACEPIX_LOG_FLUSH_SECONDS": "60"}
    count = 300
    with running_server(env, workers=2) as server, httpx.Client(timeout=30) as client:

        def get(index: int) -> int:
            return client.get(f"{server.url}/16x16.png?text=n{index}").status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get, range(count))) == {200}
        log = server.log()  # SIGTERM, wait for the exit, read
    numbers = [int(n) for line in access_lines(log) for n in re.findall(r"text=n(\d+)", line)]
    assert sorted(numbers) == list(range(count))


@pytest.mark.e2e
def test_x_forwarded_for_only_from_a_trusted_proxy() -> None:
    spoof = {"X-Forwarded-For": "203.0.113.9"}
    with running_server() as untrusting:
        httpx.get(f"{untrusting.url}/10x10.png", headers=spoof, timeout=10)
        log = untrusting.log()
    assert access_lines(log)[0].split()[1] == "127.0.0.1" and "203.0.113.9" not in log
    with running_server({"PLACEPIX_FORWARDED_ALLOW_IPS": "127.0.0.1"}) as trusting:
        httpx.get(f"{trusting.url}/10x10.png", headers=spoof, timeout=10)
        log = trusting.log()
    assert access_lines(log)[0].split()[1] == "203.0.113.9"


@pytest.mark.e2e
def test_a_bad_proxy_list_stops_the_start() -> None:
    with_bad = {"PLACEPIX_FORWARDED_ALLOW_IPS": "10.0.0.0/8,proxy.example"}
    try:
        with running_server(with_bad):
            raise AssertionError("started with a bad PLACEPIX_FORWARDED_ALLOW_IPS")
    except RuntimeError as error:
        assert "PLACEPIX_FORWARDED_ALLOW_IPS" in str(error) and "proxy.example" in str(error)


def test_under_json_even_a_failed_start_says_why_in_json() -> None:
    env = os.environ | {"PLACEPIX_LOG_FORMAT": "json", "PLACEPIX_PORT": "eighty"}
    result = subprocess.run(
        [sys.executable, "-m", "placepix", "serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "error" and "PLACEPIX_PORT" in entry["message"], entry
