"""Start a real `placepix serve` process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    output: IO[bytes]  # a temporary file: a pipe nobody reads would fill up and block the server

    def log(self) -> str:
        """Everything the server printed so far (stops it first)."""
        self.process.terminate()
        self.process.wait(timeout=10)
        self.output.seek(0)
        return self.output.read().decode(errors="replace")


@contextmanager
def running_server(
    env: dict[str, str] | None = None,
    workers: int = 1,
    app: str | None = None,
    python: str = sys.executable,
) -> Iterator[Server]:
    """A `placepix serve` subprocess with `env` added to its environment; stopped on exit.

    `app` ("module:factory") serves another ASGI app the same way instead (benchmarks);
    `python` runs another checkout's placepix (bench/sidebyside.py)."""
    port = free_port()
    full_env = os.environ | {"PLACEPIX_LOG_LEVEL": "info"} | (env or {})
    if app is None:
        # -P: another checkout's interpreter must not import this checkout's placepix from the
        # current directory
        safe_path = ["-P"] if python != sys.executable else []
        command = [python, *safe_path, "-m", "placepix", "serve", "--host", "127.0.0.1"]
    else:
        command = [python, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1"]
        command += ["--no-access-log", "--no-server-header"]
    command += ["--port", str(port), "--workers", str(workers)]
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(command, env=full_env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, output)
        yield Server(url, process, output)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        output.close()


def _wait_until_up(
    url: str, process: subprocess.Popen[bytes], output: IO[bytes], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            out = output.read().decode(errors="replace")
            raise RuntimeError(f"placepix serve exited with {process.returncode}:\n{out}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"placepix serve did not answer on {url} within {timeout}s")


def metric_total(base_url: str, name: str) -> float:
    """The sum of every sample of one metric (all label values) in a server's /metrics."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(float(v) for v in re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))
