"""Start a real `placepix serve` process on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
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
        return read_output(self.output)


@contextmanager
def running_server(
    env: dict[str, str] | None = None,
    workers: int = 1,
    app: str | None = None,
    python: str = sys.executable,
    cwd: str | None = None,
    prefix: Sequence[str] = (),
) -> Iterator[Server]:
    """A `placepix serve` subprocess with `env` added to its environment; stopped on exit.

    `app` ("module:factory") serves another ASGI app the same way instead (benchmarks);
    `python` runs another checkout's placepix (bench/sidebyside.py), from `cwd` (`-m` puts
    the working directory first on sys.path); `prefix` runs the command under another, such
    as `hiding()`'s."""
    port = free_port()
    full_env = os.environ | {"PLACEPIX_LOG_LEVEL": "info"} | (env or {})
    if app is None:
        command = [python, "-m", "placepix", "serve", "--host", "127.0.0.1"]
    else:
        command = [python, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1"]
        command += ["--no-access-log", "--no-server-header"]
    command += ["--port", str(port), "--workers", str(workers)]
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below)
    process = subprocess.Popen(
        [*prefix, *command], env=full_env, stdout=output, stderr=subprocess.STDOUT, cwd=cwd
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, output)
        yield Server(url, process, output)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        output.close()


def wait_until_up(
    url: str,
    process: subprocess.Popen[bytes],
    output: IO[bytes],
    timeout: float = 30,
    *,
    name: str = "placepix serve",
    interval: float = 0.1,
) -> None:
    """Poll `url`/healthz every `interval` seconds until it answers 200, then wait until the
    workers have checked their render stack, all within `timeout`: tests may then use the
    server. `process` is what serves it (a placepix, or the container runtime that runs one);
    if it exits or time runs out, a RuntimeError names it (`name`) and shows its `output`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = read_output(output)
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{out}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                wait_until_checked(url, deadline - time.monotonic())
                return
        except httpx.TransportError:
            pass
        time.sleep(interval)
    out = read_output(output)
    raise RuntimeError(f"{name} did not answer on {url} within {timeout:g}s:\n{out}")


def read_output(output: IO[bytes]) -> str:
    """All a server has written so far to `output` (a temporary file), as text."""
    output.seek(0)
    return output.read().decode(errors="replace")


def wait_until_checked(url: str, timeout: float, answers: int = 4) -> None:
    """Wait until the workers have checked their render stack: `answers` /readyz answers in a
    row, each on a new connection (so from any worker), that no longer say "starting" (ready,
    or 503 with the reason). Tests may then take /readyz at its word."""
    deadline, settled = time.monotonic() + max(timeout, 1.0), 0
    while settled < answers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}/readyz still says 'starting' after {timeout:.0f}s")
        starting = httpx.get(f"{url}/readyz", timeout=5).text.startswith("starting")
        settled = 0 if starting else settled + 1
        if starting:
            time.sleep(0.05)


def metric_total(base_url: str, name: str) -> float:
    """The sum of every sample of one metric (all label values) in a server's /metrics."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return sum(float(v) for v in re.findall(rf"^{name}(?:\{{[^}}]*\}})? (\S+)$", text, re.M))


def hiding(path: str, empty: str) -> list[str]:
    """A command prefix that runs its command with `path` (a directory) hidden behind the empty
    directory `empty`, in a private mount namespace: nothing outside the command sees it.
    Needs the right to unshare (root, or user namespaces)."""
    script = f'mount --bind "{empty}" "{path}" && exec "$@"'
    user = [] if os.geteuid() == 0 else ["--map-root-user"]
    return ["unshare", "--mount", *user, "sh", "-c", script, "sh"]


def can_hide() -> bool:
    """Whether `hiding()` works on this machine."""
    try:
        probe = hiding("/tmp", "/tmp")
        return subprocess.run([*probe, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
